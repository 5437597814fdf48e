"""Per-call records: what happened to one call, the unit every metric is computed from.

A `CallRecord` is derived from the event log (telephony's `call.*`, the routing engine's
`acd.*`, and what imports write), never entered by hand, so a metric definition can change
and history be recomputed. Times are seconds since the Unix epoch; durations seconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any


class CallOutcome(Enum):
    """How a call ended. Only the first five were offered to a queue (see `OFFERED`)."""

    ANSWERED = "answered"  # an agent took it
    ABANDONED = "abandoned"  # the caller hung up while queued or ringing
    CALLBACK = "callback"  # the caller left the line asking to be called back
    VOICEMAIL = "voicemail"  # sent to voicemail from the queue
    OVERFLOW = "overflow"  # sent outside the routing engine (another site or number)
    REJECTED = "rejected"  # refused: queue full or closed, or by telephony before a queue
    IVR = "ivr"  # ended in the IVR/VRU without asking for an agent (self-service, hang-up)
    PHANTOM = "phantom"  # marked by the source as not a real customer call
    OPEN = "open"  # still in progress when the records were taken

    # members are compared by identity; the default Enum hash is Python code
    __hash__ = object.__hash__


OFFERED = frozenset(
    {
        CallOutcome.ANSWERED,
        CallOutcome.ABANDONED,
        CallOutcome.CALLBACK,
        CallOutcome.VOICEMAIL,
        CallOutcome.OVERFLOW,
    }
)
"""Outcomes of calls that were offered to a queue (queue-rejected calls are counted apart)."""

OUTCOME_CODES = {outcome: code for code, outcome in enumerate(CallOutcome)}
"""The integer each outcome is stored as in the calls table and the rollup."""
OUTCOMES_BY_CODE = {code: outcome for outcome, code in OUTCOME_CODES.items()}


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call, as the metrics see it.

    `offered_at` is when the call entered its first queue (when it arrived, if it never
    queued); `wait_s` is the time from entering the first queue to the answer, abandon or
    other exit (0 for calls that never queued). `queue` is the first queue (where the demand
    arrived); `final_queue` differs only after an overflow inside the routing engine.
    Customer attributes are "" (or None for the yes/no ones) when unknown.
    """

    call_id: str
    offered_at: float
    outcome: CallOutcome
    queue: str = ""
    final_queue: str = ""
    number: str = ""
    caller: str = ""
    wait_s: float = 0.0
    agent: str = ""
    team: str = ""
    talk_s: float = 0.0
    hold_s: float = 0.0
    wrap_s: float = 0.0
    overflowed: bool = False
    callback_promised: bool = False
    callback_kept: bool = False
    callback_on_time: bool = False
    survey_score: float | None = None
    tier: str = ""
    country: str = ""
    language: str = ""
    open_case: bool | None = None
    known: bool | None = None
    source_id: str = ""

    @property
    def offered(self) -> bool:
        return self.outcome in OFFERED

    @property
    def handle_s(self) -> float:
        """Handling time: talk + hold + wrap-up."""
        return self.talk_s + self.hold_s + self.wrap_s


ATTRIBUTE_FIELDS = ("tier", "country", "language", "open_case", "known", "team")
"""Record fields that can be set from a call's attributes (`call.received` / `call.attributes`)."""


def _positional_maker(cls: type) -> Callable[..., Any]:
    """A constructor of a frozen, slotted dataclass taking every field by position, filling the
    slots directly (the generated `__init__` of a frozen class goes through
    `object.__setattr__` for each field; the derivation makes one record per call, and the
    simulator derives tens of thousands a second). It leaves the same object behind."""
    names = [f.name for f in dataclasses.fields(cls)]
    scope: dict[str, Any] = {f"_set_{n}": getattr(cls, n).__set__ for n in names}
    scope.update(_new=object.__new__, _cls=cls)
    lines = [f"def make({', '.join(names)}):", "    self = _new(_cls)"]
    lines += [f"    _set_{n}(self, {n})" for n in names]
    lines.append("    return self")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), scope, namespace)  # as dataclasses builds __init__
    maker: Callable[..., Any] = namespace["make"]
    return maker


make_record: Callable[..., CallRecord] = _positional_maker(CallRecord)
"""`CallRecord(...)` with every field given by position, in field order (for the derivation)."""
