"""The outbox: deliveries waiting to be sent, their attempts, and what admins do with them.

Functions of a connection inside the store's transactions. A delivery joins its event from the
event log at send time (the body is built from the stored event, byte for byte the same at
every attempt), so the outbox holds no copy of event data.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from frontdesk.store.eventlog import StoredEvent, events_table
from frontdesk.webhooks.errors import UnknownDelivery, WebhookDisabled
from frontdesk.webhooks.model import AttemptRecord, Delivery, DeliveryStatus
from frontdesk.webhooks.schedule import RetryPolicy, after_attempt
from frontdesk.webhooks.schema import attempts, deliveries, subscriptions

MAX_ERROR = 500
PENDING = DeliveryStatus.PENDING.value


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery to attempt now, with what is needed to send it."""

    delivery: Delivery
    url: str
    secret: str
    event: StoredEvent


def new_delivery(subscription_id: int, event_seq: int, now: float) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "subscription_id": subscription_id, "event_seq": event_seq,
        "status": PENDING, "attempts": 0, "created_at": now, "next_attempt_at": now,
    }  # fmt: skip


def delivery_of(row: Any) -> Delivery:
    return Delivery(
        id=row.id, subscription_id=row.subscription_id, event_seq=row.event_seq,
        status=DeliveryStatus(row.status), attempts=row.attempts, created_at=row.created_at,
        next_attempt_at=row.next_attempt_at, last_attempt_at=row.last_attempt_at,
        last_http_status=row.last_http_status, last_error=row.last_error,
        redelivery_of=row.redelivery_of, kind=row.kind or "",
    )  # fmt: skip


def _with_kind() -> Any:
    return select(deliveries, events_table.c.kind).outerjoin(
        events_table, events_table.c.seq == deliveries.c.event_seq
    )


def due(
    conn: Connection, now: float, capacity: Mapping[int, int], busy: Collection[str]
) -> list[DueDelivery]:
    """Pending deliveries whose time has come, lowest event seq first, at most `capacity[s]`
    for each enabled subscription s (a subscription not in `capacity` gets none); deliveries
    whose ids are in `busy` (being sent) are left out."""
    out: list[DueDelivery] = []
    for sub_id, room in capacity.items():
        if room <= 0:
            continue
        query = (
            select(deliveries, subscriptions.c.url, subscriptions.c.secret, events_table)
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(events_table, events_table.c.seq == deliveries.c.event_seq)
            .where(deliveries.c.subscription_id == sub_id, subscriptions.c.enabled.is_(True))
            .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.event_seq, deliveries.c.created_at)
            .limit(room)
        )
        if busy:
            query = query.where(deliveries.c.id.not_in(list(busy)))
        for row in conn.execute(query):
            event = StoredEvent(row.seq, row.at, row.kind, row.call_id, json.loads(row.data))
            out.append(DueDelivery(delivery_of(row), row.url, row.secret, event))
    return out


