"""The staffing history needed, for `/api/planning/history` and its chart.

Reads the `intervals` report twice through the reports' own access check
(`records_reports.checked_report`: a supervisor's queues only): once whole, once by agent
(who answered calls in each interval). The callers' patience is the censored-exponential fit
of the same calls' waits (Erlang A's patience); the window's AHT stands in for intervals
without a handled call. `analytics/history_staffing.py` does the maths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Query

from frontdesk.accounts.model import Principal
from frontdesk.analytics.history_staffing import (
    OneMoreAgent,
    agents_seen,
    needed_by_interval,
    one_more_agent,
    window_aht,
)
from frontdesk.analytics.patience import fit_exponential_patience
from frontdesk.analytics.queries import waits
from frontdesk.api.context import AppContext
from frontdesk.api.errors import ApiError
from frontdesk.api.routes.records_reports import BUCKETS, DEFINITIONS, checked_report
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, SLDefinition
from frontdesk.planning.staffing import Target

LONG_PATIENCE_S = 1e6  # no abandoned call to learn from: callers as good as never give up


class HistoryQuery:
    """The window and the target: the reports' `from`, `to`, `queue`, `interval`, `tz`."""

    def __init__(
        self,
        since: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        until: Annotated[str | None, Query(alias="to", max_length=40)] = None,
        queue: Annotated[list[str] | None, Query(max_length=50)] = None,
        interval: Literal["15min", "hour", "day"] = "hour",
        tz: Annotated[str | None, Query(max_length=64)] = None,
        target_sl: Annotated[float, Query(gt=0, lt=1)] = 0.8,
        target_s: Annotated[float, Query(ge=0, le=86_400)] = 20.0,
        definition: Annotated[str, Query(pattern=DEFINITIONS)] = DEFAULT_SL_DEFINITION.value,
    ) -> None:
        self.since, self.until, self.queue = since, until, list(queue or [])
        self.interval, self.tz, self.target_sl = interval, tz, target_sl
        self.target_s, self.definition = target_s, definition


@dataclass(frozen=True, slots=True)
class History:
    rows: list[OneMoreAgent]
    target: Target
    as_json: dict[str, Any]


def history_rows(context: AppContext, who: Principal, q: HistoryQuery) -> History:
    def report(by: str) -> Any:
        return checked_report(context, who, "intervals", q.since, q.until, q.queue, by,
                              q.interval, q.target_s, 5.0, BUCKETS, q.definition, q.tz)  # fmt: skip

    request, whole = report("")
    _, by_agent = report("agent")
    wait_list, abandoned = waits(context.event_log.engine, request.window)
    notes = []
    fit = fit_exponential_patience(wait_list, abandoned)
    if fit is not None:
        patience = fit.mean_s
    else:
        patience = LONG_PATIENCE_S
        notes.append(
            "no abandoned call after any wait in the window: callers taken as never giving up"
        )
    definition = SLDefinition.parse(q.definition)
    try:
        target = Target.service_level(q.target_sl, q.target_s, definition)
        aht = window_aht(whole.rows)
        needs = needed_by_interval(whole.rows, q.interval, target, fallback_aht_s=aht)
        rows = one_more_agent(whole.rows, needs, agents_seen(by_agent.rows, q.interval),
                              patience, q.target_s, 5.0)  # fmt: skip
    except PlanningError as exc:
        raise ApiError(422, "bad_planning_request", f"{exc}.") from exc
    found = [r.as_json(definition) for r in rows]
    totals = {
        "intervals": len(rows),
        "offered": sum(r.need.offered for r in rows),
        "abandoned": sum(r.abandoned for r in rows),
        "abandons_saved": sum(r.abandons_saved for r in rows),
    }
    settings = {"interval": q.interval, "target_sl": q.target_sl, "target_s": q.target_s,
                "definition": definition.value, "timezone": str(request.tz),
                "queues": list(request.window.queues)}  # fmt: skip
    body = {"settings": settings, "patience_s": patience, "aht_s": aht, "totals": totals,
            "notes": notes, "rows": found}  # fmt: skip
    return History(rows, target, body)
