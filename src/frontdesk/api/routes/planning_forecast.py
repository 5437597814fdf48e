"""A day's forecast and staffing, for `/api/planning/forecast` and its chart.

The forecast reads the stored calls of the user's queues: the history window goes through the
reports' own access check first (`records_reports.checked_report` on the `summary` report of
the same days: a supervisor's teams' queues only, another team's queue refused, the derived
calls brought up to date), then `planning.forecast_plan.plan_forecast` does the rest with the
queues and time zone that check settled. "Today" is the server clock's day in that zone: its
calls are not all in, so the history ends before it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Query

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext
from frontdesk.api.errors import ApiError
from frontdesk.api.routes.records_reports import DEFINITIONS, checked_report
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.forecast import WEEK
from frontdesk.planning.forecast_cli import MAX_WEEKS
from frontdesk.planning.forecast_plan import ForecastPlan, plan_forecast
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, Model, SLDefinition
from frontdesk.planning.staffing import StaffingPolicy, Target

BUCKETS = "10,20,30,60,90,120"


class ForecastQuery:
    """The day, how much history, the queues and zone (as the reports), the goal."""

    def __init__(
        self,
        day: Annotated[str, Query(alias="date", pattern=r"^\d{4}-\d{2}-\d{2}$")],
        weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS)] = 4,
        interval: Literal["hour", "15min"] = "hour",
        queue: Annotated[list[str] | None, Query(max_length=50)] = None,
        tz: Annotated[str | None, Query(max_length=64)] = None,
        model: Literal["a", "c"] = "a",
        target_sl: Annotated[float, Query(gt=0, lt=1)] = 0.8,
        target_s: Annotated[float, Query(ge=0, le=86_400)] = 20.0,
        definition: Annotated[str, Query(pattern=DEFINITIONS)] = DEFAULT_SL_DEFINITION.value,
        shrinkage: Annotated[float, Query(ge=0, lt=1)] = 0.0,
    ) -> None:
        self.day, self.weeks, self.interval, self.queue = day, weeks, interval, list(queue or [])
        self.tz, self.model, self.target_sl, self.target_s = tz, model, target_sl, target_s
        self.definition, self.shrinkage = definition, shrinkage


def forecast_for(
    context: AppContext, who: Principal, q: ForecastQuery
) -> tuple[ForecastPlan, dict[str, Any]]:
    """The staffed forecast this user may see, and the settings it was made with."""
    try:
        day = date.fromisoformat(q.day)
    except ValueError:
        raise ApiError(422, "bad_planning_request", f"{q.day!r} is not a day.") from None
    since = (day - WEEK * (q.weeks + 1)).isoformat()
    until = (day + timedelta(days=1)).isoformat()
    request, _ = checked_report(context, who, "summary", since, until, q.queue, "", "day",
                                q.target_s, 5.0, BUCKETS, q.definition, q.tz)  # fmt: skip
    today = datetime.fromtimestamp(context.clock.wall(), request.tz).date()
    try:
        target = Target.service_level(q.target_sl, q.target_s, SLDefinition.parse(q.definition))
        found = plan_forecast(context.event_log.engine, day, today, q.weeks, q.interval,
                              request.tz, request.window.queues, Model(q.model), target,
                              StaffingPolicy(shrinkage=q.shrinkage))  # fmt: skip
    except PlanningError as exc:
        text = str(exc)
        raise ApiError(422, "bad_planning_request", f"{text[:1].upper()}{text[1:]}.") from exc
    settings = {"weeks": q.weeks, "interval": q.interval, "timezone": str(request.tz),
                "queues": list(request.window.queues), "target_sl": q.target_sl,
                "target_s": q.target_s, "definition": q.definition, "shrinkage": q.shrinkage,
                "max_occupancy": 1.0}  # fmt: skip
    return found, settings
