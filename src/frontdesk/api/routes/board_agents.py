"""A supervisor changes an agent's presence from the wallboard: a break, or ready again.

`PUT /api/board/agents/{agent_id}/presence {"ready": false, "reason": "meeting"}` — for an
agent who walked away with their phone still registered (every offer to them rings out until
the routing engine's miss limit benches them), one called into a meeting, or one left on a
break. Allowed to admins and to supervisors of one of the agent's teams (an agent of no team
serves every team, so every supervisor); others get 404, as for an agent they cannot see.
The routing engine decides as it does for the agent's own desk: an agent on a call or being
offered one is refused (409 `presence_refused`) — the call is not interrupted. Each change is
logged as `presence.set` (who, by whom, what), which the agent's desk shows them.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from frontdesk.accounts.model import Principal
from frontdesk.accounts.policy import can_set_presence
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import not_found
from frontdesk.api.routes.desk import Presence, apply_presence
from frontdesk.api.routes.desk_tasks import teams_of
from frontdesk.api.security import supervisor

router = APIRouter(prefix="/api/board", tags=["wallboard"])


@router.put(
    "/agents/{agent_id}/presence",
    summary="Put an agent on a break or make them ready (their teams' supervisors)",
)
async def set_agent_presence(
    agent_id: str, body: Presence, who: Principal = Depends(supervisor),
    context: AppContext = Depends(ctx),
) -> dict[str, str]:  # fmt: skip
    if context.company().agent(agent_id) is None or not can_set_presence(
        who, agent_id, teams_of(context, agent_id)
    ):
        raise not_found("agent", agent_id)
    answer = apply_presence(context, agent_id, body)
    context.event_log.append(context.clock.wall(), "presence.set", None, agent_id=agent_id,
                             by=who.username, ready=body.ready, reason=body.reason)  # fmt: skip
    return answer
