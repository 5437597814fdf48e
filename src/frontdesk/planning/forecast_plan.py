"""Staffing a forecast day, its JSON, and the same forecast as simulator input.

`staff_forecast` asks `staffing.staff_day` for the agents each forecast interval needs: its
expected calls per hour, its AHT and the history's patience (Erlang A; Erlang C when nobody
gave up, or when asked for), and keeps the model's figures at that count — the expected
service level and abandonment. `forecast_json` is the object `frontdesk plan forecast --json`
prints and `GET /api/planning/forecast` answers.

For the simulator (sim_model.py): `simulation_arrivals` turns the forecast into Poisson
arrivals with one rate per interval (seconds from the day's local midnight),
`simulation_staffing` the agents needed into an agent group's schedule, and
`simulation_patience` the history's Kaplan-Meier curve into the callers' patience.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from frontdesk.planning.errors import PlanningError
from frontdesk.planning.forecast import ArrivalForecast, Backtest, IntervalForecast
from frontdesk.planning.forecast_history import ForecastInputs, Patience, finite, forecast_inputs
from frontdesk.planning.metrics import Model, QueueMetrics, Workload
from frontdesk.planning.sim_model import (
    AgentGroup,
    Exponential,
    KaplanMeierPatience,
    PoissonArrivals,
    RatePeriod,
)
from frontdesk.planning.staffing import StaffingPolicy, Target, staff_day


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    forecast: IntervalForecast
    agents: int
    scheduled: int
    metrics: QueueMetrics | None  # None: no calls expected


def staffing_model(asked: Model | None, patience: Patience) -> Model:
    """Erlang A with the history's patience, unless Erlang C is asked for or nobody gave up."""
    if asked is Model.B:
        raise PlanningError("a forecast is staffed with Erlang A or C, not Erlang B")
    if asked is Model.C or patience.mean_s is None:
        return Model.C
    return Model.A


def staff_forecast(
    forecast: ArrivalForecast,
    model: Model,
    patience_s: float | None,
    target: Target,
    policy: StaffingPolicy | None = None,
) -> list[IntervalPlan]:
    """Agents each interval needs for `target`, with the model's figures at that count."""
    workloads = [
        Workload(f.calls_per_hour, f.aht_s, patience_s if model is Model.A else None)
        for f in forecast.intervals
    ]
    results = staff_day(model, workloads, target, policy)
    return [
        IntervalPlan(f, r.agents, r.scheduled, r.metrics if f.calls > 0 else None)
        for f, r in zip(forecast.intervals, results, strict=True)
    ]


def _row(plan: IntervalPlan, target: Target, actual: int | None) -> dict[str, Any]:
    f, m = plan.forecast, plan.metrics
    return {
        "interval": f.interval.label,
        "calls": f.calls,
        "calls_per_hour": f.calls_per_hour,
        "profile_calls": f.profile,
        "aht_s": f.aht_s,
        "aht_from": "interval" if f.aht_own else "history",
        "agents": plan.agents,
        "scheduled_agents": plan.scheduled,
        "service_level": None if m is None else m.service_level[target.definition],
        "abandon": None if m is None else m.p_abandon,
        "asa_s": None if m is None else finite(m.asa_s),
        "occupancy": None if m is None else m.occupancy,
        "actual_calls": actual,
    }


def backtest_json(b: Backtest | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "held_out_from": b.held_from.isoformat(),
        "weeks": b.weeks,
        "calls": sum(b.actual),
        "forecast_calls": math.fsum(b.forecast),
        "wape": b.wape,
        "mape": b.mape,
        "daily_wape": b.daily_wape,
        "same_interval_last_week_wape": b.naive_wape,
        "profile_only_wape": b.profile_wape,
    }


