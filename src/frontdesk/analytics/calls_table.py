"""The derived `calls` table: one row per completed call, kept beside the event log for reports.

The event log stays the source of truth; this table is what `derive.py` makes of it, so it can
be dropped and rebuilt (`rebuild_calls`) when the derivation changes (`refresh_calls` does it
by itself once for a table derived by another `DERIVATION_VERSION`). `refresh_calls` brings
it up to date: it re-derives every call touched by events after the last sequence it saw (a
call completes only with a new event, so nothing else can have changed). Reports aggregate it
in SQL: `tally_columns(settings)` is the SQL twin of `Tally.add`, field for field, grouped by
UTC quarter-hour (`quarter`, indexed) and any record dimension.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
)

from frontdesk.analytics import rollup
from frontdesk.analytics.derive import DERIVATION_VERSION, CallDeriver, Event
from frontdesk.analytics.metrics import SCALAR_FIELDS, MetricSettings
from frontdesk.analytics.records import (
    OFFERED,
    OUTCOME_CODES,
    OUTCOMES_BY_CODE,
    CallOutcome,
    CallRecord,
)
from frontdesk.analytics.slices import QUARTER_S
from frontdesk.store.eventlog import events_table
from frontdesk.store.eventlog import metadata as events_metadata

calls_metadata = MetaData()
calls_table = Table(
    "calls",
    calls_metadata,
    Column("call_id", String(255), primary_key=True),
    Column("offered_at", Float, nullable=False, index=True),
    Column("quarter", Integer, nullable=False, index=True),
    Column("outcome", Integer, nullable=False),
    *(Column(name, String(255), nullable=False, default="") for name in ("queue", "final_queue")),
    *(Column(name, String(255), nullable=False, default="") for name in ("number", "caller")),
    Column("wait_s", Float, nullable=False),
    Column("agent", String(255), nullable=False, default=""),
    Column("team", String(255), nullable=False, default=""),
    *(Column(name, Float, nullable=False) for name in ("talk_s", "hold_s", "wrap_s")),
    *(
        Column(name, Integer, nullable=False)
        for name in ("overflowed", "callback_promised", "callback_kept", "callback_on_time")
    ),
    Column("survey_score", Float, nullable=True),
    *(Column(name, String(64), nullable=False, default="") for name in ("tier", "country")),
    Column("language", String(64), nullable=False, default=""),
    Column("open_case", Integer, nullable=True),
    Column("known", Integer, nullable=True),
    Column("source_id", String(255), nullable=False, default=""),
    Index("calls_queue_quarter", "queue", "quarter"),
    Index("calls_source", "source_id", unique=True, sqlite_where=text("source_id != ''")),
)
derived_state = Table(
    "derived_state",
    calls_metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)
_LAST_SEQ = "calls_last_seq"
_ROLLUP = "rollup_version"
_DERIVATION = "derivation_version"
_BATCH = 50_000
_LOOKUP = 5_000  # call ids per IN (...) when looking for rows about to be replaced
_ROW_FIELDS = tuple(c.name for c in calls_table.columns)


def ensure_schema(engine: Engine) -> None:
    """Creates the tables; a new calls table starts with an (empty) up-to-date rollup and the
    current derivation's version."""
    events_metadata.create_all(engine)
    calls_metadata.create_all(engine)
    rollup.rollup_metadata.create_all(engine)
    with engine.begin() as conn:
        # later calls of a number (missed calls called back); made here, not in the table's
        # definition, so databases made before it get it too
        conn.execute(text("CREATE INDEX IF NOT EXISTS calls_caller ON calls (caller, offered_at)"))
        if conn.execute(select(calls_table.c.call_id)).first() is not None:
            return  # a table with calls keeps the versions it was made by
        if conn.dialect.name == "sqlite" and _state(conn, _ROLLUP) is None:
            _set_state(conn, _ROLLUP, rollup.ROLLUP_VERSION)
        if _state(conn, _DERIVATION) is None:
            _set_state(conn, _DERIVATION, DERIVATION_VERSION)


