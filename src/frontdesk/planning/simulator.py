"""The digital twin: the production routing engine run in virtual time on simulated callers.

A discrete-event loop (one heap of (time, sequence, kind, ...) entries) drives the real
`RoutingEngine` through a `VirtualClock`. Callers arrive (Poisson per interval, or replayed);
each draws a patience and hangs up (`contact_abandoned`) if still waiting or ringing when it
runs out; offers are accepted after the ring delay (`offer_accepted`); a call ends after a
service time drawn for its queue (`call_ended`), and wrap-up is the engine's own. The engine's
timers (relaxation rings, max wait, wrap-up ends) run at their due times through `tick()`,
interleaved with the simulation's entries in time order. Staffing changes at the times of each
group's schedule; callbacks and wait announcements follow `CallbackBehaviour`/`Announcement`.

The engine's events go through the same derivation as live events (analytics/derive.py) and
the records into the same `Tally` as live reports. A run is fixed by its seed: the callers'
draws and the engine's `Random` both come from it.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

from frontdesk.acd import (
    AgentSpec,
    ContactSpec,
    DialCallback,
    Offer,
    PromptCallback,
    RejectContact,
    RoutingEngine,
    SendToVoicemail,
)
from frontdesk.acd.events import AgentStateChanged, Decision
from frontdesk.analytics.agent_time import AgentTime
from frontdesk.analytics.derive import KINDS_READ, CallDeriver
from frontdesk.analytics.metrics import MetricSettings, Tally
from frontdesk.analytics.records import CallRecord
from frontdesk.planning.sim_model import (
    CallbackBehaviour,
    PoissonArrivals,
    Scenario,
    check_scenario,
)

# entry kinds, in the order they are handled at equal times
_END, _ACCEPT, _DIAL, _ABANDON, _ANNOUNCE, _ARRIVE, _STAFF = range(7)
# caller status
_WAITING, _TALKING, _GONE, _CALLBACK = range(4)
# a wrap-up this short lets an agent go on break right after a call without changing a figure
_LEAVE_WRAP_S = 1e-9


_READ: dict[type, bool] = {}


def _derived(cls: type) -> bool:
    """Whether the derivation reads events of this class (a kind it reads, about a contact);
    it reads them straight from the event (`AcdEvent.get`), as from `to_record()`'s data."""
    wanted = _READ.get(cls)
    if wanted is None:
        names = {f.name for f in dataclasses.fields(cls)}
        wanted = _READ[cls] = getattr(cls, "kind", "") in KINDS_READ and "contact_id" in names
    return wanted


class VirtualClock:
    """`frontdesk.clock.Clock` in simulated seconds; the loop moves it forward."""

    __slots__ = ("t", "wall_offset")

    def __init__(self, wall_offset: float) -> None:
        self.t = 0.0
        self.wall_offset = wall_offset

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return self.t + self.wall_offset


@dataclass(slots=True)
class SimulationResult:
    records: list[CallRecord]
    agent_time: AgentTime
    end_s: float
    seed: int
    wall_offset: float
    warmup_s: float = 0.0
    events: int = 0
    engine_inputs: int = 0

    def tally(self, settings: MetricSettings | None = None) -> Tally:
        """The tally of calls offered after the warm-up (record times are wall seconds)."""
        start = self.warmup_s + self.wall_offset
        return Tally(settings or MetricSettings()).add_all(
            r for r in self.records if r.offered_at >= start
        )


