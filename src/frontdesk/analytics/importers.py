"""Importing call history: each imported call becomes event-log events, so every report works.

A source row is first made into an `ImportedCall` (one normalised call), then into the same
event kinds live calls produce (`call.received`, `acd.queued`, `acd.answered`/`abandoned`/...,
`acd.closed`, `acd.call_ended`, `call.ended`) with the original timestamps. The derived call
record is computed from those very events (derive.py), so imported and live calls follow one
definition. Imports are idempotent: every call carries a `source_id` built from the source
row, and calls whose `source_id` is already in the calls table are skipped — unless the import
replaces them (`frontdesk import --replace`, after a mapping was put right): then their earlier
events stay in the log under the kind `import.withdrawn`, which no derivation reads, and the
calls are written again. Events are marked rather than deleted because SQLite hands a deleted
top sequence number out again, and readers that keep their place by sequence would miss it.

Sources: the Technion Anonymous Bank log (`anonymous_bank_calls`) and any CSV with a YAML
column mapping (`generic_csv_calls`, see docs/analytics.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update

from frontdesk.analytics.anonymous_bank import BankCall, Outcome, read_calls
from frontdesk.analytics.calls_table import (
    bulk_insert,
    calls_table,
    ensure_schema,
    last_seq,
    max_event_seq,
    set_last_seq,
    write_records,
)
from frontdesk.analytics.derive import CallDeriver, Event
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.store.eventlog import events_table

_BATCH_CALLS = 20_000
_LOOKUP = 500  # call ids per IN (...): well under SQLite's bound-parameter limit
WITHDRAWN_KIND = "import.withdrawn"
_encode = json.JSONEncoder(separators=(",", ":")).encode
_BANK_TIERS = {0: "unidentified", 1: "regular", 2: "high"}


@dataclass(frozen=True, slots=True)
class ImportedCall:
    """One call from a history source, normalised. Times are epoch seconds."""

    source_id: str
    arrived_at: float
    outcome: CallOutcome
    queue: str = ""
    queued_at: float | None = None  # None: never queued (answered calls: at once)
    wait_s: float = 0.0
    answered_at: float | None = None
    agent: str = ""
    talk_s: float = 0.0
    hold_s: float = 0.0
    wrap_s: float = 0.0
    ended_at: float | None = None
    number: str = ""
    caller: str = ""
    priority: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int
    imported: int
    skipped: int
    events: int
    replaced: int = 0
    queues: frozenset[str] = frozenset()  # the queues the file's calls name


def call_events(call: ImportedCall) -> list[Event]:
    """The event-log events of one imported call, in the order they happened."""
    cid, q = call.source_id, call.queue
    received: dict[str, Any] = {"number": call.number, "caller": call.caller, "source_id": cid}
    if call.attributes:
        received["attributes"] = call.attributes
    events: list[Event] = [(call.arrived_at, "call.received", cid, received)]
    outcome = call.outcome
    end = call.ended_at if call.ended_at is not None else call.arrived_at
    if outcome in (CallOutcome.IVR, CallOutcome.PHANTOM, CallOutcome.REJECTED):
        reason = {CallOutcome.IVR: "ivr", CallOutcome.PHANTOM: "phantom"}.get(outcome, "rejected")
        if outcome is CallOutcome.REJECTED:
            events.append((end, "call.rejected", cid, {"reason": "imported"}))
        else:
            events.append(
                (end, "call.ended", cid, {"reason": reason, "queue": q, "wait": call.wait_s})
            )
        return events
    queued = call.queued_at if call.queued_at is not None else call.arrived_at
    events.append((queued, "acd.queued", cid, {"queue": q, "priority": call.priority}))
    left = queued + call.wait_s
    if outcome is CallOutcome.ANSWERED:
        answered = call.answered_at if call.answered_at is not None else left
        events.append(
            (
                answered,
                "acd.answered",
                cid,
                {"queue": q, "agent_id": call.agent, "wait": call.wait_s},
            )
        )
        events.append(
            (answered, "acd.closed", cid, {"queue": q, "outcome": "answered", "wait": call.wait_s})
        )
        finished = max(end, answered + call.talk_s)
        events.append(
            (
                finished,
                "acd.call_ended",
                cid,
                {
                    "queue": q,
                    "agent_id": call.agent,
                    "talk_time": call.talk_s,
                    "hold_time": call.hold_s,
                    "wrap_up": call.wrap_s,
                },
            )
        )
        end = max(end, finished)
    elif outcome is CallOutcome.OVERFLOW:
        events.append((left, "call.overflowed", cid, {"queue": q, "wait": call.wait_s}))
    else:
        kind = {
            CallOutcome.ABANDONED: "acd.abandoned",
            CallOutcome.VOICEMAIL: "acd.voicemail",
            CallOutcome.CALLBACK: "acd.callback_requested",
        }[outcome]
        events.append((left, kind, cid, {"queue": q, "wait": call.wait_s}))
        events.append(
            (left, "acd.closed", cid, {"queue": q, "outcome": outcome.value, "wait": call.wait_s})
        )
    events.append((max(end, left), "call.ended", cid, {"reason": outcome.value}))
    return events


# ------------------------------------------------------------------ the Anonymous Bank log


def bank_call(call: BankCall, tz: ZoneInfo) -> ImportedCall:
    """One Anonymous Bank row as an imported call: queue = type, tier from priority."""

    def epoch(moment: datetime | None) -> float | None:
        return None if moment is None else moment.replace(tzinfo=tz).timestamp()

    arrived = epoch(call.entry)
    assert arrived is not None
    last = call.service_exit or call.queue_exit or call.vru_exit
    ended = epoch(max(last, call.vru_exit))
    wait = float(max(call.queue_time_s, 0)) if call.queued else 0.0
    if call.outcome is Outcome.PHANTOM:
        outcome = CallOutcome.PHANTOM
    elif call.outcome is Outcome.AGENT:
        outcome = CallOutcome.ANSWERED
    else:
        outcome = CallOutcome.ABANDONED if call.queued else CallOutcome.IVR
    return ImportedCall(
        source_id=f"anonymous-bank:{call.vru_line}:{call.call_id}:{call.entry.isoformat()}",
        arrived_at=arrived,
        outcome=outcome,
        queue=call.call_type.value,
        queued_at=epoch(call.queue_start) if call.queued else epoch(call.vru_exit),
        wait_s=wait,
        answered_at=epoch(call.service_start),
        agent=call.server or "",
        talk_s=float(max(call.service_time_s, 0)),
        ended_at=ended,
        number=call.vru_line,
        caller=str(call.customer_id) if call.customer_id else "",
        priority=call.priority,
        attributes={
            "tier": _BANK_TIERS.get(call.priority, str(call.priority)),
            "known": call.customer_id != 0,
        },
    )


def anonymous_bank_calls(path: Path | str, tz: ZoneInfo) -> Iterator[ImportedCall]:
    for call in read_calls(path):
        yield bank_call(call, tz)


# ------------------------------------------------------------------ writing


def import_calls(
    engine: Engine, calls: Iterable[ImportedCall], replace: bool = False
) -> ImportResult:
    """Writes the calls not imported before (and, with `replace`, those imported before
    again) as events and derived records, in big batches."""
    ensure_schema(engine)
    known = _imported_ids(engine)
    up_to_date = last_seq(engine) == max_event_seq(engine)
    rows = imported = events_written = replaced = 0
    seen: set[str] = set()  # a source id twice in one file: the first row counts
    batch: list[ImportedCall] = []
    withdrawn: list[str] = []
    queues: set[str] = set()
    for call in calls:
        rows += 1
        queues.add(call.queue)
        if call.source_id in seen or (call.source_id in known and not replace):
            continue
        seen.add(call.source_id)
        if call.source_id in known:
            withdrawn.append(call.source_id)
        batch.append(call)
        if len(batch) >= _BATCH_CALLS:
            events_written += _write(engine, batch, withdrawn)
            imported, replaced = imported + len(batch), replaced + len(withdrawn)
            batch, withdrawn = [], []
    if batch:
        events_written += _write(engine, batch, withdrawn)
        imported, replaced = imported + len(batch), replaced + len(withdrawn)
    if up_to_date:  # the records were derived here; refreshing need not derive them again
        set_last_seq(engine, max_event_seq(engine))
    return ImportResult(
        rows, imported, rows - imported, events_written, replaced, frozenset(queues)
    )


def _imported_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        query = select(calls_table.c.source_id).where(calls_table.c.source_id != "")
        return {row[0] for row in conn.execute(query)}


def _write(engine: Engine, calls: list[ImportedCall], withdrawn: list[str]) -> int:
    rows: list[dict[str, Any]] = []
    records: list[CallRecord] = []
    deriver = CallDeriver()
    for call in calls:
        for at, kind, call_id, data in call_events(call):
            rows.append({"at": at, "kind": kind, "call_id": call_id, "data": _encode(data)})
            record = deriver.feed(at, kind, call_id, data)
            if record is not None:
                records.append(record)
    with engine.begin() as conn:
        for start in range(0, len(withdrawn), _LOOKUP):
            chunk = withdrawn[start : start + _LOOKUP]
            conn.execute(
                update(events_table)
                .where(events_table.c.call_id.in_(chunk))
                .values(kind=WITHDRAWN_KIND)
            )
        bulk_insert(conn, events_table, rows)
    write_records(engine, records)  # replaces the withdrawn calls' records, rollup included
    return len(rows)