def _state(conn: Connection, name: str) -> int | None:
    value = conn.execute(select(derived_state.c.value).where(derived_state.c.name == name)).scalar()
    return None if value is None else int(value)


def _set_state(conn: Connection, name: str, value: int) -> None:
    conn.execute(derived_state.insert().prefix_with("OR REPLACE"), {"name": name, "value": value})


def rollup_ready(conn: Connection) -> bool:
    """True when the rollup sums exactly the calls table (it is kept so once built). SQLite
    only for now: on other databases reports sum the calls table."""
    return conn.dialect.name == "sqlite" and _state(conn, _ROLLUP) == rollup.ROLLUP_VERSION


def ensure_rollup(engine: Engine) -> bool:
    """Builds the rollup from the calls table if this database has none yet (made before the
    rollup existed, or by another version); returns True if it had to."""
    ensure_schema(engine)
    with engine.begin() as conn:
        if rollup_ready(conn) or conn.dialect.name != "sqlite":
            return False
        rows = conn.execute(select(calls_table)).yield_per(_BATCH)
        rollup.rebuild(conn, (row_record(row) for row in rows))
        _set_state(conn, _ROLLUP, rollup.ROLLUP_VERSION)
    return True


def record_row(r: CallRecord) -> dict[str, Any]:
    return {
        "call_id": r.call_id,
        "offered_at": r.offered_at,
        "quarter": int(r.offered_at // QUARTER_S),
        "outcome": OUTCOME_CODES[r.outcome],
        **{k: getattr(r, k) for k in ("queue", "final_queue", "number", "caller", "wait_s")},
        **{k: getattr(r, k) for k in ("agent", "team", "talk_s", "hold_s", "wrap_s")},
        "overflowed": int(r.overflowed),
        "callback_promised": int(r.callback_promised),
        "callback_kept": int(r.callback_kept),
        "callback_on_time": int(r.callback_on_time),
        **{k: getattr(r, k) for k in ("survey_score", "tier", "country", "language")},
        "open_case": None if r.open_case is None else int(r.open_case),
        "known": None if r.known is None else int(r.known),
        "source_id": r.source_id,
    }


def row_record(row: Any) -> CallRecord:
    """The record a calls-table row was written from (`record_row` the other way)."""
    m = row._mapping if hasattr(row, "_mapping") else dict(zip(_ROW_FIELDS, row, strict=True))
    return CallRecord(
        call_id=m["call_id"],
        offered_at=m["offered_at"],
        outcome=OUTCOMES_BY_CODE[m["outcome"]],
        **{k: m[k] for k in ("queue", "final_queue", "number", "caller", "wait_s", "agent")},
        **{k: m[k] for k in ("team", "talk_s", "hold_s", "wrap_s")},
        overflowed=bool(m["overflowed"]),
        callback_promised=bool(m["callback_promised"]),
        callback_kept=bool(m["callback_kept"]),
        callback_on_time=bool(m["callback_on_time"]),
        **{k: m[k] for k in ("survey_score", "tier", "country", "language")},
        open_case=None if m["open_case"] is None else bool(m["open_case"]),
        known=None if m["known"] is None else bool(m["known"]),
        source_id=m["source_id"],
    )


def bulk_insert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], replace: bool = False
) -> None:
    """executemany straight on the driver for SQLite (SQLAlchemy's per-row parameter work
    costs more than SQLite's insert), the portable statement elsewhere."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        statement = table.insert()
        conn.execute(statement.prefix_with("OR REPLACE") if replace else statement, rows)
        return
    names = list(rows[0])
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    sql = f"{verb} INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn.exec_driver_sql(sql, [tuple(row[n] for n in names) for row in rows])


def write_records(engine: Engine, records: Iterable[CallRecord]) -> int:
    """Inserts or replaces records, in big batches, and keeps the rollup in step (in the same
    transaction); returns how many."""
    ensure_schema(engine)
    written, batch = 0, []
    with engine.begin() as conn:
        keep_rollup = rollup_ready(conn)
        for record in records:
            batch.append(record)
            if len(batch) >= _BATCH:
                written += _write_batch(conn, batch, keep_rollup)
                batch = []
        written += _write_batch(conn, batch, keep_rollup)
    return written


def _write_batch(conn: Connection, records: list[CallRecord], keep_rollup: bool) -> int:
    latest = {r.call_id: r for r in records}  # a call written twice in a batch: the last wins
    if keep_rollup and latest:
        rollup.apply(conn, _stored_records(conn, list(latest)), list(latest.values()))
    bulk_insert(conn, calls_table, [record_row(r) for r in latest.values()], replace=True)
    return len(records)


def _stored_records(conn: Connection, call_ids: list[str]) -> list[CallRecord]:
    found = []
    for start in range(0, len(call_ids), _LOOKUP):
        chunk = call_ids[start : start + _LOOKUP]
        query = select(calls_table).where(calls_table.c.call_id.in_(chunk))
        found += [row_record(row) for row in conn.execute(query)]
    return found


def last_seq(engine: Engine) -> int:
    ensure_schema(engine)
    with engine.connect() as conn:
        value = conn.execute(
            select(derived_state.c.value).where(derived_state.c.name == _LAST_SEQ)
        ).scalar()
    return int(value or 0)


def set_last_seq(engine: Engine, seq: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            derived_state.insert().prefix_with("OR REPLACE"), {"name": _LAST_SEQ, "value": seq}
        )


def max_event_seq(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(events_table.c.seq))).scalar() or 0)


def queues_in_calls(engine: Engine) -> list[str]:
    """The queues derived calls were offered in, sorted: imported history brings queues the
    company file does not name (the Reports and Planning pages offer them to admins)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        if rollup_ready(conn):  # a few rows a day instead of every call
            day_rows = rollup.rollup_table.c
            query = select(day_rows.queue).where(
                day_rows.span == rollup.DAY_S, day_rows.dim == rollup.BASE, day_rows.queue != ""
            )
        else:
            query = select(calls_table.c.queue).where(calls_table.c.queue != "")
        return sorted(str(row[0]) for row in conn.execute(query.distinct()))


