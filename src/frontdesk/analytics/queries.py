"""Historical queries: tallies per slice, waits, missed calls, agent time.

Tallies come from the report rollup when it holds them exactly (`rollup_query.py`), else from
the derived calls table: there aggregation happens in SQL (`calls_table.tally_columns`),
grouped by the record dimensions asked for and, when an interval is asked for, by UTC
quarter-hour; quarter-hours are then put into local intervals here and their tallies merged.
The figures come from `metrics.figures` either way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, text

from frontdesk.analytics import rollup_query
from frontdesk.analytics.agent_time import AgentTime
from frontdesk.analytics.calls_table import ensure_schema, rollup_ready, tally_columns
from frontdesk.analytics.metrics import MetricSettings, Tally
from frontdesk.analytics.records import OUTCOME_CODES, OUTCOMES_BY_CODE, CallOutcome
from frontdesk.analytics.slices import TIME_DIMENSIONS, Key, check_dimensions, quarter_label

_SQL_DIMENSIONS = {
    "queue": "queue",
    "final_queue": "final_queue",
    "agent": "agent",
    "team": "team",
    "number": "number",
    "outcome": "outcome",
    "tier": "tier",
    "country": "country",
    "language": "language",
    "open_case": "CASE open_case WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '' END",
    "customer": "CASE known WHEN 1 THEN 'known' WHEN 0 THEN 'new' ELSE '' END",
}


@dataclass(frozen=True, slots=True)
class Window:
    """Which calls a report covers: offered in [since, until), in these queues (all if empty)."""

    since: float = -math.inf
    until: float = math.inf
    queues: tuple[str, ...] = ()

    def where(self) -> tuple[str, dict[str, object]]:
        clauses: list[str] = ["1 = 1"]
        params: dict[str, object] = {}
        if math.isfinite(self.since):
            clauses.append("offered_at >= :since")
            params["since"] = self.since
        if math.isfinite(self.until):
            clauses.append("offered_at < :until")
            params["until"] = self.until
        for i, queue in enumerate(self.queues):
            params[f"q{i}"] = queue
        if self.queues:
            names = ", ".join(f":q{i}" for i in range(len(self.queues)))
            clauses.append(f"queue IN ({names})")
        return " AND ".join(clauses), params


def tallies(
    engine: Engine,
    settings: MetricSettings,
    by: Sequence[str],
    window: Window,
    tz: ZoneInfo,
    use_rollup: bool = True,
) -> dict[Key, Tally]:
    """One tally per slice of the calls in the window, keys as `slices.record_key` makes them."""
    return sourced_tallies(engine, settings, by, window, tz, use_rollup)[0]


def sourced_tallies(
    engine: Engine,
    settings: MetricSettings,
    by: Sequence[str],
    window: Window,
    tz: ZoneInfo,
    use_rollup: bool = True,
    with_waits: bool = True,
) -> tuple[dict[Key, Tally], str]:
    """`tallies`, and where they came from: "rollup", "rollup+calls" or "calls" (the rollup
    answers what it holds exactly; anything else is read from the calls table). A report that
    shows no wait-dependent figure may skip reading the waits (`rollup_query.tallies`)."""
    check_dimensions(by)
    ensure_schema(engine)
    parts = _rollup_parts(engine, by, window, tz) if use_rollup else None
    if parts is None:
        return calls_tallies(engine, settings, by, window, tz), "calls"

    def calls_part(since: float, until: float) -> dict[Key, Tally]:
        return calls_tallies(engine, settings, by, Window(since, until, window.queues), tz)

    found = rollup_query.tallies(
        engine, settings, by, parts, window.queues, tz, calls_part, with_waits
    )
    return found, "rollup" if all(p.span for p in parts) else "rollup+calls"


def _rollup_parts(
    engine: Engine, by: Sequence[str], window: Window, tz: ZoneInfo
) -> list[rollup_query.Part] | None:
    parts = rollup_query.plan(by, window.since, window.until, tz)
    if parts is None:
        return None
    with engine.connect() as conn:
        return parts if rollup_ready(conn) else None


def calls_tallies(
    engine: Engine,
    settings: MetricSettings,
    by: Sequence[str],
    window: Window,
    tz: ZoneInfo,
) -> dict[Key, Tally]:
    """`tallies` summed from the calls table by one SQL GROUP BY (`tally_columns`)."""
    check_dimensions(by)
    ensure_schema(engine)
    record_dims = [d for d in by if d not in TIME_DIMENSIONS]
    group = [_SQL_DIMENSIONS[d] for d in record_dims]
    if len(record_dims) < len(by):
        group.append("quarter")
    where, params = window.where()
    columns = [*group, *tally_columns(settings)]
    sql = f"SELECT {', '.join(columns)} FROM calls WHERE {where}"
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    result: dict[Key, Tally] = {}
    with engine.connect() as conn:
        for row in conn.execute(text(sql), params):
            if row[len(group)] == 0:  # COUNT(*) of no rows, without GROUP BY
                continue
            key = _key(row, by, record_dims, tz)
            tally = Tally.from_row(settings, row[len(group) :])
            if key in result:
                result[key].merge(tally)
            else:
                result[key] = tally
    return result


def _key(row: Sequence[object], by: Sequence[str], record_dims: list[str], tz: ZoneInfo) -> Key:
    values = dict(zip(record_dims, row, strict=False))
    if "outcome" in values:
        values["outcome"] = OUTCOMES_BY_CODE[int(str(values["outcome"]))].value
    quarter = row[len(record_dims)] if len(record_dims) < len(by) else None
    return tuple(
        quarter_label(int(str(quarter)), d, tz) if d in TIME_DIMENSIONS else str(values[d])
        for d in by
    )


def waits(engine: Engine, window: Window) -> tuple[list[float], list[bool]]:
    """Waits of answered and abandoned calls (abandoned flagged) for patience estimates."""
    ensure_schema(engine)
    where, params = window.where()
    answered = OUTCOME_CODES[CallOutcome.ANSWERED]
    abandoned = OUTCOME_CODES[CallOutcome.ABANDONED]
    sql = (
        f"SELECT wait_s, outcome = {abandoned} FROM calls WHERE {where} "
        f"AND outcome IN ({answered}, {abandoned})"
    )
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    return [float(r[0]) for r in rows], [bool(r[1]) for r in rows]


@dataclass(frozen=True, slots=True)
class MissedCalls:
    """Missed calls (abandoned, or sent to voicemail) and whether the number was reached since:
    a later call from or to the same number that an agent answered, or a kept callback."""

    missed: int
    no_number: int  # the caller's number is unknown: cannot be matched
    called_back: int

    @property
    def not_called_back(self) -> int:
        return self.missed - self.no_number - self.called_back


def missed_calls(
    engine: Engine, by: Sequence[str], window: Window, tz: ZoneInfo
) -> dict[Key, MissedCalls]:
    """Missed calls offered in the window, per slice, matched with every later call of the same
    number in the calls table (up to now, not only in the window)."""
    check_dimensions(by)
    ensure_schema(engine)
    record_dims = [d for d in by if d not in TIME_DIMENSIONS]
    group = [_SQL_DIMENSIONS[d] for d in record_dims]
    if len(record_dims) < len(by):
        group.append("quarter")
    code = OUTCOME_CODES
    missed = f"({code[CallOutcome.ABANDONED]}, {code[CallOutcome.VOICEMAIL]})"
    reached = (
        "EXISTS (SELECT 1 FROM calls AS later WHERE later.caller = calls.caller"
        " AND later.offered_at > calls.offered_at"
        f" AND (later.outcome = {code[CallOutcome.ANSWERED]} OR later.callback_kept = 1))"
    )
    where, params = window.where()
    columns = [*group, "COUNT(*)", "TOTAL(caller = '')", f"TOTAL(caller != '' AND {reached})"]
    sql = f"SELECT {', '.join(columns)} FROM calls WHERE {where} AND outcome IN {missed}"
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    result: dict[Key, MissedCalls] = {}
    with engine.connect() as conn:
        for row in conn.execute(text(sql), params):
            count, unknown, reached_count = (int(x or 0) for x in row[len(group) :])
            if count == 0:
                continue
            key = _key(row, by, record_dims, tz)
            before = result.get(key, MissedCalls(0, 0, 0))
            result[key] = MissedCalls(
                before.missed + count,
                before.no_number + unknown,
                before.called_back + reached_count,
            )
    return result


def patience_waits(
    engine: Engine, window: Window, use_rollup: bool = True
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], str]:
    """`waits` as arrays (in no particular order), and where they came from."""
    ensure_schema(engine)
    parts = _rollup_parts(engine, (), window, ZoneInfo("UTC")) if use_rollup else None
    if parts is None:
        found, flags = waits(engine, window)
        return np.array(found, dtype=np.float64), np.array(flags, dtype=bool), "calls"
    found_waits, found_flags = rollup_query.patience_waits(engine, parts, window.queues)
    return found_waits, found_flags, "rollup"


def agent_time(engine: Engine, window: Window) -> AgentTime:
    """Agent state time inside the window, from the `acd.agent_state` events."""
    timeline = AgentTime(window.since, window.until)
    params: dict[str, object] = {"until": window.until if math.isfinite(window.until) else 1e300}
    sql = "SELECT at, data FROM events WHERE kind = 'acd.agent_state' AND at < :until ORDER BY seq"
    last = -math.inf
    with engine.connect() as conn:
        for at, data in conn.execute(text(sql), params):
            timeline.feed(at, "acd.agent_state", json.loads(data))
            last = max(last, at)
    timeline.close(min(window.until, last) if math.isfinite(window.until) else last)
    return timeline
