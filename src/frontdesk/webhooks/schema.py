"""The webhook tables, in the server's database beside the event log (their own MetaData).

`webhook_subscriptions.cursor_seq` is the last event seq the pump has looked at for that
subscription; it moves in the same transaction as the outbox rows it produced, so a crash
neither loses nor repeats a row. The partial unique index on (subscription, event) holds that
too for every first delivery; a redelivery (`redelivery_of` set) is a row of its own.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", String(2048), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("kinds", Text, nullable=False),  # JSON list
    Column("teams", Text, nullable=False),  # JSON list
    Column("description", String(200), nullable=False, default=""),
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("cursor_seq", Integer, nullable=False),
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_seq", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=True),
    Column("last_attempt_at", Float, nullable=True),
    Column("last_http_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("redelivery_of", String(36), nullable=True),
    Index("ix_webhook_deliveries_due", "subscription_id", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_recent", "subscription_id", "created_at"),
)

Index(
    "ux_webhook_deliveries_first",
    deliveries.c.subscription_id,
    deliveries.c.event_seq,
    unique=True,
    sqlite_where=deliveries.c.redelivery_of.is_(None),
    postgresql_where=deliveries.c.redelivery_of.is_(None),
)

attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        String(36),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", Float, nullable=False),
    Column("http_status", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_s", Float, nullable=False),
)


def create_schema(engine: Engine) -> None:
    metadata.create_all(engine)
