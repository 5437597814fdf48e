"""From event-log events to per-call records: one pure, incremental derivation for live and history.

Events are `(at, kind, call_id, data)` as the event log stores them. Kinds read:

* telephony: `call.received` (number, caller, optional `attributes`, `source_id`),
  `call.attributes` (customer data found later: tier, country, language, open_case, known),
  `call.rejected`, `call.overflowed` (sent outside the engine), `call.ended` (reason;
  `phantom` marks a call the source says was not real, with `queue` and `wait`);
* routing engine (`event.to_record()`): `acd.queued`, `acd.answered`, `acd.abandoned`,
  `acd.voicemail`, `acd.rejected`, `acd.overflowed`, `acd.callback_requested`,
  `acd.callback_connected`, `acd.callback_promise_missed`, `acd.call_ended`, `acd.closed`;
* `survey.score` (score).

A call is complete when every part that has begun has ended: telephony (`call.received` ->
`call.ended`/`call.rejected`) and routing (`acd.queued` -> `acd.closed`, and for a call that
reached an agent `acd.call_ended`). Parts may end in any order. Other kinds are ignored.
A callback booked without waiting in line (its own contact, whose first event is
`acd.callback_requested`) is a call of its own: offered and requested when booked, its caller
the number to call, kept when it connects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from frontdesk.analytics.records import ATTRIBUTE_FIELDS, CallOutcome, CallRecord, make_record

if TYPE_CHECKING:
    from frontdesk.acd.events import AcdEvent

EventData = Union[Mapping[str, Any], "AcdEvent"]
"""An event's data: a mapping (the event log), or a routing-engine event itself (its `get`
reads the same fields), which spares the simulator a dict per event."""
Event = tuple[float, str, str | None, EventData]

DERIVATION_VERSION = 3
"""Raised whenever the same events would give other records; a stored calls table derived by
another version is derived again (analytics/calls_table.py). 2: callbacks booked without
waiting are callback requests, no longer IVR calls. 3: a call sent to voicemail or refused
by a queue before it joined the line (nobody logged in, the queue closed or full) is the
queue's call, no longer one of no queue."""

_ACD_OUTCOMES = {
    "acd.answered": CallOutcome.ANSWERED,
    "acd.abandoned": CallOutcome.ABANDONED,
    "acd.voicemail": CallOutcome.VOICEMAIL,
    "acd.rejected": CallOutcome.REJECTED,
    "acd.callback_requested": CallOutcome.CALLBACK,
}
# acd.closed outcomes after which the agent is still talking (ContactState values)
_TALKING_CLOSES = frozenset({"answered", "callback-connected"})


@dataclass(slots=True)
class _Draft:
    call_id: str
    first_at: float
    values: dict[str, Any] = field(default_factory=dict)
    outcome: CallOutcome | None = None
    queued_at: float | None = None
    phone_open: bool = False
    acd_open: bool = False
    talking: bool = False
    promise_missed: bool = False

    @property
    def complete(self) -> bool:
        return not (self.phone_open or self.acd_open or self.talking)


class CallDeriver:
    """Feeds on events one by one; gives back each call's record as soon as it is complete.

    `teams` maps agent ids to team names (records carry the team of the agent who answered).
    """

    def __init__(self, teams: Mapping[str, str] | None = None) -> None:
        self._teams = dict(teams or {})
        self._open: dict[str, _Draft] = {}

    @property
    def open_calls(self) -> int:
        return len(self._open)

    def feed(self, at: float, kind: str, call_id: str | None, data: EventData) -> CallRecord | None:
        """Takes one event; returns the call's record if this event completed it."""
        if call_id is None or not (kind.startswith(("call.", "acd.", "survey."))):
            return None
        draft = self._open.get(call_id)
        if draft is None:
            if kind not in _STARTERS:
                return None
            draft = self._open[call_id] = _Draft(call_id, at)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(draft, at, data)
        if draft.complete:
            del self._open[call_id]
            return self._record(draft)
        return None

    def open_records(self) -> list[CallRecord]:
        """Records of the calls not complete yet (outcome so far, or OPEN), oldest first."""
        return [self._record(d, still_open=True) for d in self._open.values()]

    def _record(self, draft: _Draft, still_open: bool = False) -> CallRecord:
        v = draft.values
        outcome = draft.outcome
        if outcome is None:
            outcome = CallOutcome.OPEN if still_open else _unrouted_outcome(v)
        kept = bool(v.get("callback_kept"))
        promised = bool(v.get("callback_promised"))
        agent = str(v.get("agent", ""))
        team = str(v.get("team") or self._teams.get(agent, ""))
        offered_at = draft.queued_at if draft.queued_at is not None else draft.first_at
        get = v.get
        queue = str(get("queue", ""))
        return make_record(
            draft.call_id,
            offered_at,
            outcome,
            queue,
            str(get("final_queue", queue)),
            str(get("number", "")),
            str(get("caller", "")),
            max(0.0, float(get("wait", 0.0))),
            agent,
            team,
            float(get("talk", 0.0)),
            float(get("hold", 0.0)),
            float(get("wrap", 0.0)),
            bool(get("overflowed")),
            promised,
            kept,
            kept and not draft.promise_missed,
            _optional_float(get("survey_score")),
            str(get("tier", "")),
            str(get("country", "")),
            str(get("language", "")),
            _optional_bool(get("open_case")),
            _optional_bool(get("known")),
            str(get("source_id", "")),
        )


def derive_calls(
    events: Iterable[Event], teams: Mapping[str, str] | None = None
) -> Iterator[CallRecord]:
    """Complete call records from a stream of events, in the order the calls completed."""
    deriver = CallDeriver(teams)
    feed = deriver.feed
    for at, kind, call_id, data in events:
        record = feed(at, kind, call_id, data)
        if record is not None:
            yield record