def forecast_json(
    inputs: ForecastInputs,
    plans: Sequence[IntervalPlan],
    model: Model,
    target: Target,
    settings: dict[str, Any],
) -> dict[str, Any]:
    f, p = inputs.forecast, inputs.patience
    actual = inputs.actual or [None] * len(plans)
    rows = [_row(plan, target, a) for plan, a in zip(plans, actual, strict=True)]
    busy = [(r.forecast.calls, r.metrics) for r in plans if r.metrics is not None]
    expected = math.fsum(calls for calls, _ in busy)
    answered_in_time = math.fsum(c * m.service_level[target.definition] for c, m in busy)
    return {
        "date": f.day.isoformat(),
        "interval": f.interval,
        "settings": settings,
        "model": model.value,
        "history": {
            "cut": f.cut.isoformat(),
            "weeks": f.weeks,
            "same_days": [d.isoformat() for d in f.same_days],
            "weekly_calls": list(f.weekly_calls),
            "level": f.level,
            "source": inputs.source,
        },
        "aht_s": f.aht_s,
        "patience": {
            "mean_s": p.mean_s,
            "median_s": p.median_s,
            "abandoned": p.abandoned,
            "observed": p.observed,
        },
        "totals": {
            "calls": f.total,
            "actual_calls": None if inputs.actual is None else sum(inputs.actual),
            "agent_hours": math.fsum(r.agents * r.forecast.interval.hours for r in plans),
            "peak_agents": max((r.agents for r in plans), default=0),
            "abandoned": math.fsum(c * m.p_abandon for c, m in busy),
            "service_level": answered_in_time / expected if expected else None,
        },
        "backtest": backtest_json(inputs.backtest),
        "rows": rows,
    }


@dataclass(frozen=True, slots=True)
class ForecastPlan:
    """A forecast day staffed: what `plan forecast` prints and the planning API answers."""

    inputs: ForecastInputs
    plans: tuple[IntervalPlan, ...]
    model: Model
    target: Target

    def as_json(self, settings: dict[str, Any]) -> dict[str, Any]:
        return forecast_json(self.inputs, self.plans, self.model, self.target, settings)


def plan_forecast(
    engine: Engine,
    day: date,
    today: date,
    weeks: int,
    interval: str,
    tz: ZoneInfo,
    queues: tuple[str, ...],
    model: Model | None,
    target: Target,
    policy: StaffingPolicy | None = None,
) -> ForecastPlan:
    """Forecast `day` from the stored calls (forecast_history.py) and staff each interval."""
    inputs = forecast_inputs(engine, day, today, weeks, interval, tz, queues)
    chosen = staffing_model(model, inputs.patience)
    plans = staff_forecast(inputs.forecast, chosen, inputs.patience.mean_s, target, policy)
    return ForecastPlan(inputs, tuple(plans), chosen, target)


# -- the same forecast as simulator input ------------------------------------------------


def simulation_arrivals(forecast: ArrivalForecast, queue: str) -> PoissonArrivals:
    """Poisson arrivals at each interval's forecast rate, times from the day's midnight."""
    periods = tuple(
        RatePeriod(f.interval.start_s, f.interval.end_s, f.calls_per_hour)
        for f in forecast.intervals
    )
    return PoissonArrivals(queue, periods)


def simulation_staffing(plans: Sequence[IntervalPlan], name: str, queue: str) -> AgentGroup:
    """One agent group whose schedule follows the agents each interval needs."""
    if not plans:
        raise PlanningError("an empty forecast has no staffing to simulate")
    first = plans[0].agents
    changes: list[tuple[float, int]] = []
    current = first
    for plan in plans[1:]:
        if plan.agents != current:
            changes.append((plan.forecast.interval.start_s, plan.agents))
            current = plan.agents
    return AgentGroup(name, first, (queue,), schedule=tuple(changes))


def simulation_patience(patience: Patience) -> KaplanMeierPatience | Exponential:
    """The history's Kaplan-Meier curve (tail: the exponential mean) for simulated callers."""
    if patience.curve is None or patience.mean_s is None:
        raise PlanningError("the history has no abandoned call to learn patience from")
    if len(patience.curve.times) == 0:
        return Exponential(patience.mean_s)
    return KaplanMeierPatience(patience.curve, patience.mean_s)
