"""The simulator (the real routing engine in virtual time) against queueing theory, and its rules.

M/M/n must reproduce Erlang C's P(wait) and ASA, M/M/n+M Erlang A's P(abandon) and P(wait)
(planning/erlang.py, planning/erlang_a.py, themselves checked against textbook tables in
test_erlang_bc.py / test_erlang_a.py), within two standard errors estimated by batch means
(waits of successive callers are correlated, so the batches are long: 20 of 500-1,000 calls).
Runs are seeded, so each check is reproducible. At two standard errors about one seed in
twenty misses by chance alone: a sweep of seeds 20-27 (Erlang C over 120 h, Erlang A over
60 h) gave P(wait) z-scores of 0.36, 0.59, -0.90, 1.51, 0.77, -0.58, -1.64, -0.26 (Erlang C)
and 0.32, 0.27, -0.80, 0.02, -0.14, -1.85, -0.40, 1.02 (Erlang A): no bias. The tests use
seed 21 (Erlang C over 240 h, for a tighter ASA); a change that biases the simulator moves
the estimate by many standard errors.
"""

from __future__ import annotations

import json
import math
import random
import statistics

import pytest

from frontdesk.acd import OfferCallback, QueueConfig
from frontdesk.analytics.metrics import MetricSettings, figures
from frontdesk.analytics.patience import kaplan_meier
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.planning import ErlangA, SLDefinition, Workload, erlang_c
from frontdesk.planning.sim_model import (
    AgentGroup,
    CallbackBehaviour,
    Exponential,
    KaplanMeierPatience,
    Lognormal,
    Never,
    PoissonArrivals,
    RatePeriod,
    Scenario,
)
from frontdesk.planning.simulator import Simulation, SimulationResult

AHT = 180.0


def mmn(
    agents: int, calls_per_hour: float, patience: float | None, hours: float, seed: int
) -> SimulationResult:
    scenario = Scenario(
        queues=(QueueConfig("q", ring_timeout=None),),
        groups=(AgentGroup("a", agents, ("q",)),),
        arrivals=(PoissonArrivals.constant("q", calls_per_hour, hours * 3600),),
        service=Exponential(AHT),
        patience=Exponential(patience) if patience else Never(),
    )
    return Simulation(scenario, seed).run(hours * 3600, warmup_s=3600)


def batch_means(values: list[float], batches: int = 20) -> tuple[float, float]:
    size = len(values) // batches
    means = [statistics.fmean(values[i * size : (i + 1) * size]) for i in range(batches)]
    return statistics.fmean(means), statistics.stdev(means) / math.sqrt(batches)


def offered_in_order(result: SimulationResult) -> list[CallRecord]:
    start = result.wall_offset + result.warmup_s
    return sorted(
        (r for r in result.records if r.offered and r.offered_at >= start),
        key=lambda r: r.offered_at,
    )


def test_mmn_reproduces_erlang_c() -> None:
    agents, calls_per_hour = 6, 96.0  # a = 4.8 Erl, rho = 0.8
    calls = offered_in_order(mmn(agents, calls_per_hour, None, hours=240, seed=21))
    p_wait, p_se = batch_means([1.0 if r.wait_s > 0 else 0.0 for r in calls])
    asa, asa_se = batch_means([r.wait_s for r in calls])
    expected_p = erlang_c(agents, calls_per_hour * AHT / 3600)
    expected_asa = expected_p * AHT / (agents - calls_per_hour * AHT / 3600)
    assert p_se < 0.035 and asa_se < 0.15 * expected_asa  # precise enough to mean something
    assert abs(p_wait - expected_p) < 2 * p_se, (p_wait, expected_p, p_se)
    assert abs(asa - expected_asa) < 2 * asa_se, (asa, expected_asa, asa_se)


def test_mmn_plus_m_reproduces_erlang_a() -> None:
    agents, calls_per_hour, patience = 10, 200.0, 300.0  # overloaded a bit: rho = 1.0
    calls = offered_in_order(mmn(agents, calls_per_hour, patience, hours=60, seed=21))
    p_ab, ab_se = batch_means([1.0 if r.outcome is CallOutcome.ABANDONED else 0.0 for r in calls])
    p_wait, wait_se = batch_means([1.0 if r.wait_s > 0 else 0.0 for r in calls])
    model = ErlangA(Workload(calls_per_hour, AHT, patience), agents)
    assert ab_se < 0.015 and wait_se < 0.025
    assert abs(p_ab - model.p_abandon()) < 2 * ab_se, (p_ab, model.p_abandon(), ab_se)
    assert abs(p_wait - model.p_wait) < 2 * wait_se, (p_wait, model.p_wait, wait_se)


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    first = mmn(3, 50, 120.0, hours=3, seed=42).records
    again = mmn(3, 50, 120.0, hours=3, seed=42).records
    other = mmn(3, 50, 120.0, hours=3, seed=43).records
    assert first == again
    assert first != other


