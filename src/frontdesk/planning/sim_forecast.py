"""`frontdesk simulate --history DATA_DIR --forecast DAY`: simulate a forecast day.

The day's arrivals are Poisson at each interval's forecast rate (`plan forecast`'s method,
forecast_plan.py), callers' patience is the history's Kaplan-Meier curve, and with
`--staffing forecast` the agents follow what the forecast says each interval needs: so the
simulator checks the plan with the real routing engine, queue dynamics and all, where the
Erlang formulas assume each interval stands alone in a steady state.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from frontdesk.planning.forecast_cli import build
from frontdesk.planning.forecast_plan import (
    simulation_arrivals,
    simulation_patience,
    simulation_staffing,
)
from frontdesk.planning.sim_model import AgentGroup, Distribution, PoissonArrivals

DAY_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class ForecastDay:
    arrivals: PoissonArrivals
    patience: Distribution
    staffing: AgentGroup


def forecast_day(args: argparse.Namespace, queue: str) -> ForecastDay:
    """What the simulation of `args.forecast` takes from the forecast of that day."""
    options = argparse.Namespace(
        date=args.forecast, weeks=args.forecast_weeks, interval="hour", queue=args.queue,
        tz=args.tz, model="a", target_sl=args.target_sl, target_s=args.target_s,
        definition=args.definition, shrinkage=0.0, max_occupancy=1.0, data_dir=args.history,
    )  # fmt: skip
    plan, _tz = build(options)
    return ForecastDay(
        arrivals=simulation_arrivals(plan.inputs.forecast, queue),
        patience=simulation_patience(plan.inputs.patience),
        staffing=simulation_staffing(plan.plans, "agent", queue),
    )
