"""Benchmark: the wallboard's live model fed a busy centre's event stream, and its snapshots.

Events come from the real routing engine in virtual time: 10 queues, 300 agents serving two
queues each, callers arriving a little faster than agents can answer them (so lines form and
some callers give up), talk times log-normal, wrap-up 10 s; telephony's `call.received` /
`call.attributes` / `call.ended` are added around them. The stream is made first, then timed:

* feed: every event through `Wallboard.feed`, events per second (reference: analytics' own
  `CallDeriver.feed` alone over the same stream, which the wallboard runs inside it);
* snapshot: `Wallboard.snapshot` every 5,000 events along the way (median and worst ms, with
  the largest number of callers waiting at a snapshot).

    .venv/bin/python bench/wallboard.py --quick

The last line is one JSON object: events, events_per_s, deriver_events_per_s, snapshot_ms
(median), snapshot_ms_max, waiting_max, agents.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import statistics
import time
from collections.abc import Mapping
from typing import Any

from frontdesk.acd import AgentSpec, ContactSpec, ContactState, Offer, QueueConfig, RoutingEngine
from frontdesk.analytics.derive import CallDeriver
from frontdesk.clock import ManualClock
from frontdesk.wallboard import Wallboard, WallboardSettings

START = 1_717_394_400.0  # 2024-06-03 06:00 UTC
QUEUES = tuple(f"q{i}" for i in range(10))
AGENTS = 300
Event = tuple[float, str, str | None, Mapping[str, Any]]


class Stream:
    """Drives the engine with callers, rings, talks and hang-ups; keeps every event."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = ManualClock(1000.0, START - 1000.0)
        self.engine = RoutingEngine(self.clock, random.Random(seed))
        for name in QUEUES:
            self.engine.add_queue(QueueConfig(name, wrap_up=10.0, ring_timeout=None))
        for n in range(AGENTS):
            queues = (QUEUES[n % 10], QUEUES[(n + 3) % 10])
            self.engine.add_agent(AgentSpec(f"a{n}", queues))
        self.events: list[Event] = []
        self.plan: list[tuple[float, int, str, tuple[str, ...]]] = []
        self.seq = 0
        for n in range(AGENTS):
            self.apply(self.engine.agent_login(f"a{n}"))
        self.later(0.0, "arrive", "0")

    def later(self, delay: float, action: str, *args: str) -> None:
        self.seq += 1
        heapq.heappush(self.plan, (self.clock.now() + delay, self.seq, action, args))

    def apply(self, decisions: list[Any]) -> None:
        for decision in decisions:
            if isinstance(decision, Offer):
                self.later(2.0, "accept", decision.contact_id, decision.agent_ids[0])
        offset = self.clock.wall() - self.clock.now()
        for event in self.engine.drain_events():
            kind, call_id, data = event.to_record()
            self.events.append((round(event.at + offset, 3), kind, call_id, data))

    def phone(self, kind: str, call_id: str, **data: Any) -> None:
        self.events.append((self.clock.wall(), kind, call_id, data))

    def run(self, count: int) -> list[Event]:
        engine, rng = self.engine, self.rng
        while len(self.events) < count:
            when, _, action, args = heapq.heappop(self.plan)
            self.clock.set(when)
            if action == "arrive":
                call = f"c{args[0]}"
                self.phone("call.received", call, caller=f"sip:+33{args[0]}@trunk", number="1")
                tier = rng.choice(("vip", "gold", "", ""))
                self.phone("call.attributes", call, name=f"Caller {args[0]}", tier=tier,
                           open_case=rng.random() < 0.2)  # fmt: skip
                self.apply(engine.contact_arrives(ContactSpec(call, rng.choice(QUEUES))))
                self.later(rng.expovariate(1 / 150.0), "abandon", call)
                self.later(rng.expovariate(1.6), "arrive", str(int(args[0]) + 1))
            elif action == "accept":
                call, agent = args
                if engine.offer_of(agent) == call:
                    self.apply(engine.offer_accepted(call, agent))
                    self.later(rng.lognormvariate(5.0, 0.6), "end", call, agent)
            elif action == "abandon":
                if engine.contact_state(args[0]) is ContactState.WAITING:
                    self.apply(engine.contact_abandoned(args[0]))
                    self.phone("call.ended", args[0], reason="caller")
            else:
                self.phone("call.ended", args[0], reason="bye")
                self.apply(engine.call_ended(args[1]))
            self.apply(engine.tick())
        return self.events


def measure(events: list[Event]) -> dict[str, Any]:
    board = Wallboard(
        WallboardSettings(), "Europe/Paris", {q: q for q in QUEUES},
        {f"a{n}": (f"Agent {n}", ()) for n in range(AGENTS)},
    )  # fmt: skip
    snapshot_ms: list[float] = []
    waiting_max = 0
    feed = board.feed
    feeding = 0.0
    for start in range(0, len(events), 5000):
        chunk = events[start : start + 5000]
        began = time.perf_counter()
        for at, kind, call_id, data in chunk:
            feed(at, kind, call_id, data)
        feeding += time.perf_counter() - began
        began = time.perf_counter()
        snap = board.snapshot(chunk[-1][0])
        snapshot_ms.append((time.perf_counter() - began) * 1000)
        waiting_max = max(waiting_max, snap["totals"]["waiting"])
    deriver = CallDeriver()
    began = time.perf_counter()
    for at, kind, call_id, data in events:
        deriver.feed(at, kind, call_id, data)
    deriving = time.perf_counter() - began
    return {
        "events": len(events),
        "events_per_s": round(len(events) / feeding),
        "deriver_events_per_s": round(len(events) / deriving),
        "snapshot_ms": round(statistics.median(snapshot_ms), 2),
        "snapshot_ms_max": round(max(snapshot_ms), 2),
        "waiting_max": waiting_max,
        "agents": AGENTS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 events instead of 1,000,000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    count = 200_000 if args.quick else 1_000_000
    began = time.perf_counter()
    events = Stream(args.seed).run(count)
    print(f"made {len(events)} events in {time.perf_counter() - began:.1f} s")
    result = measure(events)
    print(f"feed: {result['events_per_s']:,} events/s"
          f" (analytics' deriver alone: {result['deriver_events_per_s']:,} events/s)")  # fmt: skip
    print(f"snapshot: median {result['snapshot_ms']} ms, worst {result['snapshot_ms_max']} ms,"
          f" up to {result['waiting_max']} callers waiting, {AGENTS} agents")  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
