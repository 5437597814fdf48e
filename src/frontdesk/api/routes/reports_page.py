"""The Reports (`/reports`) and Planning (`/planning`) pages: templates filled with what the
user may choose from; their scripts (reports.js, planning.js) do the rest through the API.

Who gets a page follows the API's access rules: Reports for supervisors and admins (every
report, their queues) and for agents (only the agents report, their own row); Planning for
supervisors and admins. A user without the page is sent to their home page; the API checks
again on every call, so the page is never the guard.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from frontdesk.accounts.model import Principal, Role
from frontdesk.analytics.calls_table import queues_in_calls
from frontdesk.analytics.reports import KINDS
from frontdesk.analytics.sl_labels import SL_SHORT
from frontdesk.analytics.slices import RECORD_DIMENSIONS
from frontdesk.api.context import AppContext
from frontdesk.api.routes.session import home_of
from frontdesk.api.security import COOKIE, session_of
from frontdesk.web.pages import _page

router = APIRouter(include_in_schema=False)
REPORT_NAMES = {
    "intervals": "Service level and arrivals by interval, against staffing",
    "abandonment": "Abandonment by wait",
    "patience": "Caller patience (Kaplan–Meier)",
    "summary": "Customer segments and callbacks (summary)",
    "service-level": "Service level by definition",
    "agents": "Agent performance",
    "missed": "Missed calls and whether they were called back",
}
assert set(REPORT_NAMES) == set(KINDS), "every report needs a name on the page"


def may_report(who: Principal) -> bool:
    return who.role in (Role.SUPERVISOR, Role.ADMIN) or who.agent_id is not None


def may_plan(who: Principal) -> bool:
    return who.role in (Role.SUPERVISOR, Role.ADMIN)


def visible_queues(context: AppContext, who: Principal) -> list[str]:
    """The queues a user may pick. Admins also get the queues of stored history that the
    company file does not name (an imported log's); supervisors see their teams' queues, and
    such queues belong to no team."""
    queues = context.company().queues
    if who.role is Role.ADMIN:
        history = queues_in_calls(context.event_log.engine)
        return sorted({q.name for q in queues} | set(history))
    return sorted(q.name for q in queues if q.team in who.teams)


def _gated(request: Request, template: str, page: str, may: Callable[[Principal], bool],
           values: Callable[[AppContext, Principal], dict[str, object]]) -> Response:  # fmt: skip
    context: AppContext = request.app.state.context
    session = session_of(context, request.cookies.get(COOKIE))
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not may(session.principal):
        return RedirectResponse(home_of(session.principal), status_code=303)
    return _page(request, template, page, **values(context, session.principal))


def _report_values(context: AppContext, who: Principal) -> dict[str, object]:
    agent_only = who.role is Role.AGENT
    kinds = {"agents": REPORT_NAMES["agents"]} if agent_only else REPORT_NAMES
    return {"kinds": kinds, "queues": [] if agent_only else visible_queues(context, who),
            "dimensions": RECORD_DIMENSIONS, "definitions": SL_SHORT,
            "timezone": context.company().timezone, "agent_only": agent_only}  # fmt: skip


def _planning_values(context: AppContext, who: Principal) -> dict[str, object]:
    return {"queues": visible_queues(context, who), "timezone": context.company().timezone,
            "definitions": SL_SHORT}  # fmt: skip


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request) -> Response:
    return _gated(request, "reports.html", "reports", may_report, _report_values)


@router.get("/planning", response_class=HTMLResponse)
def planning(request: Request) -> Response:
    return _gated(request, "planning.html", "planning", may_plan, _planning_values)
