"""What the webhook store gives back: subscriptions, deliveries and their attempts."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # given up: too old, too many attempts, 410 Gone, or webhook disabled


@dataclass(frozen=True, slots=True)
class Subscription:
    """An endpoint that receives events. `kinds`: exact kinds or prefixes ending in "."
    (empty: every kind); `teams`: team names (empty: every event, with or without a team)."""

    id: int
    url: str
    secret: str  # kept in the database: every delivery is signed with it
    kinds: tuple[str, ...]
    teams: tuple[str, ...]
    enabled: bool
    created_at: float
    cursor_seq: int  # the last event seq looked at for this subscription
    description: str = ""
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event to send to one subscription, until it is delivered or given up."""

    id: str  # sent as Frontdesk-Delivery; receivers deduplicate by it
    subscription_id: int
    event_seq: int
    status: DeliveryStatus
    attempts: int
    created_at: float
    next_attempt_at: float | None  # set while pending
    last_attempt_at: float | None = None
    last_http_status: int | None = None
    last_error: str | None = None
    redelivery_of: str | None = None
    kind: str = ""  # the event's kind, for admin screens


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One POST of a delivery: the HTTP status, or the error when there was no answer."""

    delivery_id: str
    at: float
    http_status: int | None
    error: str | None
    duration_s: float
