"""Cost-optimal staffing: the walk finds the same minimum as trying every count."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.planning import CostRates, Model, PlanningError, Workload, cheapest_staffing, cost_at


def _brute_minimum(model: Model, workload: Workload, rates: CostRates, lowest: int) -> int:
    top = int(workload.load * 2 + 40)
    totals = [(cost_at(model, workload, n, rates).total, n) for n in range(lowest, top)]
    return min(totals)[1]


@pytest.mark.parametrize(
    ("model", "workload", "rates", "lowest"),
    [
        (Model.A, Workload(400, 180, 120), CostRates(25, 5), 1),
        (Model.A, Workload(3000, 240, 60), CostRates(30, 5, shrinkage=0.3), 1),
        (Model.B, Workload(300, 120), CostRates(20, 15), 0),
        (Model.C, Workload(500, 180), CostRates(25, 0, waiting_per_hour=40), 26),
    ],
)
def test_walk_agrees_with_trying_every_count(
    model: Model, workload: Workload, rates: CostRates, lowest: int
) -> None:
    optimum = cheapest_staffing(model, workload, rates, spread=3)
    assert optimum.best.agents == _brute_minimum(model, workload, rates, lowest)
    agents = [p.agents for p in optimum.curve]
    assert agents == list(range(max(lowest, optimum.best.agents - 3), optimum.best.agents + 4))
    assert all(p.total >= optimum.best.total for p in optimum.curve)


def test_cost_parts_add_up() -> None:
    workload = Workload(400, 180, 120)
    point = cost_at(Model.A, workload, 22, CostRates(25, 5, waiting_per_hour=12, shrinkage=0.2))
    assert point.staff == pytest.approx(25 * 22 / 0.8)
    assert point.total == pytest.approx(point.staff + point.lost_calls + point.waiting)
    assert point.lost_calls > 0 and point.waiting > 0


def test_dearer_lost_calls_buy_more_agents() -> None:
    workload = Workload(1200, 200, 90)
    cheap = cheapest_staffing(Model.A, workload, CostRates(25, 1)).best.agents
    dear = cheapest_staffing(Model.A, workload, CostRates(25, 50)).best.agents
    assert dear > cheap


def test_negative_rates_are_refused() -> None:
    with pytest.raises(PlanningError, match="lost call"):
        CostRates(25, -1)


@settings(max_examples=25, deadline=None)
@given(
    load=st.floats(min_value=0.5, max_value=60.0),
    lost=st.floats(min_value=0.1, max_value=100.0),
    patience=st.floats(min_value=10.0, max_value=1000.0),
)
def test_erlang_a_cost_curve_is_unimodal(load: float, lost: float, patience: float) -> None:
    # The walk relies on the total cost falling then rising; check it on a wide range.
    workload = Workload(load * 3600 / 180, 180, patience)
    rates = CostRates(25, lost)
    totals = [cost_at(Model.A, workload, n, rates).total for n in range(1, int(load * 2) + 20)]
    best = totals.index(min(totals))
    assert all(a >= b - 1e-9 for a, b in pairwise(totals[: best + 1]))
    assert all(a <= b + 1e-9 for a, b in pairwise(totals[best:]))
    assert cheapest_staffing(Model.A, workload, rates).best.total == pytest.approx(min(totals))
