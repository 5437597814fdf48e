"""Live calls' follow-up work written to the durable task store, and the team told by e-mail.

Adapts `followup.FollowupStore` to what call control reports: a voicemail (task + e-mail with
the recording), a missed call (on the caller's open task, due by the team's promise), a callback
the caller booked or kept their place for, and a caller reached by an agent (their open tasks
close). Each write commits before the call moves on, so a kill loses no task; the e-mail goes
from a worker thread and its outcome is recorded on the task. Nothing here ever fails a call.
"""

from __future__ import annotations

import logging

from frontdesk.config import Company
from frontdesk.followup.model import MissReason, Task
from frontdesk.followup.notify import notify_team
from frontdesk.followup.promise import promise_due, promise_text
from frontdesk.followup.store import FollowupStore
from frontdesk.telephony.services import Services

log = logging.getLogger("frontdesk.calls")


class TaskFollowUps:
    def __init__(self, store: FollowupStore, services: Services) -> None:
        self.store = store
        self.services = services

    @property
    def company(self) -> Company:
        return self.services.company

    def _due(self, team: str) -> tuple[float, str]:
        now = self.services.clock.wall()
        found = self.company.team(team)
        if found is None:
            return now + 4 * 3600, ""
        due = promise_due(now, found, self.company.timezone)
        return due, promise_text(due, now, self.company.timezone, "en")

    def voicemail(self, call_id: str, caller: str, team: str, queue: str | None, path: str,
                  duration_s: float, promise: str, language: str,
                  name: str | None) -> None:  # fmt: skip
        due, _ = self._due(team)
        try:
            task = self.store.add_voicemail(call_id, caller, team, queue, path, duration_s, due,
                                            promise, language=language)  # fmt: skip
        except Exception:
            log.exception("the voicemail of %s could not be stored as a task", call_id)
            return
        self._notify(task, team, name)

    def missed(self, call_id: str, caller: str, team: str, queue: str | None,
               reason: str) -> None:  # fmt: skip
        due, promise = self._due(team)
        found = self.company.team(team)
        closed = found is not None and found.hours is not None and not found.hours.is_open(
            self.services.clock.wall())  # fmt: skip
        why = MissReason.AFTER_HOURS if closed else MissReason.ABANDONED
        try:
            task = self.store.add_missed_call(call_id, caller, team, queue, why, due,
                                              promise=promise or None)  # fmt: skip
        except Exception:
            log.exception("the missed call %s could not be stored", call_id)
            return
        if task is not None and task.unanswered_calls == 1:
            self._notify(task, team, None)  # the first missed call of a task is e-mailed

    def callback(self, call_id: str, caller: str, team: str, queue: str, language: str,
                 not_before: float | None, not_after: float | None) -> str | None:  # fmt: skip
        try:
            if not_before is not None and not_after is not None:
                task = self.store.add_callback(caller, team, queue, window=(not_before, not_after),
                                               call_id=call_id, language=language)  # fmt: skip
            else:
                due = not_after if not_after is not None else self.services.clock.wall()
                task = self.store.add_callback(caller, team, queue, due_at=due, call_id=call_id,
                                               language=language)  # fmt: skip
        except Exception:
            log.exception("the callback for %s could not be stored", call_id)
            return None
        return str(task.id)

    def reached(self, number: str, by: str) -> None:
        try:
            closed = self.store.caller_reached(number, by)
        except Exception:
            log.exception("closing the tasks of %s failed", number)
            return
        for task in closed:
            s = self.services
            s.log.append(s.clock.wall(), "task.done", None, task=task.id, task_kind=str(task.kind),
                         caller=number, by=by)  # fmt: skip

    def _notify(self, task: Task, team: str, name: str | None) -> None:
        s = self.services
        found = self.company.team(team)
        s.log.append(s.clock.wall(), "task.created", task.last_call_id, task=task.id,
                     task_kind=str(task.kind), team=team, due_at=round(task.due_at))  # fmt: skip
        if found is None or found.email is None or self.company.smtp is None:
            return

        async def send() -> None:
            delivery = await notify_team(task, found, self.company.smtp, self.company.timezone,
                                         caller_name=name, store=self.store)  # fmt: skip
            s.log.append(s.clock.wall(), "task.notified", None, task=task.id, to=found.email,
                         error=delivery.error)  # fmt: skip

        s.spawn(send(), f"e-mail for task {task.id}")
