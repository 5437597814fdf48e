"""Browser sessions in the database: open, look up (with expiry and throttled touch), end.

The cookie value is a 256-bit random token; the table keeps only its SHA-256 (credentials.py).
A lookup is one indexed read joined with the user, so a change of role, teams or the disabled
flag applies to the very next request. When the session is over it is deleted on the spot.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection, delete, insert, or_, select, update

from frontdesk.accounts.credentials import (
    digest,
    looks_like_session_token,
    new_csrf_token,
    new_session_token,
)
from frontdesk.accounts.db import Db
from frontdesk.accounts.errors import BadCredentials, UnknownUser
from frontdesk.accounts.model import NewSession, Session
from frontdesk.accounts.rows import inserted_id, session_from_row, user_from_row
from frontdesk.accounts.schema import sessions, users
from frontdesk.accounts.sessions import SessionPolicy


def create(db: Db, policy: SessionPolicy, user_id: int, source: str | None) -> NewSession:
    token, csrf = new_session_token(), new_csrf_token()

    def add(conn: Connection, now: float) -> Session:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise UnknownUser(f"there is no user with id {user_id}")
        user = user_from_row(row)
        if user.disabled:
            raise BadCredentials(f"the user '{user.username}' is disabled")
        expires_at = policy.expires_at(now)
        result = conn.execute(
            insert(sessions).values(
                token_hash=digest(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
                source=None if source is None else source[:255],
            )
        )
        return Session(
            id=inserted_id(result),
            principal=user.principal(),
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            source=source,
        )

    return NewSession(token=token, session=db.write(add))


def resolve(db: Db, policy: SessionPolicy, token: str) -> Session | None:
    if not looks_like_session_token(token):
        return None
    hashed = digest(token)
    query = select(sessions, users).join(users).where(sessions.c.token_hash == hashed)
    row = db.read(lambda conn, _: conn.execute(query).first())
    if row is None:
        return None
    user = user_from_row(row)
    session = session_from_row(row, user.principal())
    now = db.now()
    if user.disabled or policy.is_over(session.expires_at, session.last_seen_at, now):
        db.write(lambda conn, _: conn.execute(delete(sessions).where(sessions.c.id == session.id)))
        return None
    if not policy.needs_touch(session.last_seen_at, now):
        return session
    touch = update(sessions).where(sessions.c.id == session.id).values(last_seen_at=now)
    db.write(lambda conn, _: conn.execute(touch))
    return dataclasses.replace(session, last_seen_at=now)


def end(db: Db, token: str) -> bool:
    query = delete(sessions).where(sessions.c.token_hash == digest(token))
    return bool(db.write(lambda conn, _: conn.execute(query).rowcount))


def end_all(db: Db, user_id: int) -> int:
    query = delete(sessions).where(sessions.c.user_id == user_id)
    return int(db.write(lambda conn, _: conn.execute(query).rowcount))


def purge(db: Db, policy: SessionPolicy) -> int:
    def remove(conn: Connection, now: float) -> int:
        over = or_(sessions.c.expires_at <= now, sessions.c.last_seen_at <= now - policy.idle_s)
        return int(conn.execute(delete(sessions).where(over)).rowcount)

    return db.write(remove)
