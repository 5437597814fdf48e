"""Staffing search: the smallest agent count meeting each kind of target, caps and shrinkage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.planning import (
    Model,
    PlanningError,
    SLDefinition,
    StaffingPolicy,
    Target,
    Workload,
    evaluate,
    required_agents,
    staff_day,
)


def _linear_scan(model: Model, workload: Workload, target: Target, start: int) -> int:
    """The obvious answer: try n = start, start + 1, ... until the target is met."""
    n = start
    while not target.met_by(evaluate(model, workload, n, target.threshold_s)):
        n += 1
    return n


def test_ten_erlangs_at_80_in_20_needs_fourteen_agents() -> None:
    # 200 calls/h of 180 s = 10 Erlangs. Erlang C service level at 13 agents is 79.6 %, at 14
    # it is 88.8 % (P(wait) = 0.174 at 14 agents, as in the usual Erlang C worked example).
    workload = Workload(200, 180)
    result = required_agents(Model.C, workload, Target.service_level(0.8, 20))
    assert result.agents == 14
    assert result.limited_by == "target"
    assert result.metrics.p_wait == pytest.approx(0.1741, abs=1e-4)
    below = evaluate(Model.C, workload, 13).service_level[
        SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED
    ]
    assert below < 0.8


@pytest.mark.parametrize(
    ("model", "target", "patience"),
    [
        (Model.C, Target.service_level(0.8, 20), None),
        (Model.C, Target.service_level(0.95, 0), None),
        (Model.C, Target.asa(15), None),
        (Model.A, Target.service_level(0.8, 20), 90.0),
        (
            Model.A,
            Target.service_level(
                0.9, 30, SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED_MINUS_SHORT_ABANDONS
            ),
            60.0,
        ),
        (
            Model.A,
            Target.service_level(0.9, 30, SLDefinition.ANSWERED_WITHIN_T_OVER_ANSWERED),
            60.0,
        ),
        (Model.A, Target.asa(10), 200.0),
        (Model.A, Target.abandon(0.02), 120.0),
        (Model.B, Target.blocking(0.01), None),
        (Model.B, Target.service_level(0.95, 20), None),
    ],
)
@pytest.mark.parametrize("calls_per_hour", [7.0, 130.0, 1500.0])
def test_search_finds_the_smallest_count(
    model: Model, target: Target, patience: float | None, calls_per_hour: float
) -> None:
    workload = Workload(calls_per_hour, 240, patience)
    result = required_agents(model, workload, target)
    start = int(workload.load) + 1 if model is Model.C else 1
    assert result.agents == _linear_scan(model, workload, target, start)
    assert target.met_by(result.metrics)


def test_occupancy_cap_and_shrinkage() -> None:
    # 1,000 calls/h of 300 s = 83.3 Erlangs: the SL target alone is met at over 90 %
    # occupancy, so an 85 % cap sets the count: ceil(83.33 / 0.85) = 99.
    workload = Workload(1000, 300)
    policy = StaffingPolicy(max_occupancy=0.85, shrinkage=0.35)
    result = required_agents(Model.C, workload, Target.service_level(0.8, 60), policy)
    assert result.limited_by == "occupancy"
    assert result.agents == 99
    assert result.metrics.occupancy <= 0.85
    assert result.scheduled == 153  # ceil(99 / 0.65)


def test_occupancy_equal_to_the_cap_is_allowed() -> None:
    # 8 Erlangs at an 80 % cap: 10 agents are exactly 80 % busy (a float quotient must not
    # tip it to 11).
    result = required_agents(
        Model.C, Workload(160, 180), Target.asa(1000), StaffingPolicy(max_occupancy=0.8)
    )
    assert result.agents == 10


def test_no_calls_need_no_agents() -> None:
    result = required_agents(Model.A, Workload(0, 180, 60), Target.service_level(0.8, 20))
    assert (result.agents, result.scheduled, result.limited_by) == (0, 0, "no calls")


def test_day_of_intervals_follows_the_load() -> None:
    profile = [0, 50, 400, 1200, 800, 100]
    day = staff_day(Model.C, [Workload(c, 200) for c in profile], Target.service_level(0.8, 20))
    counts = [r.agents for r in day]
    assert counts[0] == 0
    assert counts[3] == max(counts)
    assert counts == [
        required_agents(Model.C, Workload(c, 200), Target.service_level(0.8, 20)).agents
        for c in profile
    ]


def test_large_interval_is_exact_at_two_thousand_erlangs() -> None:
    workload = Workload(2000 * 3600 / 180, 180)
    result = required_agents(Model.C, workload, Target.service_level(0.8, 20))
    sl = SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED
    assert evaluate(Model.C, workload, result.agents).service_level[sl] >= 0.8
    assert evaluate(Model.C, workload, result.agents - 1).service_level[sl] < 0.8


def test_targets_the_model_cannot_express_are_refused() -> None:
    with pytest.raises(PlanningError, match="abandon"):
        required_agents(Model.C, Workload(100, 180), Target.abandon(0.05))
    with pytest.raises(PlanningError, match="blocking"):
        required_agents(Model.A, Workload(100, 180, 60), Target.blocking(0.05))
    with pytest.raises(PlanningError, match="patience"):
        required_agents(Model.A, Workload(100, 180), Target.abandon(0.05))
    with pytest.raises(PlanningError, match="between 0 and 1"):
        Target.service_level(1.0, 20)
    with pytest.raises(PlanningError, match="ASA"):
        Target.asa(0)
    with pytest.raises(PlanningError, match="occupancy"):
        StaffingPolicy(max_occupancy=0)
    with pytest.raises(PlanningError, match="shrinkage"):
        StaffingPolicy(shrinkage=1.0)


@settings(max_examples=30, deadline=None)
@given(
    calls_per_hour=st.floats(min_value=1.0, max_value=20000.0),
    aht_s=st.floats(min_value=30.0, max_value=900.0),
    level=st.floats(min_value=0.5, max_value=0.99),
    t=st.floats(min_value=0.0, max_value=120.0),
)
def test_more_load_never_needs_fewer_agents(
    calls_per_hour: float, aht_s: float, level: float, t: float
) -> None:
    target = Target.service_level(level, t)
    base = required_agents(Model.C, Workload(calls_per_hour, aht_s), target).agents
    busier = required_agents(Model.C, Workload(calls_per_hour * 1.1, aht_s), target).agents
    assert busier >= base
    # Minimal: one agent fewer misses the target.
    below = evaluate(Model.C, Workload(calls_per_hour, aht_s), base - 1, t)
    assert not target.met_by(below)