class Simulation:
    """One seeded run of a scenario: `run(duration_s)` returns the calls' records."""

    def __init__(self, scenario: Scenario, seed: int, keep_events: bool = False) -> None:
        check_scenario(scenario)
        self.s = scenario
        self._cb = scenario.callback or CallbackBehaviour()
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = VirtualClock(scenario.start_wall)
        self.engine = RoutingEngine(self.clock, random.Random(seed * 7919 + 1))
        self.deriver = CallDeriver()
        self.records: list[CallRecord] = []
        self.agent_time = AgentTime()
        self.kept_events: list[tuple[float, str, str | None, dict[str, object]]] | None = (
            [] if keep_events else None
        )
        self._heap: list[tuple[float, int, int, str, str]] = []
        self._seq = 0
        self._status: dict[str, int] = {}
        self._queue_of: dict[str, str] = {}
        self._patience: dict[str, float] = {}
        self._leaving: set[str] = set()
        self._events = self._inputs = 0
        self._setup()

    # ------------------------------------------------------------ set-up

    def _setup(self) -> None:
        leaves = any(any(n < g.count for _, n in g.schedule) for g in self.s.groups)
        for config in self.s.queues:
            if leaves and config.wrap_up == 0:
                # agents told to stop must be able to go on break as their call ends
                config = replace(config, wrap_up=_LEAVE_WRAP_S)
            self.engine.add_queue(config)
        for group in self.s.groups:
            for i in range(group.most):
                spec = AgentSpec(
                    f"{group.name}{i}", group.queues, dict(group.skills), group.languages
                )
                self.engine.add_agent(spec)
            self._push(0.0, _STAFF, group.name, str(group.count))
            for at, count in group.schedule:
                self._push(at, _STAFF, group.name, str(count))

    def _push(self, when: float, kind: int, a: str = "", b: str = "") -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, kind, a, b))

    def _arrivals(self, duration_s: float) -> None:
        n = 0
        for source in self.s.arrivals:
            stream: Iterator[tuple[float, str]]
            if isinstance(source, PoissonArrivals):
                stream = ((t, source.queue) for t in source.times(self.rng))
            else:
                stream = source.times_and_queues()
            for t, queue in stream:
                if t >= duration_s:
                    break
                n += 1
                self._push(t, _ARRIVE, f"c{n}", queue)

    # ------------------------------------------------------------ the loop

    def run(self, duration_s: float, warmup_s: float = 0.0) -> SimulationResult:
        """Simulates arrivals in [0, duration_s), then lets every call finish."""
        self._arrivals(duration_s)
        heap, engine, clock = self._heap, self.engine, self.clock
        handlers = (
            self._end,
            self._accept,
            self._dial,
            self._abandon,
            self._announce,
            self._arrive,
            self._staff,
        )
        while True:
            due = engine.next_timer()
            if heap and (due is None or heap[0][0] < due):
                when, _, kind, a, b = heapq.heappop(heap)
                clock.t = when
                handlers[kind](a, b)
            elif due is not None and (self._status_open() or heap):
                clock.t = due
                self._decide(engine.tick())
            else:
                break
        self.agent_time.close(clock.wall())
        return SimulationResult(
            self.records,
            self.agent_time,
            clock.t,
            self.seed,
            self.s.start_wall,
            warmup_s,
            self._events,
            self._inputs,
        )

    def _status_open(self) -> bool:
        return self.deriver.open_calls > 0

    def _collect(self) -> None:
        feed, wall, kept = self.deriver.feed, self.s.start_wall, self.kept_events
        events = self.engine.drain_events()
        self._events += len(events)
        self._inputs += 1
        records, agent_state = self.records, self.agent_time.state
        for event in events:
            at = event.at + wall
            if kept is not None:
                kept.append((at, *event.to_record()))
            cls = type(event)
            if cls is AgentStateChanged:
                agent_state(at, event.agent_id, event.new)  # type: ignore[attr-defined]
            elif _READ[cls] if cls in _READ else _derived(cls):
                record = feed(at, event.kind, event.contact_id, event)  # type: ignore[attr-defined]
                if record is not None:
                    records.append(record)

    def _decide(self, decisions: list[Decision]) -> None:
        self._collect()
        for decision in decisions:
            if isinstance(decision, Offer):
                self._offered(decision)
            elif isinstance(decision, DialCallback):
                self._push(
                    self.clock.t + self._cb.dial_s, _DIAL, decision.contact_id, decision.agent_id
                )
            elif isinstance(decision, PromptCallback):
                self._prompted(decision.contact_id)
            elif isinstance(decision, (SendToVoicemail, RejectContact)):
                self._status[decision.contact_id] = _GONE

    # ------------------------------------------------------------ entries

    def _arrive(self, contact_id: str, queue: str) -> None:
        self._status[contact_id] = _WAITING
        self._queue_of[contact_id] = queue
        patience = self.s.patience_for(queue).sample(self.rng)
        self._patience[contact_id] = patience
        self._decide(self.engine.contact_arrives(ContactSpec(contact_id, queue)))
        if self._status.get(contact_id) is not _WAITING:
            return
        if self.s.announcement is not None:
            self._push(self.clock.t + self.s.announcement.after_s, _ANNOUNCE, contact_id)
        if patience != math.inf:
            self._push(self.clock.t + patience, _ABANDON, contact_id)

    def _offered(self, offer: Offer) -> None:
        agent = offer.agent_ids[0]
        if self.s.ring_delay_s > 0:
            self._push(self.clock.t + self.s.ring_delay_s, _ACCEPT, offer.contact_id, agent)
        else:
            self._accept(offer.contact_id, agent)

    def _accept(self, contact_id: str, agent: str) -> None:
        if self.engine.offer_of(agent) != contact_id:
            return  # the caller hung up while it rang
        callback = self._status.get(contact_id) is _CALLBACK
        decisions = self.engine.offer_accepted(contact_id, agent)
        if not callback:
            self._status[contact_id] = _TALKING
            service = self.s.service_for(self._queue_of[contact_id]).sample(self.rng)
            self._push(self.clock.t + service, _END, agent, contact_id)
        self._decide(decisions)

    def _end(self, agent: str, _contact_id: str) -> None:
        decisions = self.engine.call_ended(agent)
        if agent in self._leaving:
            self._collect()
            self._leaving.discard(agent)
            self.engine.agent_break(agent, "end of shift")
            decisions += self.engine.agent_logout(agent)
        self._decide(decisions)

    def _abandon(self, contact_id: str, _b: str) -> None:
        if self._status.get(contact_id) is _WAITING:
            self._status[contact_id] = _GONE
            self._decide(self.engine.contact_abandoned(contact_id))

    def _announce(self, contact_id: str, _b: str) -> None:
        if self._status.get(contact_id) is not _WAITING:
            return
        estimate = self.engine.estimate(contact_id)
        expected = estimate.expected_wait
        waited = self.s.announcement.after_s if self.s.announcement else 0.0
        if expected is not None and self._patience[contact_id] < waited + expected:
            self._abandon(contact_id, "")

    def _prompted(self, contact_id: str) -> None:
        behaviour = self._cb
        if self._status.get(contact_id) is not _WAITING:
            return
        if self.rng.random() < behaviour.accept_probability:
            self._status[contact_id] = _CALLBACK
            self._decide(self.engine.request_callback(contact_id, f"+{contact_id}"))

    def _dial(self, contact_id: str, agent: str) -> None:
        behaviour = self._cb
        connected = self.rng.random() < behaviour.answer_probability
        self._decide(
            self.engine.callback_result(
                contact_id, connected, "connected" if connected else "no-answer"
            )
        )
        if connected:
            service = self.s.service_for(self._queue_of[contact_id]).sample(self.rng)
            self._push(self.clock.t + service, _END, agent, contact_id)

    def _staff(self, group_name: str, count_text: str) -> None:
        group = next(g for g in self.s.groups if g.name == group_name)
        target = int(count_text)
        engine = self.engine
        ids = [f"{group.name}{i}" for i in range(group.most)]
        states = {a: engine.agent_state(a).value for a in ids}
        working = [a for a in ids if states[a] != "logged-out" and a not in self._leaving]
        decisions: list[Decision] = []
        for agent in ids:
            if len(working) >= target:
                break
            if states[agent] == "logged-out":
                decisions += engine.agent_login(agent)
                working.append(agent)
            elif agent in self._leaving:
                self._leaving.discard(agent)
                working.append(agent)
        surplus = len(working) - target
        for agent in sorted(working, key=lambda a: states[a] != "available"):
            if surplus <= 0:
                break
            surplus -= 1
            if states[agent] in ("available", "wrap-up", "on-break"):
                decisions += engine.agent_logout(agent)
            else:
                self._leaving.add(agent)
        self._decide(decisions)
