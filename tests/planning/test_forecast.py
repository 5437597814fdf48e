"""The forecast's maths on a small history whose figures are worked out by hand here.

Three weeks of hourly history in UTC, Monday 2024-01-01 to Sunday 2024-01-21: on Mondays
09:00 10, 20, 30 calls; Mondays 10:00 4, none, 8; Tuesdays 12:00 60, 70, 100. Week totals
74, 90, 138 (oldest first). Forecasting Monday 2024-01-22 from three weeks:
profile(09:00) = (10 + 20 + 30) / 3 = 20, level = 138 / ((74 + 90 + 138) / 3).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.planning.errors import PlanningError
from frontdesk.planning.forecast import (
    MIN_HANDLED,
    History,
    IntervalHistory,
    backtest,
    day_intervals,
    forecast_day,
    mape,
    wape,
)
from frontdesk.planning.forecast_history import Patience
from frontdesk.planning.forecast_plan import (
    simulation_arrivals,
    simulation_staffing,
    staff_forecast,
    staffing_model,
)
from frontdesk.planning.metrics import Model, Workload
from frontdesk.planning.staffing import Target, evaluate, required_agents

UTC = ZoneInfo("UTC")
MONDAYS = (date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15))


def three_weeks() -> History:
    counts: dict[str, IntervalHistory] = {}
    # (offered, handled, seconds handling them)
    nine = ((10, 10, 1000.0), (20, 20, 3000.0), (30, 30, 2000.0))
    ten = ((4, 2, 500.0), None, (8, 1, 100.0))
    noon = ((60, 60, 6000.0), (70, 70, 7000.0), (100, 100, 10000.0))
    for monday, a, b, c in zip(MONDAYS, nine, ten, noon, strict=True):
        counts[f"{monday}T09:00"] = IntervalHistory(*a)
        if b is not None:
            counts[f"{monday}T10:00"] = IntervalHistory(*b)
        counts[f"{monday + timedelta(days=1)}T12:00"] = IntervalHistory(*c)
    return History("hour", UTC, counts, MONDAYS[0])


def test_profile_times_level_by_hand() -> None:
    found = forecast_day(three_weeks(), date(2024, 1, 22), date(2024, 1, 22), 3)
    assert found.same_days == (MONDAYS[2], MONDAYS[1], MONDAYS[0])
    assert found.weekly_calls == (138, 90, 74)
    level = 138 / ((74 + 90 + 138) / 3)
    assert found.level == pytest.approx(level)
    by_clock = {f.interval.clock: f for f in found.intervals}
    assert len(found.intervals) == 24
    assert by_clock["09:00"].profile == pytest.approx(20.0)
    assert by_clock["09:00"].calls == pytest.approx(20.0 * level)
    assert by_clock["10:00"].profile == pytest.approx(4.0)  # (4 + 0 + 8) / 3
    assert by_clock["12:00"].calls == 0.0  # Tuesdays' calls are not Mondays'
    # 09:00 holds 60 handled calls: its own AHT, (1000 + 3000 + 2000) / 60
    assert by_clock["09:00"].aht_own and by_clock["09:00"].aht_s == pytest.approx(100.0)
    # 10:00 holds 3 (< MIN_HANDLED): the three weeks' AHT over all 293 handled calls
    assert MIN_HANDLED > 3 and not by_clock["10:00"].aht_own
    history_aht = (6000 + 600 + 23000) / (60 + 3 + 230)
    assert found.aht_s == pytest.approx(history_aht)
    assert by_clock["10:00"].aht_s == pytest.approx(history_aht)
    # the week's forecast totals the last week's calls: level * mean week
    assert found.total == pytest.approx(24 * level)  # 20 + 4 calls of the Monday profile


def test_weeks_before_the_history_and_a_later_day() -> None:
    history = three_weeks()
    five = forecast_day(history, date(2024, 1, 22), date(2024, 1, 22), 5)
    assert five.weeks == 3  # weeks starting before 2024-01-01 are not whole: left out
    one = forecast_day(history, date(2024, 1, 22), date(2024, 1, 22), 1)
    assert one.level == 1.0 and one.same_days == (MONDAYS[2],)
    assert {f.interval.clock: f.calls for f in one.intervals}["09:00"] == 30.0
    # a Tuesday two days past the cut: the same weekday of each week before the cut
    later = forecast_day(history, date(2024, 1, 23), date(2024, 1, 22), 2)
    assert later.same_days == (date(2024, 1, 16), date(2024, 1, 9))
    noon = {f.interval.clock: f for f in later.intervals}["12:00"]
    assert noon.profile == pytest.approx(85.0)
    assert noon.calls == pytest.approx(85.0 * 138 / ((138 + 90) / 2))
    with pytest.raises(PlanningError, match="no whole week"):
        forecast_day(history, date(2024, 1, 10), date(2024, 1, 5), 2)
    with pytest.raises(PlanningError, match="must end by the forecast day"):
        forecast_day(history, date(2024, 1, 22), date(2024, 1, 23), 2)


def test_backtest_forecasts_the_last_week_from_the_ones_before() -> None:
    history = three_weeks()
    tested = backtest(history, date(2024, 1, 15), 2)
    assert tested.weeks == 2 and len(tested.actual) == 7 * 24
    assert sum(tested.actual) == 138 and tested.daily_actual[:2] == (38, 100)
    level = 90 / ((90 + 74) / 2)
    assert tested.daily_forecast[0] == pytest.approx(level * (15 + 2))  # Mon 09:00 + 10:00
    assert tested.daily_forecast[1] == pytest.approx(level * 65)  # Tue 12:00
    errors = abs(level * 15 - 30) + abs(level * 2 - 8) + abs(level * 65 - 100)
    assert tested.wape == pytest.approx(errors / 138)
    assert tested.mape == pytest.approx(
        (abs(level * 15 - 30) / 30 + abs(level * 2 - 8) / 8 + abs(level * 65 - 100) / 100) / 3
    )
    assert tested.naive_wape == pytest.approx((10 + 8 + 30) / 138)  # 20/0/70 a week before
    assert tested.profile_wape == pytest.approx((15 + 6 + 35) / 138)


def test_error_measures() -> None:
    assert wape([1.0, 3.0], [2, 2]) == pytest.approx(0.5)
    assert mape([1.0, 3.0, 5.0], [2, 2, 0]) == pytest.approx(0.5)  # empty intervals left out
    assert mape([1.0], [0]) is None
    with pytest.raises(PlanningError, match="no calls in the held-out"):
        wape([1.0], [0])


def test_day_intervals_follow_clock_changes() -> None:
    paris = ZoneInfo("Europe/Paris")
    spring = day_intervals(date(2024, 3, 31), "hour", paris)
    assert len(spring) == 23 and "02:00" not in {i.clock for i in spring}
    autumn = day_intervals(date(2024, 10, 27), "hour", paris)
    assert len(autumn) == 25 and [i.clock for i in autumn].count("02:00") == 2
    assert all(i.end_s - i.start_s == 3600.0 for i in autumn)
    assert autumn[-1].end_s == 25 * 3600.0
    assert len(day_intervals(date(2024, 3, 31), "15min", paris)) == 92


@given(
    st.lists(st.integers(0, 50), min_size=21, max_size=21),
    st.integers(1, 3),
)
def test_a_weeks_forecast_totals_the_last_week(daily: list[int], weeks: int) -> None:
    """Summed over the seven days after the cut, level x profile gives back the last week's
    calls (sum of profiles = mean week; times W_1 / mean week): the weekly level is carried
    forward, the weekday and intraday shape come from the N weeks."""
    counts = {}
    for i, n in enumerate(daily):
        day = MONDAYS[0] + timedelta(days=i)
        counts[f"{day}T{(i * 5) % 23:02d}:00"] = IntervalHistory(n, n, 100.0 * n)
        counts[f"{day}T23:00"] = IntervalHistory(1, 1, 100.0)  # a handling time every week
    history = History("hour", UTC, counts, MONDAYS[0])
    cut = date(2024, 1, 22)
    total = sum(forecast_day(history, cut + timedelta(days=j), cut, weeks).total for j in range(7))
    last_week = sum(history.day_total(cut - timedelta(days=7 - j)) for j in range(7))
    assert total == pytest.approx(last_week)


def test_staffing_per_interval_is_planning_erlang_answer() -> None:
    forecast = forecast_day(three_weeks(), date(2024, 1, 22), date(2024, 1, 22), 3)
    target = Target.service_level(0.8, 20.0)
    plans = staff_forecast(forecast, Model.A, 240.0, target)
    assert [p.forecast for p in plans] == list(forecast.intervals)
    busy = [p for p in plans if p.forecast.calls > 0]
    assert [p.forecast.interval.clock for p in busy] == ["09:00", "10:00"]
    assert busy[0].agents > 1
    for plan in busy:
        workload = Workload(plan.forecast.calls, plan.forecast.aht_s, 240.0)  # 1-hour intervals
        assert plan.agents == required_agents(Model.A, workload, target).agents
        sl = evaluate(Model.A, workload, plan.agents, 20.0, 5.0).service_level
        assert sl[target.definition] >= 0.8
        if plan.agents > 1:  # Erlang A has no figures for 0 agents (everyone gives up)
            fewer = evaluate(Model.A, workload, plan.agents - 1, 20.0, 5.0).service_level
            assert fewer[target.definition] < 0.8
        assert plan.metrics is not None and plan.metrics.agents == plan.agents
    assert all(p.agents == 0 and p.metrics is None for p in plans if p.forecast.calls == 0)


def test_the_model_follows_the_history() -> None:
    known = Patience(300.0, 200.0, None, 10, 100)
    nobody = Patience(None, None, None, 0, 100)
    assert staffing_model(None, known) is Model.A
    assert staffing_model(Model.C, known) is Model.C
    assert staffing_model(None, nobody) is Model.C  # nobody gave up: Erlang C
    with pytest.raises(PlanningError, match="not Erlang B"):
        staffing_model(Model.B, known)


def test_simulator_inputs_follow_the_forecast() -> None:
    forecast = forecast_day(three_weeks(), date(2024, 1, 22), date(2024, 1, 22), 3)
    arrivals = simulation_arrivals(forecast, "sales")
    assert arrivals.queue == "sales" and len(arrivals.periods) == 24
    nine = arrivals.periods[9]
    assert (nine.start_s, nine.end_s) == (9 * 3600.0, 10 * 3600.0)
    assert nine.calls_per_hour == pytest.approx(forecast.intervals[9].calls)
    # Poisson draws over many days: the mean count per day is the forecast total
    rng = random.Random(7)
    days = 400
    drawn = sum(sum(1 for _ in arrivals.times(rng)) for _ in range(days)) / days
    sd = math.sqrt(forecast.total / days)
    assert abs(drawn - forecast.total) < 4 * sd
    plans = staff_forecast(forecast, Model.C, None, Target.service_level(0.8, 20.0))
    group = simulation_staffing(plans, "agents", "sales")
    assert group.count == 0 and group.queues == ("sales",)
    assert group.schedule == (
        (9 * 3600.0, plans[9].agents),
        (10 * 3600.0, plans[10].agents),
        (11 * 3600.0, 0),
    )
