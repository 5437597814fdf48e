"""Hold, as call control sees it: who holds the caller, since when, and for how long in all.

A caller can be held for more than one reason at once: the agent's phone re-INVITEs with
sendonly or inactive (RFC 3264 §8.4), the browser phone's hold button does the same through
the gateway, and Frontdesk itself holds the caller while the agent consults a colleague from
the desk. The caller hears music while any reason holds and is bridged back when the last one
is lifted. `HoldTracker` is the sans-IO record of that: fed reasons and times, it says when
music must start and stop, and gives the `call.held` / `call.resumed` facts and the total
hold time that `acd.call_ended.hold_time` carries to the reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class HoldState(enum.Enum):
    TALKING = "talking"
    HELD = "held"


class HoldInput(enum.Enum):
    HOLD = "hold"  # a reason starts holding
    RESUME_LAST = "resume-last"  # the only reason still holding ends
    RESUME_OTHER = "resume-other"  # one reason ends, another still holds


HOLD_TABLE: dict[tuple[HoldState, HoldInput], HoldState] = {
    (HoldState.TALKING, HoldInput.HOLD): HoldState.HELD,
    (HoldState.HELD, HoldInput.HOLD): HoldState.HELD,
    (HoldState.HELD, HoldInput.RESUME_OTHER): HoldState.HELD,
    (HoldState.HELD, HoldInput.RESUME_LAST): HoldState.TALKING,
}


@dataclass(frozen=True, slots=True)
class Held:
    """The caller went on hold (music starts)."""

    at: float
    by: str


@dataclass(frozen=True, slots=True)
class Resumed:
    """The caller is back with the agent (music stops); `held_s` is this hold's length."""

    at: float
    by: str
    held_s: float


HoldEvent = Held | Resumed


class HoldTracker:
    def __init__(self) -> None:
        self.state = HoldState.TALKING
        self.reasons: set[str] = set()
        self.since: float | None = None
        self.total_s = 0.0
        self.holds = 0

    def hold(self, by: str, now: float) -> list[HoldEvent]:
        """`by` (e.g. "phone", "desk", "consult") holds the caller; repeats change nothing."""
        if by in self.reasons:
            return []
        was = self._step(HoldInput.HOLD)
        self.reasons.add(by)
        if was is HoldState.HELD:
            return []
        self.since, self.holds = now, self.holds + 1
        return [Held(now, by)]

    def resume(self, by: str, now: float) -> list[HoldEvent]:
        """`by` no longer holds the caller; music stops once no reason is left."""
        if by not in self.reasons:
            return []
        self.reasons.discard(by)
        self._step(HoldInput.RESUME_OTHER if self.reasons else HoldInput.RESUME_LAST)
        if self.reasons:
            return []
        assert self.since is not None
        held = max(now - self.since, 0.0)
        self.total_s += held
        self.since = None
        return [Resumed(now, by, held)]

    def end(self, now: float) -> list[HoldEvent]:
        """The call ends: a hold still running is closed and counted."""
        events: list[HoldEvent] = []
        for by in sorted(self.reasons):
            events += self.resume(by, now)
        return events

    def total(self, now: float) -> float:
        """Seconds on hold so far, a running hold included."""
        running = now - self.since if self.since is not None else 0.0
        return self.total_s + max(running, 0.0)

    @property
    def held(self) -> bool:
        return self.state is HoldState.HELD

    def _step(self, event: HoldInput) -> HoldState:
        was = self.state
        self.state = HOLD_TABLE[(was, event)]
        return was
