"""The routing engine's public interface: inputs in, decisions out, events on the side.

Every input first reads the injected clock and runs the timers due by then (relaxation rings,
max wait, ring timeouts, ends of wrap-up, preferences and skips, callbacks falling due, promise
checks), so it always acts on the present. It then checks its own arguments before changing
anything: a refused input changes nothing itself (decisions the timers made are returned by the
next call). `tick()` is an input with no arguments; the simulator calls it at `next_timer()`,
a live server every few hundred milliseconds.
"""

from __future__ import annotations

import random
from dataclasses import replace

from frontdesk.acd import events as ev
from frontdesk.acd.errors import AcdError, ConfigurationError, IllegalTransition
from frontdesk.acd.estimate import QueueHistory, WaitEstimate
from frontdesk.acd.explain import render
from frontdesk.acd.lines import CompiledRing
from frontdesk.acd.model import (
    AgentSpec,
    ContactSpec,
    EngineConfig,
    Overflow,
    QueueConfig,
    validate_agent,
    validate_queue,
)
from frontdesk.acd.queries import estimate_wait
from frontdesk.acd.records import AgentRecord, ContactRecord, QueueRecord
from frontdesk.acd.states import (
    AgentState,
    AgentTrigger,
    ContactState,
    ContactTrigger,
)
from frontdesk.acd.timed import Timed
from frontdesk.acd.timers import TimerKind
from frontdesk.clock import Clock

_OFFERED = (ContactState.OFFERED, ContactState.CALLBACK_OFFERED)


