"""Each agent's routing state as the desk shows it: since when, why, and their last call.

The routing engine knows an agent's state but not since when (it keeps only what routing
needs); the desk wants "on break — lunch, 12:40". This follows `acd.agent_state` and
`acd.call_ended` events from the live stream, so it costs nothing per call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class AgentPresence:
    state: str = "logged-out"
    since: float = 0.0  # wall clock
    reason: str = ""
    last_call: str | None = None  # the contact of the agent's last ended call (for wrap-up)
    last_queue: str | None = None
    last_talk_s: float = 0.0


class PresenceBook:
    def __init__(self) -> None:
        self.agents: dict[str, AgentPresence] = {}

    def of(self, agent_id: str) -> AgentPresence:
        return self.agents.setdefault(agent_id, AgentPresence())

    def feed(self, at: float, kind: str, data: Mapping[str, Any]) -> None:
        if kind == "acd.agent_state":
            presence = self.of(str(data.get("agent_id")))
            presence.state = str(data.get("new"))
            presence.since = at
            presence.reason = str(data.get("reason") or "")
        elif kind == "acd.call_ended":
            presence = self.of(str(data.get("agent_id")))
            presence.last_call = str(data.get("contact_id"))
            presence.last_queue = str(data.get("queue") or "") or None
            presence.last_talk_s = float(data.get("talk_time") or 0.0)
