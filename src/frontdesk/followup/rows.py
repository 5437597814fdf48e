"""Reading follow-up rows into frozen values (model.py), on a connection the caller holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from frontdesk.followup.model import Attempt, MissedCall, MissReason, Task, TaskKind, TaskStatus
from frontdesk.followup.schema import attempts, missed, tasks


def task_from_row(row: Row[Any]) -> Task:
    return Task(
        id=row.id,
        kind=TaskKind(row.kind),
        status=TaskStatus(row.status),
        caller=row.caller,
        caller_key=row.caller_key,
        team=row.team,
        queue=row.queue,
        call_id=row.call_id,
        last_call_id=row.last_call_id,
        unanswered_calls=row.unanswered_calls,
        created_at=row.created_at,
        updated_at=row.updated_at,
        due_at=row.due_at,
        promise=row.promise,
        language=row.language,
        attempts=row.attempts,
        last_outcome=row.last_outcome,
        last_attempt_at=row.last_attempt_at,
        done_by=row.done_by,
        closed_at=row.closed_at,
        note=row.note,
        recording_path=row.recording_path,
        recording_s=row.recording_s,
        not_before=row.not_before,
        not_after=row.not_after,
        notified_at=row.notified_at,
        notify_error=row.notify_error,
    )


def read_task(conn: Connection, task_id: int) -> Task | None:
    row = conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
    return None if row is None else task_from_row(row)


def open_task_of(conn: Connection, caller_key: str | None, team: str) -> Task | None:
    """The one open task of a caller for a team (None for callers without a usable number)."""
    if caller_key is None:
        return None
    query = select(tasks).where(
        tasks.c.caller_key == caller_key, tasks.c.team == team, tasks.c.status == "open"
    )
    row = conn.execute(query).first()
    return None if row is None else task_from_row(row)


def missed_calls_query(since: float | None, team: str | None, task_id: int | None) -> Any:
    query = select(missed, tasks.c.status).join(tasks, missed.c.task_id == tasks.c.id, isouter=True)
    if since is not None:
        query = query.where(missed.c.at >= since)
    if team is not None:
        query = query.where(missed.c.team == team)
    if task_id is not None:
        query = query.where(missed.c.task_id == task_id)
    return query.order_by(missed.c.at.desc(), missed.c.id.desc())


def missed_call_from_row(row: Row[Any]) -> MissedCall:
    return MissedCall(
        id=row.id,
        at=row.at,
        call_id=row.call_id,
        caller=row.caller,
        team=row.team,
        queue=row.queue,
        reason=MissReason(row.reason),
        task_id=row.task_id,
        still_open=row.status == TaskStatus.OPEN.value,
        recording_path=row.recording_path,
        recording_s=row.recording_s,
    )


def read_attempts(conn: Connection, task_id: int) -> tuple[Attempt, ...]:
    query = select(attempts).where(attempts.c.task_id == task_id)
    rows = conn.execute(query.order_by(attempts.c.at, attempts.c.id))
    return tuple(Attempt(row.task_id, row.at, row.outcome, row.by) for row in rows)
