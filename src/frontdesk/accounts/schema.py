"""Account tables (SQLAlchemy Core), in the same SQLite file as the event log.

Every table is prefixed `accounts_`. Sessions and API tokens are found by the SHA-256 of their
secret (unique index); the secret itself is never stored. `agent_id` is unique where set: one
company agent is one user. `create_schema(engine)` creates what is missing and nothing else.
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
    text,
)

accounts_metadata = MetaData()

users = Table(
    "accounts_users",
    accounts_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("teams", Text, nullable=False),  # JSON list of team names, sorted
    Column("agent_id", String(255), nullable=True),
    Column("password_hash", String(255), nullable=True),  # NULL: no interactive login
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("last_login_at", Float, nullable=True),
    Index(
        "accounts_one_user_per_agent",
        "agent_id",
        unique=True,
        sqlite_where=text("agent_id IS NOT NULL"),
        postgresql_where=text("agent_id IS NOT NULL"),
    ),
)

sessions = Table(
    "accounts_sessions",
    accounts_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("accounts_users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
    Column("source", String(255), nullable=True),
)

api_tokens = Table(
    "accounts_api_tokens",
    accounts_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("accounts_users.id"), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("hint", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("created_by", String(64), nullable=True),
    Column("expires_at", Float, nullable=True),
    Column("last_used_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
)

login_failures = Table(
    "accounts_login_failures",
    accounts_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("username", String(128), nullable=False, index=True),
    Column("address", String(255), nullable=True),
    Column("reason", String(32), nullable=False),
)


def create_schema(engine: Engine) -> None:
    accounts_metadata.create_all(engine)
