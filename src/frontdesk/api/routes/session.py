"""Signing in and out: `POST /api/session` sets the session cookie, `DELETE` ends it.

Password checks are slow on purpose (argon2), so they run in a worker thread; failed attempts
are throttled per username and per address (`LoginThrottle`) before any hash is computed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from frontdesk.accounts.errors import BadCredentials
from frontdesk.accounts.model import Principal, Role
from frontdesk.accounts.throttle import LoginThrottle
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.security import COOKIE, forget_session, principal

router = APIRouter(prefix="/api/session", tags=["session"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


def home_of(who: Principal) -> str:
    if who.agent_id is not None and who.role is Role.AGENT:
        return "/desk"
    return "/admin" if who.role is Role.ADMIN else "/board"


def describe(who: Principal, csrf: str | None = None) -> dict[str, Any]:
    return {"username": who.username, "role": who.role.value, "teams": sorted(who.teams),
            "agent_id": who.agent_id, "home": home_of(who), "csrf_token": csrf}  # fmt: skip


@router.post("", summary="Sign in with a username and password")
async def sign_in(
    body: Credentials, request: Request, response: Response, context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    address = request.client.host if request.client else None
    throttle: LoginThrottle = context.extras["login_throttle"]
    now = context.clock.now()
    verdict = throttle.admit(body.username, address, now)
    if not verdict.allowed:
        raise ApiError(429, "login_throttled", "Too many failed sign-ins; try again later.",
                       retry_after_s=int(verdict.retry_after) + 1)  # fmt: skip
    loop = asyncio.get_running_loop()
    try:
        user = await loop.run_in_executor(
            None, lambda: context.accounts.authenticate(body.username, body.password,
                                                        address=address))  # fmt: skip
    except BadCredentials as exc:
        throttle.failed(body.username, address, now)
        raise ApiError(401, "bad_credentials", "The username or the password is wrong.") from exc
    throttle.succeeded(body.username, address, now)
    opened = context.accounts.create_session(user.id, source=address)
    response.set_cookie(COOKIE, opened.token, httponly=True, samesite="lax", path="/",
                        secure=context.secure_cookies)  # fmt: skip
    return describe(opened.session.principal, opened.session.csrf_token)


@router.get("", summary="Who is signed in")
async def me(request: Request, who: Principal = Depends(principal)) -> dict[str, Any]:
    session = getattr(request.state, "session", None)
    return describe(who, session.csrf_token if session is not None else None)


@router.delete("", summary="Sign out")
async def sign_out(
    request: Request, response: Response, context: AppContext = Depends(ctx),
    _: Principal = Depends(principal),
) -> dict[str, bool]:  # fmt: skip
    token = request.cookies.get(COOKIE)
    if token:
        context.accounts.end_session(token)
        forget_session(context, token)
    response.delete_cookie(COOKIE, path="/")
    return {"signed_out": True}
