"""One finished call as the history shows it: the index's row, as a value object.

Times are wall-clock seconds since the Unix epoch; durations are seconds. Definitions of
`outcome`, `wait_s`, `talk_s` and `hold_s` are analytics' (`analytics.records.CallRecord`).
Recording paths stay on the server: `as_json` gives each recording's number and duration,
never its path, and the API serves the file by (call id, number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording of the call's stream, in the order the media engine finished them.

    `kind` is "call" for the conversation (stereo: the caller left, what the caller heard —
    the agent — right) and "voicemail" for a message (mono, the caller only)."""

    path: str
    duration_s: float
    channels: int
    kind: str


@dataclass(frozen=True, slots=True)
class CallEntry:
    call_id: str
    started_at: float  # the call's first event (arrival)
    ended_at: float  # the caller's line closed (call.ended), else the record's last event
    caller: str  # the caller's number (E.164 when it could be read), "" when withheld
    name: str  # the contact's name from the CRM lookup, "" when not known
    vip: bool
    tier: str
    open_case: bool | None
    language: str
    country: str
    dialled: str  # the company number the caller dialled
    queues: tuple[str, ...]  # every queue the call went through, in order
    queue: str  # the queue it was handled in (the last one), "" when never queued
    team: str  # the team of `queue`
    teams: tuple[str, ...]  # the teams of all `queues`: who may see the call
    agents: tuple[str, ...]  # agents who talked with the caller, in order
    wait_s: float
    talk_s: float
    hold_s: float
    outcome: str  # analytics.records.CallOutcome value
    handled: bool  # answered, or called back and connected (analytics' "handled")
    disposition: str  # the last wrap-up's disposition, "" when none was saved
    notes_chars: int  # length of the last wrap-up's notes
    recordings: tuple[Recording, ...]
    voicemail: bool  # the caller left a message
    long: bool | None  # talked longer than is normal for its queue and disposition
    long_after_s: float | None  # the threshold it was judged against (None: too few calls)

    @property
    def agent(self) -> str:
        """The agent who talked last (the one who wrapped up, in a transfer)."""
        return self.agents[-1] if self.agents else ""

    def as_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id, "started_at": self.started_at, "ended_at": self.ended_at,
            "caller": self.caller, "name": self.name, "vip": self.vip, "tier": self.tier,
            "open_case": self.open_case, "language": self.language, "country": self.country,
            "dialled": self.dialled, "queues": list(self.queues), "queue": self.queue,
            "team": self.team, "teams": list(self.teams), "agents": list(self.agents),
            "agent": self.agent, "wait_s": self.wait_s, "talk_s": self.talk_s,
            "hold_s": self.hold_s, "outcome": self.outcome, "handled": self.handled,
            "disposition": self.disposition, "notes_chars": self.notes_chars,
            "recordings": [{"n": n, "kind": r.kind, "duration_s": r.duration_s,
                            "channels": r.channels}
                           for n, r in enumerate(self.recordings, start=1)],
            "voicemail": self.voicemail, "long": self.long, "long_after_s": self.long_after_s,
        }  # fmt: skip
