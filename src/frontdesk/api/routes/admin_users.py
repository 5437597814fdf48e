"""Users, API tokens and the login audit for administrators.

Teams and agent ids given to a user must exist in the company file the server runs now
(`unknown_team`, `unknown_agent`), so that a typo cannot make a user who sees nothing.
Passwords are hashed in a worker thread (argon2 takes a fifth of a second). The last enabled
administrator cannot be disabled or demoted, and nobody can disable their own account, so
the admin screens can never lock every administrator out. An API token's secret is in the
answer that creates it and nowhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from frontdesk.accounts import validate
from frontdesk.accounts.demo import company_teams
from frontdesk.accounts.errors import AccountsError
from frontdesk.accounts.model import ApiToken, NewUser, Principal, Role, User
from frontdesk.accounts.store import KEEP, AccountStore
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.routes.admin_common import Body, RecordId, audit, user_manager

router = APIRouter(prefix="/api/admin", tags=["admin: users and tokens"])
_T = TypeVar("_T")

Name = Annotated[str, Field(min_length=1, max_length=validate.USERNAME_MAX)]
Team = Annotated[str, Field(min_length=1, max_length=validate.TEAM_MAX)]
Teams = Annotated[list[Team], Field(max_length=100)]
AgentId = Annotated[str, Field(min_length=1, max_length=validate.AGENT_ID_MAX)]
DisplayName = Annotated[str, Field(min_length=1, max_length=validate.NAME_MAX)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class NewUserBody(Body):
    username: Name
    display_name: DisplayName
    role: Role
    teams: Teams = []
    agent_id: AgentId | None = None
    password: Password | None = Field(default=None, description="none: a service user")


class UserChange(Body):
    """Only the fields given change; `agent_id: null` unlinks the user from its agent."""

    display_name: DisplayName | None = None
    role: Role | None = None
    teams: Teams | None = None
    agent_id: AgentId | None = None
    disabled: bool | None = None


class PasswordBody(Body):
    password: Password


class NewTokenBody(Body):
    username: Name
    name: Annotated[str, Field(min_length=1, max_length=128)]
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


def sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def accounts_call(work: Callable[[], _T]) -> _T:
    """Runs a store call, answering its refusals with their status and error id."""
    try:
        return work()
    except AccountsError as exc:
        raise ApiError(exc.http_status, exc.error_id, sentence(str(exc))) from None


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role.value, "teams": list(user.teams), "agent_id": user.agent_id,
            "disabled": user.disabled, "has_password": user.has_password,
            "created_at": user.created_at, "updated_at": user.updated_at,
            "last_login_at": user.last_login_at}  # fmt: skip


def token_json(token: ApiToken, now: float) -> dict[str, Any]:
    state = ("revoked" if token.revoked_at is not None
             else "expired" if token.expires_at is not None and token.expires_at <= now
             else "active")  # fmt: skip
    return {"id": token.id, "username": token.username, "name": token.name, "hint": token.hint,
            "created_at": token.created_at, "created_by": token.created_by,
            "expires_at": token.expires_at, "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at, "state": state}  # fmt: skip


def check_in_company(context: AppContext, teams: list[str] | None, agent_id: str | None) -> None:
    """Refuses teams and an agent id that the company file in force does not have."""
    company = context.company()
    if teams:
        known = set(company_teams(company))
        unknown = sorted(set(teams) - known)
        if unknown:
            raise ApiError(400, "unknown_team",
                           f"The company file has no team {', '.join(map(repr, unknown))} "
                           f"(its teams: {', '.join(sorted(known)) or 'none'}).")  # fmt: skip
    if agent_id is not None and agent_id not in {a.id for a in company.agents}:
        raise ApiError(400, "unknown_agent",
                       f"The company file has no agent {agent_id!r}.")  # fmt: skip


def _guard_admins(store: AccountStore, who: Principal, user: User, change: UserChange) -> None:
    demoted = change.role is not None and change.role is not Role.ADMIN
    if change.disabled and user.username == who.username:
        raise ApiError(409, "own_account", "You cannot disable your own account; another "
                       "administrator can.")  # fmt: skip
    if user.role is Role.ADMIN and not user.disabled and (demoted or change.disabled):
        others = [u for u in store.list_users(include_disabled=False)
                  if u.role is Role.ADMIN and u.id != user.id]  # fmt: skip
        if not others:
            raise ApiError(409, "last_admin", f"{user.username} is the last enabled "
                           "administrator: make another one first.")  # fmt: skip


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Role) else value


# -- users ----------------------------------------------------------------------------------


@router.get("/users", summary="Every user, disabled ones too")
def list_users(
    _: Principal = Depends(user_manager), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    return {"users": [user_json(u) for u in context.accounts.list_users()]}


@router.post("/users", status_code=201, summary="Add a user (no password: a service user)")
async def create_user(
    body: NewUserBody, who: Principal = Depends(user_manager), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    check_in_company(context, body.teams, body.agent_id)
    new = NewUser(body.username, body.display_name, body.role, tuple(body.teams), body.agent_id)
    loop = asyncio.get_running_loop()
    user = await loop.run_in_executor(
        None, accounts_call, lambda: context.accounts.create_user(new, body.password)
    )
    audit(context, who, "user_created", username=user.username, role=user.role.value,
          teams=list(user.teams), agent_id=user.agent_id,
          with_password=user.has_password)  # fmt: skip
    return user_json(user)


@router.patch("/users/{username}", summary="Change a user's name, role, teams, agent or state")
def update_user(
    username: Annotated[str, Path(max_length=200)],
    change: UserChange,
    who: Principal = Depends(user_manager),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    store = context.accounts
    user = accounts_call(lambda: store.user(username))
    given = change.model_fields_set
    check_in_company(context, change.teams, change.agent_id)
    _guard_admins(store, who, user, change)
    fields: dict[str, Any] = {
        "display_name": change.display_name if change.display_name is not None else KEEP,
        "role": change.role if change.role is not None else KEEP,
        "teams": change.teams if change.teams is not None else KEEP,
        "agent_id": change.agent_id if "agent_id" in given else KEEP,
    }
    if any(value is not KEEP for value in fields.values()):
        user = accounts_call(lambda: store.update_user(user.username, **fields))
    if change.disabled is not None and change.disabled != user.disabled:
        flip = store.disable if change.disabled else store.enable
        user = accounts_call(lambda: flip(user.username))
    changes = {key: _plain(getattr(change, key)) for key in sorted(given)}
    if changes:
        audit(context, who, "user_updated", username=user.username, changes=changes)
    return user_json(user)


@router.put("/users/{username}/password", summary="Set a user's password (ends their sessions)")
async def set_password(
    username: Annotated[str, Path(max_length=200)],
    body: PasswordBody,
    request: Request,
    who: Principal = Depends(user_manager),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    user = accounts_call(lambda: context.accounts.user(username))
    session = getattr(request.state, "session", None)
    keep = session.id if session is not None and user.username == who.username else None
    loop = asyncio.get_running_loop()
    user = await loop.run_in_executor(None, accounts_call, lambda: context.accounts.set_password(
        user.username, body.password, keep_session_id=keep))  # fmt: skip
    audit(context, who, "password_set", username=user.username)
    return user_json(user)


@router.get("/login-failures", summary="Failed sign-ins, latest first")
def login_failures(
    username: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[float | None, Query(ge=0, le=1e11)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    _: Principal = Depends(user_manager),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    found = context.accounts.login_failures(since=since, username=username, limit=limit)
    return {"failures": [{"id": f.id, "at": f.at, "username": f.username, "address": f.address,
                          "reason": f.reason} for f in found]}  # fmt: skip


# -- API tokens -----------------------------------------------------------------------------


@router.get("/tokens", summary="API tokens (never their secrets)")
def list_tokens(
    username: Annotated[str | None, Query(max_length=200)] = None,
    _: Principal = Depends(user_manager),
    context: AppContext = Depends(ctx),
) -> dict[str, Any]:
    tokens = accounts_call(lambda: context.accounts.list_tokens(username))
    now = context.clock.wall()
    return {"tokens": [token_json(t, now) for t in reversed(tokens)]}


@router.post("/tokens", status_code=201, summary="Create an API token; its secret is shown once")
def create_token(
    body: NewTokenBody, who: Principal = Depends(user_manager), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    now = context.clock.wall()
    expires = None if body.expires_in_days is None else now + body.expires_in_days * 86400.0
    made = accounts_call(lambda: context.accounts.create_token(
        body.username, body.name, expires_at=expires, created_by=who.username))  # fmt: skip
    audit(context, who, "token_created", token_id=made.token.id, username=made.token.username,
          name=made.token.name, expires_at=expires)  # fmt: skip
    return {"secret": made.secret, "token": token_json(made.token, now)}


@router.delete("/tokens/{token_id}", summary="Revoke an API token (it is kept, as revoked)")
def revoke_token(
    token_id: RecordId, who: Principal = Depends(user_manager), context: AppContext = Depends(ctx)
) -> dict[str, Any]:
    token = accounts_call(lambda: context.accounts.revoke_token(token_id))
    audit(context, who, "token_revoked", token_id=token.id, username=token.username,
          name=token.name)  # fmt: skip
    return token_json(token, context.clock.wall())
