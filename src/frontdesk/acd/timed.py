"""Rings that end without an answer, and what time makes due: relaxation rings, max wait, ring
timeouts, wrap-up ends, preferred-agent windows, skips of agents who missed a ring, callbacks
falling due and promise checks.

Timers are entries in one heap; each carries a check value (the contact's join time, offer
number, wrap-up number or due time) so a timer made stale by later events does nothing.
"""

from __future__ import annotations

from typing import cast

from frontdesk.acd import events as ev
from frontdesk.acd.callbacks import Callbacks
from frontdesk.acd.records import AgentRecord, ContactRecord
from frontdesk.acd.states import (
    TERMINAL_STATES,
    AgentState,
    AgentTrigger,
    ContactState,
    ContactTrigger,
)
from frontdesk.acd.timers import TimerKind

_OFFERED = (ContactState.OFFERED, ContactState.CALLBACK_OFFERED)


class Timed(Callbacks):
    def _release(
        self, contact: ContactRecord, agents: tuple[AgentRecord, ...], reason: str
    ) -> None:
        """Stops ringing `agents` for `contact`; each becomes free and may take another."""
        for agent in agents:
            agent.offer = None
            self._emit(ev.OfferCancelled(self.now, contact.id, agent.id, reason))
            self._decide(ev.CancelOffer(contact.id, agent.id, reason))
            self._agent_to(agent, AgentTrigger.CANCEL, reason)
        for agent in agents:
            self._agent_free(agent)

    def _missed(
        self, contact: ContactRecord, agents: tuple[AgentRecord, ...], stop_ringing: bool
    ) -> None:
        queue = contact.queue
        alone = len(contact.offered_to) == 1
        tired: list[AgentRecord] = []
        for agent in agents:
            agent.offer = None
            agent.misses_in_row += alone
            limit = agent.misses_in_row >= self.config.max_consecutive_misses
            if stop_ringing:
                self._decide(ev.CancelOffer(contact.id, agent.id, "no answer"))
            self._emit(ev.OfferMissed(self.now, contact.id, agent.id, agent.misses_in_row))
            if limit:
                self._agent_to(agent, AgentTrigger.MISS_LIMIT, self.config.missed_calls_reason)
                tired.append(agent)
            else:
                self._agent_to(agent, AgentTrigger.MISS, f"missed {contact.id}")
            retry_after = queue.config.retry_missed_agent_after
            until = self.now + retry_after
            if contact.skipped is None:
                contact.skipped = {}
            contact.skipped[agent.id] = until
            self._schedule(until, TimerKind.SKIP_END, contact, until, retry_after)
            self._note(contact, f"{agent.id} did not answer; skipped for this caller for now")
        contact.offered_to = tuple(a for a in contact.offered_to if a not in agents)
        if not contact.offered_to and contact.state in _OFFERED:
            self._contact_to(contact, ContactTrigger.MISS)
            self._put_in_line(contact)
            self._check_max_wait(contact)
            self._contact_ready(contact)
        for agent in tired:
            self._check_leave_empty(agent)
        for agent in agents:
            self._agent_free(agent)

    # ------------------------------------------------------------ callbacks

    def _fire(self, kind: TimerKind, target: object, check: float) -> None:
        if kind is TimerKind.RELAX:  # by far the most frequent, so tested first
            waiting = cast(ContactRecord, target)
            # open contacts are exactly those not in a terminal state (no dictionary probe)
            if waiting.ring_base == check and waiting.state not in TERMINAL_STATES:
                self._relax(waiting)
            return
        if isinstance(target, AgentRecord):
            if target.state is AgentState.WRAP_UP and target.wrap_serial == check:
                self._becomes_free(target, AgentTrigger.WRAP_DONE, "wrap-up time over")
            return
        assert isinstance(target, ContactRecord)
        contact = target
        if self.contacts.get(contact.id) is not contact:
            return
        state = contact.state
        if kind is TimerKind.MAX_WAIT and contact.ring_base == check:
            if state is ContactState.WAITING and contact.line is not None:
                self._max_wait_reached(contact)
        elif kind is TimerKind.RING_TIMEOUT and state in _OFFERED:
            if contact.offer_serial == check:
                self._missed(contact, contact.offered_to, stop_ringing=True)
        elif kind is TimerKind.PREFERRED_END:
            self._widen(contact, "the preferred-agent window is over")
        elif kind is TimerKind.SKIP_END:
            self._end_skips(contact)
        elif kind is TimerKind.CALLBACK_DUE and state is ContactState.CALLBACK_SCHEDULED:
            self._callback_due(contact)
        elif kind is TimerKind.PROMISE_CHECK:
            self._promise_check(contact, check)

    def _relax(self, contact: ContactRecord) -> None:
        queue = contact.queue
        ring = queue.ring_reached(contact.ring, contact.ring_base, self.now)
        if ring <= contact.ring:
            return
        # callers in their preferred agent's line keep it; the new ring applies when widened
        line = contact.line
        movable = line is not None and line.requirement is not None
        if movable:
            self._take_from_line(contact)
        self._set_ring(contact, ring)
        requirement = contact.requirement
        assert requirement is not None
        self._events.append(
            ev.ContactRelaxed(self.now, contact.id, queue.name, ring, requirement.text)
        )
        self._note(contact, "relaxed to ring {}: `{}`", ring, requirement.text)
        if movable:
            self._put_in_line(contact)
            if queue.idle or contact.spec.preferred_agent is not None:  # else it finds no one
                self._contact_ready(contact)

    def _end_skips(self, contact: ContactRecord) -> None:
        skipped = contact.skipped or {}
        for agent_id, until in list(skipped.items()):
            if until <= self.now:
                del skipped[agent_id]
        if contact.line is not None:
            self._contact_ready(contact)

    def _widen(self, contact: ContactRecord, reason: str) -> None:
        preferred = contact.spec.preferred_agent
        if preferred is None or contact.preferred_until < 0:
            return
        contact.preferred_until = -1.0
        self._emit(
            ev.PreferenceWidened(self.now, contact.id, contact.queue.name, preferred, reason)
        )
        self._note(contact, f"{reason}: any agent of {contact.queue.name} may answer")
        if contact.line is self.agents[preferred].preferred:
            self._take_from_line(contact)
            self._put_in_line(contact)
            self._contact_ready(contact)

    def _widen_preferences_of(self, agent: AgentRecord, reason: str) -> None:
        for contact in list(agent.preferred.in_order()):  # best first
            self._widen(contact, reason)
