"""The call index's tables, on the server's database beside the event log.

`call_index` has one row per finished call; `call_index_tags` one row per (call, agent),
(call, queue) and (call, team), so that "calls of these teams or that agent" and "calls in
this queue" are indexed lookups rather than scans of a list column; `call_index_state` keeps
the index's cursor (the last event sequence number it has taken in).

Searches run newest first over `(started_at, call_id)`; the number search is a range over
`caller_key`, the caller's digits reversed (so the end of a number — what people type, with
or without the country code or a leading 0 — is a prefix); the long-call threshold reads
`(queue, disposition, started_at)`.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

calls = Table(
    "call_index",
    metadata,
    Column("call_id", String(255), primary_key=True),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float, nullable=False),
    Column("caller", String(64), nullable=False),
    Column("caller_key", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False),
    Column("vip", Integer, nullable=False),
    Column("tier", String(64), nullable=False),
    Column("open_case", Integer, nullable=True),
    Column("language", String(16), nullable=False),
    Column("country", String(8), nullable=False),
    Column("dialled", String(64), nullable=False),
    Column("queue", String(255), nullable=False),
    Column("team", String(255), nullable=False),
    Column("queues", Text, nullable=False),  # JSON list
    Column("teams", Text, nullable=False),  # JSON list
    Column("agents", Text, nullable=False),  # JSON list
    Column("wait_s", Float, nullable=False),
    Column("talk_s", Float, nullable=False),
    Column("hold_s", Float, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("handled", Integer, nullable=False),
    Column("disposition", String(64), nullable=False),
    Column("notes_chars", Integer, nullable=False),
    Column("recordings", Text, nullable=False),  # JSON [[path, duration_s, channels, kind]]
    Column("recording_count", Integer, nullable=False),
    Column("voicemail", Integer, nullable=False),
    Column("long", Integer, nullable=True),
    Column("long_after_s", Float, nullable=True),
    Index("call_index_newest", "started_at", "call_id"),
    Index("call_index_caller", "caller_key"),
    Index("call_index_talk", "queue", "disposition", "started_at"),
)

tags = Table(
    "call_index_tags",
    metadata,
    Column("kind", String(8), primary_key=True),  # agent, queue, team
    Column("value", String(255), primary_key=True),
    Column("call_id", String(255), primary_key=True),
    Index("call_index_tags_call", "call_id"),
)

state = Table(
    "call_index_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

CURSOR = "last_seq"


def ensure_schema(engine: Engine) -> None:
    metadata.create_all(engine)
