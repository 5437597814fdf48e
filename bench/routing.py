"""Routing decision latency and throughput at contact-centre scale.

Builds 20,000 agents with 200 skills serving 1,000 queues (three queues each), with mixed
relaxation rules (language-bound rings, two- and three-step rings, and/or requirements, no
requirement) and mixed strategies, then fills the lines until 200,000 callers wait while every
agent is busy. It then times the two routing decisions, alternately:

* agent becomes free: `call_ended` of a random agent (no wrap-up), which makes it pick the
  best caller across its queues and returns the offer;
* contact arrives: `contact_arrives` of a new caller (it joins the line: everyone is busy).

Virtual time advances 2 ms between inputs (fill and measurement alike), so relaxation timers
fall due during the run at the steady-state rate and their cost is inside the measured
decisions. Accepting the offer is timed separately; building the caller's spec is not timed
(it is the input). Events are drained after every input, as a server hands them to the event
log.

Garbage collection: by default the set-up is frozen and the collector runs as in `frontdesk
serve` (collector.py: Python's young thresholds, the oldest generation never started by
allocations); `--gc python` freezes the set-up and keeps all of Python's default thresholds.
Collections that fall inside timed decisions are reported (count, share of the decision time),
and so is the cause of the slowest decision: a collection, another job having the core (wall
time far above process time), or routing work. `cpu_decisions_per_s` is the
throughput from process CPU time, for a machine shared with other jobs.

    .venv/bin/python bench/routing.py            # full size (about 0.4 GB of RAM, under a minute)
    .venv/bin/python bench/routing.py --quick    # 2,000 agents, 20,000 waiting, < 1 minute

The last line printed is a JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import json
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk import collector
from frontdesk.acd import (
    AgentSpec,
    AgentState,
    ContactSpec,
    EngineConfig,
    Offer,
    Priority,
    QueueConfig,
    Ring,
    RoutingEngine,
    Strategy,
)
from frontdesk.clock import ManualClock

LANGUAGES = ["en", "en", "en", "fr", "de", "es"]
# virtual seconds between inputs, in the fill and in the measurement alike, so relaxation
# timers fall due at the steady rate of one arrival every two inputs
STEP = 0.002
STRATEGIES = [Strategy.LONGEST_IDLE] * 6 + [
    Strategy.FEWEST_CALLS,
    Strategy.LEAST_TALK_TIME,
    Strategy.BEST_SKILL,
    Strategy.ROUND_ROBIN,
]


@dataclass(frozen=True)
class Size:
    agents: int
    skills: int
    queues: int
    waiting: int
    decisions: int


FULL = Size(agents=20_000, skills=200, queues=1_000, waiting=200_000, decisions=40_000)
QUICK = Size(agents=2_000, skills=200, queues=100, waiting=20_000, decisions=20_000)


def rings_for(index: int, skills: int, rng: random.Random) -> tuple[Ring, ...]:
    main, other = f"s{index % skills}", f"s{rng.randrange(skills)}"
    kind = index % 4
    if kind == 0:
        return (
            Ring(0, f"{main} >= 3 and language == contact.language"),
            Ring(30, f"{main} >= 1"),
            Ring(90, "true"),
        )
    if kind == 1:
        return (Ring(0, f"{main} >= 2"), Ring(60, "true"))
    if kind == 2:
        return (Ring(0, f"{main} >= 4 or {other} >= 4"), Ring(45, f"{main} >= 2 or {other} >= 2"))
    return (Ring(0, "true"),)


def build(size: Size, rng: random.Random) -> tuple[RoutingEngine, ManualClock]:
    clock = ManualClock()
    config = EngineConfig(closed_contacts_kept=1_000)
    engine = RoutingEngine(clock, random.Random(1), config)
    for index in range(size.queues):
        engine.add_queue(
            QueueConfig(
                f"q{index}",
                rings=rings_for(index, size.skills, rng),
                strategy=STRATEGIES[index % len(STRATEGIES)],
                ring_timeout=None,
                priority=rng.choice([0, 0, 0, 1]),
            )
        )
    for index in range(size.agents):
        queues = rng.sample(range(size.queues), 3)
        skills = {f"s{q % size.skills}": rng.randint(1, 5) for q in queues}
        skills.update({f"s{rng.randrange(size.skills)}": rng.randint(1, 5) for _ in range(3)})
        languages = ("en",) if rng.random() < 0.6 else ("en", rng.choice(LANGUAGES[3:]))
        engine.add_agent(AgentSpec(f"a{index}", tuple(f"q{q}" for q in queues), skills, languages))
        engine.agent_login(f"a{index}")
    engine.drain_events()
    return engine, clock


class Caller:
    def __init__(self, size: Size, rng: random.Random) -> None:
        self.size, self.rng, self.count = size, rng, 0

    def next(self) -> ContactSpec:
        self.count += 1
        rng = self.rng
        draw = rng.random()
        priority = Priority.VIP if draw < 0.03 else Priority.OPEN_CASE if draw < 0.12 else 0
        return ContactSpec(
            f"c{self.count}",
            f"q{rng.randrange(self.size.queues)}",
            priority=priority,
            language=rng.choice(LANGUAGES),
        )


def answer_all(engine: RoutingEngine, decisions: Sequence[object]) -> None:
    for decision in decisions:
        if isinstance(decision, Offer):
            engine.offer_accepted(decision.contact_id, decision.agent_ids[0])


def fill(engine: RoutingEngine, clock: ManualClock, size: Size, caller: Caller) -> float:
    started = time.perf_counter()
    waiting = 0
    while waiting < size.waiting:
        clock.advance(STEP)
        decisions = engine.contact_arrives(caller.next())
        if decisions:
            answer_all(engine, decisions)
        else:
            waiting += 1
        engine.drain_events()
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Pauses:
    """Garbage collections seen during the measurement: (start ns, end ns, generation)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, int]] = []
        self._began: list[int] = []
        self._start = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter_ns()
        else:
            self.seen.append((self._start, time.perf_counter_ns(), info["generation"]))
            self._began.append(self._start)

    def within(self, start: int, length: int) -> tuple[int, int]:
        """Nanoseconds of collection inside [start, start + length), and the oldest generation."""
        end = start + length
        total, oldest = 0, -1
        index = bisect.bisect_left(self._began, end)  # collections that began before the end
        while index > 0:
            index -= 1
            began, ended, generation = self.seen[index]
            if ended <= start:
                break
            total += min(ended, end) - max(began, start)
            oldest = max(oldest, generation)
        return total, oldest


