"""Database rows to value objects, and the few queries several store methods share."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, CursorResult, Row, select

from frontdesk.accounts.errors import AgentTaken, UnknownUser, UserExists
from frontdesk.accounts.model import ApiToken, LoginFailure, Principal, Role, Session, User
from frontdesk.accounts.schema import api_tokens, login_failures, sessions, users


def user_from_row(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=m[users.c.id],
        username=m[users.c.username],
        display_name=m[users.c.display_name],
        role=Role(m[users.c.role]),
        teams=tuple(json.loads(m[users.c.teams])),
        agent_id=m[users.c.agent_id],
        disabled=bool(m[users.c.disabled]),
        has_password=m[users.c.password_hash] is not None,
        created_at=m[users.c.created_at],
        updated_at=m[users.c.updated_at],
        last_login_at=m[users.c.last_login_at],
    )


def inserted_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise AssertionError("the database gave no id for the inserted row")
    return int(key[0])


def teams_json(teams: tuple[str, ...]) -> str:
    return json.dumps(list(teams), ensure_ascii=False)


def user_row(conn: Connection, username: str) -> Row[Any] | None:
    return conn.execute(select(users).where(users.c.username == username)).first()


def existing_user(conn: Connection, username: str) -> Row[Any]:
    row = user_row(conn, username)
    if row is None:
        raise UnknownUser(f"there is no user '{username}'")
    return row


def check_free(conn: Connection, username: str | None, agent_id: str | None, own_id: int) -> None:
    """Refuses a username or agent id that another user (not `own_id`) already has."""
    if username is not None:
        taken = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        if taken is not None and taken.id != own_id:
            raise UserExists(f"the username '{username}' is taken")
    if agent_id is not None:
        other = conn.execute(
            select(users.c.username).where(users.c.agent_id == agent_id, users.c.id != own_id)
        ).first()
        if other is not None:
            raise AgentTaken(f"the agent '{agent_id}' is already the user '{other.username}'")


def session_from_row(row: Row[Any], principal: Principal) -> Session:
    m = row._mapping
    return Session(
        id=m[sessions.c.id],
        principal=principal,
        csrf_token=m[sessions.c.csrf_token],
        created_at=m[sessions.c.created_at],
        last_seen_at=m[sessions.c.last_seen_at],
        expires_at=m[sessions.c.expires_at],
        source=m[sessions.c.source],
    )


def token_from_row(row: Row[Any]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        id=m[api_tokens.c.id],
        user_id=m[api_tokens.c.user_id],
        username=m[users.c.username],
        name=m[api_tokens.c.name],
        hint=m[api_tokens.c.hint],
        created_at=m[api_tokens.c.created_at],
        created_by=m[api_tokens.c.created_by],
        expires_at=m[api_tokens.c.expires_at],
        last_used_at=m[api_tokens.c.last_used_at],
        revoked_at=m[api_tokens.c.revoked_at],
    )


def failure_from_row(row: Row[Any]) -> LoginFailure:
    m = row._mapping
    return LoginFailure(
        id=m[login_failures.c.id],
        at=m[login_failures.c.at],
        username=m[login_failures.c.username],
        address=m[login_failures.c.address],
        reason=m[login_failures.c.reason],
    )