def _unrouted_outcome(values: Mapping[str, Any]) -> CallOutcome:
    if values.get("phantom"):
        return CallOutcome.PHANTOM
    if values.get("rejected"):
        return CallOutcome.REJECTED
    if values.get("sent_out"):
        return CallOutcome.OVERFLOW
    return CallOutcome.IVR


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _optional_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value)


def _set_attributes(draft: _Draft, attributes: Any) -> None:
    if isinstance(attributes, Mapping):
        for name in ATTRIBUTE_FIELDS:
            if name in attributes and attributes[name] is not None:
                draft.values[name] = attributes[name]


# ------------------------------------------------------------------ handlers, one per kind


def _received(d: _Draft, at: float, data: EventData) -> None:
    d.phone_open = True
    d.first_at = min(d.first_at, at)
    v = d.values
    v.setdefault("number", data.get("number") or data.get("dialed") or "")
    v.setdefault("caller", data.get("caller") or "")
    if data.get("source_id"):
        v["source_id"] = data.get("source_id")
    _set_attributes(d, data.get("attributes"))


def _attributes(d: _Draft, _at: float, data: EventData) -> None:
    _set_attributes(d, data)


def _phone_ended(d: _Draft, _at: float, data: EventData) -> None:
    d.phone_open = False
    if data.get("reason") == "phantom":
        d.values["phantom"] = True
        d.outcome = CallOutcome.PHANTOM
        d.values.setdefault("queue", data.get("queue", ""))
        d.values["wait"] = float(data.get("wait", 0.0))


def _phone_rejected(d: _Draft, at: float, data: EventData) -> None:
    d.phone_open = False
    d.values["rejected"] = True


def _phone_overflowed(d: _Draft, _at: float, data: EventData) -> None:
    d.values["sent_out"] = True
    if d.queued_at is not None and d.outcome is None:
        d.outcome = CallOutcome.OVERFLOW
        d.acd_open = False


def _survey(d: _Draft, _at: float, data: EventData) -> None:
    d.values["survey_score"] = data.get("score")


def _queued(d: _Draft, at: float, data: EventData) -> None:
    v = d.values
    if d.queued_at is None:
        d.queued_at = at
        v["queue"] = data.get("queue", "")
        d.acd_open = True
    v["final_queue"] = data.get("queue", "")


def _acd_outcome(kind: str) -> Any:
    outcome = _ACD_OUTCOMES[kind]

    def handle(d: _Draft, at: float, data: EventData) -> None:
        if d.outcome is None:  # the first way out of the line is the call's outcome
            d.outcome = outcome
            d.values["wait"] = float(data.get("wait", 0.0))
            if d.queued_at is None and outcome is not CallOutcome.CALLBACK:
                # turned away before joining the line: still the queue's call in its reports
                d.values.setdefault("queue", data.get("queue", ""))
        if outcome is CallOutcome.ANSWERED:
            d.values["agent"] = data.get("agent_id", "")
        if outcome is CallOutcome.CALLBACK:
            d.values["callback_promised"] = data.get("promised_at") is not None
            if d.queued_at is None:
                _booked(d, at, data)

    return handle


def _booked(d: _Draft, at: float, data: EventData) -> None:
    """A callback booked without waiting in line (from a menu, a web form, a voicemail): a
    contact of its own, offered when asked for, and in the routing engine until it closes."""
    v = d.values
    d.queued_at, d.acd_open = at, True
    v["queue"] = v["final_queue"] = data.get("queue", "")
    v.setdefault("caller", data.get("number") or "")


def _overflowed(d: _Draft, _at: float, data: EventData) -> None:
    d.values["overflowed"] = True
    d.values["final_queue"] = data.get("to_queue", "")


def _callback_connected(d: _Draft, _at: float, data: EventData) -> None:
    d.values["callback_kept"] = True
    d.values["agent"] = data.get("agent_id", "")


def _promise_missed(d: _Draft, _at: float, _data: EventData) -> None:
    d.promise_missed = True


def _call_ended(d: _Draft, _at: float, data: EventData) -> None:
    v = d.values
    v["talk"] = v.get("talk", 0.0) + float(data.get("talk_time", 0.0))
    v["wrap"] = v.get("wrap", 0.0) + float(data.get("wrap_up", 0.0))
    v["hold"] = v.get("hold", 0.0) + float(data.get("hold_time", 0.0))
    v.setdefault("agent", data.get("agent_id", ""))
    d.talking = False
    d.values["call_ended"] = True


def _closed(d: _Draft, _at: float, data: EventData) -> None:
    d.acd_open = False
    # the agent's call goes on after routing closes the contact, unless it already ended
    d.talking = data.get("outcome") in _TALKING_CLOSES and not d.values.get("call_ended")


_HANDLERS: dict[str, Any] = {
    "call.received": _received,
    "call.attributes": _attributes,
    "call.ended": _phone_ended,
    "call.rejected": _phone_rejected,
    "call.overflowed": _phone_overflowed,
    "survey.score": _survey,
    "acd.queued": _queued,
    "acd.overflowed": _overflowed,
    "acd.callback_connected": _callback_connected,
    "acd.callback_promise_missed": _promise_missed,
    "acd.call_ended": _call_ended,
    "acd.closed": _closed,
    **{kind: _acd_outcome(kind) for kind in _ACD_OUTCOMES},
}
_STARTERS = frozenset({"call.received", "call.rejected", "acd.queued", "acd.callback_requested"})

KINDS_READ = frozenset(_HANDLERS)
"""Every event kind the derivation reads; others can be left out of its stream."""
