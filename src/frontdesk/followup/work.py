"""Working a task, on a connection inside the caller's transaction: attempts, closing it (done,
cancelled, or the caller reached on some call) and noting its e-mail notification.

Status changes go through `model.next_status`, so a closed task refuses them with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, select, update

from frontdesk.followup import rows
from frontdesk.followup.errors import FollowupError
from frontdesk.followup.model import Task, TaskAction, TaskStatus, next_status
from frontdesk.followup.schema import attempts, tasks

REACHED_NOTE = "caller reached on a call"


def _existing(conn: Connection, task_id: int) -> Task:
    task = rows.read_task(conn, task_id)
    if task is None:
        raise FollowupError(f"there is no task {task_id}")
    return task


def _update(conn: Connection, task_id: int, values: Mapping[str, object]) -> Task:
    conn.execute(update(tasks).where(tasks.c.id == task_id).values(values))
    return _existing(conn, task_id)


def record_attempt(
    conn: Connection, now: float, task_id: int, outcome: str, by: str | None
) -> Task:
    task = _existing(conn, task_id)
    next_status(task.id, task.status, TaskAction.ATTEMPT)
    conn.execute(attempts.insert().values(task_id=task.id, at=now, outcome=outcome, by=by))
    values = {
        "attempts": task.attempts + 1,
        "last_outcome": outcome,
        "last_attempt_at": now,
        "updated_at": now,
    }
    return _update(conn, task.id, values)


def close_task(
    conn: Connection,
    now: float,
    task: Task | int,
    action: TaskAction,
    by: str | None,
    note: str,
    closed_at: float | None = None,
) -> Task:
    if isinstance(task, int):
        task = _existing(conn, task)
    status = next_status(task.id, task.status, action)
    values = {
        "status": status.value,
        "done_by": by,
        "closed_at": now if closed_at is None else closed_at,
        "updated_at": now,
        "note": note,
    }
    return _update(conn, task.id, values)


def close_reached(
    conn: Connection, now: float, caller_key: str, by: str, at: float
) -> tuple[Task, ...]:
    """Closes the caller's open tasks (every team) that existed at `at`, when they were reached."""
    query = select(tasks).where(
        tasks.c.caller_key == caller_key,
        tasks.c.status == TaskStatus.OPEN.value,
        tasks.c.created_at <= at,
    )
    found = [rows.task_from_row(row) for row in conn.execute(query.order_by(tasks.c.id))]
    return tuple(
        close_task(conn, now, task, TaskAction.REACHED, by, REACHED_NOTE, closed_at=at)
        for task in found
    )


def note_notification(conn: Connection, now: float, task_id: int, error: str | None) -> Task:
    """Any task, open or closed: the e-mail may go out after someone already called back."""
    _existing(conn, task_id)
    values: dict[str, object] = {"notify_error": error}
    if error is None:
        values["notified_at"] = now
    return _update(conn, task_id, values)
