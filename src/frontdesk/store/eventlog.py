"""The append-only event log: the source of truth for calls, metrics and reports.

Every event gets a monotonic sequence number from the database. Appends are buffered and
written in batches (one transaction per batch), because a call produces several events and a
transaction per event would cap the server at a few hundred calls per second on SQLite.
`flush()` is called by the server every `flush_interval` seconds and on shutdown; what a hard
kill can lose is bounded by that interval (documented in docs/architecture.md).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)

metadata = MetaData()

events_table = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("kind", String(64), nullable=False, index=True),
    Column("call_id", String(255), nullable=True, index=True),
    Column("data", Text, nullable=False),
)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    at: float
    kind: str
    call_id: str | None
    data: Mapping[str, Any]


Listener = Callable[[float, str, "str | None", Mapping[str, Any]], None]


DATABASE_FILE = "frontdesk.db"  # in the data directory


def open_engine(data_dir: Path) -> Engine:
    """Opens (creating if needed) the SQLite database in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{data_dir / DATABASE_FILE}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        # WAL keeps readers (reports, API) from blocking the writer; NORMAL sync is durable
        # across a process kill, which is the failure the event log must survive.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    metadata.create_all(engine)
    return engine


class EventLog:
    """Buffered appender and reader of the event log; safe to use from several threads."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """`listener(at, kind, call_id, data)` is called on every append, in the appending
        thread, before the event is stored: live screens must not wait for the next flush."""
        self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        row = {"at": at, "kind": kind, "call_id": call_id, "data": json.dumps(data)}
        with self._lock:
            self._pending.append(row)
        for listener in self._listeners:
            listener(at, kind, call_id, data)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> int:
        """Writes what is buffered in one transaction; returns how many events were written."""
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return 0
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(events_table), rows)
        except Exception:
            with self._lock:
                self._pending[:0] = rows
            raise
        return len(rows)

    def latest(self, kind: str) -> Iterator[StoredEvent]:
        """Events of one kind, newest first (the kind index walked backwards): a reader stops
        as soon as it has gone back far enough."""
        query = select(events_table).where(events_table.c.kind == kind)
        with self._engine.connect() as conn:
            for row in conn.execute(query.order_by(events_table.c.seq.desc())):
                yield StoredEvent(row.seq, row.at, row.kind, row.call_id, json.loads(row.data))

    def read(
        self, after_seq: int = 0, kind: str | None = None, call_id: str | None = None
    ) -> Iterator[StoredEvent]:
        query = select(events_table).where(events_table.c.seq > after_seq)
        if kind is not None:
            query = query.where(events_table.c.kind == kind)
        if call_id is not None:
            query = query.where(events_table.c.call_id == call_id)
        with self._engine.connect() as conn:
            for row in conn.execute(query.order_by(events_table.c.seq)):
                yield StoredEvent(row.seq, row.at, row.kind, row.call_id, json.loads(row.data))
