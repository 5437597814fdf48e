"""Live calls' follow-up work written to the durable task store, and the team told by e-mail.

Adapts `followup.FollowupStore` to what call control reports: a voicemail (task + e-mail with
the recording), a missed call (on the caller's open task, due by the team's promise), a callback
the caller booked or kept their place for (with the place the routing engine holds for it), a
callback dial that failed or that the engine is done with, and a caller reached by an agent
(their open tasks close). Nothing here ever fails a call.

Writes run on one worker thread, in the order they were asked for (`OrderedWriter`): a commit
takes milliseconds and the event loop carries every call's signalling. Who must not go on
before a write is stored awaits it: `callback` returns a future the queue wait awaits before
saying the promised time. What follows a write (the event-log entry, the e-mail) is done back
on the loop. `close()` waits for queued writes, so a clean stop loses none.

`restore` gives the routing engine back, on start, the callbacks it held before a restart
(see docs/followup.md, "Callbacks across a restart").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from frontdesk.acd.engine import RoutingEngine
from frontdesk.acd.events import Decision
from frontdesk.acd.model import ContactSpec, Priority
from frontdesk.config import Company
from frontdesk.followup.errors import FollowupError
from frontdesk.followup.held import HeldCallback, HeldPlace
from frontdesk.followup.model import MissReason, Task
from frontdesk.followup.notify import notify_team
from frontdesk.followup.promise import promise_due, promise_text
from frontdesk.followup.store import FollowupStore
from frontdesk.followup.writer import OrderedWriter
from frontdesk.telephony.services import Services

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre

log = logging.getLogger("frontdesk.calls")
_T = TypeVar("_T")


def restore_into(engine: RoutingEngine, held: HeldCallback) -> list[Decision]:
    """Gives one held callback back to the routing engine (raises AcdError when refused);
    returns the engine's decisions."""
    place = held.place
    priority = Priority.CALLBACK if place.priority is None else place.priority
    spec = ContactSpec(place.contact_id, place.queue, priority, place.language,
                       place.account, caller=place.number)  # fmt: skip
    return engine.restore_callback(spec, place.number, place.place_at, place.promised_at,
                                   held.attempts)  # fmt: skip