def measure(
    engine: RoutingEngine, clock: ManualClock, size: Size, caller: Caller
) -> dict[str, float | str]:
    rng = random.Random(3)
    on_call = [a for a in engine.agents if engine.agent_state(a) is AgentState.ON_CALL]
    # per timed decision: (kind, start ns, wall ns, process-time ns)
    timed: list[tuple[str, int, int, int]] = []
    accept_ns: list[int] = []
    pauses = Pauses()
    gc.callbacks.append(pauses)
    clock_ns, cpu_ns = time.perf_counter_ns, time.process_time_ns
    for step in range(size.decisions):
        clock.advance(STEP)
        if step % 2 == 0:
            slot = rng.randrange(len(on_call))
            agent = on_call[slot]
            c0, t0 = cpu_ns(), clock_ns()
            decisions = engine.call_ended(agent)
            t1, c1 = clock_ns(), cpu_ns()
            timed.append(("free", t0, t1 - t0, c1 - c0))
            for decision in decisions:
                if isinstance(decision, Offer):
                    t0 = clock_ns()
                    engine.offer_accepted(decision.contact_id, decision.agent_ids[0])
                    accept_ns.append(clock_ns() - t0)
            if engine.agent_state(agent) is not AgentState.ON_CALL:
                on_call[slot] = on_call[-1]
                on_call.pop()
        else:
            spec = caller.next()  # the input itself is not part of the decision
            c0, t0 = cpu_ns(), clock_ns()
            decisions = engine.contact_arrives(spec)
            t1, c1 = clock_ns(), cpu_ns()
            timed.append(("arrival", t0, t1 - t0, c1 - c0))
            answer_all(engine, decisions)
        # as a server does: every input's events go to the event log right away
        engine.drain_events()
    gc.callbacks.remove(pauses)
    return summarize(timed, accept_ns, pauses)