def test_staffing_changes_at_the_scheduled_times() -> None:
    # 1 agent for the first hour, then 4; the second hour must wait far less
    scenario = Scenario(
        queues=(QueueConfig("q", ring_timeout=None),),
        groups=(AgentGroup("a", 1, ("q",), schedule=((3600.0, 4), (7200.0, 0))),),
        arrivals=(PoissonArrivals.constant("q", 60, 7200),),
        service=Exponential(120),
        patience=Exponential(200),
    )
    result = Simulation(scenario, 3).run(7200)
    first = [r for r in result.records if r.offered_at < result.wall_offset + 3600]
    second = [r for r in result.records if r.offered_at >= result.wall_offset + 3600]
    ab1 = sum(r.outcome is CallOutcome.ABANDONED for r in first) / len(first)
    ab2 = sum(r.outcome is CallOutcome.ABANDONED for r in second) / len(second)
    assert ab1 > 0.2 and ab2 < 0.1, (ab1, ab2)
    # everybody is logged out at the end, after finishing their calls
    agents = [result.agent_time.seconds[f"a{i}"] for i in range(4)]
    assert all(seconds.get("on-call", 0) > 0 for seconds in agents)
    assert result.agent_time.occupancy() is not None


def test_callbacks_offered_after_a_wait_are_taken_and_kept() -> None:
    scenario = Scenario(
        queues=(QueueConfig("q", ring_timeout=None, max_wait=30, on_max_wait=OfferCallback()),),
        groups=(AgentGroup("a", 2, ("q",)),),
        arrivals=(PoissonArrivals((("q", 0),)[0][0], (RatePeriod(0, 4 * 3600, 60),)),),
        service=Lognormal(110, 60),
        patience=Never(),
        callback=CallbackBehaviour(accept_probability=1.0, answer_probability=1.0, dial_s=5),
    )
    result = Simulation(scenario, 9).run(4 * 3600)
    f = figures(result.tally(MetricSettings()))
    assert f["callbacks"] > 0 and f["callbacks_kept"] == f["callbacks"]
    assert f["offered"] == f["answered"] + f["callbacks"]
    assert all(r.wait_s <= 30 + 1e-9 for r in result.records if r.outcome is CallOutcome.ANSWERED)


def test_patience_drawn_from_a_kaplan_meier_curve_follows_it() -> None:
    rng = random.Random(1)
    waits = [rng.expovariate(1 / 100) for _ in range(4000)]
    abandoned = [rng.random() < 0.6 for _ in waits]
    curve = kaplan_meier(waits, abandoned)
    patience = KaplanMeierPatience(curve, tail_mean_s=200)
    draws = [patience.sample(rng) for _ in range(20000)]
    for t in (20.0, 60.0, 150.0):
        share = sum(d > t for d in draws) / len(draws)
        assert share == pytest.approx(curve.at(t), abs=0.015)


def _simulate(argv: list[str]) -> int:
    import argparse

    from frontdesk.planning.cli import register

    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["simulate", *argv])
    code: int = args.func(args)
    return code


def test_simulate_command_prints_the_report_figures(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "--calls-per-hour",
        "120",
        "--aht-s",
        "180",
        "--patience-s",
        "200",
        "--agents",
        "6",
        "--hours",
        "4",
        "--seed",
        "2",
        "--json",
    ]
    assert _simulate(argv) == 0
    first = capsys.readouterr().out
    out = json.loads(first)
    assert out["offered"] == out["answered"] + out["abandoned"] > 300
    assert set(out["service_level_by_definition"]) == {d.value for d in SLDefinition}
    assert 0 < out["occupancy"] <= 1
    assert _simulate(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in again.items() if k != "run_s"} == {
        k: v for k, v in out.items() if k != "run_s"
    }


def test_simulate_refuses_an_incomplete_workload(capsys: pytest.CaptureFixture[str]) -> None:
    assert _simulate(["--aht-s", "180", "--agents", "3"]) == 2
    assert "--calls-per-hour" in capsys.readouterr().err
    assert _simulate(["--calls-per-hour", "10", "--aht-s", "180", "--staffing", "x"]) == 2
