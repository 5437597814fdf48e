"""Callbacks the routing engine holds, kept beside their tasks so a restart can give them back.

A callback task is the team's promise; the routing engine holds the caller's *place* for it:
in line from the moment the caller joined the queue (they pressed the callback key), or from
the promised time (a booked callback). The engine lives in memory, so each place is written
here, in the same transaction as its task, and marked ended when the engine is done with it
(connected, given up, cancelled). On start, `open_places` lists what the engine must hold
again: every place not ended whose task is still open, oldest place first — plus open callback
tasks that never had a place written (booked by the website widget, or stored before places
were), which come back as callbacks booked for their window's start or their booking time.

Times are wall-clock seconds since the epoch; the engine turns them into its own clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from frontdesk.followup.model import TaskKind, TaskStatus
from frontdesk.followup.schema import held_callbacks, tasks


@dataclass(frozen=True, slots=True)
class HeldPlace:
    """What the routing engine holds for a callback, as written when it is booked.

    `place_at` is when the caller's place dates from: when they joined the line for a kept
    place, the promised time for a booked callback (which then also sets `promised_at`)."""

    contact_id: str  # the engine's id for the callback (the call's id for a kept place)
    queue: str
    number: str  # whom to call
    place_at: float
    promised_at: float | None = None  # a booked time the engine must keep (None: in turn)
    priority: int | None = None  # None: the engine's default for callbacks
    language: str = ""
    account: str = ""


@dataclass(frozen=True, slots=True)
class HeldCallback:
    """A place to give back to the routing engine, with its task and the attempts made."""

    task_id: int
    place: HeldPlace
    attempts: int = 0
    written: bool = True  # False: made up from a task that had no place written


def hold(conn: Connection, now: float, task_id: int, place: HeldPlace) -> None:
    """Writes (or rewrites, for the same engine contact) the place held for `task_id`. A task
    has one place: another still held for it is ended as replaced (a caller who rang again
    and kept their place again, or booked a time), so a restart never calls them twice."""
    values = {
        "task_id": task_id,
        "queue": place.queue,
        "number": place.number,
        "priority": place.priority,
        "language": place.language,
        "account": place.account,
        "place_at": place.place_at,
        "promised_at": place.promised_at,
        "attempts": 0,
        "created_at": now,
        "ended_at": None,
        "outcome": None,
    }
    table = held_callbacks
    found = conn.execute(select(table.c.id).where(table.c.contact_id == place.contact_id)).first()
    if found is None:
        conn.execute(insert(table).values(contact_id=place.contact_id, **values))
    else:
        conn.execute(update(table).where(table.c.id == found.id).values(values))
    conn.execute(
        update(table)
        .where(
            table.c.task_id == task_id,
            table.c.contact_id != place.contact_id,
            table.c.ended_at.is_(None),
        )
        .values(ended_at=now, outcome="replaced")
    )


def move(conn: Connection, contact_id: str, to_contact_id: str) -> bool:
    """The routing engine holds the place again under another contact id (its first id is
    used up): the same row, attempts and time, so a restart holds it once. False: none held."""
    table = held_callbacks
    done = conn.execute(
        update(table)
        .where(table.c.contact_id == contact_id, table.c.ended_at.is_(None))
        .values(contact_id=to_contact_id)
    )
    return bool(done.rowcount)


def note_failed_attempt(conn: Connection, contact_id: str) -> int | None:
    """Counts one failed dial of the held callback; returns its task id (None: not held)."""
    table = held_callbacks
    row = conn.execute(
        select(table.c.task_id, table.c.attempts).where(table.c.contact_id == contact_id)
    ).first()
    if row is None:
        return None
    conn.execute(
        update(table).where(table.c.contact_id == contact_id).values(attempts=row.attempts + 1)
    )
    return int(row.task_id)


def release(conn: Connection, now: float, contact_id: str, outcome: str) -> bool:
    """The engine is done with the place (connected, failed, cancelled): not held any more."""
    table = held_callbacks
    done = conn.execute(
        update(table)
        .where(table.c.contact_id == contact_id, table.c.ended_at.is_(None))
        .values(ended_at=now, outcome=outcome[:64])
    )
    return bool(done.rowcount)


def open_places(conn: Connection) -> tuple[HeldCallback, ...]:
    """Every place to hold again, oldest first (ties in the order they were written)."""
    h, t = held_callbacks, tasks
    rows = conn.execute(
        select(h, t.c.kind)
        .join(t, h.c.task_id == t.c.id)
        .where(h.c.ended_at.is_(None), t.c.status == TaskStatus.OPEN.value)
        .order_by(h.c.place_at, h.c.id)
    )
    found: list[HeldCallback] = []
    for row in rows:
        place = HeldPlace(row.contact_id, row.queue, row.number, row.place_at, row.promised_at,
                          row.priority, row.language, row.account)  # fmt: skip
        found.append(HeldCallback(row.task_id, place, row.attempts))
    found += _tasks_without_places(conn)
    found.sort(key=lambda held: held.place.place_at)  # stable: written order kept on ties
    return tuple(found)


def _tasks_without_places(conn: Connection) -> list[HeldCallback]:
    """Open callback tasks with a queue that no place was ever written for."""
    t, h = tasks, held_callbacks
    rows = conn.execute(
        select(t)
        .where(
            t.c.status == TaskStatus.OPEN.value,
            t.c.kind == TaskKind.CALLBACK.value,
            t.c.queue.is_not(None),
            ~select(h.c.id).where(h.c.task_id == t.c.id).exists(),
        )
        .order_by(t.c.id)
    )
    made = []
    for row in rows:
        at = row.not_before if row.not_before is not None else row.created_at
        contact = row.last_call_id or f"task-{row.id}"
        place = HeldPlace(contact, row.queue, row.caller, at, at, None, row.language)
        made.append(HeldCallback(row.id, place, row.attempts, written=False))
    return made
