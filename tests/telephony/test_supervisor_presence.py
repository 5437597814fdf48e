"""A supervisor puts an agent on a break or makes them ready from the wallboard (the real
contact centre and routing engine in memory, centre_rig.py, behind the real route).

The demo company: alice serves every team, chloe parcels only, bob billing among others.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from centre_rig import Rig

from frontdesk.accounts.model import Principal, Role
from frontdesk.acd.states import AgentState
from frontdesk.api.routes import board_agents
from frontdesk.api.security import supervisor


def test_a_supervisor_benches_and_readies_their_teams_agents_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.log_in("alice", "chloe")
    billing = Principal(7, "tom", Role.SUPERVISOR, frozenset({"billing"}), None)
    url = "/api/board/agents/{}/presence"

    async def requests() -> list[tuple[int, str]]:
        answers = []
        async with rig.api_client(board_agents.router, supervisor, billing) as client:
            for agent_id, body in (
                ("chloe", {"ready": False, "reason": "meeting"}),  # parcels only: not tom's
                ("zed", {"ready": False, "reason": "meeting"}),  # nobody
                ("alice", {"ready": False, "reason": "a long lunch"}),  # not a break reason
                ("bob", {"ready": False, "reason": "meeting"}),  # not logged in
                ("alice", {"ready": False, "reason": "meeting"}),
            ):
                answer = await client.put(url.format(agent_id), json=body)
                data = answer.json()
                answers.append((answer.status_code, data.get("error_id") or data["state"]))
            assert rig.centre.engine.agents["alice"].state is AgentState.ON_BREAK
            assert rig.centre.engine.agents["alice"].reason == "meeting"
            ready = await client.put(url.format("alice"), json={"ready": True})
            answers.append((ready.status_code, ready.json()["state"]))
        return answers

    answers = asyncio.run(requests())
    rig.close()
    assert answers == [
        (404, "unknown_agent"), (404, "unknown_agent"), (422, "bad_break_reason"),
        (409, "presence_refused"), (200, "on-break"), (200, "available"),
    ]  # fmt: skip
    assert rig.centre.engine.agents["alice"].state is AgentState.AVAILABLE
    assert rig.centre.engine.agents["chloe"].state is AgentState.AVAILABLE
    assert rig.log.of("presence.set") == [
        (None, {"agent_id": "alice", "by": "tom", "ready": False, "reason": "meeting"}),
        (None, {"agent_id": "alice", "by": "tom", "ready": True, "reason": ""}),
    ]
