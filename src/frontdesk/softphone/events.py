"""Events the softphone gateway hands to the web layer (one callback, typed frozen values).

`call_ref` is the SIP Call-ID of the agent's leg: the same id the server's event log uses for
that leg (`leg.dialled`, `leg.answered`, `leg.ended`), so the web layer can join the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Incoming:
    """An offer rings the agent's browser. `headers` holds the INVITE's X-* and Call-Info
    headers, its From and its Call-ID (the agent leg's), as the server sent them."""

    agent_id: str
    call_ref: str
    caller_name: str
    caller_number: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answered:
    agent_id: str
    call_ref: str


@dataclass(frozen=True, slots=True)
class Ended:
    """The call is over. `reason`: "remote_bye" (the caller or Frontdesk hung up),
    "local_bye" (the agent), "cancelled" (stopped ringing), "declined", "busy" (a second call
    while one was up), "timeout", "no_ack", "session_ended"."""

    agent_id: str
    call_ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class Registered:
    agent_id: str


@dataclass(frozen=True, slots=True)
class Unregistered:
    """`reason`: "session_ended", "browser_gone", "replaced", "refused: <status> <reason>",
    "no_response", "closed"."""

    agent_id: str
    reason: str


SoftphoneEvent = Incoming | Answered | Ended | Registered | Unregistered
EventCallback = Callable[[SoftphoneEvent], None]
