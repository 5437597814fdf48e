"""After-call work: the disposition, the notes and the next action an agent saves for a call.

One row per call and agent (saving again during wrap-up replaces it). Saving also writes the
call into the CRM as an interaction carrying the notes, so the next screen pop for this caller
shows them, and appends `call.wrapped` to the event log, where reports slice by disposition.
A next action is a callback this same agent owes the caller at a chosen time; it stays on the
agent's list until they mark it done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)

from frontdesk.config.company import DEFAULT_DISPOSITIONS
from frontdesk.crm.store import CrmStore
from frontdesk.desk import BadWrapUp

MAX_NOTES = 20_000

metadata = MetaData()
wrapups = Table(
    "call_wrapups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_id", String(255), nullable=False, index=True),
    Column("agent_id", String(64), nullable=False, index=True),
    Column("number", String(64), nullable=True),
    Column("name", String(200), nullable=True),
    Column("queue", String(64), nullable=True),
    Column("disposition", String(64), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("next_action_at", Float, nullable=True),
    Column("next_action_done", Boolean, nullable=False, default=False),
    Column("saved_at", Float, nullable=False),
    UniqueConstraint("call_id", "agent_id"),
)


@dataclass(frozen=True, slots=True)
class WrapUp:
    call_id: str
    agent_id: str
    disposition: str
    notes: str = ""
    next_action_at: float | None = None
    number: str | None = None
    name: str | None = None
    queue: str | None = None
    talk_s: float = 0.0


Append = Callable[..., None]


class WrapupStore:
    def __init__(self, engine: Engine, crm: CrmStore, append: Append,
                 wall: Callable[[], float] = time.time) -> None:  # fmt: skip
        self._engine = engine
        self._crm = crm
        self._append = append
        self._wall = wall
        metadata.create_all(engine)

    def save(self, wrap: WrapUp, dispositions: tuple[str, ...] = DEFAULT_DISPOSITIONS) -> None:
        now = self._wall()
        if wrap.disposition not in dispositions:
            raise BadWrapUp(f"'{wrap.disposition}' is not one of the dispositions: "
                            + ", ".join(dispositions))  # fmt: skip
        if len(wrap.notes) > MAX_NOTES:
            raise BadWrapUp(f"notes are limited to {MAX_NOTES} characters")
        if (
            wrap.next_action_at is not None
            and not now - 60 <= wrap.next_action_at <= now + 90 * 86400
        ):
            raise BadWrapUp("the next action must be within the next 90 days")
        row = {"call_id": wrap.call_id, "agent_id": wrap.agent_id, "number": wrap.number,
               "name": wrap.name, "queue": wrap.queue, "disposition": wrap.disposition,
               "notes": wrap.notes, "next_action_at": wrap.next_action_at,
               "next_action_done": False, "saved_at": now}  # fmt: skip
        key = (wrapups.c.call_id == wrap.call_id) & (wrapups.c.agent_id == wrap.agent_id)
        with self._engine.begin() as conn:
            found = conn.execute(select(wrapups.c.id).where(key)).scalar()
            if found is None:
                conn.execute(insert(wrapups).values(**row))
            else:
                conn.execute(update(wrapups).where(key).values(**row))
        if found is None:
            text = f"[{wrap.disposition}] {wrap.notes}".strip()
            with self._crm.writer() as writer:
                writer.record_interaction(
                    wrap.call_id, direction="inbound", outcome="answered", number=wrap.number,
                    queue=wrap.queue, agent=wrap.agent_id, duration_s=wrap.talk_s, notes=text,
                )  # fmt: skip
        self._append(now, "call.wrapped", wrap.call_id, agent=wrap.agent_id,
                     disposition=wrap.disposition, queue=wrap.queue,
                     next_action_at=wrap.next_action_at, notes_chars=len(wrap.notes))  # fmt: skip

    def of_call(self, call_id: str) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(wrapups).where(wrapups.c.call_id == call_id))
            return [dict(r._mapping) for r in rows]

    def next_actions(self, agent_id: str) -> list[dict[str, Any]]:
        """Callbacks this agent owes, soonest first."""
        query = (select(wrapups)
                 .where(wrapups.c.agent_id == agent_id, wrapups.c.next_action_at.is_not(None),
                        wrapups.c.next_action_done.is_(False))
                 .order_by(wrapups.c.next_action_at))  # fmt: skip
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def finish_next_action(self, wrapup_id: int, agent_id: str) -> bool:
        query = (update(wrapups)
                 .where(wrapups.c.id == wrapup_id, wrapups.c.agent_id == agent_id)
                 .values(next_action_done=True))  # fmt: skip
        with self._engine.begin() as conn:
            return conn.execute(query).rowcount == 1
