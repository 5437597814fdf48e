"""What a forecast learns from the stored calls: calls and handling time per interval, patience.

Reads the derived calls table (analytics/calls_table.py) through the reports' own query
(`queries.sourced_tallies`, from the report rollup when it can answer): calls offered, handled
calls and their talk + hold + wrap-up per local interval, over the weeks before the history
cut and the forecast day itself (shown beside the forecast when that day is over). Patience
is the censored-exponential fit of the same weeks' waits (the Erlang A patience) with the
Kaplan-Meier curve beside it (analytics/patience.py). Like sim_history.py, this is planning's
door to the database; forecast.py does the maths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from frontdesk.analytics.calls_table import calls_table, ensure_schema
from frontdesk.analytics.metrics import MetricSettings
from frontdesk.analytics.patience import SurvivalCurve, fit_exponential_patience, kaplan_meier
from frontdesk.analytics.queries import Window, patience_waits, sourced_tallies
from frontdesk.analytics.records import OFFERED, OUTCOME_CODES
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.forecast import (
    WEEK,
    ArrivalForecast,
    Backtest,
    History,
    IntervalHistory,
    backtest,
    forecast_day,
    whole_weeks,
)


@dataclass(frozen=True, slots=True)
class Patience:
    """The callers' patience over the weeks used; `mean_s` is None when nobody gave up."""

    mean_s: float | None
    median_s: float | None  # Kaplan-Meier; None when fewer than half ever gave up
    curve: SurvivalCurve | None
    abandoned: int
    observed: int


@dataclass(frozen=True, slots=True)
class ForecastInputs:
    forecast: ArrivalForecast
    patience: Patience
    backtest: Backtest | None  # None: not two whole weeks of history before the cut
    actual: tuple[int, ...] | None  # calls offered per interval, when the day is in history
    source: str  # where the counts came from: "rollup", "rollup+calls" or "calls"


def midnight(day: date, tz: ZoneInfo) -> float:
    return datetime.combine(day, time(), tz).timestamp()


def offered_span(engine: Engine, queues: tuple[str, ...]) -> tuple[float, float] | None:
    """Times of the first and last call offered to these queues (all queues if none)."""
    ensure_schema(engine)
    codes = [OUTCOME_CODES[o] for o in OFFERED]
    c = calls_table.c
    query = select(func.min(c.offered_at), func.max(c.offered_at)).where(c.outcome.in_(codes))
    if queues:
        query = query.where(c.queue.in_(queues))
    with engine.connect() as conn:
        first, last = conn.execute(query).one()
    return None if first is None else (float(first), float(last))


def read_history(
    engine: Engine,
    interval: str,
    tz: ZoneInfo,
    since: date,
    until: date,
    queues: tuple[str, ...],
    first_day: date,
) -> tuple[History, str]:
    """Calls per local interval of the days [since, until), and their source."""
    window = Window(midnight(since, tz), midnight(until, tz), queues)
    found, source = sourced_tallies(
        engine, MetricSettings(), (interval,), window, tz, with_waits=False
    )
    counts = {
        key[0]: IntervalHistory(
            int(t["offered"]), int(t["handled"]), t["talk_sum"] + t["hold_sum"] + t["wrap_sum"]
        )
        for key, t in found.items()
    }
    return History(interval, tz, counts, first_day), source


def read_patience(engine: Engine, window: Window) -> Patience:
    waits, abandoned, _ = patience_waits(engine, window)
    if len(waits) == 0:
        return Patience(None, None, None, 0, 0)
    curve = kaplan_meier(waits, abandoned)
    gave_up = int(abandoned.sum())
    fit = fit_exponential_patience(waits, abandoned)
    mean = fit.mean_s if fit is not None else None
    return Patience(mean, curve.median(), curve, gave_up, len(waits))


def forecast_inputs(
    engine: Engine,
    day: date,
    today: date,
    weeks: int,
    interval: str,
    tz: ZoneInfo,
    queues: tuple[str, ...] = (),
) -> ForecastInputs:
    """The forecast of `day` from the whole weeks before it (or before `today`, whose calls
    are not all in yet), its error on the week before that, and the callers' patience."""
    span = offered_span(engine, queues)
    if span is None:
        raise PlanningError("no calls offered in the history to forecast from")
    first_day = datetime.fromtimestamp(span[0], tz).date()
    cut = min(day, today)
    history, source = read_history(
        engine, interval, tz, cut - WEEK * (weeks + 1), day + timedelta(days=1), queues, first_day
    )
    found = forecast_day(history, day, cut, weeks)
    used = Window(midnight(cut - WEEK * found.weeks, tz), midnight(cut, tz), queues)
    tested = backtest(history, cut - WEEK, weeks) if whole_weeks(history, cut - WEEK, 1) else None
    if tested is not None and sum(tested.actual) == 0:
        tested = None
    day_over = day < today and span[1] >= midnight(day + timedelta(days=1), tz)
    actual = (
        tuple(history.at(day, f.interval.clock).offered for f in found.intervals)
        if day_over
        else None
    )
    return ForecastInputs(found, read_patience(engine, used), tested, actual, source)


def finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
