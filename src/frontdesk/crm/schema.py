"""CRM tables (SQLAlchemy Core), kept in the same SQLite file as the event log.

Every table is prefixed `crm_` so the CRM can share a database with other contexts. The lookup
path is `crm_numbers`: E.164 number as primary key of a table without rowid (SQLite), so a
caller's number finds its contact in one B-tree descent. Everything a profile needs next is
reached by an index on the contact (`contact_id, time`), newest first.

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
    UniqueConstraint,
)

crm_metadata = MetaData()

accounts = Table(
    "crm_accounts",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("external_id", String(128), unique=True, nullable=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(40), nullable=True),
    Column("owner", String(64), nullable=True),
    Column("team", String(64), nullable=True),
)

contacts = Table(
    "crm_contacts",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("external_id", String(128), unique=True, nullable=True),
    Column("account_id", Integer, ForeignKey("crm_accounts.id"), nullable=True, index=True),
    Column("first_name", String(100), nullable=False, default=""),
    Column("last_name", String(100), nullable=False, default=""),
    Column("language", String(20), nullable=True),
    Column("email", String(254), nullable=True),
    Column("notes", Text, nullable=False, default=""),
)

numbers = Table(
    "crm_numbers",
    crm_metadata,
    Column("number", String(16), primary_key=True),  # E.164: at most 15 digits and a plus
    Column("contact_id", Integer, ForeignKey("crm_contacts.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False, default=0),
    sqlite_with_rowid=False,
)

products = Table(
    "crm_products",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("crm_accounts.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    UniqueConstraint("account_id", "code", name="uq_crm_products_account_code"),
)

cases = Table(
    "crm_cases",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("external_id", String(128), unique=True, nullable=True),
    Column("contact_id", Integer, ForeignKey("crm_contacts.id"), nullable=True),
    Column("account_id", Integer, ForeignKey("crm_accounts.id"), nullable=True, index=True),
    Column("topic", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("opened_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("closed_at", Float, nullable=True),
    Index("ix_crm_cases_contact_updated", "contact_id", "updated_at"),
)

case_events = Table(
    "crm_case_events",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("crm_cases.id"), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=True),
    Column("text", Text, nullable=True),
    Column("by", String(64), nullable=True),
)

interactions = Table(
    "crm_interactions",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(255), nullable=False, index=True),
    Column("contact_id", Integer, ForeignKey("crm_contacts.id"), nullable=True),
    Column("number", String(16), nullable=True),
    Column("at", Float, nullable=False),
    Column("direction", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("queue", String(64), nullable=True),
    Column("agent", String(64), nullable=True),
    Column("duration_s", Float, nullable=False, default=0.0),
    Column("notes", Text, nullable=False, default=""),
    Column("recording", String(500), nullable=True),
    Index("ix_crm_interactions_contact_at", "contact_id", "at"),
)

facts = Table(
    "crm_facts",
    crm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contact_id", Integer, ForeignKey("crm_contacts.id"), nullable=True),
    Column("account_id", Integer, ForeignKey("crm_accounts.id"), nullable=True, index=True),
    Column("kind", String(64), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("starts_at", Float, nullable=True),
    Column("ends_at", Float, nullable=True),
    Column("data", Text, nullable=False, default="{}"),
    Index("ix_crm_facts_contact_ends", "contact_id", "ends_at"),
)


def create_schema(engine: Engine) -> None:
    """Creates the CRM tables and indexes that do not exist yet; safe to call on every start."""
    crm_metadata.create_all(engine, checkfirst=True)