def refresh_calls(engine: Engine, teams: dict[str, str] | None = None) -> int:
    """Derives the calls touched by events not seen yet; returns how many records were written.
    Builds the rollup first if this database has none yet; derives every call again if the
    table was derived by another version of the derivation."""
    ensure_rollup(engine)
    with engine.connect() as conn:
        current = _state(conn, _DERIVATION) == DERIVATION_VERSION
    if not current:
        return rebuild_calls(engine, teams)
    since, top = last_seq(engine), max_event_seq(engine)
    if top <= since:
        return 0
    with engine.connect() as conn:
        touched = [
            row[0]
            for row in conn.execute(
                select(events_table.c.call_id)
                .where(events_table.c.seq > since, events_table.c.seq <= top)
                .where(events_table.c.call_id.is_not(None))
                .distinct()
            )
        ]
    written = 0
    for start in range(0, len(touched), 500):
        chunk = touched[start : start + 500]
        written += write_records(engine, _derive_ids(engine, chunk, top, teams))
    set_last_seq(engine, top)
    return written


def rebuild_calls(engine: Engine, teams: dict[str, str] | None = None) -> int:
    """Drops every derived call and derives them all again from the event log."""
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(delete(calls_table))
        conn.execute(delete(rollup.rollup_table))
        conn.execute(delete(derived_state).where(derived_state.c.name == _LAST_SEQ))
        _set_state(conn, _ROLLUP, rollup.ROLLUP_VERSION)  # empty, like the calls table
        _set_state(conn, _DERIVATION, DERIVATION_VERSION)
    return refresh_calls(engine, teams)


