"""The engine's bookkeeping layer: registries, state transitions, lines, timers and outputs.

Every state change goes through `_agent_to` / `_contact_to`, which consult the transition
tables, keep the indexes (idle agents per queue, staffing counts) in step and emit the event.
Higher layers (matching, exits, callbacks, the public engine) decide *which* change to make.
"""

from __future__ import annotations

import random
from collections import OrderedDict

from frontdesk.acd import events as ev
from frontdesk.acd.errors import UnknownEntity
from frontdesk.acd.explain import Note
from frontdesk.acd.lines import RequirementBook
from frontdesk.acd.model import EngineConfig
from frontdesk.acd.records import AgentRecord, ContactRecord, QueueRecord
from frontdesk.acd.states import (
    AGENT_TRANSITIONS,
    CONTACT_TRANSITIONS,
    TERMINAL_STATES,
    AgentState,
    AgentTrigger,
    ContactTrigger,
    agent_next,
    contact_next,
)
from frontdesk.acd.timers import TimerKind, TimerQueue
from frontdesk.clock import Clock

_AVAILABLE = AgentState.AVAILABLE
_WORKING_OFF = (AgentState.LOGGED_OUT, AgentState.ON_BREAK)


def _staffing_delta(old: AgentState, new: AgentState) -> tuple[int, int] | None:
    """How a transition changes a queue's (logged in, working) counts, None if not at all."""
    logged = (old is AgentState.LOGGED_OUT) - (new is AgentState.LOGGED_OUT)
    working = (old in _WORKING_OFF) - (new in _WORKING_OFF)
    return (logged, working) if logged or working else None


# The transition tables, with what the hot path needs precomputed: the new state, the staffing
# change or whether the contact closes, and the names the events carry (enum .value is a
# descriptor call). agent_next / contact_next word the refusals.
_AGENT_MOVES = {
    (old, trigger): (new, _staffing_delta(old, new), old.value, new.value, trigger.value)
    for (old, trigger), new in AGENT_TRANSITIONS.items()
}
_CONTACT_MOVES = {
    (old, trigger): (new, new in TERMINAL_STATES, new.value)
    for (old, trigger), new in CONTACT_TRANSITIONS.items()
}


