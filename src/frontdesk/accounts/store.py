"""`AccountStore`: users, passwords, browser sessions and API tokens on the shared database.

Methods that hash a password (`create_user` with a password, `set_password`, `authenticate`)
take about 0.2 s of CPU with the default argon2 parameters: call them from a worker thread
(`loop.run_in_executor`), never from the event loop. They are thread-safe. Every other method
is a few indexed queries and may be called from the loop.

Bad input raises an `AccountsError` subclass before anything is written.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, delete, insert, select, update

from frontdesk.accounts import session_ops, token_ops, validate
from frontdesk.accounts.db import Db
from frontdesk.accounts.errors import BadCredentials, InvalidUser, UnknownUser
from frontdesk.accounts.model import (
    ApiToken,
    LoginFailure,
    NewSession,
    NewToken,
    NewUser,
    Principal,
    Role,
    Session,
    User,
)
from frontdesk.accounts.passwords import Passwords
from frontdesk.accounts.rows import (
    check_free,
    existing_user,
    failure_from_row,
    inserted_id,
    teams_json,
    user_from_row,
    user_row,
)
from frontdesk.accounts.schema import create_schema, login_failures, sessions, users
from frontdesk.accounts.sessions import SessionPolicy
from frontdesk.clock import Clock


class Keep(enum.Enum):
    """`update_user`'s marker for "leave this field as it is" (None is a value for agent_id)."""

    KEEP = "keep"


KEEP = Keep.KEEP
_USERNAME_AUDIT_MAX = 128


