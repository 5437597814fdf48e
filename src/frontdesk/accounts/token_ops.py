"""API tokens for integrations in the database: create (secret shown once), list, revoke, resolve.

A token is `fdk_` + 256 random bits. The table keeps its SHA-256 and a hint of its first four
random characters, never the token. A token acts as its owner with the owner's current role
and teams; it stops working when revoked, past its expiry, or while the owner is disabled.
Its last use is written at most once a minute, like a session's.
"""

from __future__ import annotations

import math

from sqlalchemy import Connection, insert, select, update

from frontdesk.accounts.credentials import digest, looks_like_api_token, new_api_token, token_hint
from frontdesk.accounts.db import Db
from frontdesk.accounts.errors import AccountsError, UnknownToken
from frontdesk.accounts.model import ApiToken, NewToken, Principal
from frontdesk.accounts.rows import existing_user, inserted_id, token_from_row, user_from_row
from frontdesk.accounts.schema import api_tokens, users
from frontdesk.accounts.validate import display_name

_TOUCH_EVERY_S = 60.0
_LISTED = select(api_tokens, users.c.username).join(users).order_by(api_tokens.c.id)


def create(
    db: Db, username: str, name: str, expires_at: float | None, created_by: str | None
) -> NewToken:
    label = _name(name)
    if expires_at is not None and not math.isfinite(expires_at):
        raise AccountsError("the token's expiry must be a time in seconds since the epoch")
    secret = new_api_token()

    def add(conn: Connection, now: float) -> int:
        owner = existing_user(conn, username)
        if expires_at is not None and expires_at <= now:
            raise AccountsError("the token's expiry is in the past")
        result = conn.execute(
            insert(api_tokens).values(
                token_hash=digest(secret),
                user_id=owner.id,
                name=label,
                hint=token_hint(secret),
                created_at=now,
                created_by=created_by,
                expires_at=expires_at,
            )
        )
        return inserted_id(result)

    token_id = db.write(add)
    return NewToken(secret=secret, token=_one(db, token_id))


def listing(db: Db, username: str | None) -> list[ApiToken]:
    query = _LISTED if username is None else _LISTED.where(users.c.username == username)
    return [token_from_row(row) for row in db.read(lambda conn, _: conn.execute(query))]


def revoke(db: Db, token_id: int) -> ApiToken:
    def change(conn: Connection, now: float) -> None:
        found = conn.execute(select(api_tokens.c.revoked_at).where(api_tokens.c.id == token_id))
        row = found.first()
        if row is None:
            raise UnknownToken(f"there is no API token with id {token_id}")
        if row.revoked_at is None:
            conn.execute(
                update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now)
            )

    db.write(change)
    return _one(db, token_id)


def resolve(db: Db, secret: str) -> Principal | None:
    if not looks_like_api_token(secret):
        return None
    query = select(api_tokens, users).join(users).where(api_tokens.c.token_hash == digest(secret))
    row = db.read(lambda conn, _: conn.execute(query).first())
    if row is None:
        return None
    token, owner = row._mapping, user_from_row(row)
    now = db.now()
    expires_at = token[api_tokens.c.expires_at]
    if (
        owner.disabled
        or token[api_tokens.c.revoked_at] is not None
        or (expires_at is not None and now >= expires_at)
    ):
        return None
    last_used = token[api_tokens.c.last_used_at]
    token_id = int(token[api_tokens.c.id])
    if last_used is None or now - last_used >= _TOUCH_EVERY_S:
        touch = update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now)
        db.write(lambda conn, _: conn.execute(touch))
    return owner.principal(token_id=token_id)


def _one(db: Db, token_id: int) -> ApiToken:
    row = db.read(lambda conn, _: conn.execute(_LISTED.where(api_tokens.c.id == token_id)).first())
    if row is None:
        raise UnknownToken(f"there is no API token with id {token_id}")
    return token_from_row(row)


def _name(name: str) -> str:
    try:
        return display_name(name)
    except AccountsError:
        raise AccountsError(
            "a token needs a name of at most 128 characters, e.g. 'crm-sync'"
        ) from None
