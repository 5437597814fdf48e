"""Callbacks that keep their place, scheduled callbacks with promised times, and retries.

* Keep my place: the caller hangs up but stays in line as a virtual contact with its original
  entry time; when it is the best caller an agent can take, the agent is offered the callback
  first (agent-first), and on accepting the engine asks telephony to dial the customer.
* Scheduled: the caller (or an agent) picks a time; `propose_callback_time` finds the first
  free slot in a window; at the promised time the callback joins the line ahead of ordinary
  callers (`scheduled_callback_priority`). If no attempt has started `callback_promise_grace`
  seconds after the promise, a `CallbackPromiseMissed` event makes the broken promise visible.
* Failed attempts (no answer, busy) are retried after `callback_retry_after` seconds, keeping
  the original entry time, up to `callback_max_attempts`.
* Held again after a restart (`restore_callback`, from the follow-up store): a kept place joins
  the line with its original entry time, a booked callback keeps its promised time — even one
  that passed while the server was down, so it is due at once and keeps its place among the
  others, and a promise already broken is reported as such.
"""

from __future__ import annotations

import math

from frontdesk.acd import events as ev
from frontdesk.acd.errors import AcdError
from frontdesk.acd.exits import Exits
from frontdesk.acd.records import AgentRecord, ContactRecord, QueueRecord
from frontdesk.acd.states import AgentTrigger, ContactState, ContactTrigger
from frontdesk.acd.timers import TimerKind


class Callbacks(Exits):
    def _slot(self, when: float) -> int:
        return math.floor(when / self.config.callback_slot_seconds)

    def _free_time_in(self, queue: QueueRecord, earliest: float, latest: float) -> float | None:
        capacity = queue.config.callbacks_per_slot
        start = max(earliest, self.clock.wall())
        if capacity is None:
            return start if start <= latest else None
        slot_seconds = self.config.callback_slot_seconds
        slot = self._slot(start)
        while slot * slot_seconds <= latest:
            if queue.booked_slots.get(slot, 0) < capacity:
                return max(start, slot * slot_seconds)
            slot += 1
        return None

    def _promise(self, contact: ContactRecord, wall_at: float, past_ok: bool = False) -> None:
        """Books the callback for wall-clock time `wall_at` and sets its timers. With
        `past_ok` a time already past stays in the past (a promise made before a restart), so
        the callback is due at once and its entry time is the promised one."""
        queue = contact.queue
        slot = self._slot(wall_at)
        queue.booked_slots[slot] = queue.booked_slots.get(slot, 0) + 1
        ahead = wall_at - self.clock.wall()
        due = self.now + (ahead if past_ok else max(0.0, ahead))
        contact.promised_at = due
        self._schedule(due, TimerKind.CALLBACK_DUE, contact, due, None)
        grace = queue.config.callback_promise_grace
        self._schedule(due + grace, TimerKind.PROMISE_CHECK, contact, due, None)

    def _keep_place(self, contact: ContactRecord, number: str) -> None:
        contact.number = number
        self._contact_to(contact, ContactTrigger.REQUEST_CALLBACK)
        self._emit(
            ev.CallbackRequested(
                self.now,
                contact.id,
                contact.queue.name,
                number,
                None,
                self.now - contact.arrived_at,
            )
        )
        self._note(contact, f"left the line for a callback to {number}, keeping their place")

    def _schedule_for(self, contact: ContactRecord, number: str, wall_at: float) -> None:
        contact.number = number
        self._take_from_line(contact)
        self._contact_to(contact, ContactTrigger.SCHEDULE_CALLBACK)
        self._promise(contact, wall_at)
        self._emit(
            ev.CallbackRequested(
                self.now,
                contact.id,
                contact.queue.name,
                number,
                contact.promised_at,
                self.now - contact.arrived_at,
            )
        )
        self._note(
            contact,
            f"callback to {number} promised for t={contact.promised_at:.1f}s (wall {wall_at:.0f})",
        )

    def _hold_again(
        self, contact: ContactRecord, number: str, promised_wall: float | None, attempts: int
    ) -> None:
        """A callback held before a restart, its contact just made with its entry time."""
        contact.number, contact.attempts = number, attempts
        self._contact_to(contact, ContactTrigger.SCHEDULE_CALLBACK)
        if promised_wall is None:
            self._note(contact, f"held again after a restart: keeps its place to call {number}")
            self._enter_line(contact, contact.queue)
            return
        self._promise(contact, promised_wall, past_ok=True)
        assert contact.promised_at is not None
        self._note(
            contact,
            f"held again after a restart: callback to {number} promised for"
            f" t={contact.promised_at:.1f}s (wall {promised_wall:.0f})",
        )

    def _callback_due(self, contact: ContactRecord) -> None:
        if contact.attempts == 0 and contact.promised_at is not None:
            contact.entered_at = contact.promised_at
        self._note(contact, f"callback due (attempt {contact.attempts + 1})")
        self._enter_line(contact, contact.queue)

    def _dial(self, contact: ContactRecord, agent: AgentRecord) -> None:
        contact.offered_to = agent.alone
        self._contact_to(contact, ContactTrigger.ACCEPT)
        self._agent_to(agent, AgentTrigger.ANSWER, f"calling back {contact.id}")
        agent.call, agent.call_queue, agent.call_started = contact, contact.queue, self.now
        agent.misses_in_row = 0
        contact.attempts += 1
        self._emit(
            ev.CallbackAttempted(
                self.now,
                contact.id,
                contact.queue.name,
                agent.id,
                contact.attempts,
                contact.promised_at,
            )
        )
        self._decide(ev.DialCallback(contact.id, agent.id, contact.number, contact.attempts))

    def _callback_outcome(self, contact: ContactRecord, connected: bool, outcome: str) -> None:
        if contact.state is not ContactState.CALLBACK_DIALING:
            raise AcdError(
                f"contact {contact.id} is {contact.state.value}, not a callback being dialled"
            )
        agent = contact.offered_to[0]
        queue = contact.queue
        if connected:
            self._emit(
                ev.CallbackConnected(self.now, contact.id, queue.name, agent.id, contact.attempts)
            )
            self._note(contact, f"callback connected by {agent.id}")
            self._contact_to(contact, ContactTrigger.CONNECTED)
            return
        agent.call = None
        self._agent_to(agent, AgentTrigger.HANG_UP, f"callback attempt failed: {outcome}")
        self._agent_to(agent, AgentTrigger.WRAP_DONE)
        if contact.attempts < queue.config.callback_max_attempts:
            retry_at = self.now + queue.config.callback_retry_after
            self._contact_to(contact, ContactTrigger.RETRY)
            self._schedule(retry_at, TimerKind.CALLBACK_DUE, contact, retry_at, None)
            self._note(contact, f"attempt {contact.attempts} failed ({outcome}); retry later")
        else:
            retry_at = None
            self._note(contact, f"attempt {contact.attempts} failed ({outcome}); giving up")
        self._emit(
            ev.CallbackAttemptFailed(
                self.now, contact.id, queue.name, agent.id, contact.attempts, outcome, retry_at
            )
        )
        if retry_at is None:
            self._contact_to(contact, ContactTrigger.GIVE_UP)
        self._agent_free(agent)

    def _promise_check(self, contact: ContactRecord, due: float) -> None:
        open_contact = self.contacts.get(contact.id) is contact
        if open_contact and contact.attempts == 0 and contact.promised_at == due:
            self._emit(ev.CallbackPromiseMissed(self.now, contact.id, contact.queue.name, due))
            self._note(contact, f"the promise for t={due:.1f}s was not kept")