def summarize(
    timed: list[tuple[str, int, int, int]], accept_ns: list[int], pauses: Pauses
) -> dict[str, float | str]:
    both = [wall / 1e6 for _, _, wall, _ in timed]
    wall_total = sum(wall for _, _, wall, _ in timed)
    cpu_total = sum(cpu for *_, cpu in timed)
    free = [wall / 1e6 for kind, _, wall, _ in timed if kind == "free"]
    arrive = [wall / 1e6 for kind, _, wall, _ in timed if kind == "arrival"]
    in_gc = [pauses.within(start, wall) for _, start, wall, _ in timed]
    kind, start, wall, cpu = max(timed, key=lambda t: t[2])
    gc_ns, generation = pauses.within(start, wall)
    if gc_ns > wall / 2:
        cause = f"garbage collection of generation {generation} ({gc_ns / 1e6:.1f} ms)"
    elif wall - cpu > wall / 2:
        cause = "the process was not running (another job had the core)"
    else:
        # a virtual machine's host taking the CPU can also look like this
        cause = f"no collection, and the process was running ({kind})"
    return {
        "p50_ms": percentile(both, 0.50),
        "p99_ms": percentile(both, 0.99),
        "max_ms": wall / 1e6,
        "max_cause": cause,
        "agent_free_p50_ms": percentile(free, 0.50),
        "agent_free_p99_ms": percentile(free, 0.99),
        "arrival_p50_ms": percentile(arrive, 0.50),
        "arrival_p99_ms": percentile(arrive, 0.99),
        "accept_p50_ms": statistics.median(accept_ns) / 1e6 if accept_ns else 0.0,
        "mean_us": 1e3 * sum(both) / len(both),
        "decisions_per_s": len(both) / (sum(both) / 1e3),
        # the same from process CPU time, which leaves out time other jobs had the core (it
        # includes the two clock reads around each decision, about half a microsecond here)
        "cpu_decisions_per_s": len(timed) / (cpu_total / 1e9),
        "gc_collections": len(pauses.seen),
        "gc_share_of_decision_time": sum(ns for ns, _ in in_gc) / 1e6 / sum(both),
        "not_running_share": max(0.0, 1 - cpu_total / wall_total),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller set-up, under a minute")
    parser.add_argument(
        "--gc",
        choices=["server", "python"],
        default="server",
        help="server: the policy of `frontdesk serve` (collector.py); python: freeze the set-up,"
        " keep Python's default thresholds",
    )
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    rng = random.Random(42)
    started = time.perf_counter()
    engine, clock = build(size, rng)
    caller = Caller(size, rng)
    fill_s = fill(engine, clock, size, caller)
    # what one full collection over the whole set-up costs (the server freezes after warm-up,
    # so only objects made since then are ever walked again)
    t0 = time.perf_counter()
    gc.collect()
    full_collection_ms = (time.perf_counter() - t0) * 1e3
    if args.gc == "server":
        collector.settle()
    else:
        gc.freeze()
    waiting = sum(queue.in_line for queue in engine.queues.values())
    print(
        f"set-up: {size.agents} agents, {size.queues} queues, {size.skills} skills, "
        f"{waiting} waiting; built in {time.perf_counter() - started:.1f}s "
        f"(filling the lines took {fill_s:.1f}s, {caller.count / fill_s:,.0f} arrivals/s); "
        f"a full garbage collection over it took {full_collection_ms:.0f} ms"
    )
    figures = measure(engine, clock, size, caller)
    for name, value in figures.items():
        shown = f"{value:,.4f}" if isinstance(value, float) else str(value)
        print(f"  {name:>26}: {shown}")
    print(
        json.dumps(
            {
                "agents": size.agents,
                "queues": size.queues,
                "skills": size.skills,
                "waiting": waiting,
                "decisions": size.decisions,
                "gc": args.gc,
                "full_collection_ms": round(full_collection_ms, 1),
                **{k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