def next_due_at(
    conn: Connection, subscription_ids: Collection[int], busy: Collection[str]
) -> float | None:
    """When the earliest pending delivery of these subscriptions, other than `busy`, is due."""
    if not subscription_ids:
        return None
    query = (
        select(func.min(deliveries.c.next_attempt_at))
        .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .where(deliveries.c.status == PENDING, subscriptions.c.enabled.is_(True))
        .where(deliveries.c.subscription_id.in_(list(subscription_ids)))
    )
    if busy:
        query = query.where(deliveries.c.id.not_in(list(busy)))
    value = conn.execute(query).scalar_one_or_none()
    return float(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class AttemptResult:
    delivery_id: str
    at: float  # when the attempt started (wall clock)
    http_status: int | None
    error: str | None
    duration_s: float


def record_attempt(
    conn: Connection, result: AttemptResult, policy: RetryPolicy, rng: random.Random
) -> Delivery | None:
    """Stores an attempt and moves its delivery on (delivered, retry later, failed); a 410
    disables the subscription. None when the delivery is gone (its webhook was deleted)."""
    row = conn.execute(
        select(deliveries, subscriptions.c.enabled)
        .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .where(deliveries.c.id == result.delivery_id)
    ).first()
    if row is None:
        return None
    count = row.attempts + 1
    step = after_attempt(
        policy, result.http_status, count, row.created_at, result.at + result.duration_s, rng
    )
    status, next_at, error = step.status, step.next_attempt_at, result.error
    if step.status is DeliveryStatus.PENDING and not row.enabled:
        status, next_at = DeliveryStatus.FAILED, None
        step_reason: str | None = "the webhook was disabled"
    else:
        step_reason = step.reason
    if step_reason is not None:
        error = f"{error}; {step_reason}" if error else step_reason
    conn.execute(
        insert(attempts).values(
            delivery_id=result.delivery_id, at=result.at, http_status=result.http_status,
            error=_cut(result.error), duration_s=result.duration_s,
        )
    )  # fmt: skip
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id == result.delivery_id)
        .values(
            attempts=count, status=status.value, next_attempt_at=next_at,
            last_attempt_at=result.at, last_http_status=result.http_status,
            last_error=_cut(error),
        )
    )  # fmt: skip
    if step.disable:
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.id == row.subscription_id)
            .values(enabled=False, disabled_reason=step.reason)
        )
        fail_pending(conn, row.subscription_id, "the webhook was disabled (410 Gone)")
    return get_delivery(conn, result.delivery_id)


def get_delivery(conn: Connection, delivery_id: str) -> Delivery:
    row = conn.execute(_with_kind().where(deliveries.c.id == delivery_id)).first()
    if row is None:
        raise UnknownDelivery(f"there is no delivery {delivery_id}")
    return delivery_of(row)


def recent(conn: Connection, subscription_id: int, limit: int) -> list[Delivery]:
    query = (
        _with_kind()
        .where(deliveries.c.subscription_id == subscription_id)
        .order_by(deliveries.c.created_at.desc(), deliveries.c.event_seq.desc())
        .limit(limit)
    )
    return [delivery_of(row) for row in conn.execute(query)]


def attempts_of(conn: Connection, delivery_id: str) -> list[AttemptRecord]:
    query = select(attempts).where(attempts.c.delivery_id == delivery_id).order_by(attempts.c.id)
    return [
        AttemptRecord(r.delivery_id, r.at, r.http_status, r.error, r.duration_s)
        for r in conn.execute(query)
    ]


def redeliver(conn: Connection, delivery_id: str, now: float) -> str:
    """A new delivery (new id, so receivers that deduplicate take it) of the same event."""
    original = get_delivery(conn, delivery_id)
    enabled = conn.execute(
        select(subscriptions.c.enabled).where(subscriptions.c.id == original.subscription_id)
    ).scalar_one()
    if not enabled:
        raise WebhookDisabled(
            f"webhook {original.subscription_id} is disabled: enable it before redelivering"
        )
    row = new_delivery(original.subscription_id, original.event_seq, now)
    row["redelivery_of"] = original.redelivery_of or original.id
    conn.execute(insert(deliveries).values(row))
    return str(row["id"])


def prune(conn: Connection, before: float) -> int:
    """Deletes delivered and failed deliveries created before `before`, with their attempts."""
    old = (
        select(deliveries.c.id)
        .where(deliveries.c.status != PENDING)
        .where(deliveries.c.created_at < before)
    )
    conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(old)))
    return int(conn.execute(delete(deliveries).where(deliveries.c.id.in_(old))).rowcount)


def _cut(text: str | None) -> str | None:
    return text if text is None or len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def fail_pending(conn: Connection, subscription_id: int, reason: str) -> None:
    conn.execute(
        update(deliveries)
        .where(deliveries.c.subscription_id == subscription_id)
        .where(deliveries.c.status == PENDING)
        .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None, last_error=reason)
    )