class TaskFollowUps:
    def __init__(self, store: FollowupStore, services: Services,
                 writer: OrderedWriter | None = None) -> None:  # fmt: skip
        self.store = store
        self.services = services
        self.writer = writer or OrderedWriter()
        # Told of tasks closed because their caller was reached (the contact centre takes
        # such callers' callbacks out of the routing engine).
        self.on_reached: Callable[[tuple[Task, ...]], None] | None = None

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

    def _write(self, write: Callable[[], _T], failed: str) -> asyncio.Future[_T | None]:
        """Queues `write`; the future gives its result on the loop, or None (logged) when it
        failed."""

        def guarded() -> _T | None:
            try:
                return write()
            except Exception:
                log.exception("%s", failed)
                return None

        try:
            return self.writer.submit_to_loop(guarded)
        except FollowupError as exc:  # stopping: the writer takes no more
            log.error("%s: %s", failed, exc)
            done: asyncio.Future[_T | None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done

    def _then(self, stored: asyncio.Future[_T | None], step: Callable[[_T], None],
              what: str) -> None:  # fmt: skip
        """Runs `step` on the loop once `stored` has a result (nothing when it failed)."""

        async def follow() -> None:
            result = await stored
            if result is not None:
                step(result)

        self.services.spawn(follow(), what)

    def voicemail(self, call_id: str, caller: str, team: str, queue: str | None, path: str,
                  duration_s: float, promise: str, language: str,
                  name: str | None) -> None:  # fmt: skip
        due, _ = self._due(team)

        def write() -> Task:
            return self.store.add_voicemail(call_id, caller, team, queue, path, duration_s, due,
                                            promise, language=language)  # fmt: skip

        stored = self._write(write, f"the voicemail of {call_id} could not be stored as a task")
        self._then(stored, lambda task: self._notify(task, team, name), f"voicemail {call_id}")

    def missed(self, call_id: str, caller: str, team: str, queue: str | None,
               reason: str) -> None:  # fmt: skip
        due, promise = self._due(team)
        found = self.company.team(team)
        closed = found is not None and found.hours is not None and not found.hours.is_open(
            self.services.clock.wall())  # fmt: skip
        why = MissReason.AFTER_HOURS if closed else MissReason.ABANDONED

        def write() -> Task | None:
            return self.store.add_missed_call(call_id, caller, team, queue, why, due,
                                              promise=promise or None)  # fmt: skip

        stored = self._write(write, f"the missed call {call_id} could not be stored")

        def first_of_task(task: Task) -> None:
            if task.unanswered_calls == 1:
                self._notify(task, team, None)  # the first missed call of a task is e-mailed

        self._then(stored, first_of_task, f"missed call {call_id}")

    def callback(self, call_id: str, caller: str, team: str, queue: str, language: str,
                 not_before: float | None, not_after: float | None,
                 place: HeldPlace | None = None) -> asyncio.Future[str | None]:  # fmt: skip
        """Stores the callback task (and the engine's place for it); the future gives the
        task's id once committed, or None when it could not be stored."""

        def write() -> str:
            if not_before is not None and not_after is not None:
                task = self.store.add_callback(caller, team, queue, window=(not_before, not_after),
                                               call_id=call_id, language=language,
                                               place=place)  # fmt: skip
            else:
                due = not_after if not_after is not None else self.services.clock.wall()
                task = self.store.add_callback(caller, team, queue, due_at=due, call_id=call_id,
                                               language=language, place=place)  # fmt: skip
            return str(task.id)

        return self._write(write, f"the callback for {call_id} could not be stored")

    def callback_attempt_failed(self, contact_id: str, outcome: str, by: str) -> None:
        """A callback dial failed: counted on its place and its task, so a restart continues
        the count."""
        self._write(lambda: self.store.callback_attempt_failed(contact_id, outcome, by),
                    f"the failed attempt of callback {contact_id} could not be stored")  # fmt: skip

    def callback_closed(self, contact_id: str, outcome: str) -> None:
        """The routing engine is done with a callback: its place is not held after a restart
        (the task itself stays open until the caller is reached or someone closes it)."""
        self._write(lambda: self.store.release_callback(contact_id, outcome),
                    f"the end of callback {contact_id} could not be stored")  # fmt: skip

    def callback_moved(self, contact_id: str, to_contact_id: str) -> None:
        """The engine holds the callback's place again under a new contact id."""
        self._write(lambda: self.store.move_callback(contact_id, to_contact_id),
                    f"the place of callback {contact_id} could not be moved")  # fmt: skip

    def reached(self, number: str, by: str) -> None:
        stored = self._write(lambda: self.store.caller_reached(number, by),
                             f"closing the tasks of {number} failed")  # fmt: skip

        def log_done(closed: tuple[Task, ...]) -> None:
            s = self.services
            for task in closed:
                s.log.append(s.clock.wall(), "task.done", None, task=task.id,
                             task_kind=str(task.kind), caller=number, by=by)  # fmt: skip
            if closed and self.on_reached is not None:
                self.on_reached(closed)

        self._then(stored, log_done, f"caller {number} reached")

    async def restore(self, centre: ContactCentre) -> int:
        """Gives the routing engine back the callbacks it held before a restart, oldest place
        first; returns how many it took."""
        held = await self.writer.run(self.store.held_callbacks)
        taken = 0
        for callback in held:
            if centre.restore_callback(callback):
                taken += 1
        if held:
            log.info("%d of %d callbacks held again after the restart", taken, len(held))
        return taken

    def close(self) -> None:
        """Waits for the writes still queued (a clean stop loses none)."""
        self.writer.close()

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
