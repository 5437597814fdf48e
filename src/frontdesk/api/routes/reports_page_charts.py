"""Report charts over HTTP: `GET /api/reports/{kind}/chart.svg`, the chart of the report that
`GET /api/reports/{kind}` answers, with the same query parameters.

Access and scope are the JSON route's own (`records_reports.checked_report`): admins every
queue, supervisors their teams' queues, agents only their own row of `agents` (403 for every
other report). `target_sl` (default 0.8) is the service-level goal the chart draws and staffs
for. Charts are drawn one at a time: matplotlib's style context is process-wide.
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from frontdesk.accounts.model import Principal
from frontdesk.analytics.charts import ChartOptions, render, report_chart
from frontdesk.analytics.patience import DEFAULT_BUCKETS_S
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.routes.records_reports import DEFINITIONS, Kind, Seconds, checked_report
from frontdesk.api.security import principal
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION

router = APIRouter(prefix="/api/reports", tags=["reports"])
DRAWING = threading.Lock()
SVG = "image/svg+xml"
Share = Annotated[float, Query(gt=0, lt=1)]


def svg_response(body: bytes, name: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{name}.svg"',
               "Cache-Control": "private, no-store"}  # fmt: skip
    return Response(body, media_type=SVG, headers=headers)


@router.get(
    "/{kind}/chart.svg",
    summary="The chart of a report, as SVG (same parameters and access as the report)",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}},
)
def report_chart_svg(
    kind: Kind,
    since: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    until: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    queue: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006 (FastAPI copies it)
    by: Annotated[str, Query(max_length=200)] = "",
    interval: Literal["15min", "hour", "day"] = "hour",
    target_s: Seconds = 20.0,
    short_abandon_s: Seconds = 5.0,
    buckets: Annotated[str, Query(max_length=200)] = ",".join(f"{b:g}" for b in DEFAULT_BUCKETS_S),
    definition: Annotated[str, Query(pattern=DEFINITIONS)] = DEFAULT_SL_DEFINITION.value,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    target_sl: Share = 0.8,
    who: Principal = Depends(principal),
    context: AppContext = Depends(ctx),
) -> Response:
    request, found = checked_report(
        context, who, kind, since, until, queue, by, interval, target_s, short_abandon_s,
        buckets, definition, tz,
    )  # fmt: skip
    with DRAWING:
        figure = report_chart(context.event_log.engine, request, found, ChartOptions(target_sl))
        body = render(figure, "svg")
    return svg_response(body, kind)
