"""`WebhookStore`: the subscriptions admins create, on the server's SQLAlchemy engine.

Every write is one transaction, committed before the method returns. Writes in one process
are serialised by a lock; between processes, on SQLite, each write transaction takes the
database's write lock before it reads (BEGIN IMMEDIATE), so what it read cannot change before
it writes. The outbox (deliveries, attempts) is in outbox.py and shares these transactions.

A subscription's secret is made here (32 random bytes from `secrets`) and kept in the
database: every delivery is signed with it, so it cannot be stored only as a hash.
A new subscription starts at the current end of the event log: it receives events from its
creation on, never history. Re-enabling one starts it at the end again.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from frontdesk.clock import Clock
from frontdesk.store.eventlog import events_table
from frontdesk.webhooks import filters, outbox
from frontdesk.webhooks.errors import BadWebhookSetting, UnknownWebhook
from frontdesk.webhooks.model import AttemptRecord, Delivery, Subscription
from frontdesk.webhooks.outbox import AttemptResult, DueDelivery, fail_pending
from frontdesk.webhooks.schedule import RetryPolicy
from frontdesk.webhooks.schema import attempts, create_schema, deliveries, subscriptions

_T = TypeVar("_T")
MAX_DESCRIPTION = 200
DISABLED_BY_ADMIN = "disabled by an administrator"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def subscription_of(row: Any) -> Subscription:
    return Subscription(
        id=row.id, url=row.url, secret=row.secret, kinds=tuple(json.loads(row.kinds)),
        teams=tuple(json.loads(row.teams)), enabled=bool(row.enabled),
        created_at=row.created_at, cursor_seq=row.cursor_seq, description=row.description,
        disabled_reason=row.disabled_reason,
    )  # fmt: skip


def log_end(conn: Connection) -> int:
    """The seq of the last event written (0 for an empty log)."""
    return int(conn.execute(select(func.coalesce(func.max(events_table.c.seq), 0))).scalar_one())


class WebhookStore:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        create_schema(engine)

    @property
    def clock(self) -> Clock:
        return self._clock

    def write(self, change: Callable[[Connection, float], _T]) -> _T:
        """Runs `change(conn, wall_now)` in one write transaction (for the pump and outbox)."""
        with self._lock, self._engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            result = change(conn, self._clock.wall())
            conn.commit()
            return result

    def read(self, query: Callable[[Connection], _T]) -> _T:
        with self._engine.connect() as conn:
            return query(conn)

    # -- subscriptions ------------------------------------------------------------------------

    def create_subscription(
        self,
        url: str,
        kinds: Iterable[str] = (),
        teams: Iterable[str] = (),
        *,
        description: str = "",
        enabled: bool = True,
        known_teams: Iterable[str] | None = None,
    ) -> Subscription:
        """A new endpoint with a new secret; it receives events appended from now on.
        `known_teams` (the company's) makes an unknown team in `teams` an error."""
        values = {
            "url": filters.check_url(url),
            "kinds": json.dumps(filters.check_kinds(kinds)),
            "teams": json.dumps(filters.check_teams(teams, known_teams)),
            "description": _description(description),
            "enabled": enabled,
            "secret": new_secret(),
        }

        def create(conn: Connection, now: float) -> int:
            row = dict(values, created_at=now, cursor_seq=log_end(conn))
            query = insert(subscriptions).values(row).returning(subscriptions.c.id)
            return int(conn.execute(query).scalar_one())

        return self.subscription(self.write(create))

    def subscription(self, subscription_id: int) -> Subscription:
        query = select(subscriptions).where(subscriptions.c.id == subscription_id)
        row = self.read(lambda conn: conn.execute(query).first())
        if row is None:
            raise UnknownWebhook(f"there is no webhook {subscription_id}")
        return subscription_of(row)

    def subscriptions(self) -> list[Subscription]:
        query = select(subscriptions).order_by(subscriptions.c.id)
        return [subscription_of(r) for r in self.read(lambda conn: conn.execute(query).all())]

    def update_subscription(
        self,
        subscription_id: int,
        *,
        url: str | None = None,
        kinds: Iterable[str] | None = None,
        teams: Iterable[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        known_teams: Iterable[str] | None = None,
    ) -> Subscription:
        """Changes what is given. Disabling fails the pending deliveries (they can be sent
        again with `redeliver`); enabling starts at the current end of the event log."""
        values: dict[str, Any] = {}
        if url is not None:
            values["url"] = filters.check_url(url)
        if kinds is not None:
            values["kinds"] = json.dumps(filters.check_kinds(kinds))
        if teams is not None:
            values["teams"] = json.dumps(filters.check_teams(teams, known_teams))
        if description is not None:
            values["description"] = _description(description)

        def change(conn: Connection, now: float) -> None:
            was = self._locked_row(conn, subscription_id)
            if enabled is True and not was.enabled:
                values.update(enabled=True, disabled_reason=None, cursor_seq=log_end(conn))
            elif enabled is False and was.enabled:
                values.update(enabled=False, disabled_reason=DISABLED_BY_ADMIN)
                fail_pending(conn, subscription_id, "the webhook was disabled")
            if values:
                conn.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id == subscription_id)
                    .values(values)
                )

        self.write(change)
        return self.subscription(subscription_id)

    def rotate_secret(self, subscription_id: int) -> Subscription:
        """A new secret, used from the next attempt on (the old one stops working at once)."""

        def change(conn: Connection, now: float) -> None:
            self._locked_row(conn, subscription_id)
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == subscription_id)
                .values(secret=new_secret())
            )

        self.write(change)
        return self.subscription(subscription_id)

    def delete_subscription(self, subscription_id: int) -> None:
        """Removes the endpoint with its deliveries and their attempts."""

        def change(conn: Connection, now: float) -> None:
            self._locked_row(conn, subscription_id)
            theirs = select(deliveries.c.id).where(deliveries.c.subscription_id == subscription_id)
            conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(theirs)))
            conn.execute(delete(deliveries).where(deliveries.c.subscription_id == subscription_id))
            conn.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))

        self.write(change)

    # -- deliveries -------------------------------------------------------------------------

    def recent_deliveries(self, subscription_id: int, limit: int = 50) -> list[Delivery]:
        """The subscription's latest deliveries, newest first (for an admin screen)."""
        self.subscription(subscription_id)
        return self.read(lambda conn: outbox.recent(conn, subscription_id, limit))

    def delivery(self, delivery_id: str) -> Delivery:
        return self.read(lambda conn: outbox.get_delivery(conn, delivery_id))

    def attempts_of(self, delivery_id: str) -> list[AttemptRecord]:
        """Every attempt of a delivery, oldest first."""
        return self.read(lambda conn: outbox.attempts_of(conn, delivery_id))

    def redeliver(self, delivery_id: str) -> Delivery:
        """Sends a delivery's event again, as a new delivery with a new id, due now."""
        new_id = self.write(lambda conn, now: outbox.redeliver(conn, delivery_id, now))
        return self.delivery(new_id)

    def prune(self, before: float) -> int:
        """Forgets delivered and failed deliveries created before `before` (wall seconds)."""
        return self.write(lambda conn, now: outbox.prune(conn, before))

    def due(self, capacity: Mapping[int, int], busy: Collection[str] = ()) -> list[DueDelivery]:
        """Deliveries to attempt now (see outbox.due)."""
        now = self._clock.wall()
        return self.read(lambda conn: outbox.due(conn, now, capacity, busy))

    def next_due_at(
        self, subscription_ids: Collection[int], busy: Collection[str] = ()
    ) -> float | None:
        """When the next of these subscriptions' deliveries (other than `busy`) is due."""
        return self.read(lambda conn: outbox.next_due_at(conn, subscription_ids, busy))

    def record_attempt(
        self, result: AttemptResult, policy: RetryPolicy, rng: random.Random
    ) -> Delivery | None:
        return self.write(lambda conn, now: outbox.record_attempt(conn, result, policy, rng))

    def _locked_row(self, conn: Connection, subscription_id: int) -> Any:
        row = conn.execute(
            select(subscriptions).where(subscriptions.c.id == subscription_id)
        ).first()
        if row is None:
            raise UnknownWebhook(f"there is no webhook {subscription_id}")
        return row


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise BadWebhookSetting(
            f"a webhook description is at most {MAX_DESCRIPTION} characters ({len(text)} given)"
        )
    return text
