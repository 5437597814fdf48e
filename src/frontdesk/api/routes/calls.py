"""Calls: the live list, one call's screen pop and history, and the agent's after-call work.

Who may see a call follows `accounts.policy.can_view_call`: admins every call, supervisors the
calls of their teams, agents the calls they handled (or that are ringing them now).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from frontdesk.accounts import policy
from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import forbidden, not_found
from frontdesk.api.security import agent, principal
from frontdesk.desk.live_calls import describe, live_calls, teams_of
from frontdesk.desk.presence import PresenceBook
from frontdesk.desk.screen_pop import screen_pop
from frontdesk.desk.wrapups import WrapUp
from frontdesk.sip import SipParseError
from frontdesk.sip.uri import SipUri, parse_uri

router = APIRouter(prefix="/api/calls", tags=["calls"])


@router.get("/live", summary="Calls Frontdesk holds right now")
async def live(
    who: Principal = Depends(principal), context: AppContext = Depends(ctx)
) -> list[Any]:
    calls = live_calls(context.centre, context.clock.wall())
    return [c for c in calls
            if any(policy.can_view_call(who, team, c["agent"])
                   for team in teams_of(context.centre, c))]  # fmt: skip


def _handled_by(context: AppContext, call_id: str, agent_id: str | None) -> bool:
    """Is this agent ringing for, talking with or wrapping up this call?"""
    if agent_id is None:
        return False
    line = context.centre.lines.get((call_id, agent_id))
    if line is not None:
        return True
    book: PresenceBook = context.extras["presence"]
    if book.of(agent_id).last_call == call_id:
        return True
    return any(w["agent_id"] == agent_id for w in context.wrapups.of_call(call_id))


@router.get("/{call_id}/pop", summary="The screen pop of a live call")
async def pop(
    call_id: str, who: Principal = Depends(principal), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    found = screen_pop(context.centre, call_id, context.clock.now())
    if found is None:
        raise not_found("call", call_id)
    supervising = who.agent_id is None and policy.can_view_call(who, found["team"], None)
    if not (supervising or _handled_by(context, call_id, who.agent_id)):
        raise forbidden("This call is not yours to see.")
    return found


@router.get("/{call_id}", summary="One call: its live state, events and wrap-ups")
async def call_detail(
    call_id: str, who: Principal = Depends(principal), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    events = [e for e in context.event_log.read(call_id=call_id)]
    live_call = context.centre.live.get(call_id)
    described = describe(context.centre, live_call, context.clock.wall()) if live_call else None
    if not events and described is None:
        raise not_found("call", call_id)
    team, agents = _team_and_agents(context, events, described)
    teams = teams_of(context.centre, described) if team is None and described else (team,)
    if not (any(policy.can_view_call(who, t, a) for t in teams for a in agents or [None])
            or _handled_by(context, call_id, who.agent_id)):  # fmt: skip
        raise forbidden("This call is not yours to see.")
    return {
        "call_id": call_id, "live": described, "team": team, "agents": sorted(agents),
        "events": [{"seq": e.seq, "at": e.at, "kind": e.kind, "data": dict(e.data)}
                   for e in events],
        "wrapups": context.wrapups.of_call(call_id),
    }  # fmt: skip


def _team_and_agents(
    context: AppContext, events: list[Any], described: dict[str, Any] | None
) -> tuple[str | None, set[str]]:
    queue, agents = None, set()
    for event in events:
        queue = event.data.get("queue") or queue
        if event.data.get("agent_id"):
            agents.add(str(event.data["agent_id"]))
        if event.kind == "call.connected" and event.data.get("agent"):
            agents.add(str(event.data["agent"]))
    if described is not None:
        queue = described["queue"] or queue
        if described["agent"]:
            agents.add(described["agent"])
    team = context.centre.team_of(queue) if queue else None
    return team, agents


class WrapUpBody(BaseModel):
    disposition: str = Field(min_length=1, max_length=64)
    notes: str = Field(default="", max_length=20_000)
    next_action_at: float | None = None


@router.post("/{call_id}/wrapup", summary="Save the disposition, notes and next action")
async def wrap_up(
    call_id: str, body: WrapUpBody, who: Principal = Depends(agent),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:  # fmt: skip
    agent_id = str(who.agent_id)
    if not _handled_by(context, call_id, agent_id):
        raise forbidden("Only the agent who took this call can wrap it up.")
    book: PresenceBook = context.extras["presence"]
    presence = book.of(agent_id)
    call = context.centre.live.get(call_id) or context.centre.calls.get(call_id)
    number = call.caller if call is not None else _caller_of(context, call_id)
    name = str(call.crm.get("name") or "") or None if call is not None else None
    context.wrapups.save(WrapUp(
        call_id=call_id, agent_id=agent_id, disposition=body.disposition, notes=body.notes,
        next_action_at=body.next_action_at, number=number, name=name,
        queue=presence.last_queue if presence.last_call == call_id else None,
        talk_s=presence.last_talk_s if presence.last_call == call_id else 0.0,
    ), context.company().dispositions)  # fmt: skip
    return {"saved": True, "wrapups": context.wrapups.of_call(call_id)}


def _caller_of(context: AppContext, call_id: str) -> str | None:
    """The caller's number of a call that has left memory, from its first event."""
    for event in context.event_log.read(call_id=call_id, kind="call.received"):
        try:
            uri = parse_uri(str(event.data.get("caller")))
        except SipParseError:
            return None
        return uri.user or None if isinstance(uri, SipUri) else None
    return None
