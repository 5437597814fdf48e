"""Report charts over HTTP: `GET /api/reports/{kind}/chart.svg`, the chart of the report that
`GET /api/reports/{kind}` answers, with the same query parameters.

Access and scope are the JSON route's own (`records_reports.checked_report`): admins every
queue, supervisors their teams' queues, agents only their own row of `agents` (403 for every
other report). `target_sl` (default 0.8) is the service-level goal the chart draws and staffs
for. Charts are drawn one at a time: matplotlib's style context is process-wide.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.routes.records_reports import Kind, ReportQuery
from frontdesk.api.security import principal

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
    q: ReportQuery = Depends(),
    target_sl: Share = 0.8,
    who: Principal = Depends(principal),
    context: AppContext = Depends(ctx),
) -> Response:
    # matplotlib is imported with the first chart, not at server start (a third of a second)
    from frontdesk.analytics.charts import ChartOptions, render, report_chart

    request, found = q.checked(context, who, kind)
    with DRAWING:
        figure = report_chart(context.event_log.engine, request, found, ChartOptions(target_sl))
        body = render(figure, "svg")
    return svg_response(body, kind)
