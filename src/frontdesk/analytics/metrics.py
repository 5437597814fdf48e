"""Every contact-centre metric, defined once, from call records (DESIGN.md "Metrics vocabulary").

A `Tally` holds sums and counts (sufficient statistics) for a set of calls under one
`MetricSettings` (service-level time T, short-abandon threshold S, wait buckets). It grows one
record at a time (`add`, the live path and the simulator) or is filled from an SQL `GROUP BY`
over the derived calls table (`calls_table.py` computes the very same fields; a test checks they
agree), and tallies merge. `figures()` turns a tally into the named figures; that formula code
is the only one, whichever way the tally was filled. Changing T, S or the buckets only changes
the tally's fields, so history is recomputed from the stored waits.

Definitions (per set of calls):

* offered: calls that entered a queue and were answered, abandoned, asked for a callback, went
  to voicemail or were sent out (overflow); rejected, IVR-only, phantom and open calls are not.
* answered within T: answered with wait <= T; abandoned within T: abandoned with wait <= T;
  short abandon: abandoned with wait < S.
* service level, by `SLDefinition` name (shared with planning): see `service_level()`.
* ASA: mean wait of answered calls. AHT: (talk + hold + wrap-up) / handled calls, handled =
  answered, or called back and connected. Abandonment rate: abandoned / offered.
* callback promise kept: callbacks connected without a missed promise / callbacks requested.
* longest wait: the longest wait of an offered call.
* abandonment by wait bucket [lo, hi): abandoned there; share of offered; and P(abandon in
  bucket | reached lo), reached = offered calls that waited at least lo.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.patience import DEFAULT_BUCKETS_S
from frontdesk.analytics.records import OFFERED, CallOutcome, CallRecord
from frontdesk.planning.metrics import (
    DEFAULT_SHORT_ABANDON_S,
    DEFAULT_SL_DEFINITION,
    SLDefinition,
)

SCALAR_FIELDS = (
    *("calls", "offered", "answered", "answered_within_t", "answer_wait_sum"),
    *("abandoned", "abandoned_within_t", "short_abandoned", "abandon_wait_sum"),
    *("callbacks", "callbacks_promised", "callbacks_kept", "callbacks_on_time"),
    *("voicemail", "sent_out", "overflowed", "rejected", "ivr", "phantom", "open"),
    *("handled", "talk_sum", "hold_sum", "wrap_sum", "longest_wait"),
    *("survey_count", "survey_sum"),
)
_I = {name: i for i, name in enumerate(SCALAR_FIELDS)}
(_CALLS, _OFFERED_N, _ANSWERED_N, _ANSWERED_WITHIN, _ANSWER_WAIT) = range(5)
(_ABANDONED_N, _ABANDONED_WITHIN, _SHORT, _ABANDON_WAIT) = range(5, 9)
(_CALLBACKS, _PROMISED, _KEPT, _ON_TIME) = range(9, 13)
_OVERFLOWED = _I["overflowed"]
(_HANDLED, _TALK, _HOLD, _WRAP, _LONGEST, _SURVEYS, _SURVEY_SUM) = range(20, 27)
assert SCALAR_FIELDS[_ON_TIME] == "callbacks_on_time" and SCALAR_FIELDS[_SURVEY_SUM] == "survey_sum"
_MAX_FIELDS = frozenset({_LONGEST})
_ANSWERED, _ABANDONED, _CALLBACK = CallOutcome.ANSWERED, CallOutcome.ABANDONED, CallOutcome.CALLBACK
_COUNTED = {
    CallOutcome.VOICEMAIL: _I["voicemail"],
    CallOutcome.OVERFLOW: _I["sent_out"],
    CallOutcome.REJECTED: _I["rejected"],
    CallOutcome.IVR: _I["ivr"],
    CallOutcome.PHANTOM: _I["phantom"],
    CallOutcome.OPEN: _I["open"],
}


@dataclass(frozen=True, slots=True)
class MetricSettings:
    """The choices a figure depends on; all configurable, defaults as in DESIGN.md."""

    target_s: float = 20.0
    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S
    buckets_s: tuple[float, ...] = DEFAULT_BUCKETS_S
    definition: SLDefinition = DEFAULT_SL_DEFINITION

    def __post_init__(self) -> None:
        if not (self.target_s >= 0 and self.short_abandon_s >= 0):
            raise AnalyticsError("the service-level time and short-abandon threshold must be >= 0")
        edges = self.buckets_s
        if any(e <= 0 for e in edges) or list(edges) != sorted(set(edges)):
            raise AnalyticsError("wait bucket edges must be positive and strictly increasing")

    @property
    def bucket_starts(self) -> tuple[float, ...]:
        return (0.0, *self.buckets_s)


class Tally:
    """Counts and sums for one set of calls; `add` a record, `merge` another tally."""

    __slots__ = ("abandoned_in", "reached", "settings", "v")

    def __init__(self, settings: MetricSettings) -> None:
        self.settings = settings
        self.v = [0.0] * len(SCALAR_FIELDS)
        buckets = len(settings.bucket_starts)
        self.abandoned_in = [0] * buckets
        self.reached = [0] * buckets

    def __getitem__(self, name: str) -> float:
        return self.v[_I[name]]

    def add(self, r: CallRecord) -> None:
        v, s, outcome, wait = self.v, self.settings, r.outcome, r.wait_s
        v[_CALLS] += 1
        if outcome in OFFERED:
            self._offered(wait)
        if outcome is _ANSWERED:
            v[_ANSWERED_N] += 1
            v[_ANSWERED_WITHIN] += wait <= s.target_s
            v[_ANSWER_WAIT] += wait
        elif outcome is _ABANDONED:
            v[_ABANDONED_N] += 1
            v[_ABANDONED_WITHIN] += wait <= s.target_s
            v[_SHORT] += wait < s.short_abandon_s
            v[_ABANDON_WAIT] += wait
            self.abandoned_in[bisect.bisect_right(s.buckets_s, wait)] += 1
        elif outcome is _CALLBACK:
            v[_CALLBACKS] += 1
            v[_PROMISED] += r.callback_promised
            v[_KEPT] += r.callback_kept
            v[_ON_TIME] += r.callback_on_time
        else:
            v[_COUNTED[outcome]] += 1
        v[_OVERFLOWED] += r.overflowed or outcome is CallOutcome.OVERFLOW
        if outcome is _ANSWERED or r.callback_kept:
            v[_HANDLED] += 1
            v[_TALK] += r.talk_s
            v[_HOLD] += r.hold_s
            v[_WRAP] += r.wrap_s
        if r.survey_score is not None:
            v[_SURVEYS] += 1
            v[_SURVEY_SUM] += r.survey_score

    def _offered(self, wait: float) -> None:
        v = self.v
        v[_OFFERED_N] += 1
        if wait > v[_LONGEST]:
            v[_LONGEST] = wait
        reached = self.reached
        for i, start in enumerate(self.settings.bucket_starts):
            if wait < start:
                break
            reached[i] += 1

    def add_all(self, records: Iterable[CallRecord]) -> Tally:
        for record in records:
            self.add(record)
        return self

    def merge(self, other: Tally) -> None:
        if other.settings != self.settings:
            raise AnalyticsError("tallies made under different settings cannot be merged")
        v, w = self.v, other.v
        for i in range(len(v)):
            v[i] = max(v[i], w[i]) if i in _MAX_FIELDS else v[i] + w[i]
        for i in range(len(self.reached)):
            self.abandoned_in[i] += other.abandoned_in[i]
            self.reached[i] += other.reached[i]

    def add_sums(self, outcome: CallOutcome, sums: Sequence[float]) -> None:
        """Adds calls of one outcome given by their `GROUP_SUMS` (the rollup's form); the
        fields that depend on thresholds come from `add_wait_counts`."""
        v = self.v
        n, overflowed, promised, kept, on_time, handled, wait_sum = sums[:7]
        v[_CALLS] += n
        if outcome in OFFERED:
            v[_OFFERED_N] += n
        if outcome is _ANSWERED:
            v[_ANSWERED_N] += n
            v[_ANSWER_WAIT] += wait_sum
        elif outcome is _ABANDONED:
            v[_ABANDONED_N] += n
            v[_ABANDON_WAIT] += wait_sum
        elif outcome is _CALLBACK:
            v[_CALLBACKS] += n
            v[_PROMISED] += promised
            v[_KEPT] += kept
            v[_ON_TIME] += on_time
        else:
            v[_COUNTED[outcome]] += n
        v[_OVERFLOWED] += overflowed
        v[_HANDLED] += handled
        v[_TALK] += sums[7]
        v[_HOLD] += sums[8]
        v[_WRAP] += sums[9]
        v[_SURVEYS] += sums[10]
        v[_SURVEY_SUM] += sums[11]

    @classmethod
    def from_row(cls, settings: MetricSettings, row: Sequence[Any]) -> Tally:
        """A tally from the columns `calls_table.tally_columns(settings)` selects, in order."""
        tally = cls(settings)
        n, b = len(SCALAR_FIELDS), len(settings.bucket_starts)
        tally.v = [float(x or 0) for x in row[:n]]
        tally.abandoned_in = [int(x or 0) for x in row[n : n + b]]
        tally.reached = [int(x or 0) for x in row[n + b : n + 2 * b]]
        return tally


GROUP_SUMS = (
    *("calls", "overflowed", "callbacks_promised", "callbacks_kept", "callbacks_on_time"),
    *("handled", "wait_sum", "talk_sum", "hold_sum", "wrap_sum", "survey_count", "survey_sum"),
)
"""What a group of calls of one outcome is summed to in the rollup (`group_sums` of a record)."""


def group_sums(r: CallRecord) -> tuple[float, ...]:
    """One record's share of `GROUP_SUMS`, counted as `Tally.add` counts it."""
    handled = r.outcome is _ANSWERED or r.callback_kept
    score = r.survey_score
    return (
        1.0,
        float(r.overflowed or r.outcome is CallOutcome.OVERFLOW),
        float(r.callback_promised),
        float(r.callback_kept),
        float(r.callback_on_time),
        float(handled),
        r.wait_s,
        r.talk_s if handled else 0.0,
        r.hold_s if handled else 0.0,
        r.wrap_s if handled else 0.0,
        0.0 if score is None else 1.0,
        0.0 if score is None else score,
    )


# wait classes of `add_wait_counts`: the threshold figures read these three apart
WAIT_ANSWERED, WAIT_ABANDONED, WAIT_OTHER_OFFERED = 0, 1, 2


def wait_class(outcome: CallOutcome) -> int | None:
    """The wait class of an outcome (None: its wait is in no figure)."""
    if outcome is _ANSWERED:
        return WAIT_ANSWERED
    if outcome is _ABANDONED:
        return WAIT_ABANDONED
    return WAIT_OTHER_OFFERED if outcome in OFFERED else None


def add_wait_counts(
    tallies: Sequence[Tally],
    group: npt.NDArray[np.int64],
    klass: npt.NDArray[np.int64],
    wait: npt.NDArray[np.float64],
    count: npt.NDArray[np.float64],
) -> None:
    """Adds the wait-dependent fields to many tallies at once, from distinct waits with counts:
    entry i is `count[i]` offered calls of `tallies[group[i]]`, wait class `klass[i]`, that
    waited `wait[i]`. The comparisons are those of `Tally.add`, element by element."""
    if not tallies:
        return
    s = tallies[0].settings
    size = len(tallies)

    def total(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
        found: npt.NDArray[np.float64] = np.bincount(
            group[mask], weights=count[mask], minlength=size
        ).astype(np.float64)
        return found

    answered, abandoned = klass == WAIT_ANSWERED, klass == WAIT_ABANDONED
    fields = [
        (_ANSWERED_WITHIN, total(answered & (wait <= s.target_s))),
        (_ABANDONED_WITHIN, total(abandoned & (wait <= s.target_s))),
        (_SHORT, total(abandoned & (wait < s.short_abandon_s))),
    ]
    ends = (*s.buckets_s, math.inf)
    abandoned_in = [
        total(abandoned & (wait >= lo) & (wait < hi))
        for lo, hi in zip(s.bucket_starts, ends, strict=True)
    ]
    reached = [total(wait >= lo) for lo in s.bucket_starts]
    longest = np.zeros(size)
    np.maximum.at(longest, group, wait)
    for i, tally in enumerate(tallies):
        if tally.settings != s:
            raise AnalyticsError("tallies made under different settings cannot be filled at once")
        v = tally.v
        for field_index, values in fields:
            v[field_index] += float(values[i])
        v[_LONGEST] = max(v[_LONGEST], float(longest[i]))
        for b in range(len(abandoned_in)):
            tally.abandoned_in[b] += int(abandoned_in[b][i])
            tally.reached[b] += int(reached[b][i])


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def service_level(t: Tally, definition: SLDefinition) -> float | None:
    """The service level under one named definition (None when its denominator is 0)."""
    d = SLDefinition
    within, offered = t["answered_within_t"], t["offered"]
    if definition is d.ANSWERED_WITHIN_T_OVER_OFFERED:
        return _ratio(within, offered)
    if definition is d.ANSWERED_WITHIN_T_OVER_ANSWERED:
        return _ratio(within, t["answered"])
    if definition is d.ANSWERED_WITHIN_T_OVER_ANSWERED_PLUS_ABANDONED:
        return _ratio(within, t["answered"] + t["abandoned"])
    if definition is d.ANSWERED_AND_ABANDONED_WITHIN_T_OVER_OFFERED:
        return _ratio(within + t["abandoned_within_t"], offered)
    return _ratio(within, offered - t["short_abandoned"])


def figures(t: Tally, occupancy: float | None = None) -> dict[str, Any]:
    """The named figures of one tally, as a JSON-ready dict (None where undefined)."""
    s = t.settings
    handled = t["handled"]
    counts = {name: int(t[name]) for name in _COUNT_NAMES}
    return {
        **counts,
        "abandonment_rate": _ratio(t["abandoned"], t["offered"]),
        "service_level": service_level(t, s.definition),
        "service_level_definition": s.definition.value,
        "service_level_by_definition": {d.value: service_level(t, d) for d in SLDefinition},
        "target_s": s.target_s,
        "short_abandon_s": s.short_abandon_s,
        "asa_s": _ratio(t["answer_wait_sum"], t["answered"]),
        "aht_s": _ratio(t["talk_sum"] + t["hold_sum"] + t["wrap_sum"], handled),
        "talk_s": _ratio(t["talk_sum"], handled),
        "hold_s": _ratio(t["hold_sum"], handled),
        "wrap_s": _ratio(t["wrap_sum"], handled),
        "longest_wait_s": t["longest_wait"] if t["offered"] else None,
        "callback_promise_kept": _ratio(t["callbacks_on_time"], t["callbacks"]),
        "survey_mean": _ratio(t["survey_sum"], t["survey_count"]),
        "occupancy": occupancy,
    }


_COUNT_NAMES = (
    *("calls", "offered", "answered", "answered_within_t", "abandoned", "abandoned_within_t"),
    *("short_abandoned", "callbacks", "callbacks_kept", "callbacks_on_time", "voicemail"),
    *("sent_out", "overflowed", "rejected", "ivr", "phantom", "open", "handled", "survey_count"),
)


@dataclass(frozen=True, slots=True)
class BucketFigures:
    start_s: float
    end_s: float  # math.inf for the last
    abandoned: int
    reached: int
    share_of_offered: float | None
    abandon_given_reached: float | None


def abandonment_by_bucket(t: Tally) -> list[BucketFigures]:
    """Abandonment by wait bucket [lo, hi) for the tally's bucket edges."""
    starts = t.settings.bucket_starts
    ends = (*t.settings.buckets_s, math.inf)
    return [
        BucketFigures(
            start,
            end,
            t.abandoned_in[i],
            t.reached[i],
            _ratio(t.abandoned_in[i], t["offered"]),
            _ratio(t.abandoned_in[i], t.reached[i]),
        )
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]
