"""Follow-up tables (SQLAlchemy Core), kept in the same SQLite file as the event log.

Every table is prefixed `followup_`. `followup_held_callbacks` keeps, for a callback task, the
place the routing engine holds for it (queue, entry time, promise, attempts), so the engine can
be given its callbacks back after a restart (see held.py).

The partial unique index `followup_one_open_task` is what guarantees one open task per caller
per team even when two processes race: the loser of the race gets an IntegrityError and the
store retries, finding the winner's task.

`create_schema(engine)` is idempotent: it creates what is missing and leaves the rest alone.
"""

from __future__ import annotations

from sqlalchemy import (
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
    text,
)

followup_metadata = MetaData()

tasks = Table(
    "followup_tasks",
    followup_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("caller", String(255), nullable=False),
    Column("caller_key", String(16), nullable=True),
    Column("team", String(64), nullable=False),
    Column("queue", String(64), nullable=True),
    Column("call_id", String(255), nullable=True),
    Column("last_call_id", String(255), nullable=True),
    Column("unanswered_calls", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("due_at", Float, nullable=False),
    Column("promise", Text, nullable=True),
    Column("language", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_outcome", String(200), nullable=True),
    Column("last_attempt_at", Float, nullable=True),
    Column("done_by", String(128), nullable=True),
    Column("closed_at", Float, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("recording_path", Text, nullable=True),
    Column("recording_s", Float, nullable=True),
    Column("not_before", Float, nullable=True),
    Column("not_after", Float, nullable=True),
    Column("notified_at", Float, nullable=True),
    Column("notify_error", Text, nullable=True),
    Index("followup_tasks_open", "status", "team", "due_at"),
    Index(
        "followup_one_open_task",
        "caller_key",
        "team",
        unique=True,
        sqlite_where=text("status = 'open' AND caller_key IS NOT NULL"),
        postgresql_where=text("status = 'open' AND caller_key IS NOT NULL"),
    ),
)

missed = Table(
    "followup_missed",
    followup_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("call_id", String(255), nullable=False, unique=True),
    Column("caller", String(255), nullable=False),
    Column("caller_key", String(16), nullable=True),
    Column("team", String(64), nullable=False),
    Column("queue", String(64), nullable=True),
    Column("reason", String(16), nullable=False),
    Column("task_id", Integer, ForeignKey("followup_tasks.id"), nullable=True, index=True),
    Column("recording_path", Text, nullable=True),
    Column("recording_s", Float, nullable=True),
)

attempts = Table(
    "followup_attempts",
    followup_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, ForeignKey("followup_tasks.id"), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("outcome", String(200), nullable=False),
    Column("by", String(128), nullable=True),
)


held_callbacks = Table(
    "followup_held_callbacks",
    followup_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contact_id", String(255), nullable=False, unique=True),
    Column("task_id", Integer, ForeignKey("followup_tasks.id"), nullable=False, index=True),
    Column("queue", String(64), nullable=False),
    Column("number", String(255), nullable=False),
    Column("priority", Integer, nullable=True),  # None: the engine's default for callbacks
    Column("language", String(20), nullable=False),
    Column("account", String(255), nullable=False, default=""),
    Column("place_at", Float, nullable=False),
    Column("promised_at", Float, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
    Column("outcome", String(64), nullable=True),
)


def create_schema(engine: Engine) -> None:
    followup_metadata.create_all(engine)
