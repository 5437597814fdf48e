"""Benchmark: simulated calls per second through the real routing engine, against SimPy.

The system is M/M/n+M: Poisson arrivals, exponential handling (AHT 180 s), exponential
patience (mean 300 s), n agents, load a = n - 2 Erlangs. Frontdesk's simulator
(planning/simulator.py) runs the production `RoutingEngine` in virtual time, derives call
records from its events (the live derivation) and tallies them with the report metrics. The
baseline is a minimal SimPy model of the same system written here (a `Resource` of n agents;
each caller requests it or gives up when its patience timeout fires first), run in the same
process on the same number of calls. Both print P(abandon) and P(wait) beside Erlang A's, so
a fast but wrong run would show. Needs `simpy` (a bench dependency).

Speeds are calls per second of the process's CPU time (`time.process_time`), and of wall time
beside it: on a shared machine other jobs take the CPU from one run or the other, which moves
the wall-time ratio by a factor of two from run to run; CPU time does not count that.

    .venv/bin/python bench/simulate.py --quick

The last line is one JSON object: calls_per_s, simpy_calls_per_s, ratio (ours / SimPy).
"""

from __future__ import annotations

import argparse
import json
import random
import time

import simpy

from frontdesk.acd import QueueConfig
from frontdesk.analytics.metrics import MetricSettings, figures
from frontdesk.planning import ErlangA, Workload
from frontdesk.planning.sim_model import AgentGroup, Exponential, PoissonArrivals, Scenario
from frontdesk.planning.simulator import Simulation

AHT_S = 180.0
PATIENCE_S = 300.0


def run_frontdesk(agents: int, calls_per_hour: float, hours: float, seed: int) -> dict[str, float]:
    scenario = Scenario(
        queues=(QueueConfig("q", ring_timeout=None),),
        groups=(AgentGroup("a", agents, ("q",)),),
        arrivals=(PoissonArrivals.constant("q", calls_per_hour, hours * 3600),),
        service=Exponential(AHT_S),
        patience=Exponential(PATIENCE_S),
    )
    started, cpu = time.perf_counter(), time.process_time()
    result = Simulation(scenario, seed).run(hours * 3600)
    f = figures(result.tally(MetricSettings(target_s=0.0)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "calls": f["calls"],
        "seconds": cpu,
        "wall_seconds": elapsed,
        "p_abandon": f["abandoned"] / f["offered"],
        "p_wait": 1.0 - f["answered_within_t"] / f["offered"],
        "events": result.events,
    }


def run_simpy(agents: int, calls_per_hour: float, hours: float, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    env = simpy.Environment()
    staff = simpy.Resource(env, capacity=agents)
    counts = {"calls": 0, "abandoned": 0, "waited": 0}
    rate, horizon = calls_per_hour / 3600.0, hours * 3600.0

    def caller(patience: float, service: float):  # type: ignore[no-untyped-def]
        counts["calls"] += 1
        arrived = env.now
        with staff.request() as request:
            outcome = yield request | env.timeout(patience)
            if request not in outcome:
                counts["abandoned"] += 1
                counts["waited"] += 1
                return
            counts["waited"] += env.now > arrived
            yield env.timeout(service)

    def arrivals():  # type: ignore[no-untyped-def]
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= horizon:
                return
            env.process(caller(rng.expovariate(1 / PATIENCE_S), rng.expovariate(1 / AHT_S)))

    started, cpu = time.perf_counter(), time.process_time()
    env.process(arrivals())
    env.run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "calls": counts["calls"],
        "seconds": cpu,
        "wall_seconds": elapsed,
        "p_abandon": counts["abandoned"] / counts["calls"],
        "p_wait": counts["waited"] / counts["calls"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 50,000 calls each")
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    agents = args.agents
    load = agents - 2.0
    calls_per_hour = load * 3600.0 / AHT_S
    target_calls = 50_000 if args.quick else 500_000
    hours = target_calls / calls_per_hour
    model = ErlangA(Workload(calls_per_hour, AHT_S, PATIENCE_S), agents)
    print(
        f"M/M/{agents}+M: {calls_per_hour:.0f} calls/h, AHT {AHT_S:g} s, patience "
        f"{PATIENCE_S:g} s, {hours:.1f} h simulated; Erlang A: P(abandon) "
        f"{model.p_abandon():.4f}, P(wait) {model.p_wait:.4f}"
    )
    ours = run_frontdesk(agents, calls_per_hour, hours, args.seed)
    theirs = run_simpy(agents, calls_per_hour, hours, args.seed)
    for name, r in (("frontdesk (real engine)", ours), ("simpy (minimal model)", theirs)):
        print(
            f"{name:<24} {r['calls']:>8.0f} calls in {r['seconds']:6.2f} s CPU = "
            f"{r['calls'] / r['seconds']:>8.0f} calls/s (wall {r['wall_seconds']:.2f} s); "
            f"P(abandon) {r['p_abandon']:.4f}, P(wait) {r['p_wait']:.4f}"
        )
    ours_rate = ours["calls"] / ours["seconds"]
    simpy_rate = theirs["calls"] / theirs["seconds"]
    wall_ratio = (ours["calls"] / ours["wall_seconds"]) / (theirs["calls"] / theirs["wall_seconds"])
    print(f"engine events per call: {ours['events'] / ours['calls']:.1f}")
    print(
        json.dumps(
            {
                "calls_per_s": round(ours_rate),
                "simpy_calls_per_s": round(simpy_rate),
                "ratio": round(ours_rate / simpy_rate, 3),
                "wall_ratio": round(wall_ratio, 3),
                "clock": "process CPU time",
                "calls": int(ours["calls"]),
                "agents": agents,
                "p_abandon": round(ours["p_abandon"], 4),
                "simpy_p_abandon": round(theirs["p_abandon"], 4),
                "erlang_a_p_abandon": round(model.p_abandon(), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
