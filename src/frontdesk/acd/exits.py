"""Joining and leaving queues: empty and full policies, max wait, overflow, voicemail, reject.

A caller joins a queue when they arrive, when they overflow from another queue, and when a
callback falls due. Joining checks join-when-empty and the max length; a caller already in line
leaves it on max wait or when the queue becomes empty under leave-when-empty. What happens then
is the queue's exit action (overflow keeps the caller's entry time, so they keep their age).
"""

from __future__ import annotations

from frontdesk.acd import events as ev
from frontdesk.acd.matching import Matching
from frontdesk.acd.model import (
    EmptyRule,
    ExitAction,
    OfferCallback,
    Overflow,
    Reject,
    ToVoicemail,
)
from frontdesk.acd.records import AgentRecord, ContactRecord, QueueRecord
from frontdesk.acd.states import AgentState, ContactState, ContactTrigger
from frontdesk.acd.timers import TimerKind


def is_empty(queue: QueueRecord, rule: EmptyRule) -> bool:
    if rule is EmptyRule.NO_AGENT_LOGGED_IN:
        return queue.logged_in == 0
    if rule is EmptyRule.NO_AGENT_WORKING:
        return queue.working == 0
    return False


class Exits(Matching):
    def _join(self, contact: ContactRecord, queue: QueueRecord) -> None:
        """Puts a new or overflowing caller in `queue`, unless its policies send them on."""
        config = queue.config
        if config.join_when_empty is not EmptyRule.IGNORE and is_empty(
            queue, config.join_when_empty
        ):
            if isinstance(config.on_empty, OfferCallback):
                self._enter_line(contact, queue)
                self._exit(contact, config.on_empty, f"no agent in {queue.name} right now")
            else:
                self._exit(contact, config.on_empty, f"no agent in {queue.name}", queue)
            return
        if config.max_length is not None and queue.in_line >= config.max_length:
            self._exit(contact, config.on_full, f"{queue.name} is full", queue)
            return
        self._enter_line(contact, queue)

    def _enter_line(self, contact: ContactRecord, queue: QueueRecord) -> None:
        config = queue.config
        now = self.now
        old_queue = contact.queue
        contact.queue = queue
        callback = contact.number != ""
        priority = contact.spec.priority + config.priority
        if callback and contact.promised_at is not None and contact.attempts == 0:
            priority += config.scheduled_callback_priority
        contact.priority = priority
        contact.set_key()
        contact.ring_base = now
        if contact.spec.preferred_agent is not None:
            self._start_preference(contact, queue)
        self._set_ring(contact, 0)
        state = contact.state
        if state is ContactState.NEW:
            self._contact_to(contact, ContactTrigger.QUEUE)
        elif state is ContactState.CALLBACK_SCHEDULED:
            self._contact_to(contact, ContactTrigger.CALLBACK_DUE)
        else:
            self._contact_to(contact, ContactTrigger.OVERFLOW)
        self._put_in_line(contact)
        if config.max_wait is not None and not callback:
            self._schedule(now + config.max_wait, TimerKind.MAX_WAIT, contact, now, config.max_wait)
        requirement = contact.requirement
        assert requirement is not None
        self._events.append(
            ev.ContactQueued(
                now,
                contact.id,
                queue.name,
                priority,
                contact.entered_at,
                queue.in_line,
                contact.ring,
                requirement.text,
                callback,
                contact.resumed_from,
            )
        )
        self._note(
            contact,
            "joined {}{} with priority {}, entry time t={:.1f}s, ring 0: `{}`",
            queue.name,
            f" (from {old_queue.name})" if old_queue is not queue else "",
            priority,
            contact.entered_at,
            requirement.text,
        )
        if queue.idle or contact.spec.preferred_agent is not None:  # else it finds no one
            self._contact_ready(contact)

    def _start_preference(self, contact: ContactRecord, queue: QueueRecord) -> None:
        preferred = contact.spec.preferred_agent
        if preferred is None or contact.preferred_until:
            return
        agent = self.agents.get(preferred)
        if agent is None or agent.state is AgentState.LOGGED_OUT:
            why = "is not a known agent" if agent is None else "is logged out"
            contact.preferred_until = -1.0
            self._emit(
                ev.PreferenceWidened(
                    self.now, contact.id, queue.name, preferred, f"preferred agent {why}"
                )
            )
            self._note(contact, f"preferred agent {preferred} {why}: any agent may answer")
            return
        window = contact.spec.preferred_for
        if window is None:
            window = queue.config.preferred_agent_for
        if window <= 0:
            contact.preferred_until = -1.0
            return
        contact.preferred_until = self.now + window
        self._schedule(contact.preferred_until, TimerKind.PREFERRED_END, contact, 0.0, None)

    def _exit(
        self,
        contact: ContactRecord,
        action: ExitAction,
        reason: str,
        queue: QueueRecord | None = None,
    ) -> None:
        """Applies an exit action to a caller who is new (refused) or waiting in line."""
        queue = queue or contact.queue
        wait = self.now - contact.arrived_at
        if isinstance(action, OfferCallback):
            if not contact.prompted and contact.state is ContactState.WAITING:
                contact.prompted = True
                self._emit(ev.CallbackOffered(self.now, contact.id, queue.name, wait, reason))
                self._decide(ev.PromptCallback(contact.id, queue.name, reason))
                self._note(contact, f"offered a callback: {reason}")
            return
        if isinstance(action, Overflow) and contact.hops < self.config.max_overflow_hops:
            self._take_from_line(contact)
            contact.hops += 1
            self._emit(
                ev.ContactOverflowed(self.now, contact.id, queue.name, action.queue, wait, reason)
            )
            self._note(contact, f"overflowed from {queue.name} to {action.queue}: {reason}")
            contact.queue = queue
            self._join(contact, self._queue(action.queue))
            return
        self._take_from_line(contact)
        contact.queue = queue
        if isinstance(action, Reject):
            self._note(contact, f"refused: {reason}")
            self._emit(ev.ContactRejected(self.now, contact.id, queue.name, reason))
            self._decide(ev.RejectContact(contact.id, queue.name, reason))
            self._contact_to(contact, ContactTrigger.REJECT)
            return
        why = reason if isinstance(action, ToVoicemail) else f"{reason} (too many overflows)"
        self._note(contact, f"sent to voicemail: {why}")
        self._emit(ev.ContactToVoicemail(self.now, contact.id, queue.name, wait, why))
        self._decide(ev.SendToVoicemail(contact.id, queue.name, why))
        self._contact_to(contact, ContactTrigger.VOICEMAIL)

    def _max_wait_reached(self, contact: ContactRecord) -> None:
        config = contact.queue.config
        assert config.max_wait is not None
        self._exit(contact, config.on_max_wait, f"waited the maximum {config.max_wait:.0f}s")

    def _check_max_wait(self, contact: ContactRecord) -> None:
        """After a missed ring: the caller may have passed max wait while the agent rang."""
        max_wait = contact.queue.config.max_wait
        if (
            max_wait is not None
            and contact.state is ContactState.WAITING
            and contact.ring_base + max_wait <= self.now
        ):
            self._max_wait_reached(contact)

    def _check_leave_empty(self, agent: AgentRecord) -> None:
        """An agent left: callers in queues that are now empty leave by the empty action."""
        for queue in agent.queues:
            if not queue.in_line or not is_empty(queue, queue.config.leave_when_empty):
                continue
            leaving = [
                c
                for c in self.contacts.values()
                if c.queue is queue and c.state is ContactState.WAITING and c.line is not None
            ]
            leaving.sort(key=lambda c: c.key)
            for contact in leaving:
                if contact.state is ContactState.WAITING:
                    self._exit(contact, queue.config.on_empty, f"no agent left in {queue.name}")
