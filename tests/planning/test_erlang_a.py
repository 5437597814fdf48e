"""Erlang A (M/M/n+M) against a brute-force chain, known identities and its limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from erlang_reference import solve
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson  # type: ignore[import-untyped]

from frontdesk.planning import (
    ErlangA,
    PlanningError,
    SLDefinition,
    Workload,
    erlang_b,
    erlang_c_metrics,
)

D = SLDefinition

CASES = [
    # agents, calls/h, AHT s, patience s, T s, short-abandon s
    (3, 60, 120, 60, 20, 5),
    (5, 200, 90, 30, 10, 5),
    (2, 120, 180, 600, 20, 3),  # overloaded (a = 6 on 2 agents): abandonment stabilises it
    (4, 300, 60, 5, 15, 2),  # patience far shorter than handling time
    (1, 20, 180, 100, 30, 10),  # one agent
    (6, 100, 200, 2000, 20, 5),  # patience far longer than handling time
]


@pytest.mark.parametrize(("agents", "cph", "aht", "patience", "t", "short"), CASES)
def test_every_figure_matches_the_birth_death_chain(
    agents: int, cph: float, aht: float, patience: float, t: float, short: float
) -> None:
    ref = solve(
        agents=agents,
        calls_per_hour=cph,
        aht_s=aht,
        patience_s=patience,
        target_s=t,
        short_abandon_s=short,
        queue_cap=600,
    )
    m = ErlangA(Workload(cph, aht, patience), agents).metrics(t, short)
    assert m.p_wait == pytest.approx(ref.p_wait, abs=1e-9)
    assert m.p_abandon == pytest.approx(ref.p_abandon, abs=1e-9)
    assert m.asa_s == pytest.approx(ref.asa_s, rel=1e-7)
    answered = 1 - ref.p_abandon
    expected = {
        D.ANSWERED_WITHIN_T_OVER_OFFERED: ref.answered_within_t,
        D.ANSWERED_WITHIN_T_OVER_ANSWERED: ref.answered_within_t / answered,
        D.ANSWERED_WITHIN_T_OVER_ANSWERED_PLUS_ABANDONED: ref.answered_within_t,
        D.ANSWERED_AND_ABANDONED_WITHIN_T_OVER_OFFERED: ref.answered_within_t
        + ref.abandoned_within_t,
        D.ANSWERED_WITHIN_T_OVER_OFFERED_MINUS_SHORT_ABANDONS: ref.answered_within_t
        / (1 - ref.short_abandoned),
    }
    for definition, value in expected.items():
        assert m.service_level[definition] == pytest.approx(value, abs=1e-8), definition


@pytest.mark.parametrize(("agents", "load"), [(3, 2.0), (10, 12.0), (50, 45.0)])
def test_patience_equal_to_handling_time_is_an_infinite_server_queue(
    agents: int, load: float
) -> None:
    # With theta = mu every caller in the system leaves at rate mu whether waiting or served,
    # so the number in system is Poisson(a), as in M/M/infinity (Mandelbaum & Zeltyn 2007).
    aht = 120.0
    m = ErlangA(Workload(load * 3600 / aht, aht, patience_s=aht), agents).metrics()
    k = np.arange(agents, agents + 400)
    assert m.p_wait == pytest.approx(float(poisson.sf(agents - 1, load)), rel=1e-10)
    expected_queue = float(np.sum((k - agents) * poisson.pmf(k, load)))
    assert m.p_abandon == pytest.approx(expected_queue / load, rel=1e-9)


@pytest.mark.parametrize("patience", [1e5, 1e7])
def test_long_patience_tends_to_erlang_c(patience: float) -> None:
    workload = Workload(100 * 3600 / 180, 180)
    c = erlang_c_metrics(workload, 110, 20)
    a = ErlangA(Workload(workload.calls_per_hour, 180, patience), 110).metrics(20)
    # The gap closes like 1/patience.
    tolerance = 1e3 / patience
    assert a.p_wait == pytest.approx(c.p_wait, rel=tolerance)
    assert a.asa_s == pytest.approx(c.asa_s, rel=tolerance)
    assert a.p_abandon < tolerance
    for definition in SLDefinition:
        assert a.service_level[definition] == pytest.approx(
            c.service_level[definition], abs=tolerance
        )


def test_very_short_patience_means_waiters_leave_at_once() -> None:
    a = ErlangA(Workload(2000, 180, patience_s=0.01), 90).metrics(20, 5)
    # A waiter is answered only if an agent frees up within ~0.01 s: x/(x+1) with
    # x = n mu / theta = 0.005. So nearly every caller who finds all agents busy leaves,
    # and the queue is Erlang B's loss system.
    assert a.p_abandon == pytest.approx(a.p_wait, rel=1e-2)
    assert a.p_wait == pytest.approx(erlang_b(90, 100.0), rel=1e-2)
    assert a.asa_s < 0.01
    assert a.service_level[D.ANSWERED_WITHIN_T_OVER_ANSWERED] == pytest.approx(1.0)


def test_overload_with_long_patience_tends_to_the_fluid_limit() -> None:
    # 2,000 Erlangs on 1,500 agents: a quarter of the callers must abandon (fluid model of
    # Whitt 2006, "Fluid models for multiserver queues with abandonments").
    a = ErlangA(Workload(2000 * 3600 / 180, 180, patience_s=3600), 1500).metrics()
    assert a.p_wait == pytest.approx(1.0, abs=1e-9)
    assert a.p_abandon == pytest.approx(0.25, abs=1e-3)
    assert a.occupancy == pytest.approx(1.0, abs=1e-3)


def test_five_thousand_agents_stay_finite() -> None:
    a = ErlangA(Workload(4900 * 3600 / 180, 180, patience_s=120), 5000).metrics(20)
    values = [a.p_wait, a.p_abandon, a.asa_s, *a.service_level.values()]
    assert all(math.isfinite(v) for v in values)
    assert 0.0 < a.p_wait < 1.0
    assert 0.0 < a.p_abandon < a.p_wait


def test_erlang_a_refuses_missing_patience_and_no_agents() -> None:
    with pytest.raises(PlanningError, match="patience"):
        ErlangA(Workload(100, 180), 3)
    with pytest.raises(PlanningError, match="agent"):
        ErlangA(Workload(100, 180, 60), 0)


@settings(max_examples=40, deadline=None)
@given(
    agents=st.integers(min_value=1, max_value=300),
    utilisation=st.floats(min_value=0.05, max_value=2.0),
    patience=st.floats(min_value=1.0, max_value=5000.0),
    t=st.floats(min_value=0.0, max_value=300.0),
)
def test_probabilities_are_bounded_and_improve_with_agents(
    agents: int, utilisation: float, patience: float, t: float
) -> None:
    workload = Workload(agents * utilisation * 3600 / 180, 180, patience)
    now = ErlangA(workload, agents).metrics(t)
    more = ErlangA(workload, agents + 1).metrics(t)
    for m in (now, more):
        figures = [m.p_wait, m.p_abandon, m.occupancy, *m.service_level.values()]
        assert all(0.0 <= f <= 1.0 for f in figures)
        assert m.p_abandon <= m.p_wait + 1e-12
    assert more.p_wait <= now.p_wait + 1e-12
    assert more.p_abandon <= now.p_abandon + 1e-12
    assert more.asa_s <= now.asa_s * (1 + 1e-9) + 1e-12
    for definition in (D.ANSWERED_WITHIN_T_OVER_OFFERED, D.ANSWERED_WITHIN_T_OVER_ANSWERED):
        assert more.service_level[definition] >= now.service_level[definition] - 1e-9
