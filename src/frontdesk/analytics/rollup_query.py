"""Reading the report rollup (rollup.py): tallies per slice and patience waits, exactly.

A request is answered from the rollup when its rows hold every figure it asks for, else the
caller falls back to the calls table (never an approximation):

* at most one slice dimension besides queue and outcome (the rollup has one per row);
* window edges on UTC quarter-hours (local days and hours always are);
* whole UTC days inside the window are read from day rows, unless the report slices by hour or
  15 minutes, or by day in a zone that is not UTC; the rest of the window from quarter-hour rows
  (queue and outcome only) or, for other dimensions, from the calls table (`calls_part`), which
  for a window of local days is at most the two partial UTC days at its ends.

Waits are stored as exact distinct values with counts, so thresholds compare exactly as
`Tally.add` does (`metrics.add_wait_counts`); sums of seconds may differ from a summing of the
calls table in the last bits (another order of addition), counts never.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import (
    GROUP_SUMS,
    MetricSettings,
    Tally,
    add_wait_counts,
    wait_class,
)
from frontdesk.analytics.records import OUTCOME_CODES, OUTCOMES_BY_CODE, CallOutcome
from frontdesk.analytics.rollup import BASE, DAY_S, QUARTER_DIMENSIONS, WAITS
from frontdesk.analytics.slices import QUARTER_S, TIME_DIMENSIONS, Key, interval_label

_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
    | {"GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0"}
    | {"Etc/Greenwich", "Greenwich"}
)
CallsPart = Callable[[float, float], dict[Key, Tally]]
"""Tallies of the calls table for the request's slices, offered in [since, until)."""


@dataclass(frozen=True, slots=True)
class Part:
    """Calls offered in [since, until), read from rollup rows of one span (QUARTER_S or DAY_S)
    or, with span 0, from the calls table."""

    span: int
    since: float
    until: float


def plan(by: Sequence[str], since: float, until: float, tz: ZoneInfo) -> list[Part] | None:
    """How to cover [since, until) for slices `by`: rollup parts and calls-table parts, or None
    when the rollup cannot answer it exactly."""
    dim = dimension(by)
    if dim is None or not (_on_quarter(since) and _on_quarter(until)):
        return None
    timed = [d for d in by if d in TIME_DIMENSIONS]
    has_quarters = dim in QUARTER_DIMENSIONS
    if timed and not (all(d == "day" for d in timed) and str(tz.key) in _UTC_NAMES):
        return [Part(QUARTER_S, since, until)] if has_quarters else None
    first = math.ceil(since / DAY_S) * DAY_S if math.isfinite(since) else since
    end = math.floor(until / DAY_S) * DAY_S if math.isfinite(until) else until
    if first >= end:
        return [Part(QUARTER_S if has_quarters else 0, since, until)]
    edge = QUARTER_S if has_quarters else 0
    parts = [Part(DAY_S, first, end)]
    parts += [Part(edge, lo, hi) for lo, hi in ((since, first), (end, until)) if lo < hi]
    return parts


def dimension(by: Sequence[str]) -> str | None:
    """The rollup dimension a slicing needs (BASE for queue/outcome/intervals), or None."""
    extra = {d for d in by if d not in TIME_DIMENSIONS and d not in ("queue", "outcome")}
    if len(extra) > 1:
        return None
    return extra.pop() if extra else BASE


def _on_quarter(t: float) -> bool:
    return not math.isfinite(t) or t % QUARTER_S == 0


def tallies(
    engine: Engine,
    settings: MetricSettings,
    by: Sequence[str],
    parts: list[Part],
    queues: tuple[str, ...],
    tz: ZoneInfo,
    calls_part: CallsPart,
    with_waits: bool = True,
) -> dict[Key, Tally]:
    """One tally per slice, from the planned parts (see `plan`). Without waits, the fields
    that depend on them (answered within T, short abandons, buckets, longest wait) stay 0."""
    dim = dimension(by)
    assert dim is not None
    timed = any(d in TIME_DIMENSIONS for d in by)
    with engine.connect() as conn:
        rows = [
            row
            for p in parts
            if p.span
            for row in _rows(conn, p, dim, queues, timed, "queue" in by, with_waits)
        ]
    result = _from_rows(rows, settings, by, dim, tz)
    for p in parts:
        if not p.span:
            for key, tally in calls_part(p.since, p.until).items():
                if key in result:
                    result[key].merge(tally)
                else:
                    result[key] = tally
    return result


