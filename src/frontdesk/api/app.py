"""Builds the FastAPI application: API routers, the live event stream, pages and assets."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import frontdesk
from frontdesk.api import errors
from frontdesk.api.context import AppContext
from frontdesk.api.routes import (
    admin,
    board,
    board_agents,
    calls,
    desk,
    desk_recording,
    events,
    monitor,
    planning,
    records,
    records_reports,
    reports_page,
    reports_page_charts,
    session,
    softphone,
    widget,
)
from frontdesk.web import pages

DESCRIPTION = """The Frontdesk API: everything the agent desktop, the supervisor's wallboard and
the admin screens do, for integrations too. Sign in with `POST /api/session` (cookie + CSRF
token) or send `Authorization: Bearer <API token>`. Errors answer with a stable `error_id`
and a `message`. Live events: WebSocket `/api/events`."""


def create_app(context: AppContext) -> FastAPI:
    app = FastAPI(title="Frontdesk", version=getattr(frontdesk, "__version__", "0"),
                  description=DESCRIPTION, docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json")  # fmt: skip
    app.state.context = context
    errors.install(app)
    for module in (session, desk, desk_recording, calls, events, board, board_agents, softphone,
                   monitor, admin, records, records_reports, widget):  # fmt: skip
        app.include_router(module.router)
    # report charts, planning and their pages (helper W, issue #7)
    for module in (reports_page_charts, planning, reports_page):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(pages.HERE / "static")), name="static")
    return app
