"""The contact centre's callbacks: places kept by the callback key, booked callbacks, their tasks.

`ContactCentre` takes these methods from `CentreCallbacks`. A callback lives in two places: the
routing engine holds the caller's place (a virtual contact), and the follow-up store holds the
task and that place, so a restart can give it back (docs/followup.md). Here the two are kept in
step: a place kept or booked is stored with its task; failed dials and the engine's end of a
callback are written back; a callback the engine held before a restart is held again; and a
caller reached on another call is not called back.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from frontdesk.acd import events as ev
from frontdesk.acd.errors import AcdError
from frontdesk.acd.model import ContactSpec, Priority
from frontdesk.acd.states import ContactState
from frontdesk.flows import actions as a
from frontdesk.followup.held import HeldCallback, HeldPlace
from frontdesk.followup.model import Task, TaskStatus
from frontdesk.telephony import rang_again
from frontdesk.telephony.followups import restore_into
from frontdesk.telephony.queues import CallerLanguages
from frontdesk.telephony.rang_again import Carried
from frontdesk.telephony.services import FollowUps

if TYPE_CHECKING:
    from frontdesk.acd.engine import RoutingEngine
    from frontdesk.telephony.conversation import InboundCall
    from frontdesk.telephony.services import Services

# How a callback the engine held can end (ContactState values of acd.closed).
_CALLBACK_ENDS = frozenset({"callback-connected", "callback-failed", "cancelled"})
# Callbacks not being dialled yet: a caller reached meanwhile needs none of them.
_HELD_CALLBACK = frozenset({ContactState.CALLBACK_SCHEDULED, ContactState.CALLBACK_WAITING,
                            ContactState.CALLBACK_OFFERED})  # fmt: skip


class CentreCallbacks:
    """The callback half of `ContactCentre`, which provides what is declared here."""

    services: Services
    engine: RoutingEngine
    callbacks: dict[str, str]  # contact id -> follow-up task id
    # Callbacks whose task closed, to cancel as soon as the engine holds them: contact id ->
    # why. Only one being dialled waits here (a failed dial then cancels rather than retries).
    unwanted: dict[str, str]
    carried: dict[str, Carried]  # call id -> the kept place that call took over (rang_again)
    caller_languages: CallerLanguages

    def _apply(self, step: object) -> bool:
        raise NotImplementedError

    def team_of(self, queue: str | None) -> str:
        raise NotImplementedError

    def language_in(self, queue_name: str, language: str) -> str:
        """The language a caller of `queue_name` waits for (none when nobody who may answer
        the queue speaks theirs: see telephony/queues.py)."""
        return self.caller_languages.waits_for(self.services.company, queue_name, language)

    def keep_place(self, call: InboundCall, promised: float) -> asyncio.Future[str | None] | None:
        """The caller pressed the callback key: they leave the line but keep their place.
        None when the engine refused; else the stored task's id (None: not stored), once the
        task and the place are written, so a restart gives the place back."""
        record = self.engine.contacts.get(call.call_id)
        if not self._apply(lambda: self.engine.request_callback(call.call_id, call.caller)):
            return None
        s = self.services
        if s.followups is None or record is None:
            done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        entered = record.entered_at + (s.clock.wall() - s.clock.now())
        spec = record.spec
        place = HeldPlace(call.call_id, record.queue.name, call.caller, entered, None,
                          spec.priority, spec.language, spec.account)  # fmt: skip
        stored = s.followups.callback(call.call_id, call.caller, self.team_of(call.queue),
                                      call.queue or "", call.language, None, promised,
                                      place)  # fmt: skip
        stored.add_done_callback(partial(self._task_stored, call.call_id))
        return stored

    def _task_stored(self, contact_id: str, stored: asyncio.Future[str | None]) -> None:
        if not stored.cancelled() and stored.result():
            self.callbacks[contact_id] = str(stored.result())

    def callers_reached(self, closed: tuple[Task, ...]) -> None:
        """Tasks closed because their caller was reached (on another call): callbacks the
        engine still holds for them are cancelled, so nobody calls a served caller again."""
        self.tasks_closed(closed, "caller reached")

    def task_closed_by_hand(self, task: Task, by: str) -> None:
        """Someone marked a task done or cancelled it (the desk, the API): logged, and the
        callback the engine holds for it is cancelled — the team no longer owes that call."""
        s = self.services
        if task.status is TaskStatus.DONE:
            why = f"task done by {by}"
            s.log.append(s.clock.wall(), "task.done", task.last_call_id, task=task.id,
                         task_kind=str(task.kind), caller=task.caller, by=by,
                         note=task.note)  # fmt: skip
        else:
            why = f"task cancelled by {by}: {task.note}"
            s.log.append(s.clock.wall(), "task.cancelled", task.last_call_id, task=task.id,
                         task_kind=str(task.kind), caller=task.caller, by=by,
                         reason=task.note)  # fmt: skip
        self.tasks_closed((task,), why)

    def tasks_closed(self, closed: tuple[Task, ...], why: str) -> None:
        """The callbacks held for these tasks are cancelled, each with `why` in the event log
        (`callback.cancelled`). One being dialled right now is left to finish its dial (the
        agent is already calling); if that dial fails it is cancelled instead of retried."""
        ids = {str(task.id) for task in closed}
        rang_again.tasks_closed(self.carried, ids)
        for contact_id, task_id in self.callbacks.items():
            if task_id in ids:
                self.unwanted[contact_id] = why
        self._drop_unwanted()

    def _drop_unwanted(self) -> None:
        """Cancels the callbacks whose tasks closed, once the engine holds them (not dialling)."""
        for contact_id in list(self.unwanted):
            try:
                state = self.engine.contact_state(contact_id)
            except AcdError:
                state = ContactState.CANCELLED  # forgotten by the engine: nothing to cancel
            if state is ContactState.CALLBACK_DIALING:
                continue
            why = self.unwanted.pop(contact_id, None)  # None: done by a nested call already
            task = self.callbacks.get(contact_id)
            if (
                why is not None
                and state in _HELD_CALLBACK
                and self._apply(lambda c=contact_id, w=why: self.engine.cancel_callback(c, w))
            ):
                s = self.services
                s.log.append(s.clock.wall(), "callback.cancelled", contact_id, task=task,
                             reason=why)  # fmt: skip

    def restore_callback(self, held: HeldCallback) -> bool:
        """Holds again a callback held before a restart; False when the engine refused it."""
        if not self._apply(lambda: restore_into(self.engine, held)):
            return False
        self.callbacks[held.place.contact_id] = str(held.task_id)
        s, place = self.services, held.place
        s.log.append(s.clock.wall(), "callback.restored", place.contact_id, task=held.task_id,
                     queue=place.queue, place_at=round(place.place_at, 3),
                     promised_at=place.promised_at, attempts=held.attempts)  # fmt: skip
        return True

    def book_callback(self, call: InboundCall, action: a.BookCallback) -> None:
        """The flow booked a callback (as soon as possible, or in a window)."""
        s = self.services
        number = call.caller or action.number
        if action.queue not in self.engine.queues or not number:
            return
        contact_id = f"callback:{call.call_id}"
        at = action.not_before if action.not_before is not None else s.clock.wall()
        language = self.language_in(action.queue, action.language)
        spec = ContactSpec(contact_id, action.queue, Priority.CALLBACK, language,
                           caller=number)  # fmt: skip

        def schedule() -> list[ev.Decision]:
            self.engine.schedule_callback(spec, number, at)
            return []

        if not self._apply(schedule):
            return
        if s.followups is not None:
            place = HeldPlace(contact_id, action.queue, number, at, at, Priority.CALLBACK,
                              action.language)  # fmt: skip
            stored = s.followups.callback(call.call_id, number, self.team_of(action.queue),
                                          action.queue, action.language, action.not_before,
                                          action.not_after, place)  # fmt: skip
            stored.add_done_callback(partial(self._task_stored, contact_id))
        call.outcome = "callback booked"

    def _callback_outcome(self, followups: FollowUps, kind: str, contact_id: str,
                          data: dict[str, Any]) -> None:  # fmt: skip
        """Failed dials and the end of a callback, for the place kept in the store."""
        if kind == "acd.callback_failed_attempt":
            followups.callback_attempt_failed(contact_id, str(data["outcome"]),
                                              str(data["agent_id"]))  # fmt: skip
        elif kind == "acd.closed" and data.get("outcome") in _CALLBACK_ENDS:
            self.callbacks.pop(contact_id, None)
            if not rang_again.is_carried(self.carried, contact_id):  # its row stays (rang_again)
                followups.callback_closed(contact_id, str(data["outcome"]))