class EngineCore:
    def __init__(self, clock: Clock, rng: random.Random, config: EngineConfig) -> None:
        self.clock = clock
        self.rng = rng
        self.config = config
        self.book = RequirementBook()
        self.agents: dict[str, AgentRecord] = {}
        self.queues: dict[str, QueueRecord] = {}
        self.contacts: dict[str, ContactRecord] = {}
        self.closed: OrderedDict[str, ContactRecord] = OrderedDict()
        self._events: list[ev.AcdEvent] = []
        self._decisions: list[ev.Decision] = []
        self._timers = TimerQueue()
        self._contact_seq = 0
        self._push_seq = 0
        self.now = clock.now()

    # ------------------------------------------------------------ lookups and outputs

    def _agent(self, agent_id: str) -> AgentRecord:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise UnknownEntity(f"no agent with id {agent_id!r} is known to the routing engine")
        return agent

    def _queue(self, name: str) -> QueueRecord:
        queue = self.queues.get(name)
        if queue is None:
            raise UnknownEntity(f"no queue named {name!r} is known to the routing engine")
        return queue

    def _contact(self, contact_id: str) -> ContactRecord:
        contact = self.contacts.get(contact_id)
        if contact is None:
            if contact_id in self.closed:
                state = self.closed[contact_id].state.value
                raise UnknownEntity(f"contact {contact_id!r} has already ended ({state})")
            raise UnknownEntity(f"no contact with id {contact_id!r} is known to the engine")
        return contact

    def _emit(self, event: ev.AcdEvent) -> None:
        self._events.append(event)

    def _decide(self, decision: ev.Decision) -> None:
        self._decisions.append(decision)

    def _take_decisions(self) -> list[ev.Decision]:
        decisions, self._decisions = self._decisions, []
        return decisions

    def _note(self, contact: ContactRecord, text: str, *args: object) -> None:
        """Records a fact about a contact; `text` is a format string filled in when read."""
        contact.notes += (self.now, text, len(args), *args)  # see explain.Notes

    def _add_note(self, contact: ContactRecord, note: Note) -> None:
        contact.notes.append(note)

    # ------------------------------------------------------------ transitions

    def _agent_to(
        self, agent: AgentRecord, trigger: AgentTrigger, reason: str = "", listed: bool = True
    ) -> None:
        """Moves the agent by the table. An agent becoming available is listed as idle in its
        queues at once unless `listed` is False: then the caller must call `_list_idle` (after
        offering it a caller, which usually spares listing and unlisting it)."""
        old = agent.state
        move = _AGENT_MOVES.get((old, trigger))
        if move is None:
            agent_next(agent.id, old, trigger)  # not in the table: raises, saying what is allowed
        assert move is not None
        new, deltas, old_name, new_name, trigger_name = move
        agent.state = new
        agent.reason = reason
        agent_id = agent.id
        if old is _AVAILABLE:
            if agent.listed:
                agent.listed = False
                for queue in agent.queues:
                    del queue.idle[agent_id]
        elif new is _AVAILABLE:
            agent.idle_since = self.now
            if listed:
                self._list_idle(agent)
        if deltas is not None:
            logged_delta, working_delta = deltas
            for queue in agent.queues:
                queue.logged_in += logged_delta
                queue.working += working_delta
        self._events.append(
            ev.AgentStateChanged(self.now, agent_id, old_name, new_name, trigger_name, reason)
        )

    @staticmethod
    def _list_idle(agent: AgentRecord) -> None:
        """Adds an available agent to its queues' idle lists (idle order: longest idle first)."""
        if agent.state is _AVAILABLE and not agent.listed:
            agent.listed = True
            agent_id = agent.id
            for queue in agent.queues:
                queue.idle[agent_id] = agent

    def _contact_to(self, contact: ContactRecord, trigger: ContactTrigger) -> None:
        move = _CONTACT_MOVES.get((contact.state, trigger))
        if move is None:
            contact_next(contact.id, contact.state, trigger)  # not in the table: raises
        assert move is not None
        state, terminal, name = move
        contact.state = state
        if terminal:
            now = self.now
            self._events.append(
                ev.ContactClosed(
                    now, contact.id, contact.queue.name, name, now - contact.arrived_at
                )
            )
            self._note(contact, "ended: {}", name)
            del self.contacts[contact.id]
            self.closed[contact.id] = contact
            if len(self.closed) > self.config.closed_contacts_kept:
                self.closed.popitem(last=False)

    # ------------------------------------------------------------ lines

    def _put_in_line(self, contact: ContactRecord) -> None:
        """Places a waiting contact in the line of its current requirement (or preference)."""
        queue = contact.queue
        self._push_seq += 1
        preferred = contact.spec.preferred_agent
        if preferred is not None and contact.preferred_until >= 0:
            agent = self.agents[preferred]
            if contact.preferred_until > self.now and agent.state is not AgentState.LOGGED_OUT:
                agent.preferred.push(contact, self._push_seq)
                queue.in_line += 1
                return
            # the window ended or the agent left while the caller was ringing someone
            contact.preferred_until = -1.0
            why = (
                "preferred agent logged out"
                if agent.state is AgentState.LOGGED_OUT
                else ("the preferred-agent window is over")
            )
            self._emit(ev.PreferenceWidened(self.now, contact.id, queue.name, preferred, why))
        requirement = contact.requirement
        assert requirement is not None
        line = queue.lines.get(requirement.id) or queue.line_for(requirement)
        line.push(contact, self._push_seq)
        queue.in_line += 1

    def _take_from_line(self, contact: ContactRecord) -> None:
        line = contact.line
        if line is not None:
            line.remove(contact)
            contact.queue.in_line -= 1

    def _set_ring(self, contact: ContactRecord, ring: int) -> None:
        rings = contact.queue.rings
        contact.ring = ring
        compiled = rings[ring]
        contact.requirement = compiled.fixed or compiled.requirement_for(contact.spec, self.book)
        if ring + 1 < len(rings):
            base = contact.ring_base
            self._timers.push(
                base + rings[ring + 1].after,
                TimerKind.RELAX,
                contact,
                base,
                contact.queue.relax_lanes[ring],
            )

    # ------------------------------------------------------------ timers

    def _schedule(
        self, when: float, kind: TimerKind, target: object, check: float, delay: float | None
    ) -> None:
        """Sets a timer; `delay` is the fixed delay from now it was set with, if it has one."""
        self._timers.push(when, kind, target, check, None if delay is None else (kind, delay))

    def next_timer(self) -> float | None:
        """When `tick()` next has work to do (None if nothing is scheduled)."""
        return self._timers.next_due()

    def drain_events(self) -> list[ev.AcdEvent]:
        """Events since the last drain, in the order they happened."""
        events, self._events = self._events, []
        return events
