"""The page routes: each page is a template filled with who is signed in; its script does the
rest through the API. Pages need a session (else the sign-in page), and each checks the role
that its screen is for; the API checks again on every call, so a page is never the guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from frontdesk.accounts.model import Principal, Role
from frontdesk.api.context import AppContext
from frontdesk.api.routes.desk import BREAK_REASONS
from frontdesk.api.routes.session import home_of
from frontdesk.api.security import COOKIE, session_of

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)


def _context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def _page(request: Request, name: str, page: str, **values: Any) -> Response:
    context = _context(request)
    session = session_of(context, request.cookies.get(COOKIE))
    if session is None:
        return RedirectResponse("/login", status_code=303)
    who: Principal = session.principal
    allowed = {
        "desk": who.agent_id is not None,
        "board": who.role in (Role.SUPERVISOR, Role.ADMIN),
        "calls": who.role in (Role.SUPERVISOR, Role.ADMIN),
        "recordings": who.role in (Role.SUPERVISOR, Role.ADMIN),
        "admin": who.role is Role.ADMIN,
    }.get(page, True)
    if not allowed:
        return RedirectResponse(home_of(who), status_code=303)
    user = context.accounts.user(who.username)
    return templates.TemplateResponse(request, name, {
        "company": context.company().name, "user": user, "csrf": session.csrf_token,
        "page": page, **values,
    })  # fmt: skip


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    context = _context(request)
    session = session_of(context, request.cookies.get(COOKIE))
    return RedirectResponse(home_of(session.principal) if session else "/login", 303)


@router.get("/login", response_class=HTMLResponse)
def login(request: Request) -> Response:
    context = _context(request)
    return templates.TemplateResponse(request, "login.html", {
        "company": context.company().name, "user": None, "csrf": None,
        "demo": context.demo_password,
    })  # fmt: skip


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request) -> Response:
    return _page(request, "desk.html", "desk", break_reasons=BREAK_REASONS,
                 dispositions=_context(request).company().dispositions)  # fmt: skip


@router.get("/board", response_class=HTMLResponse)
def board(request: Request) -> Response:
    return _page(request, "board.html", "board", shared_token=None, break_reasons=BREAK_REASONS)


@router.get("/calls", response_class=HTMLResponse)
def calls(request: Request) -> Response:
    return _page(request, "calls.html", "calls")


@router.get("/recordings", response_class=HTMLResponse)
def recordings(request: Request) -> Response:
    return _page(request, "recordings.html", "recordings")


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> Response:
    return _page(request, "admin.html", "admin")


@router.get("/board/shared/{token}", response_class=HTMLResponse)
def shared_board(request: Request, token: str) -> Response:
    """An office screen: no sign-in, the link's token is the key (checked by the stream)."""
    context = _context(request)
    if context.extras["board_shares"].resolve(token) is None:
        return HTMLResponse("<h1>This wallboard link is unknown, expired or revoked.</h1>", 404)
    return templates.TemplateResponse(request, "board.html", {
        "company": context.company().name, "user": None, "csrf": None, "page": "board",
        "shared_token": token,
    })  # fmt: skip