class RoutingEngine(Timed):
    """Automatic call distribution over injected time and randomness (see docs/acd.md)."""

    def __init__(
        self, clock: Clock, rng: random.Random, config: EngineConfig | None = None
    ) -> None:
        super().__init__(clock, rng, config or EngineConfig())

    def _begin(self) -> None:
        """Reads the clock and runs every timer due by now, so each input sees the present."""
        now = self.clock.now()
        if now < self.now:
            raise AcdError(f"the clock went backwards from {self.now} to {now}")
        self.now = now
        timers = self._timers
        timer = timers.pop_due(now)
        while timer is not None:
            self._fire(timer[2], timer[3], timer[4])
            timer = timers.pop_due(now)

    # ------------------------------------------------------------ configuration

    def add_queue(self, config: QueueConfig) -> None:
        validate_queue(config)
        if config.name in self.queues:
            raise ConfigurationError(f"queue {config.name} is already defined")
        for action in (config.on_max_wait, config.on_full, config.on_empty):
            if isinstance(action, Overflow) and action.queue not in self.queues:
                raise ConfigurationError(
                    f"queue {config.name} overflows to {action.queue}, which is not defined yet"
                    " (add overflow targets first)"
                )
        rings = tuple(CompiledRing(r.after, r.requirement, self.book) for r in config.rings)
        self.queues[config.name] = QueueRecord(
            config, rings, QueueHistory(self.config.history_size)
        )
        self._emit(
            ev.QueueConfigured(
                self.clock.now(),
                config.name,
                config.priority,
                config.strategy.value,
                config.target_answer_time,
                config.service_level.value,
            )
        )

    def add_agent(self, spec: AgentSpec) -> None:
        validate_agent(spec)
        if spec.id in self.agents:
            raise ConfigurationError(f"agent {spec.id} is already defined")
        queues = [self._queue(name) for name in spec.queues]
        agent = AgentRecord(spec, self._attributes(spec), queues)
        self.agents[spec.id] = agent
        for queue in queues:
            queue.member_index[spec.id] = len(queue.member_index)
            queue.members[spec.id] = agent
        agent.list_lines()

    @staticmethod
    def _attributes(spec: AgentSpec) -> dict[str, int | float | str | bool | frozenset[str]]:
        attrs: dict[str, int | float | str | bool | frozenset[str]] = dict(spec.skills)
        attrs["language"] = frozenset(spec.languages)
        attrs["id"] = spec.id
        return attrs

    def update_agent_skills(
        self, agent_id: str, skills: dict[str, int], languages: tuple[str, ...]
    ) -> list[ev.Decision]:
        self._begin()
        agent = self._agent(agent_id)
        spec = AgentSpec(agent.id, agent.spec.queues, dict(skills), languages, agent.spec.name)
        validate_agent(spec)
        agent.spec, agent.attrs = spec, self._attributes(spec)
        agent.matches.clear()
        agent.list_lines()
        self._agent_free(agent)
        return self._take_decisions()

    # ------------------------------------------------------------ agent inputs

    def agent_login(
        self, agent_id: str, ready: bool = True, reason: str = "logged in not ready"
    ) -> list[ev.Decision]:
        """Logs the agent in: ready for calls, or on a break for `reason`."""
        self._begin()
        agent = self._agent(agent_id)
        if ready:
            self._becomes_free(agent, AgentTrigger.LOGIN, "login")
        else:
            self._agent_to(agent, AgentTrigger.LOGIN, "login", listed=False)
            self._agent_to(agent, AgentTrigger.BREAK, reason)
        return self._take_decisions()

    def agent_logout(self, agent_id: str) -> list[ev.Decision]:
        self._begin()
        agent = self._agent(agent_id)
        self._agent_to(agent, AgentTrigger.LOGOUT, "logout")
        self._widen_preferences_of(agent, "the preferred agent logged out")
        self._check_leave_empty(agent)
        return self._take_decisions()

    def agent_break(self, agent_id: str, reason: str) -> list[ev.Decision]:
        self._begin()
        agent = self._agent(agent_id)
        self._agent_to(agent, AgentTrigger.BREAK, reason)
        self._check_leave_empty(agent)
        return self._take_decisions()

    def agent_available(self, agent_id: str) -> list[ev.Decision]:
        """The agent is ready: back from a break, or ending wrap-up early."""
        self._begin()
        agent = self._agent(agent_id)
        self._becomes_free(agent, AgentTrigger.READY, "ready")
        return self._take_decisions()

    def call_ended(self, agent_id: str) -> list[ev.Decision]:
        """The agent's call (answered or called back) has ended: wrap-up starts."""
        self._begin()
        agent = self._agent(agent_id)
        if agent.state is not AgentState.ON_CALL or agent.call is None:
            raise IllegalTransition(f"agent {agent_id} is {agent.state.value}, not on a call")
        contact, queue = agent.call, agent.call_queue
        assert queue is not None
        if contact.state is ContactState.CALLBACK_DIALING:
            # the agent gave up before the customer answered: a failed attempt, not a call
            self._callback_outcome(contact, False, "agent hung up")
            return self._take_decisions()
        talk = self.now - agent.call_started
        wrap = queue.config.wrap_up
        agent.talk_today += talk
        agent.call = None
        self._agent_to(agent, AgentTrigger.HANG_UP, f"call {contact.id} ended")
        self._emit(ev.CallEnded(self.now, contact.id, queue.name, agent.id, talk, wrap))
        queue.history.record_handle(talk + wrap)
        if wrap > 0:
            agent.wrap_serial += 1
            self._schedule(self.now + wrap, TimerKind.WRAP_END, agent, agent.wrap_serial, wrap)
        else:
            self._becomes_free(agent, AgentTrigger.WRAP_DONE, "no wrap-up")
        return self._take_decisions()

    def reset_daily_counters(self) -> None:
        """Starts a new day for fewest-calls and least-talk-time."""
        for agent in self.agents.values():
            agent.calls_today, agent.talk_today = 0, 0.0

    # ------------------------------------------------------------ contact inputs

    def contact_arrives(self, spec: ContactSpec) -> list[ev.Decision]:
        self._begin()
        if spec.id in self.contacts or spec.id in self.closed:
            raise AcdError(f"contact id {spec.id!r} has already been used")
        queue = self._queue(spec.queue)
        contact = self._new_contact(spec, queue)
        resume = queue.resume.pop(spec.caller, None) if spec.caller else None
        if resume is not None and resume[1] >= self.now:
            contact.entered_at, contact.resumed_from = resume[0], resume[2]
            self._note(contact, f"called back within the window: resumes the place of {resume[2]}")
        self._join(contact, queue)
        return self._take_decisions()

    def _new_contact(self, spec: ContactSpec, queue: QueueRecord) -> ContactRecord:
        self._contact_seq += 1
        entered = self.now if spec.entered_at is None else spec.entered_at
        contact = ContactRecord(spec, queue, self._contact_seq, self.now, entered)
        self.contacts[spec.id] = contact
        return contact

    def contact_abandoned(self, contact_id: str) -> list[ev.Decision]:
        """The caller hung up while waiting or ringing."""
        self._begin()
        contact = self._contact(contact_id)
        if contact.state not in (ContactState.WAITING, ContactState.OFFERED):
            raise IllegalTransition(
                f"contact {contact_id} is {contact.state.value}; only a caller who is waiting or"
                " ringing an agent can abandon"
            )
        queue = contact.queue
        position = self._position(contact)
        ringing = contact.offered_to if contact.state is ContactState.OFFERED else ()
        self._take_from_line(contact)
        wait = self.now - contact.arrived_at
        queue.history.record_wait(wait, abandoned=True)
        if queue.config.resume_place_within > 0 and contact.spec.caller:
            until = self.now + queue.config.resume_place_within
            queue.resume[contact.spec.caller] = (contact.entered_at, until, contact.id)
        self._emit(ev.ContactAbandoned(self.now, contact.id, queue.name, wait, position))
        self._contact_to(contact, ContactTrigger.ABANDON)
        self._release(contact, ringing, "caller hung up")
        return self._take_decisions()

    def _position(self, contact: ContactRecord) -> int:
        if contact.line is None:
            return 0
        return contact.line.count_ahead(contact.key) + 1

    def offer_accepted(self, contact_id: str, agent_id: str) -> list[ev.Decision]:
        self._begin()
        contact = self._contact(contact_id)
        agent = self._ringing(contact, agent_id)
        offered = contact.offered_to
        others = () if len(offered) == 1 else tuple([a for a in offered if a is not agent])
        agent.offer = None
        agent.calls_today += 1
        if contact.state is ContactState.CALLBACK_OFFERED:
            self._dial(contact, agent)
        else:
            wait = self.now - contact.arrived_at
            queue = contact.queue
            queue.history.record_wait(wait, abandoned=False)
            contact.offered_to = agent.alone
            self._emit(
                ev.ContactAnswered(
                    self.now,
                    contact.id,
                    queue.name,
                    agent.id,
                    wait,
                    queue.config.target_answer_time,
                )
            )
            self._contact_to(contact, ContactTrigger.ACCEPT)
            self._agent_to(agent, AgentTrigger.ANSWER, f"answered {contact.id}")
            agent.call, agent.call_queue, agent.call_started = contact, queue, self.now
            agent.misses_in_row = 0
        self._release(contact, others, f"answered by {agent.id}")
        return self._take_decisions()

    def offer_declined(self, contact_id: str, agent_id: str) -> list[ev.Decision]:
        """The agent did not answer the ring (timeout reported by telephony, or rejected)."""
        self._begin()
        contact = self._contact(contact_id)
        agent = self._ringing(contact, agent_id)
        self._missed(contact, (agent,), stop_ringing=False)
        return self._take_decisions()

    offer_timeout = offer_declined

    def _ringing(self, contact: ContactRecord, agent_id: str) -> AgentRecord:
        agent = self._agent(agent_id)
        if contact.state not in _OFFERED or agent not in contact.offered_to:
            raise IllegalTransition(
                f"contact {contact.id} is not ringing agent {agent_id}"
                f" (contact is {contact.state.value}, agent is {agent.state.value})"
            )
        return agent

    def request_callback(
        self, contact_id: str, number: str, at_wall: float | None = None
    ) -> list[ev.Decision]:
        """A waiting caller asks to be called back: now in turn (keep place) or at a time."""
        self._begin()
        contact = self._contact(contact_id)
        if contact.state is not ContactState.WAITING:
            raise IllegalTransition(
                f"contact {contact_id} is {contact.state.value}; only a waiting caller can ask"
                " for a callback"
            )
        if not number:
            raise AcdError("a callback needs a number to call")
        if at_wall is None:
            self._keep_place(contact, number)
        else:
            self._schedule_for(contact, number, at_wall)
        return self._take_decisions()

    def schedule_callback(self, spec: ContactSpec, number: str, at_wall: float) -> None:
        """Books a callback for a time the customer chose (web form, agent, voicemail)."""
        self._begin()
        if spec.id in self.contacts or spec.id in self.closed:
            raise AcdError(f"contact id {spec.id!r} has already been used")
        if not number:
            raise AcdError("a callback needs a number to call")
        queue = self._queue(spec.queue)
        contact = self._new_contact(spec, queue)
        self._schedule_for(contact, number, at_wall)

    def restore_callback(
        self,
        spec: ContactSpec,
        number: str,
        place_wall: float,
        promised_wall: float | None = None,
        attempts: int = 0,
    ) -> list[ev.Decision]:
        """Holds again a callback held before a restart (kept in the follow-up store): a kept
        place (`promised_wall` None) joins the line at once with its entry time `place_wall`;
        a booked one keeps its promise, even one already past (it is then due at once). No
        new request is recorded: the caller asked only once."""
        self._begin()
        if spec.id in self.contacts or spec.id in self.closed:
            raise AcdError(f"contact id {spec.id!r} has already been used")
        if not number:
            raise AcdError("a callback needs a number to call")
        queue = self._queue(spec.queue)
        # A place never dates from the future; the engine's clock is not the wall clock.
        entered = self.now - max(0.0, self.clock.wall() - place_wall)
        contact = self._new_contact(replace(spec, entered_at=entered), queue)
        self._hold_again(contact, number, promised_wall, max(0, attempts))
        return self._take_decisions()

    def propose_callback_time(
        self, queue: str, earliest_wall: float, latest_wall: float
    ) -> float | None:
        """The first wall-clock time in the window with a free callback slot, or None."""
        return self._free_time_in(self._queue(queue), earliest_wall, latest_wall)

    def callback_result(
        self, contact_id: str, connected: bool, outcome: str = ""
    ) -> list[ev.Decision]:
        """Telephony reports how a callback dial went (connected, or no-answer/busy/failed)."""
        self._begin()
        contact = self._contact(contact_id)
        self._callback_outcome(
            contact, connected, outcome or ("connected" if connected else "failed")
        )
        return self._take_decisions()

    def cancel_callback(self, contact_id: str, reason: str) -> list[ev.Decision]:
        self._begin()
        contact = self._contact(contact_id)
        if contact.state not in (
            ContactState.CALLBACK_SCHEDULED,
            ContactState.CALLBACK_WAITING,
            ContactState.CALLBACK_OFFERED,
        ):
            raise IllegalTransition(
                f"contact {contact_id} is {contact.state.value}, not a callback"
            )
        ringing = contact.offered_to if contact.state is ContactState.CALLBACK_OFFERED else ()
        self._take_from_line(contact)
        self._note(contact, f"callback cancelled: {reason}")
        self._contact_to(contact, ContactTrigger.CANCEL)
        self._release(contact, ringing, "callback cancelled")
        return self._take_decisions()

    # ------------------------------------------------------------ time

    def tick(self) -> list[ev.Decision]:
        """Runs every timer due at the clock's current time, in time order."""
        self._begin()
        return self._take_decisions()

    # ------------------------------------------------------------ queries

    def estimate(self, contact_id: str) -> WaitEstimate:
        """Position and expected wait of a caller, with the basis of the estimate."""
        self.now = max(self.now, self.clock.now())
        return estimate_wait(self, self._contact(contact_id))

    def explain(self, contact_id: str) -> str:
        """Why the engine did what it did with this contact, in plain words."""
        contact = self.contacts.get(contact_id) or self.closed.get(contact_id)
        if contact is None:
            raise AcdError(f"no contact with id {contact_id!r} is known to the engine")
        return render(contact_id, contact.notes, self.config.explanation_candidates)

    def agent_state(self, agent_id: str) -> AgentState:
        return self._agent(agent_id).state

    def contact_state(self, contact_id: str) -> ContactState:
        contact = self.contacts.get(contact_id) or self.closed.get(contact_id)
        if contact is None:
            raise AcdError(f"no contact with id {contact_id!r} is known to the engine")
        return contact.state

    def waiting(self, queue: str) -> list[str]:
        """Ids of the contacts in line for `queue`, best first (priority, then age)."""
        record = self._queue(queue)
        found = [c for c in self.contacts.values() if c.queue is record and c.line is not None]
        return [c.id for c in sorted(found, key=lambda c: c.key)]

    def offer_of(self, agent_id: str) -> str | None:
        """The contact ringing this agent, if any."""
        offer = self._agent(agent_id).offer
        return offer.id if offer is not None else None
