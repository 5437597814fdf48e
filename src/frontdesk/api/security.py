"""Who is asking: session cookies (browsers) and API tokens (integrations), CSRF, roles.

A browser signs in and gets the `fd_session` cookie (HttpOnly; SameSite=Lax, so that links in
e-mails open signed in; Secure behind https); every state-changing request from it must also
carry the session's CSRF token in the `X-CSRF-Token` header, which pages read from their
`<meta name="csrf-token">`. Integrations send
`Authorization: Bearer fdk_...` instead and need no CSRF token, since a browser never attaches
that header on its own. What each role may see is decided in `frontdesk.accounts.policy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

from fastapi import Depends, Request, WebSocket

from frontdesk.accounts.credentials import check_csrf
from frontdesk.accounts.model import Principal, Role, Session
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError, forbidden

_T = TypeVar("_T")
COOKIE = "fd_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CACHE_S = 2.0  # how long a resolved cookie or token is trusted without asking the database


class CredentialCache:
    """Resolved sessions and API tokens, kept for `CACHE_S`: a busy screen polling the API
    would otherwise cost a database read per request. A sign-out forgets its cookie at once;
    every audited admin change to users or tokens empties the cache; a change made outside the
    server (`frontdesk user disable`) is seen within `CACHE_S`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[float, object]] = {}

    def get(self, key: str, resolve: Callable[[str], _T]) -> _T:
        now = self._clock()
        found = self._entries.get(key)
        if found is not None and found[0] > now:
            return cast(_T, found[1])
        value = resolve(key)
        if len(self._entries) > 10_000:
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        self._entries[key] = (now + CACHE_S, value)
        return value

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def _cache(context: AppContext) -> CredentialCache:
    cache: CredentialCache | None = context.extras.get("credentials")
    if cache is None:
        cache = context.extras["credentials"] = CredentialCache()
    return cache


def session_of(context: AppContext, cookie: str | None) -> Session | None:
    if not cookie:
        return None
    return _cache(context).get("s:" + cookie, lambda _: context.accounts.resolve_session(cookie))


def token_principal(context: AppContext, token: str) -> Principal | None:
    return _cache(context).get("t:" + token, lambda _: context.accounts.resolve_token(token))


def forget_session(context: AppContext, cookie: str) -> None:
    _cache(context).forget("s:" + cookie)


def forget_all_credentials(context: AppContext) -> None:
    """After an admin changed users or tokens: the next request asks the database again."""
    _cache(context).clear()


def principal_of(context: AppContext, request: Request | WebSocket) -> Principal | None:
    """The signed-in user of a request or WebSocket, None when there is none (no CSRF check)."""
    token = _bearer(request.headers.get("authorization"))
    if token is not None:
        return token_principal(context, token)
    session = session_of(context, request.cookies.get(COOKIE))
    if session is None:
        return None
    request.state.session = session
    return session.principal


async def principal(request: Request, context: AppContext = Depends(ctx)) -> Principal:
    """The dependency every API route takes: signed in, and CSRF-checked when it changes state."""
    token = _bearer(request.headers.get("authorization"))
    if token is not None:
        found = token_principal(context, token)
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


async def supervisor(who: Principal = Depends(principal)) -> Principal:
    require_role(who, (Role.SUPERVISOR, Role.ADMIN))
    return who


async def admin(who: Principal = Depends(principal)) -> Principal:
    require_role(who, (Role.ADMIN,))
    return who


async def agent(who: Principal = Depends(principal)) -> Principal:
    if who.agent_id is None:
        raise forbidden("Only users who work as an agent have a desk.")
    return who
