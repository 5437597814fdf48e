"""Who is asking: session cookies (browsers) and API tokens (integrations), CSRF, roles.

A browser signs in and gets the `fd_session` cookie (HttpOnly; SameSite=Lax, so that links in
e-mails open signed in; Secure behind https); every state-changing request from it must also
carry the session's CSRF token in the `X-CSRF-Token` header, which pages read from their
`<meta name="csrf-token">`. Integrations send
`Authorization: Bearer fdk_...` instead and need no CSRF token, since a browser never attaches
that header on its own. What each role may see is decided in `frontdesk.accounts.policy`.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Depends, Request, WebSocket

from frontdesk.accounts.credentials import check_csrf
from frontdesk.accounts.model import Principal, Role, Session
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, forbidden

COOKIE = "fd_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def session_of(context: AppContext, cookie: str | None) -> Session | None:
    if not cookie:
        return None
    return context.accounts.resolve_session(cookie)


def principal_of(context: AppContext, request: Request | WebSocket) -> Principal | None:
    """The signed-in user of a request or WebSocket, None when there is none (no CSRF check)."""
    token = _bearer(request.headers.get("authorization"))
    if token is not None:
        return context.accounts.resolve_token(token)
    session = session_of(context, request.cookies.get(COOKIE))
    if session is None:
        return None
    request.state.session = session
    return session.principal


def principal(request: Request, context: AppContext = Depends(ctx)) -> Principal:
    """The dependency every API route takes: signed in, and CSRF-checked when it changes state."""
    token = _bearer(request.headers.get("authorization"))
    if token is not None:
        found = context.accounts.resolve_token(token)
        if found is None:
            raise ApiError(401, "bad_token", "The API token is not valid, expired or revoked.")
        return found
    session = session_of(context, request.cookies.get(COOKIE))
    if session is None:
        raise ApiError(401, "not_signed_in", "Sign in first.")
    if request.method not in SAFE_METHODS and not check_csrf(
        session, request.headers.get("x-csrf-token")
    ):
        raise ApiError(403, "bad_csrf_token", "The request lacks this session's CSRF token.")
    request.state.session = session
    return session.principal


def require_role(who: Principal, roles: Iterable[Role | str]) -> None:
    allowed = {Role(r) for r in roles}
    if who.role not in allowed:
        names = " or ".join(sorted(r.value for r in allowed))
        raise forbidden(f"This needs the {names} role.")


def supervisor(who: Principal = Depends(principal)) -> Principal:
    require_role(who, (Role.SUPERVISOR, Role.ADMIN))
    return who


def admin(who: Principal = Depends(principal)) -> Principal:
    require_role(who, (Role.ADMIN,))
    return who


def agent(who: Principal = Depends(principal)) -> Principal:
    if who.agent_id is None:
        raise forbidden("Only users who work as an agent have a desk.")
    return who
