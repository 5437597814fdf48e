"""Erlang B and C against published tables, textbook closed forms and a brute-force chain."""

from __future__ import annotations

import math

import pytest
from erlang_reference import solve
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.planning import (
    PlanningError,
    SLDefinition,
    Workload,
    erlang_b,
    erlang_b_fast,
    erlang_b_metrics,
    erlang_c,
    erlang_c_metrics,
)

# Erlang B capacity at 1 % blocking, as printed in the standard Erlang B tables (e.g. the
# table of Erlang's B-formula in Iversen, "Teletraffic Engineering and Network Planning",
# DTU / ITU-D handbook): n trunks carry A Erlangs at B = 1 %, A rounded as printed.
ERLANG_B_ONE_PERCENT = [(1, 0.0101), (2, 0.153), (5, 1.36), (10, 4.46), (20, 12.03), (100, 84.06)]


@pytest.mark.parametrize(("agents", "load"), ERLANG_B_ONE_PERCENT)
def test_erlang_b_matches_the_one_percent_table(agents: int, load: float) -> None:
    assert erlang_b(agents, load) == pytest.approx(0.01, abs=5e-5)
    # The printed load is the capacity: a little more load pushes blocking above 1 %.
    assert erlang_b(agents, load * 1.01) > 0.01


def test_erlang_b_table_value_ten_trunks_five_erlangs() -> None:
    # Erlang B tables: B(10 trunks, 5 Erlangs) = 0.01838.
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-6)


def test_erlang_c_single_agent_is_utilisation() -> None:
    # M/M/1 (Kleinrock, "Queueing Systems" vol. 1, section 3.2): P(wait) = rho,
    # mean wait = rho / (mu - lambda).
    m = erlang_c_metrics(Workload(calls_per_hour=15, aht_s=180), agents=1)
    assert m.p_wait == pytest.approx(0.75, rel=1e-14)
    assert m.asa_s == pytest.approx(0.75 / (1 / 180 - 15 / 3600), rel=1e-13)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_two_agents_closed_form(rho: float) -> None:
    # M/M/2 (Kleinrock vol. 1, section 3.4 with m = 2): P(wait) = 2 rho^2 / (1 + rho).
    assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-13)


def test_erlang_c_textbook_ten_servers_six_erlangs() -> None:
    # Textbook exercise (120 customers/h, 3 min each, 10 servers): "from the Erlang C curve,
    # the probability of waiting is about 0.10".
    assert erlang_c(10, 6.0) == pytest.approx(0.10, abs=0.005)


@pytest.mark.parametrize(
    ("agents", "calls_per_hour", "aht_s", "target_s"),
    [(1, 10, 120, 20), (2, 50, 100, 10), (4, 100, 120, 30), (7, 180, 130, 15)],
)
def test_erlang_c_matches_birth_death_chain(
    agents: int, calls_per_hour: float, aht_s: float, target_s: float
) -> None:
    ref = solve(
        agents=agents,
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        patience_s=None,
        target_s=target_s,
        short_abandon_s=5,
    )
    m = erlang_c_metrics(Workload(calls_per_hour, aht_s), agents, target_s)
    assert m.p_wait == pytest.approx(ref.p_wait, abs=1e-8)
    assert m.asa_s == pytest.approx(ref.asa_s, rel=1e-6)
    for definition in SLDefinition:  # no abandonment: every definition is the same figure
        assert m.service_level[definition] == pytest.approx(ref.answered_within_t, abs=1e-8)


@pytest.mark.parametrize(("agents", "calls_per_hour", "aht_s"), [(1, 20, 90), (3, 70, 150)])
def test_erlang_b_matches_birth_death_chain(
    agents: int, calls_per_hour: float, aht_s: float
) -> None:
    ref = solve(
        agents=agents,
        calls_per_hour=calls_per_hour,
        aht_s=aht_s,
        patience_s=None,
        target_s=20,
        short_abandon_s=5,
        loss=True,
    )
    m = erlang_b_metrics(Workload(calls_per_hour, aht_s), agents)
    assert m.p_block == pytest.approx(ref.p_block, abs=1e-12)
    sl = m.service_level
    assert sl[SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED] == pytest.approx(1 - ref.p_block)
    assert sl[SLDefinition.ANSWERED_WITHIN_T_OVER_ANSWERED] == pytest.approx(1.0)


def test_fast_erlang_b_agrees_with_the_recursion() -> None:
    worst = 0.0
    for agents in range(65, 3000, 37):
        for ratio in (0.5, 0.8, 0.95, 1.0, 1.05, 1.3):
            load = agents * ratio
            exact = erlang_b(agents, load)
            worst = max(worst, abs(erlang_b_fast(agents, load) - exact) / exact)
    assert worst < 1e-10


def test_unstable_erlang_c_is_flagged_not_a_number_soup() -> None:
    m = erlang_c_metrics(Workload(calls_per_hour=400, aht_s=180), agents=20)  # a = n = 20
    assert not m.stable
    assert m.p_wait == 1.0
    assert math.isinf(m.asa_s)
    assert all(v == 0.0 for v in m.service_level.values())


def test_five_thousand_agents_do_not_overflow() -> None:
    workload = Workload(calls_per_hour=4900 * 3600 / 180, aht_s=180)
    assert workload.load == pytest.approx(4900)
    m = erlang_c_metrics(workload, agents=5000, target_s=20)
    assert 0.0 < m.p_wait < 1.0
    assert math.isfinite(m.asa_s)
    assert erlang_b(5000, 4900.0) == pytest.approx(erlang_b_fast(5000, 4900.0), rel=1e-12)
    # Square-root staffing (Halfin & Whitt 1981): at beta = 100/sqrt(4900) ~ 1.43 the delay
    # probability sits near 0.1, far from both 0 and 1.
    assert 0.05 < m.p_wait < 0.2


def test_bad_input_is_refused() -> None:
    with pytest.raises(PlanningError, match="agents"):
        erlang_b(-1, 3.0)
    with pytest.raises(PlanningError, match="load"):
        erlang_c(3, float("nan"))
    with pytest.raises(PlanningError, match="handling time"):
        Workload(calls_per_hour=10, aht_s=0)


@settings(max_examples=60, deadline=None)
@given(
    agents=st.integers(min_value=1, max_value=400),
    load=st.floats(min_value=0.01, max_value=500.0),
)
def test_erlang_b_and_c_are_probabilities_falling_in_agents(agents: int, load: float) -> None:
    b_now, b_next = erlang_b_fast(agents, load), erlang_b_fast(agents + 1, load)
    c_now, c_next = erlang_c(agents, load), erlang_c(agents + 1, load)
    assert 0.0 <= b_next <= b_now <= 1.0
    assert 0.0 <= c_next <= c_now <= 1.0
    assert c_now >= b_now  # waiting is at least as likely as blocking would be
