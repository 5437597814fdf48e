"""How unanswered calls, voicemails and bookings become tasks: one open task per caller per team.

Rules (also in docs/followup.md):
- An unanswered call from a caller who already has an open task for the team is added to that
  task (one more call, the latest call id) instead of opening another.
- A voicemail attaches its recording to the open task; a missed-call task becomes a voicemail
  task. If the same call was first reported as missed (it rang out, then went to voicemail),
  the entry on the missed-calls list becomes the voicemail and the call is not counted twice.
- Merging never makes a promise later: the task is due by the earlier of the two times. The
  promise text kept is the one the caller heard last.
- A booked callback window is the caller's own choice: later calls do not move it. Booking a
  window on an open task sets it; booking "as soon as possible" clears it.
- Unanswered calls from withheld or unusable numbers are on the missed-calls list but open no
  task (there is nobody to call); their voicemails do open one, never merged.
Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from frontdesk.followup.errors import FollowupError
from frontdesk.followup.model import MissReason, Task, TaskAction, TaskKind, TaskStatus, next_status
from frontdesk.followup.rows import open_task_of, read_task
from frontdesk.followup.schema import missed, tasks


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A call nobody answered (possibly ending in a voicemail), as checked by the store."""

    call_id: str
    caller: str
    caller_key: str | None
    team: str
    queue: str | None
    reason: MissReason
    due_at: float
    promise: str | None
    language: str
    recording_path: str | None = None
    recording_s: float | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    """A callback the caller asked for: as soon as possible, or within `window`."""

    caller: str
    caller_key: str
    team: str
    queue: str | None
    call_id: str | None
    due_at: float
    window: tuple[float, float] | None
    promise: str | None
    language: str


def record_unanswered(conn: Connection, now: float, call: Unanswered) -> Task | None:
    """Puts the call on the missed-calls list and on its caller's task; returns the task."""
    earlier = conn.execute(select(missed).where(missed.c.call_id == call.call_id)).first()
    if earlier is not None:
        return _reported_again(conn, now, call, earlier)
    task_id = _task_for(conn, now, call)
    conn.execute(insert(missed).values({**_missed_values(call, task_id), "at": now}))
    return None if task_id is None else read_task(conn, task_id)


def _task_for(conn: Connection, now: float, call: Unanswered) -> int | None:
    task = open_task_of(conn, call.caller_key, call.team)
    if task is not None:
        _add_to_task(conn, now, task, call, new_call=True)
        return task.id
    if call.caller_key is None and call.reason is not MissReason.VOICEMAIL:
        return None
    return _insert_task(conn, now, call)


def _reported_again(
    conn: Connection, now: float, call: Unanswered, earlier: Row[Any]
) -> Task | None:
    """The same call a second time: the voicemail after a ring-out, or a repeated report."""
    if call.reason is not MissReason.VOICEMAIL:
        return None if earlier.task_id is None else read_task(conn, earlier.task_id)
    if earlier.reason == MissReason.VOICEMAIL.value:
        raise FollowupError(f"the voicemail of call {call.call_id} is already stored")
    task = None if earlier.task_id is None else read_task(conn, earlier.task_id)
    if task is not None and task.is_open and task.team == call.team:
        _add_to_task(conn, now, task, call, new_call=False)
        task_id: int | None = task.id
    else:
        task_id = _task_for(conn, now, call)
    row = _missed_values(call, task_id)
    conn.execute(update(missed).where(missed.c.id == earlier.id).values(row))
    return None if task_id is None else read_task(conn, task_id)


def _missed_values(call: Unanswered, task_id: int | None) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "caller": call.caller,
        "caller_key": call.caller_key,
        "team": call.team,
        "queue": call.queue,
        "reason": call.reason.value,
        "task_id": task_id,
        "recording_path": call.recording_path,
        "recording_s": call.recording_s,
    }


def _add_to_task(
    conn: Connection, now: float, task: Task, call: Unanswered, new_call: bool
) -> None:
    next_status(task.id, task.status, TaskAction.ADD_CALL)
    values: dict[str, Any] = {"updated_at": now, "last_call_id": call.call_id}
    if new_call:
        values["unanswered_calls"] = task.unanswered_calls + 1
    if call.reason is MissReason.VOICEMAIL:
        values["recording_path"] = call.recording_path
        values["recording_s"] = call.recording_s
        if task.kind is TaskKind.MISSED_CALL:
            values["kind"] = TaskKind.VOICEMAIL.value
    if task.not_after is None:
        values["due_at"] = min(task.due_at, call.due_at)
        if call.promise is not None:
            values["promise"] = call.promise
            values["language"] = call.language
    conn.execute(update(tasks).where(tasks.c.id == task.id).values(values))


def _insert_task(conn: Connection, now: float, call: Unanswered) -> int:
    voicemail = call.reason is MissReason.VOICEMAIL
    result = conn.execute(
        insert(tasks).values(
            kind=(TaskKind.VOICEMAIL if voicemail else TaskKind.MISSED_CALL).value,
            status=TaskStatus.OPEN.value,
            caller=call.caller,
            caller_key=call.caller_key,
            team=call.team,
            queue=call.queue,
            call_id=call.call_id,
            last_call_id=call.call_id,
            unanswered_calls=1,
            created_at=now,
            updated_at=now,
            due_at=call.due_at,
            promise=call.promise,
            language=call.language,
            recording_path=call.recording_path,
            recording_s=call.recording_s,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def book_callback(conn: Connection, now: float, booking: Booking) -> Task:
    """Opens a callback task, or turns the caller's open task for the team into one."""
    start, end = booking.window if booking.window is not None else (None, None)
    task = open_task_of(conn, booking.caller_key, booking.team)
    if task is None:
        result = conn.execute(
            insert(tasks).values(
                kind=TaskKind.CALLBACK.value,
                status=TaskStatus.OPEN.value,
                caller=booking.caller,
                caller_key=booking.caller_key,
                team=booking.team,
                queue=booking.queue,
                call_id=booking.call_id,
                last_call_id=booking.call_id,
                unanswered_calls=0,
                created_at=now,
                updated_at=now,
                due_at=booking.due_at,
                promise=booking.promise,
                language=booking.language,
                not_before=start,
                not_after=end,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        task_id = int(key[0])
    else:
        next_status(task.id, task.status, TaskAction.BOOK)
        task_id = task.id
        # "As soon as possible" cannot be later than what was already promised.
        due = booking.due_at if end is not None else min(task.due_at, booking.due_at)
        values: dict[str, Any] = {
            "kind": TaskKind.CALLBACK.value,
            "updated_at": now,
            "due_at": due,
            "not_before": start,
            "not_after": end,
            "language": booking.language,
        }
        if booking.promise is not None:
            values["promise"] = booking.promise
        if booking.call_id is not None:
            values["last_call_id"] = booking.call_id
        conn.execute(update(tasks).where(tasks.c.id == task.id).values(values))
    found = read_task(conn, task_id)
    assert found is not None
    return found