class AccountStore:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        passwords: Passwords | None = None,
        session_policy: SessionPolicy | None = None,
    ) -> None:
        """`passwords` defaults to argon2id with RFC 9106's parameters (see passwords.py)."""
        self.passwords = passwords or Passwords()
        self.session_policy = session_policy or SessionPolicy()
        self._db = Db(engine, clock)
        create_schema(engine)

    # -- users ------------------------------------------------------------------------------

    def create_user(self, new: NewUser, password: str | None) -> User:
        """Adds a user. `password=None` makes a service user, who can only use API tokens.

        Slow when a password is given (hashing): call from a thread.
        """
        user = validate.new_user(new)
        self._db.read(lambda conn, _: check_free(conn, user.username, user.agent_id, -1))
        hashed = None if password is None else self.passwords.hash_new(password, user.username)

        def add(conn: Connection, now: float) -> int:
            check_free(conn, user.username, user.agent_id, -1)
            result = conn.execute(
                insert(users).values(
                    username=user.username,
                    display_name=user.display_name,
                    role=user.role.value,
                    teams=teams_json(user.teams),
                    agent_id=user.agent_id,
                    password_hash=hashed,
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
            )
            return inserted_id(result)

        return self.get_user(self._db.write(add))

    def get_user(self, user_id: int) -> User:
        row = self._db.read(
            lambda conn, _: conn.execute(select(users).where(users.c.id == user_id)).first()
        )
        if row is None:
            raise UnknownUser(f"there is no user with id {user_id}")
        return user_from_row(row)

    def find_by_username(self, username: str) -> User | None:
        """The user, whatever the case of `username`; None when there is no such user."""
        try:
            name = validate.username(username)
        except InvalidUser:
            return None
        row = self._db.read(lambda conn, _: user_row(conn, name))
        return None if row is None else user_from_row(row)

    def user(self, username: str) -> User:
        """Like find_by_username, but UnknownUser when there is none."""
        found = self.find_by_username(username)
        if found is None:
            raise UnknownUser(f"there is no user '{username.strip()}'")
        return found

    def find_by_agent(self, agent_id: str) -> User | None:
        row = self._db.read(
            lambda conn, _: conn.execute(select(users).where(users.c.agent_id == agent_id)).first()
        )
        return None if row is None else user_from_row(row)

    def list_users(self, *, include_disabled: bool = True) -> list[User]:
        query = select(users).order_by(users.c.username)
        if not include_disabled:
            query = query.where(users.c.disabled.is_(False))
        return [user_from_row(row) for row in self._db.read(lambda c, _: c.execute(query))]

    def update_user(
        self,
        username: str,
        *,
        display_name: str | Keep = KEEP,
        role: Role | str | Keep = KEEP,
        teams: Iterable[str] | Keep = KEEP,
        agent_id: str | Keep | None = KEEP,
    ) -> User:
        """Changes what is given and keeps the rest. Takes effect on the user's next request."""
        name = validate.username(username)
        values: dict[str, object] = {}
        if not isinstance(display_name, Keep):
            values["display_name"] = validate.display_name(display_name)
        new_role = None if isinstance(role, Keep) else validate.role(role)
        if new_role is not None:
            values["role"] = new_role.value
        if not isinstance(teams, Keep):
            values["teams"] = teams_json(validate.teams(teams))
        new_agent = agent_id if isinstance(agent_id, Keep) else validate.agent_id(agent_id)
        if not isinstance(new_agent, Keep):
            values["agent_id"] = new_agent

        def change(conn: Connection, now: float) -> int:
            row = existing_user(conn, name)
            agent = row.agent_id if isinstance(new_agent, Keep) else new_agent
            validate.role_fits(new_role or Role(row.role), agent)
            check_free(conn, None, agent, row.id)
            conn.execute(update(users).where(users.c.id == row.id).values(updated_at=now, **values))
            return int(row.id)

        return self.get_user(self._db.write(change))

    def set_password(
        self, username: str, password: str, *, keep_session_id: int | None = None
    ) -> User:
        """Sets a new password and ends the user's sessions (but `keep_session_id`, the one
        that made the change, if given). API tokens stay valid. Slow: call from a thread."""
        name = validate.username(username)
        self._db.read(lambda conn, _: existing_user(conn, name))
        hashed = self.passwords.hash_new(password, name)

        def change(conn: Connection, now: float) -> int:
            row = existing_user(conn, name)
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(password_hash=hashed, updated_at=now)
            )
            ending = delete(sessions).where(sessions.c.user_id == row.id)
            if keep_session_id is not None:
                ending = ending.where(sessions.c.id != keep_session_id)
            conn.execute(ending)
            return int(row.id)

        return self.get_user(self._db.write(change))

    def disable(self, username: str) -> User:
        """The user can no longer log in; their sessions end and their API tokens stop working."""
        return self._set_disabled(username, True)

    def enable(self, username: str) -> User:
        """Undoes `disable`; API tokens not revoked meanwhile work again."""
        return self._set_disabled(username, False)

    def _set_disabled(self, username: str, disabled: bool) -> User:
        name = validate.username(username)

        def change(conn: Connection, now: float) -> int:
            row = existing_user(conn, name)
            conn.execute(
                update(users).where(users.c.id == row.id).values(disabled=disabled, updated_at=now)
            )
            if disabled:
                conn.execute(delete(sessions).where(sessions.c.user_id == row.id))
            return int(row.id)

        return self.get_user(self._db.write(change))

    # -- logging in -------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, *, address: str | None = None) -> User:
        """The user whose password this is, or BadCredentials (recorded for audit).

        Unknown, disabled and password-less users take as long as a wrong password and give
        the same error, so the answer reveals nothing about which usernames exist. A hash made
        with older parameters is replaced. Slow: call from a thread.
        """
        try:
            name = validate.username(username)
            row = self._db.read(lambda conn, _: user_row(conn, name))
        except InvalidUser:
            name, row = username.strip()[:_USERNAME_AUDIT_MAX], None
        usable = row is not None and not row.disabled and row.password_hash is not None
        stored = row.password_hash if usable and row is not None else None
        if not self.passwords.verify(stored, password) or row is None:
            reason = (
                "unknown_user"
                if row is None
                else "disabled"
                if row.disabled
                else "no_password"
                if row.password_hash is None
                else "bad_password"
            )
            self.record_login_failure(name, address, reason)
            raise BadCredentials("the username or the password is wrong")
        fresh = None
        if stored is not None and self.passwords.needs_rehash(stored):
            fresh = self.passwords.rehash(password)

        def logged_in(conn: Connection, now: float) -> None:
            conn.execute(update(users).where(users.c.id == row.id).values(last_login_at=now))
            if fresh is not None:  # unless the password was changed meanwhile
                conn.execute(
                    update(users)
                    .where(users.c.id == row.id, users.c.password_hash == stored)
                    .values(password_hash=fresh)
                )

        self._db.write(logged_in)
        return self.get_user(row.id)

    def record_login_failure(self, username: str, address: str | None, reason: str) -> None:
        row = {
            "username": username[:_USERNAME_AUDIT_MAX],
            "address": None if address is None else address[:255],
            "reason": reason[:32],
        }
        self._db.write(lambda conn, now: conn.execute(insert(login_failures).values(at=now, **row)))

    def login_failures(
        self, *, since: float | None = None, username: str | None = None, limit: int = 100
    ) -> list[LoginFailure]:
        """The latest failed logins first."""
        query = select(login_failures).order_by(login_failures.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(login_failures.c.at >= since)
        if username is not None:
            query = query.where(login_failures.c.username == username.strip().lower())
        return [failure_from_row(row) for row in self._db.read(lambda c, _: c.execute(query))]

    def purge_login_failures(self, older_than: float) -> int:
        query = delete(login_failures).where(login_failures.c.at < older_than)
        return int(self._db.write(lambda conn, _: conn.execute(query).rowcount))

    # -- sessions (see session_ops.py) ------------------------------------------------------

    def create_session(self, user_id: int, *, source: str | None = None) -> NewSession:
        """Opens a session for a user who just logged in; the token goes in the cookie."""
        return session_ops.create(self._db, self.session_policy, user_id, source)

    def resolve_session(self, token: str) -> Session | None:
        """The live session with this cookie value, or None (unknown, over, user disabled)."""
        return session_ops.resolve(self._db, self.session_policy, token)

    def end_session(self, token: str) -> bool:
        """Logs out: deletes the session. False when there was none."""
        return session_ops.end(self._db, token)

    def end_sessions_of(self, user_id: int) -> int:
        return session_ops.end_all(self._db, user_id)

    def purge_expired_sessions(self) -> int:
        """Deletes sessions past their lifetime or idle timeout; run now and then."""
        return session_ops.purge(self._db, self.session_policy)

    # -- API tokens (see token_ops.py) ------------------------------------------------------

    def create_token(
        self,
        username: str,
        name: str,
        *,
        expires_at: float | None = None,
        created_by: str | None = None,
    ) -> NewToken:
        """A new API token for `username`; its secret is in the result and nowhere else."""
        return token_ops.create(self._db, validate.username(username), name, expires_at, created_by)

    def list_tokens(self, username: str | None = None) -> list[ApiToken]:
        """Every token (revoked and expired too), or those of one user; never the secrets."""
        owner = None if username is None else validate.username(username)
        return token_ops.listing(self._db, owner)

    def revoke_token(self, token_id: int) -> ApiToken:
        return token_ops.revoke(self._db, token_id)

    def resolve_token(self, secret: str) -> Principal | None:
        """Who this API token acts for (the owner's current role and teams), or None."""
        return token_ops.resolve(self._db, secret)
