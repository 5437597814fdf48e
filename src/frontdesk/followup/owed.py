"""What each team owes callers right now: its open follow-up tasks, by kind, and how many are
past their promised time — the wallboard's "to call back" figures.

One grouped query over the open-task index (`followup_tasks_open`: status, team, due_at), so
its cost follows the number of teams and kinds, not of tasks, beyond the index scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, case, func, select

from frontdesk.followup.model import TaskKind, TaskStatus
from frontdesk.followup.schema import tasks

KINDS = tuple(kind.value for kind in TaskKind)


def empty_owed() -> dict[str, Any]:
    """A team's figures with nothing owed."""
    return {**dict.fromkeys(KINDS, 0), "open": 0, "overdue": 0, "oldest_due_at": None}


def owed_by_team(engine: Engine, now: float) -> dict[str, dict[str, Any]]:
    """Per team: open tasks of each kind, in all (`open`), past due at `now` (`overdue`), and
    the earliest due time (`oldest_due_at`, epoch s). Teams owing nothing are left out."""
    overdue = func.sum(case((tasks.c.due_at < now, 1), else_=0))
    query = (
        select(tasks.c.team, tasks.c.kind, func.count(), overdue, func.min(tasks.c.due_at))
        .where(tasks.c.status == TaskStatus.OPEN.value)
        .group_by(tasks.c.team, tasks.c.kind)
    )
    teams: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for team, kind, count, late, earliest in conn.execute(query):
            entry = teams.get(team)
            if entry is None:
                entry = teams[team] = empty_owed()
            if kind in entry:
                entry[kind] += int(count)
            entry["open"] += int(count)
            entry["overdue"] += int(late or 0)
            first = entry["oldest_due_at"]
            entry["oldest_due_at"] = earliest if first is None else min(first, earliest)
    return teams


def owed_total(teams: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The figures of several teams together."""
    total = empty_owed()
    for entry in teams.values():
        for name in (*KINDS, "open", "overdue"):
            total[name] += entry[name]
        due = entry["oldest_due_at"]
        if due is not None and (total["oldest_due_at"] is None or due < total["oldest_due_at"]):
            total["oldest_due_at"] = due
    return total
