"""The engine in virtual time reproduces Erlang C (M/M/s, first come first served).

Poisson arrivals and exponential service drive the real engine through a ManualClock; the
fraction of callers who had to wait and their mean wait are compared with Erlang C within
sampling error (batch means, since successive waits are correlated). Erlang C is computed with
the stable Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)) and
C = s B / (s - a (1 - B)) (e.g. Gans, Koole & Mandelbaum, "Telephone call centers: tutorial,
review and research prospects", MSOM 5(2), 2003, section 4.1), never a^s / s! directly.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics

import pytest

from frontdesk.acd import AgentSpec, ContactSpec, Offer, QueueConfig, RoutingEngine
from frontdesk.clock import ManualClock


def erlang_c(servers: int, load: float) -> float:
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return servers * blocking / (servers - load * (1 - blocking))


def test_erlang_c_recursion_matches_the_closed_form_for_small_cases() -> None:
    for servers, load in [(1, 0.5), (2, 1.0), (3, 2.4), (5, 4.0)]:
        top = load**servers / math.factorial(servers) * servers / (servers - load)
        below = sum(load**k / math.factorial(k) for k in range(servers)) + top
        assert erlang_c(servers, load) == pytest.approx(top / below, rel=1e-12)


def simulate(servers: int, arrival_rate: float, mean_service: float, calls: int, seed: int):
    """Runs the engine on an M/M/s stream; returns each caller's wait, in arrival order."""
    rng = random.Random(seed)
    clock = ManualClock()
    engine = RoutingEngine(clock, random.Random(seed + 1))
    engine.add_queue(QueueConfig("q", ring_timeout=None))
    for n in range(servers):
        engine.add_agent(AgentSpec(f"a{n}", ("q",)))
        engine.agent_login(f"a{n}")
    arrived: dict[str, float] = {}
    waits: dict[str, float] = {}
    pending: list[tuple[float, int, str, str]] = [(rng.expovariate(arrival_rate), 0, "arrive", "")]
    seq = 0

    def answer(decisions: list) -> None:
        nonlocal seq
        for decision in decisions:
            assert isinstance(decision, Offer)
            cid, agent = decision.contact_id, decision.agent_ids[0]
            engine.offer_accepted(cid, agent)
            waits[cid] = clock.now() - arrived[cid]
            seq += 1
            end = clock.now() + rng.expovariate(1 / mean_service)
            heapq.heappush(pending, (end, seq, "end", agent))

    while pending:
        when, _, kind, who = heapq.heappop(pending)
        clock.set(when)
        if kind == "arrive":
            cid = f"c{len(arrived)}"
            arrived[cid] = when
            answer(engine.contact_arrives(ContactSpec(cid, "q")))
            if len(arrived) < calls:
                seq += 1
                heapq.heappush(pending, (when + rng.expovariate(arrival_rate), seq, "arrive", ""))
        else:
            answer(engine.call_ended(who))
        engine.drain_events()
    return [waits[f"c{n}"] for n in range(calls)]


def batch_means(values: list[float], batches: int) -> tuple[float, float]:
    size = len(values) // batches
    means = [statistics.fmean(values[i * size : (i + 1) * size]) for i in range(batches)]
    return statistics.fmean(means), statistics.stdev(means) / math.sqrt(batches)


@pytest.mark.parametrize(("servers", "load"), [(6, 4.8), (3, 2.1)])
def test_waiting_probability_and_mean_wait_match_erlang_c(servers: int, load: float) -> None:
    mean_service = 120.0
    arrival_rate = load / mean_service
    waits = simulate(servers, arrival_rate, mean_service, calls=24_000, seed=servers)[2_000:]
    expected_p = erlang_c(servers, load)
    expected_w = expected_p * mean_service / (servers - load)
    p_wait, p_err = batch_means([1.0 if w > 0 else 0.0 for w in waits], 20)
    mean_wait, w_err = batch_means(waits, 20)
    assert p_err < 0.03 and w_err < 0.25 * expected_w  # the run is long enough to mean much
    assert abs(p_wait - expected_p) < 4 * p_err, (p_wait, expected_p, p_err)
    assert abs(mean_wait - expected_w) < 4 * w_err, (mean_wait, expected_w, w_err)