def _derive_ids(
    engine: Engine, call_ids: Sequence[str], top: int, teams: dict[str, str] | None
) -> list[CallRecord]:
    query = (
        select(events_table.c.at, events_table.c.kind, events_table.c.call_id, events_table.c.data)
        .where(events_table.c.call_id.in_(call_ids), events_table.c.seq <= top)
        .order_by(events_table.c.seq)
    )
    deriver = CallDeriver(teams)
    records = []
    with engine.connect() as conn:
        for at, kind, call_id, data in conn.execute(query):
            event: Event = (at, kind, call_id, json.loads(data))
            record = deriver.feed(*event)
            if record is not None:
                records.append(record)
    return records


# ------------------------------------------------------------------ SQL twin of Tally.add


def _in(codes: Iterable[CallOutcome]) -> str:
    return "outcome IN (" + ",".join(str(OUTCOME_CODES[o]) for o in codes) + ")"


def tally_columns(settings: MetricSettings) -> list[str]:
    """SQL aggregate expressions in the order `Tally.from_row` reads them."""
    c = {o: f"outcome = {OUTCOME_CODES[o]}" for o in CallOutcome}
    ans, abn, cb = c[CallOutcome.ANSWERED], c[CallOutcome.ABANDONED], c[CallOutcome.CALLBACK]
    offered = _in(OFFERED)
    t, s = repr(float(settings.target_s)), repr(float(settings.short_abandon_s))
    handled = f"({ans} OR callback_kept)"
    scalar = {
        "calls": "COUNT(*)",
        "offered": f"TOTAL({offered})",
        "answered": f"TOTAL({ans})",
        "answered_within_t": f"TOTAL({ans} AND wait_s <= {t})",
        "answer_wait_sum": f"TOTAL(CASE WHEN {ans} THEN wait_s END)",
        "abandoned": f"TOTAL({abn})",
        "abandoned_within_t": f"TOTAL({abn} AND wait_s <= {t})",
        "short_abandoned": f"TOTAL({abn} AND wait_s < {s})",
        "abandon_wait_sum": f"TOTAL(CASE WHEN {abn} THEN wait_s END)",
        "callbacks": f"TOTAL({cb})",
        "callbacks_promised": f"TOTAL({cb} AND callback_promised)",
        "callbacks_kept": f"TOTAL({cb} AND callback_kept)",
        "callbacks_on_time": f"TOTAL({cb} AND callback_on_time)",
        "voicemail": f"TOTAL({c[CallOutcome.VOICEMAIL]})",
        "sent_out": f"TOTAL({c[CallOutcome.OVERFLOW]})",
        "overflowed": f"TOTAL(overflowed OR {c[CallOutcome.OVERFLOW]})",
        "rejected": f"TOTAL({c[CallOutcome.REJECTED]})",
        "ivr": f"TOTAL({c[CallOutcome.IVR]})",
        "phantom": f"TOTAL({c[CallOutcome.PHANTOM]})",
        "open": f"TOTAL({c[CallOutcome.OPEN]})",
        "handled": f"TOTAL({handled})",
        "talk_sum": f"TOTAL(CASE WHEN {handled} THEN talk_s END)",
        "hold_sum": f"TOTAL(CASE WHEN {handled} THEN hold_s END)",
        "wrap_sum": f"TOTAL(CASE WHEN {handled} THEN wrap_s END)",
        "longest_wait": f"MAX(CASE WHEN {offered} THEN wait_s END)",
        "survey_count": "COUNT(survey_score)",
        "survey_sum": "TOTAL(survey_score)",
    }
    assert tuple(scalar) == SCALAR_FIELDS, "the SQL tally must list the Tally's fields in order"
    starts = settings.bucket_starts
    ends = [*settings.buckets_s, None]
    abandoned_in = [
        f"TOTAL({abn} AND wait_s >= {lo!r}" + (f" AND wait_s < {float(hi)!r})" if hi else ")")
        for lo, hi in zip(starts, ends, strict=True)
    ]
    reached = [f"TOTAL({offered} AND wait_s >= {lo!r})" for lo in starts]
    return [*scalar.values(), *abandoned_in, *reached]
