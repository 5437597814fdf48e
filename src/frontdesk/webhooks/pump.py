"""`WebhookPump`: from the stored event log to the outbox, never losing or repeating a row.

Call `pump()` after each flush of the event log (and once at start-up). In one write
transaction it reads the enabled subscriptions and their cursors, reads the events after the
lowest cursor (`EventLog.read(after_seq=...)`, a batch at a time), writes an outbox row for
every (subscription, event) that matches and moves each cursor to the last event read. A kill
at any point leaves either the whole batch handed over with its cursors, or none of it.

Team filters need the teams an event concerns (rules in filters.py). An event of a call adds
the teams its call's earlier events named: remembered here for the most recent calls and
otherwise read back from the log, so a restart gives the same answer.

Sequence numbers come from SQLite, whose single writer commits them in order; a database
whose sequences commit out of order (PostgreSQL) would need a different cursor.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection, insert, select, update

from frontdesk.store.eventlog import EventLog, StoredEvent
from frontdesk.webhooks.filters import TeamMap, matches
from frontdesk.webhooks.outbox import new_delivery
from frontdesk.webhooks.schema import deliveries, subscriptions
from frontdesk.webhooks.store import WebhookStore, subscription_of


class WebhookPump:
    def __init__(
        self,
        store: WebhookStore,
        log: EventLog,
        teams: TeamMap | None = None,
        *,
        batch: int = 500,
        remembered_calls: int = 10_000,
    ) -> None:
        """`teams`: set it again (`pump.teams = TeamMap.of(company)`) when the company reloads."""
        self.teams = teams or TeamMap()
        self._store = store
        self._log = log
        self._batch = batch
        self._calls: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._remembered = remembered_calls

    def pump(self) -> int:
        """Hands every new event over to the outbox; returns how many rows were written."""
        total = 0
        while True:
            written, more = self._store.write(self._hand_over)
            total += written
            if not more:
                return total

    def _hand_over(self, conn: Connection, now: float) -> tuple[int, bool]:
        query = select(subscriptions).where(subscriptions.c.enabled.is_(True))
        subs = [subscription_of(row) for row in conn.execute(query)]
        if not subs:
            return 0, False
        events = self._read_after(min(s.cursor_seq for s in subs))
        if not events:
            return 0, False
        team_filtered = any(s.teams for s in subs)
        if not team_filtered:
            self._calls.clear()  # memory of calls would miss these events
        rows = []
        for event in events:
            teams = self._teams_of(event) if team_filtered else frozenset()
            rows += [
                new_delivery(s.id, event.seq, now)
                for s in subs
                if event.seq > s.cursor_seq and matches(s.kinds, s.teams, event.kind, teams)
            ]
        if rows:
            conn.execute(insert(deliveries), rows)
        last = events[-1].seq
        for sub in subs:
            if sub.cursor_seq < last:
                conn.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id == sub.id)
                    .values(cursor_seq=last)
                )
        return len(rows), len(events) == self._batch

    def _read_after(self, seq: int) -> list[StoredEvent]:
        reader: Iterator[StoredEvent] = self._log.read(after_seq=seq)
        try:
            return list(islice(reader, self._batch))
        finally:
            close: Any = getattr(reader, "close", None)
            if close is not None:
                close()  # gives the reader's connection back now

    def _teams_of(self, event: StoredEvent) -> frozenset[str]:
        teams = self.teams.teams_of(event.data)
        if event.call_id is not None:
            earlier = self._calls.pop(event.call_id, None)
            if earlier is None:
                earlier = self._read_call_teams(event.call_id, event.seq)
            teams |= earlier
            self._calls[event.call_id] = teams
            while len(self._calls) > self._remembered:
                self._calls.popitem(last=False)
        return teams or self.teams.agent_teams_of(event.data)

    def _read_call_teams(self, call_id: str, before_seq: int) -> frozenset[str]:
        found: set[str] = set()
        for event in self._log.read(call_id=call_id):
            if event.seq < before_seq:
                found |= self.teams.teams_of(event.data)
        return frozenset(found)
