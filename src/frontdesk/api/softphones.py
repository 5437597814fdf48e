"""The web layer's handle on the browser-phone gateway: which call is ringing or up for each
agent, and the gateway's events turned into event-log events (`softphone.*`), so the desk page
learns of them through the same live stream as everything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontdesk.softphone.events import (
    Answered,
    Ended,
    Incoming,
    Registered,
    SoftphoneEvent,
    Unregistered,
)  # fmt: skip
from frontdesk.softphone.gateway import SoftphoneGateway

Append = Callable[..., None]


class Softphones:
    def __init__(self, append: Append, wall: Callable[[], float]) -> None:
        self._append = append
        self._wall = wall
        self.gateway: SoftphoneGateway | None = None
        self._ringing: dict[str, str] = {}  # agent -> call ref
        self._talking: dict[str, str] = {}

    def on_event(self, event: SoftphoneEvent) -> None:
        agent = event.agent_id
        data: dict[str, Any] = {"agent_id": agent}
        if isinstance(event, Incoming):
            self._ringing[agent] = event.call_ref
            data.update(call_ref=event.call_ref, caller_name=event.caller_name,
                        caller_number=event.caller_number)  # fmt: skip
            kind = "softphone.incoming"
        elif isinstance(event, Answered):
            self._ringing.pop(agent, None)
            self._talking[agent] = event.call_ref
            data.update(call_ref=event.call_ref)
            kind = "softphone.answered"
        elif isinstance(event, Ended):
            if self._ringing.get(agent) == event.call_ref:
                self._ringing.pop(agent, None)
            if self._talking.get(agent) == event.call_ref:
                self._talking.pop(agent, None)
            data.update(call_ref=event.call_ref, reason=event.reason)
            kind = "softphone.ended"
        elif isinstance(event, Registered):
            kind = "softphone.registered"
        else:
            assert isinstance(event, Unregistered)
            self._ringing.pop(agent, None)
            self._talking.pop(agent, None)
            data.update(reason=event.reason)
            kind = "softphone.unregistered"
        self._append(self._wall(), kind, None, **data)

    def need(self) -> SoftphoneGateway:
        from frontdesk.api.errors import ApiError

        if self.gateway is None:
            raise ApiError(503, "not_available", "This server runs without browser phones.")
        return self.gateway

    def has_session(self, agent_id: str) -> bool:
        return self.gateway is not None and any(
            s.agent_id == agent_id for s in self.gateway.sessions()
        )

    def ringing(self, agent_id: str) -> str | None:
        return self._ringing.get(agent_id)

    def talking(self, agent_id: str) -> str | None:
        return self._talking.get(agent_id)

    def has_call(self, agent_id: str) -> bool:
        return agent_id in self._ringing or agent_id in self._talking

    def hangup_current(self, agent_id: str) -> None:
        ref = self._talking.get(agent_id) or self._ringing.get(agent_id)
        if ref is not None:
            self.need().hangup(agent_id, ref)
