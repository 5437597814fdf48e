"""The call index: keeps `call_index` in step with the stored event log, from its own cursor.

`catch_up()` takes in the events stored after the cursor: it finds the calls they touch with
an event that can make or change an entry (`builder.ENTRY_KINDS`), derives each of those
calls again from all of its stored events, writes the finished ones (rows and tags replaced,
in one transaction per 500 calls) and moves the cursor in the last transaction. A call is
thus always derived from its whole story, whether it began before a restart or not, and a
crash between two transactions only means the next pass does some work again.

At run time `start()` runs a pass at once (the catch-up after a restart) and then whenever
`feed()` saw an event that can change an entry (or every few seconds): the live stream only
says when to look, the stored log says what happened. The lag behind a call's end is the
event log's flush interval plus `SETTLE_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from frontdesk.config import Company
from frontdesk.config.home_teams import HomeTeams
from frontdesk.flows.model import FlowSet
from frontdesk.history.builder import ENTRY_KINDS, EntryBuilder
from frontdesk.history.entry import CallEntry, Recording
from frontdesk.history.long_calls import Key, LongCallRule, Thresholds, day_of, judge
from frontdesk.history.rows import entry_row, row_entry, tag_rows
from frontdesk.history.schema import CURSOR, calls, ensure_schema, state, tags
from frontdesk.history.search import CallSearch, Page, Scope, search
from frontdesk.store.eventlog import EventLog, events_table

PAGES_KEPT = 512
log = logging.getLogger("frontdesk.history")
CHUNK = 500
PERIOD_S = 5.0  # a pass at least this often, in case a wake-up was missed
SETTLE_S = 0.5  # after a wake-up: the event log flushes every 0.2 s


class CallIndex:
    def __init__(self, engine: Engine, company: Callable[[], Company],
                 rule: LongCallRule | None = None,
                 flows: Callable[[], FlowSet] | None = None) -> None:  # fmt: skip
        self.engine = engine
        self._company = company
        self._flows = flows
        self._home = HomeTeams()
        self.generation = 0  # bumped by every write; cached pages carry the one they saw
        self._pages: dict[tuple[CallSearch, Scope, int, str | None], tuple[int, Page]] = {}
        self.thresholds = Thresholds(rule or LongCallRule())
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        ensure_schema(engine)

    # -- reading ---------------------------------------------------------------------------
    def get(self, call_id: str) -> CallEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(calls).where(calls.c.call_id == call_id)).first()
        return None if row is None else row_entry(row)

    def recording(self, call_id: str, n: int) -> Recording | None:
        """The n-th recording (from 1) of a call, or None."""
        entry = self.get(call_id)
        if entry is None or not 1 <= n <= len(entry.recordings):
            return None
        return entry.recordings[n - 1]

    def search(self, query: CallSearch, scope: Scope, limit: int = 50,
               cursor: str | None = None) -> Page:  # fmt: skip
        """One page; the same question asked again before the index changes is answered from
        memory (screens poll the first page of history; a page is a query and 20-50 rows)."""
        key = (query, scope, limit, cursor)
        found = self._pages.get(key)
        if found is not None and found[0] == self.generation:
            return found[1]
        generation = self.generation
        page = search(self.engine, query, scope, limit, cursor)
        if len(self._pages) >= PAGES_KEPT:
            self._pages.clear()
        self._pages[key] = (generation, page)
        return page

    @property
    def cursor(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(select(state.c.value).where(state.c.name == CURSOR)).scalar()
        return int(value or 0)

    # -- following the event log --------------------------------------------------------------
    def catch_up(self, event_log: EventLog | None = None) -> int:
        """Takes in the events stored since the cursor; returns how many entries were written.

        `event_log` says where the events are (its database); by default this index's own."""
        source = event_log.engine if event_log is not None else self.engine
        with self._lock:
            cursor = self.cursor
            with source.connect() as conn:
                top = int(conn.execute(select(func.max(events_table.c.seq))).scalar() or 0)
                touched = _touched(conn, cursor, top) if top > cursor else []
            if top <= cursor:
                return 0
            written = 0
            chunks = [touched[i : i + CHUNK] for i in range(0, len(touched), CHUNK)] or [[]]
            for number, chunk in enumerate(chunks, start=1):
                entries = self._derive(source, chunk, top)
                last = number == len(chunks)
                with self.engine.begin() as conn:
                    written += self._write(conn, entries)
                    if last:
                        _set_cursor(conn, top)
                if entries:
                    # After the commit: a page read between the write and the commit was
                    # cached under the old generation, so it is not kept either.
                    self.generation += 1
            return written

    def _derive(self, source: Engine, call_ids: Sequence[str], top: int) -> list[CallEntry]:
        if not call_ids:
            return []
        company = self._company()
        teams = {q.name: q.team for q in company.queues}
        flows = self._flows() if self._flows is not None else None
        home = None if flows is None else (lambda n: self._home.of(company, flows, n))
        builder = EntryBuilder(teams.get, home)
        e = events_table.c
        query = (select(e.at, e.kind, e.call_id, e.data)
                 .where(e.call_id.in_(call_ids), e.seq <= top).order_by(e.seq))  # fmt: skip
        with source.connect() as conn:
            for at, kind, call_id, data in conn.execute(query):
                builder.feed(at, kind, call_id, json.loads(data))
        return builder.entries()

    def _write(self, conn: Connection, entries: list[CallEntry]) -> int:
        """Replaces the rows and tags of these calls, keeping a long-call verdict already
        given for the same queue, disposition and talk time; judges the others."""
        if not entries:
            return 0
        ids = [entry.call_id for entry in entries]
        c = calls.c
        previous = select(c.call_id, c.queue, c.disposition, c.talk_s, c.long, c.long_after_s)
        kept = {r.call_id: r for r in conn.execute(previous.where(c.call_id.in_(ids)))}
        rows, to_judge = [], []
        for entry in entries:
            old = kept.get(entry.call_id)
            row = entry_row(entry)
            if old is not None and (old.queue, old.disposition, old.talk_s) == (
                entry.queue,
                entry.disposition,
                entry.talk_s,
            ):
                row["long"], row["long_after_s"] = old.long, old.long_after_s
            else:
                to_judge.append(entry)
            rows.append(row)
        conn.execute(delete(calls).where(calls.c.call_id.in_(ids)))
        conn.execute(delete(tags).where(tags.c.call_id.in_(ids)))
        conn.execute(insert(calls), rows)
        tag_list = [tag for entry in entries for tag in tag_rows(entry)]
        if tag_list:
            conn.execute(insert(tags), tag_list)
        self._judge(conn, to_judge)
        return len(entries)

    def _judge(self, conn: Connection, entries: list[CallEntry]) -> None:
        talked = [e for e in entries if e.handled and e.talk_s > 0]
        keys: dict[str, Key] = {
            e.call_id: (e.queue, e.disposition, day_of(e.started_at)) for e in talked
        }
        found = self.thresholds.of(conn, keys.values())
        verdicts: list[dict[str, Any]] = []
        for entry in entries:
            threshold = found.get(keys[entry.call_id]) if entry.call_id in keys else None
            verdict = judge(entry.talk_s, entry.handled, threshold)
            verdicts.append({"v_id": entry.call_id, "v_long": None if verdict is None
                             else int(verdict), "v_after": threshold})  # fmt: skip
        if verdicts:
            statement = update(calls).where(calls.c.call_id == bindparam("v_id"))
            statement = statement.values(
                long=bindparam("v_long"), long_after_s=bindparam("v_after")
            )
            conn.execute(statement, verdicts)

    # -- running beside the server ------------------------------------------------------------
    def feed(self, at: float, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        """Every live event goes here; one that can change an entry brings the next pass on."""
        wake = self._wake
        if wake is None or kind not in ENTRY_KINDS or wake.is_set():
            return
        if threading.get_ident() == self._loop_thread:
            wake.set()
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        """Catches up in the background, then follows the event log until `stop()`."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._wake = None

    async def _run(self) -> None:
        assert self._wake is not None and self._loop is not None
        while True:
            try:
                await self._loop.run_in_executor(None, self.catch_up)
            except asyncio.CancelledError:
                raise
            except Exception:  # the next pass tries again from the same cursor
                log.exception("call index pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), PERIOD_S)
            self._wake.clear()
            await asyncio.sleep(SETTLE_S)


def _touched(conn: Connection, after: int, top: int) -> list[str]:
    """Calls with an entry-changing event in (after, top], in order of that first event."""
    e = events_table.c
    first = func.min(e.seq)
    query = (select(e.call_id, first)
             .where(e.seq > after, e.seq <= top, e.call_id.is_not(None),
                    e.kind.in_(sorted(ENTRY_KINDS)))
             .group_by(e.call_id).order_by(first))  # fmt: skip
    return [str(row[0]) for row in conn.execute(query)]


def _set_cursor(conn: Connection, seq: int) -> None:
    done = conn.execute(update(state).where(state.c.name == CURSOR).values(value=seq))
    if done.rowcount == 0:
        conn.execute(insert(state).values(name=CURSOR, value=seq))
