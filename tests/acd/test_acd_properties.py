"""Hypothesis state machine: random inputs in random order, with invariants checked after each.

An independent model is rebuilt from the engine's events alone (who is in line, with which
priority, entry time, ring and preference; who is ringing). Eligibility comes from the test's
own Python predicates for each queue's rings, not from the engine. Invariants:

* no agent holds two offers; no contact rings two agents (except in the ring-all queue);
* no contact is lost or duplicated: every arrival is open in the engine or closed exactly once;
* whenever an agent is offered a caller, no caller it could take is ahead in (priority, age);
* after every input no available agent can take any caller in line (work conservation);
* every contact ends in exactly one terminal state once the run is wound down.

Pairs (agent, caller) where the agent ever missed the caller are left out of the order checks:
the engine skips such agents for a while, and the model does not follow that timer.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from frontdesk.acd import (
    AcdError,
    AgentSpec,
    AgentState,
    ContactSpec,
    ContactState,
    Overflow,
    QueueConfig,
    Ring,
    RoutingEngine,
    Strategy,
)
from frontdesk.acd import events as ev
from frontdesk.acd.states import TERMINAL_STATES
from frontdesk.clock import ManualClock

Skills = dict[str, int]
QUEUES = [
    QueueConfig("q1", priority=1, strategy=Strategy.FEWEST_CALLS, ring_timeout=None),
    QueueConfig(
        "q0",
        rings=(Ring(0, "a >= 2"), Ring(30, "true")),
        ring_timeout=20,
        wrap_up=5,
        max_wait=150,
        on_max_wait=Overflow("q1"),
    ),
    QueueConfig(
        "q2", rings=(Ring(0, "b >= 1 and a >= 1"),), strategy=Strategy.RING_ALL, max_length=4
    ),
]
RING_TESTS: dict[str, list[Callable[[Skills], bool]]] = {
    "q0": [lambda s: s.get("a", 0) >= 2, lambda s: True],
    "q1": [lambda s: True],
    "q2": [lambda s: s.get("b", 0) >= 1 and s.get("a", 0) >= 1],
}
AGENTS = [
    AgentSpec("a0", ("q0", "q1", "q2"), {"a": 3, "b": 1}),
    AgentSpec("a1", ("q0", "q1"), {"a": 1}),
    AgentSpec("a2", ("q1", "q2"), {"a": 1, "b": 2}),
    AgentSpec("a3", ("q0",), {"a": 2}),
]
SPECS = {spec.id: spec for spec in AGENTS}


@dataclass
class InLine:
    key: tuple[int, float, int]
    queue: str
    ring: int


@dataclass
class Model:
    """What the events say: callers in line, current rings, offers, misses, endings."""

    arrival: dict[str, int] = field(default_factory=dict)
    preference: dict[str, str | None] = field(default_factory=dict)
    widened: set[str] = field(default_factory=set)
    line: dict[str, InLine] = field(default_factory=dict)
    known: dict[str, InLine] = field(default_factory=dict)
    ringing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missed: set[tuple[str, str]] = field(default_factory=set)
    closed: Counter[str] = field(default_factory=Counter)

    def may_take(self, agent_id: str, contact_id: str) -> bool:
        entry = self.known[contact_id]
        if (agent_id, contact_id) in self.missed:
            return False
        preferred = self.preference[contact_id]
        if preferred is not None and contact_id not in self.widened:
            return agent_id == preferred
        spec = SPECS[agent_id]
        return entry.queue in spec.queues and RING_TESTS[entry.queue][entry.ring](dict(spec.skills))

    def apply(self, event: ev.AcdEvent) -> None:
        if isinstance(event, ev.ContactQueued):
            entry = InLine(
                (-event.priority, event.entered_at, self.arrival[event.contact_id]),
                event.queue,
                event.ring,
            )
            self.known[event.contact_id] = self.line[event.contact_id] = entry
        elif isinstance(event, ev.ContactRelaxed):
            self.known[event.contact_id].ring = event.ring
        elif isinstance(event, ev.PreferenceWidened):
            self.widened.add(event.contact_id)
        elif isinstance(event, ev.ContactOffered):
            self.check_pick(event)
            self.line.pop(event.contact_id)
            self.ringing[event.contact_id] = event.agent_ids
        elif isinstance(event, ev.OfferMissed):
            self.missed.add((event.agent_id, event.contact_id))
            self._drop_ring(event.contact_id, event.agent_id, back_in_line=True)
        elif isinstance(event, ev.OfferCancelled):
            self._drop_ring(event.contact_id, event.agent_id, back_in_line=False)
        elif isinstance(event, ev.ContactAnswered | ev.CallbackAttempted):
            self.ringing.pop(event.contact_id, None)
        elif isinstance(event, ev.ContactOverflowed) or (
            isinstance(event, ev.CallbackRequested) and event.promised_at is not None
        ):
            self.line.pop(event.contact_id, None)
        elif isinstance(event, ev.ContactClosed):
            self.closed[event.contact_id] += 1
            self.line.pop(event.contact_id, None)
            self.ringing.pop(event.contact_id, None)

    def _drop_ring(self, contact_id: str, agent_id: str, back_in_line: bool) -> None:
        left = tuple(a for a in self.ringing.get(contact_id, ()) if a != agent_id)
        if left:
            self.ringing[contact_id] = left
            return
        self.ringing.pop(contact_id, None)
        if back_in_line:
            self.line[contact_id] = self.known[contact_id]

    def check_pick(self, event: ev.ContactOffered) -> None:
        if len(event.agent_ids) != 1:
            return
        agent_id, chosen = event.agent_ids[0], event.contact_id
        self.missed.discard((agent_id, chosen))  # a skip ends after a while; then it may ring
        assert self.may_take(agent_id, chosen), f"{agent_id} may not take {chosen}"
        for other, entry in self.line.items():
            if other != chosen and entry.key < self.line[chosen].key:
                assert not self.may_take(agent_id, other), (
                    f"{agent_id} was offered {chosen} while {other} was ahead and eligible"
                )


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.engine = RoutingEngine(self.clock, random.Random(7))
        for queue in QUEUES:
            self.engine.add_queue(queue)
        for spec in AGENTS:
            self.engine.add_agent(spec)
        self.model = Model()
        self.count = 0
        for spec in AGENTS:
            self.engine.agent_login(spec.id)
        self.sync()

    def sync(self) -> None:
        for event in self.engine.drain_events():
            self.model.apply(event)

    def attempt(self, action: Callable[[], object]) -> None:
        with contextlib.suppress(AcdError):  # refused inputs are part of the exploration
            action()
        self.sync()

    def open_in(self, *states: ContactState) -> list[str]:
        return sorted(cid for cid, c in self.engine.contacts.items() if c.state in states)

    @rule(
        queue=st.sampled_from(["q0", "q1", "q2"]),
        priority=st.sampled_from([0, 5]),
        preferred=st.sampled_from([None, None, "a0", "a2"]),
    )
    def arrive(self, queue: str, priority: int, preferred: str | None) -> None:
        self.count += 1
        cid = f"c{self.count}"
        self.model.arrival[cid] = self.count
        self.model.preference[cid] = preferred
        spec = ContactSpec(
            cid, queue, priority=priority, preferred_agent=preferred, preferred_for=25
        )
        self.attempt(lambda: self.engine.contact_arrives(spec))

    @rule(
        agent=st.sampled_from([a.id for a in AGENTS]),
        action=st.sampled_from(["logout", "break", "ready", "login"]),
    )
    def presence(self, agent: str, action: str) -> None:
        engine = self.engine
        calls: dict[str, Callable[[], object]] = {
            "login": lambda: engine.agent_login(agent),
            "logout": lambda: engine.agent_logout(agent),
            "break": lambda: engine.agent_break(agent, "coffee"),
            "ready": lambda: engine.agent_available(agent),
        }
        self.attempt(calls[action])

    @rule(data=st.data())
    def call_ends(self, data: st.DataObject) -> None:
        talking = [a.id for a in AGENTS if self.engine.agent_state(a.id) is AgentState.ON_CALL]
        if talking:
            agent = data.draw(st.sampled_from(talking))
            self.attempt(lambda: self.engine.call_ended(agent))

    @rule(data=st.data(), accept=st.booleans())
    def answer_or_miss(self, data: st.DataObject, accept: bool) -> None:
        offered = self.open_in(ContactState.OFFERED, ContactState.CALLBACK_OFFERED)
        if not offered:
            return
        cid = data.draw(st.sampled_from(offered))
        agent = data.draw(st.sampled_from([a.id for a in self.engine.contacts[cid].offered_to]))
        if accept:
            self.attempt(lambda: self.engine.offer_accepted(cid, agent))
        else:
            self.attempt(lambda: self.engine.offer_declined(cid, agent))

    @rule()
    def every_ringing_agent_answers(self) -> None:
        for cid in self.open_in(ContactState.OFFERED, ContactState.CALLBACK_OFFERED):
            contact = self.engine.contacts.get(cid)
            if contact is not None and contact.offered_to:
                agent = contact.offered_to[-1].id
                self.attempt(lambda: self.engine.offer_accepted(cid, agent))  # noqa: B023

    @rule(data=st.data(), later=st.booleans())
    def caller_leaves(self, data: st.DataObject, later: bool) -> None:
        waiting = self.open_in(ContactState.WAITING, ContactState.OFFERED)
        if not waiting:
            return
        cid = data.draw(st.sampled_from(waiting))
        choice = data.draw(st.sampled_from(["abandon", "callback"]))
        if choice == "abandon":
            self.attempt(lambda: self.engine.contact_abandoned(cid))
        else:
            at = self.clock.wall() + 40 if later else None
            self.attempt(lambda: self.engine.request_callback(cid, "5550101", at))

    @rule(data=st.data(), connected=st.booleans())
    def callback_outcome(self, data: st.DataObject, connected: bool) -> None:
        dialing = self.open_in(ContactState.CALLBACK_DIALING)
        if dialing:
            cid = data.draw(st.sampled_from(dialing))
            self.attempt(lambda: self.engine.callback_result(cid, connected, "no-answer"))

    @rule(seconds=st.integers(1, 40))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.attempt(self.engine.tick)

    @invariant()
    def one_offer_per_agent_and_per_contact(self) -> None:
        holders = Counter(a for agents in self.model.ringing.values() for a in agents)
        assert all(n == 1 for n in holders.values()), holders
        for cid, agents in self.model.ringing.items():
            if self.model.known[cid].queue != "q2":
                assert len(agents) == 1, (cid, agents)
            for agent in agents:
                assert self.engine.offer_of(agent) == cid

    @invariant()
    def nothing_lost_or_duplicated(self) -> None:
        for cid in self.model.arrival:
            is_open = cid in self.engine.contacts
            assert self.model.closed[cid] == (0 if is_open else 1), cid
        waiting = [c for q in ("q0", "q1", "q2") for c in self.engine.waiting(q)]
        assert len(waiting) == len(set(waiting))
        assert set(waiting) == set(self.model.line)
        for queue in self.engine.queues.values():
            assert queue.in_line == sum(
                1 for c in waiting if self.engine.contacts[c].queue is queue
            )

    @invariant()
    def no_free_agent_could_take_a_waiting_caller(self) -> None:
        for agent in AGENTS:
            if self.engine.agent_state(agent.id) is AgentState.AVAILABLE:
                for cid in self.model.line:
                    assert not self.model.may_take(agent.id, cid), (agent.id, cid)

    def teardown(self) -> None:
        engine = self.engine
        for _ in range(10):
            for cid in self.open_in(ContactState.WAITING, ContactState.OFFERED):
                engine.contact_abandoned(cid)
            for cid in self.open_in(ContactState.CALLBACK_DIALING):
                engine.callback_result(cid, False, "no-answer")
            for cid in self.open_in(
                ContactState.CALLBACK_SCHEDULED,
                ContactState.CALLBACK_WAITING,
                ContactState.CALLBACK_OFFERED,
            ):
                engine.cancel_callback(cid, "end of test")
            self.sync()
        assert engine.contacts == {}
        assert all(self.model.closed[cid] == 1 for cid in self.model.arrival)
        assert all(engine.contact_state(cid) in TERMINAL_STATES for cid in self.model.arrival)


RoutingMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestRouting = RoutingMachine.TestCase
