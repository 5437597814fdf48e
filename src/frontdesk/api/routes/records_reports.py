"""Reports over HTTP: the reports of `frontdesk report`, with the same filters, as JSON or CSV.

`GET /api/reports/{kind}` takes the command's options as query parameters (`from`, `to`,
`queue` (repeat), `by`, `interval`, `target_s`, `short_abandon_s`, `buckets`, `definition`,
`tz`) and answers the command's `--json` object, or its `--csv` text with `?format=csv`.
Before building, the derived calls table is brought up to date with the event log, as the
command does.

Who gets what: admins every queue; supervisors the queues of their teams (asking for another
team's queue is refused; without `queue`, all of theirs); agents only the `agents` report and
in it only their own row (their own calls in any queue), the other reports answer 403.
"""

from __future__ import annotations

import math
import threading
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from frontdesk.accounts.model import Principal, Role
from frontdesk.analytics.calls_table import refresh_calls
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import MetricSettings
from frontdesk.analytics.patience import DEFAULT_BUCKETS_S
from frontdesk.analytics.queries import Window
from frontdesk.analytics.render import to_csv, to_json
from frontdesk.analytics.reports import KINDS, Report, ReportRequest, build
from frontdesk.analytics.slices import local_day_start, zone
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, forbidden
from frontdesk.api.security import principal
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, SLDefinition

router = APIRouter(prefix="/api/reports", tags=["reports"])
Kind = Literal[
    "summary", "service-level", "abandonment", "patience", "intervals", "agents", "missed"
]
assert set(get_args(Kind)) == set(KINDS), "the route's report kinds must be the command's"
DEFINITIONS = "^(" + "|".join(d.value for d in SLDefinition) + ")$"
_REFRESH = threading.Lock()  # one refresh of the derived calls at a time
Seconds = Annotated[float, Query(ge=0, le=86_400)]


def _queues(context: AppContext, who: Principal, asked: list[str]) -> tuple[str, ...]:
    """The queues the report may cover for this user (empty: every queue, admins only)."""
    if who.role is Role.ADMIN or (who.role is Role.AGENT and who.agent_id):
        return tuple(asked)
    mine = {q.name for q in context.company().queues if q.team in who.teams}
    if not mine:
        raise forbidden("You supervise no team with queues, so there is nothing to report.")
    if outside := set(asked) - mine:
        raise forbidden(f"The queue {sorted(outside)[0]!r} is not one of your teams' queues.")
    return tuple(sorted(set(asked) or mine))


def _buckets(text: str) -> tuple[float, ...]:
    try:
        edges = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        message = "Buckets must be numbers of seconds separated by commas."
        raise ApiError(422, "bad_report_request", message) from None
    if not all(math.isfinite(e) for e in edges):
        raise ApiError(422, "bad_report_request", "Buckets must be finite numbers of seconds.")
    return edges


def _request(context: AppContext, kind: str, since: str | None, until: str | None,
             queues: tuple[str, ...], by: str, interval: str, settings: MetricSettings,
             tz_name: str | None) -> ReportRequest:  # fmt: skip
    tz = zone(tz_name or context.company().timezone)
    window = Window(local_day_start(since, tz) if since else -math.inf,
                    local_day_start(until, tz) if until else math.inf, queues)  # fmt: skip
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    return ReportRequest(kind, window, dims, interval, settings, tz)


def _own_row(report: Report, agent_id: str) -> Report:
    rows = [row for row in report.rows if row.get("agent") == agent_id]
    return Report(report.kind, report.columns, rows, report.settings, report.notes)


BUCKETS = ",".join(f"{edge:g}" for edge in DEFAULT_BUCKETS_S)


class ReportQuery:
    """The options of `frontdesk report` as query parameters: one list for the report and its
    chart (api/routes/reports_page_charts.py)."""

    def __init__(
        self,
        since: Annotated[str | None, Query(alias="from", max_length=40)] = None,
        until: Annotated[str | None, Query(alias="to", max_length=40)] = None,
        queue: Annotated[list[str] | None, Query(max_length=50)] = None,
        by: Annotated[str, Query(max_length=200)] = "",
        interval: Literal["15min", "hour", "day"] = "hour",
        target_s: Seconds = 20.0,
        short_abandon_s: Seconds = 5.0,
        buckets: Annotated[str, Query(max_length=200)] = BUCKETS,
        definition: Annotated[str, Query(pattern=DEFINITIONS)] = DEFAULT_SL_DEFINITION.value,
        tz: Annotated[str | None, Query(max_length=64)] = None,
    ) -> None:
        self.since, self.until, self.queue, self.by = since, until, list(queue or []), by
        self.interval, self.target_s, self.short_abandon_s = interval, target_s, short_abandon_s
        self.buckets, self.definition, self.tz = buckets, definition, tz

    def checked(self, context: AppContext, who: Principal, kind: str
                ) -> tuple[ReportRequest, Report]:  # fmt: skip
        return checked_report(context, who, kind, self.since, self.until, self.queue, self.by,
                              self.interval, self.target_s, self.short_abandon_s, self.buckets,
                              self.definition, self.tz)  # fmt: skip


@router.get(
    "/{kind}",
    summary="A report of `frontdesk report`, as JSON or CSV",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def report(
    kind: Kind, q: ReportQuery = Depends(), format: Literal["json", "csv"] = "json",
    who: Principal = Depends(principal), context: AppContext = Depends(ctx),
) -> Response:  # fmt: skip
    _, found = q.checked(context, who, kind)
    if format == "csv":
        disposition = f'attachment; filename="{kind}.csv"'
        return Response(to_csv(found), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": disposition})  # fmt: skip
    return Response(to_json(found), media_type="application/json")


def checked_report(context: AppContext, who: Principal, kind: str, since: str | None,
                   until: str | None, queue: list[str], by: str, interval: str, target_s: float,
                   short_abandon_s: float, buckets: str, definition: str, tz: str | None,
                   ) -> tuple[ReportRequest, Report]:  # fmt: skip
    """The report as this user may see it (access checked, scoped), and the request built.
    Shared with the chart route (api/routes/reports_page_charts.py)."""
    if who.role is Role.AGENT and kind != "agents":
        raise forbidden("Agents see only their own row of the agents report.")
    if who.role is Role.AGENT and not who.agent_id:
        raise forbidden("This user does not work as an agent, so it has no agent row.")
    try:
        settings = MetricSettings(target_s, short_abandon_s, _buckets(buckets),
                                  SLDefinition.parse(definition))  # fmt: skip
        request = _request(context, kind, since, until, _queues(context, who, queue), by,
                           interval, settings, tz)  # fmt: skip
        with _REFRESH:
            refresh_calls(context.event_log.engine)
        found = build(context.event_log.engine, request)
    except (AnalyticsError, PlanningError) as exc:
        text = str(exc)
        raise ApiError(422, "bad_report_request", f"{text[:1].upper()}{text[1:]}.") from exc
    if who.role is Role.AGENT:
        found = _own_row(found, str(who.agent_id))
    return request, found
