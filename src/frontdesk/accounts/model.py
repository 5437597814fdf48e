"""Value objects of the accounts package: roles, users, principals, sessions and API tokens.

Secrets (a session cookie value, a CSRF token, an API token in clear) are kept out of `repr`
so that logging one of these objects never writes a credential to a log file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    """What a user may do; the full matrix is in accounts/policy.py and docs/accounts.md."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, as the access policy sees them.

    Built from the user's current row on every request, so a change of role or teams takes
    effect at once. `token_id` is set when the request came with an API token.
    """

    user_id: int
    username: str
    role: Role
    teams: frozenset[str]
    agent_id: str | None
    token_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewUser:
    """What an admin gives to create a user; the store validates and normalises it."""

    username: str
    display_name: str
    role: Role
    teams: tuple[str, ...] = ()
    agent_id: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str  # lower case: usernames are case-insensitive
    display_name: str
    role: Role
    teams: tuple[str, ...]  # sorted, no duplicates
    agent_id: str | None  # the company file's Agent.id this user works as
    disabled: bool
    has_password: bool  # False for service users, who only use API tokens
    created_at: float  # wall-clock seconds since the epoch, like every time below
    updated_at: float
    last_login_at: float | None

    def principal(self, token_id: int | None = None) -> Principal:
        return Principal(
            user_id=self.id,
            username=self.username,
            role=self.role,
            teams=frozenset(self.teams),
            agent_id=self.agent_id,
            token_id=token_id,
        )


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser. Only a hash of its cookie value is stored."""

    id: int
    principal: Principal
    csrf_token: str = field(repr=False)
    created_at: float
    last_seen_at: float  # as last written: touches are written at most once a minute
    expires_at: float  # the absolute end, whatever the activity
    source: str | None  # the client address at login


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: `token` is the cookie value, known only to the client after this."""

    token: str = field(repr=False)
    session: Session


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An integration token as listed: never its secret, only a short hint of its start."""

    id: int
    user_id: int
    username: str
    name: str
    hint: str
    created_at: float
    created_by: str | None
    expires_at: float | None
    last_used_at: float | None
    revoked_at: float | None


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just created: `secret` is shown once to the admin and never again."""

    secret: str = field(repr=False)
    token: ApiToken


@dataclass(frozen=True, slots=True)
class LoginFailure:
    """One failed login, kept for audit."""

    id: int
    at: float
    username: str
    address: str | None
    reason: str