def _rows(
    conn: Connection,
    part: Part,
    dim: str,
    queues: tuple[str, ...],
    timed: bool,
    by_queue: bool,
    with_waits: bool,
) -> list[tuple]:  # type: ignore[type-arg]
    """Rollup rows summed per (slot if timed, queue if sliced by it, value, outcome): SQLite
    adds the sums and joins the packed waits (checked by their total length)."""
    keys = ["span", "slot" if timed else "0", "queue" if by_queue else "''", "value", "outcome"]
    sums = ", ".join(f"SUM({name})" for name in GROUP_SUMS)
    joined = "CAST(group_concat(waits, x'') AS BLOB), TOTAL(LENGTH(waits))"
    waits = joined if with_waits else "x'', 0"
    grouped = ", ".join(k for k in keys if k[0] not in "0'")
    sql = f"SELECT {', '.join(keys)}, {sums}, {waits} FROM call_rollup WHERE span = ? AND dim = ?"
    params: list[object] = [part.span, dim]
    if math.isfinite(part.since):
        sql += " AND slot >= ?"
        params.append(int(part.since // part.span))
    if math.isfinite(part.until):
        sql += " AND slot < ?"
        params.append(int(part.until // part.span))
    if queues:
        sql += f" AND queue IN ({', '.join('?' * len(queues))})"
        params += queues
    sql += f" GROUP BY {grouped}"
    cursor = conn.connection.cursor()
    try:
        rows: list[tuple[Any, ...]] = cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()
    for row in rows:
        if len(row[-2] or b"") != row[-1]:
            raise AnalyticsError("SQLite did not join the rollup's packed waits byte for byte")
    return rows


def _from_rows(
    rows: list[tuple],  # type: ignore[type-arg]
    settings: MetricSettings,
    by: Sequence[str],
    dim: str,
    tz: ZoneInfo,
) -> dict[Key, Tally]:
    labels: dict[tuple[int, int], dict[str, str]] = {}
    groups: dict[Key, int] = {}
    pairs: dict[tuple[int, int], int] = {}
    row_pair = np.empty(len(rows), dtype=np.int64)
    for i, (span, slot, queue, value, code) in enumerate(r[:5] for r in rows):
        when = labels.get((span, slot))
        if when is None:
            start = float(slot * span)
            when = labels[(span, slot)] = {
                d: interval_label(start, d, tz) for d in by if d in TIME_DIMENSIONS
            }
        key = tuple(
            queue
            if d == "queue"
            else OUTCOMES_BY_CODE[code].value
            if d == "outcome"
            else value
            if d == dim
            else when[d]
            for d in by
        )
        group = groups.setdefault(key, len(groups))
        row_pair[i] = pairs.setdefault((group, code), len(pairs))
    if not rows:
        return {}
    tallies = [Tally(settings) for _ in groups]
    n = len(GROUP_SUMS)
    sums = np.array([r[5 : 5 + n] for r in rows], dtype=np.float64)
    pair_sums = [np.bincount(row_pair, weights=sums[:, j], minlength=len(pairs)) for j in range(n)]
    pair_group = np.empty(len(pairs), dtype=np.int64)
    pair_class = np.full(len(pairs), -1, dtype=np.int64)
    for (group, code), p in pairs.items():
        outcome = OUTCOMES_BY_CODE[code]
        tallies[group].add_sums(outcome, [float(s[p]) for s in pair_sums])
        pair_group[p] = group
        pair_class[p] = _class_code(outcome)
    waits = [r[5 + n] or b"" for r in rows]
    lengths = np.fromiter((len(w) // WAITS.itemsize for w in waits), np.int64, len(rows))
    entries = np.frombuffer(b"".join(waits), dtype=WAITS)
    entry_pair = np.repeat(row_pair, lengths)
    add_wait_counts(
        tallies,
        pair_group[entry_pair],
        pair_class[entry_pair],
        entries["wait"].astype(np.float64),
        entries["count"].astype(np.float64),
    )
    return dict(zip(groups, tallies, strict=True))


def _class_code(outcome: CallOutcome) -> int:
    klass = wait_class(outcome)
    return -1 if klass is None else klass


def patience_waits(
    engine: Engine, parts: list[Part], queues: tuple[str, ...]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Waits of answered and abandoned calls (abandoned flagged), one per call, from the
    rollup's quarter and day rows (`plan` with no slices never needs the calls table)."""
    answered = OUTCOME_CODES[CallOutcome.ANSWERED]
    abandoned = OUTCOME_CODES[CallOutcome.ABANDONED]
    waits, flags = [], []
    with engine.connect() as conn:
        rows = [
            row for part in parts for row in _rows(conn, part, BASE, queues, False, False, True)
        ]
    for row in rows:
        code = row[4]
        if code in (answered, abandoned):
            entries = np.frombuffer(row[-2] or b"", dtype=WAITS)
            repeated = np.repeat(entries["wait"], entries["count"])
            waits.append(repeated)
            flags.append(np.full(len(repeated), code == abandoned))
    if not waits:
        return np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate(waits), np.concatenate(flags)
