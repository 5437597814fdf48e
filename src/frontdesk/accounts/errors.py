"""Errors of the accounts package, each with a stable `error_id` the API returns.

`error_id` strings are part of the API contract: clients branch on them, so they never change
once released. `http_status` is the status the API should answer with. Whenever a store method
raises one of these, nothing was written (except `BadCredentials`, which records the failed
attempt for audit).
"""

from __future__ import annotations

from typing import ClassVar

from frontdesk import FrontdeskError


class AccountsError(FrontdeskError, ValueError):
    """A request about users, sessions or tokens that cannot be done as asked."""

    error_id: ClassVar[str] = "accounts_error"
    http_status: ClassVar[int] = 400


class InvalidUser(AccountsError):
    """A username, display name, role, team or agent id that breaks the rules."""

    error_id: ClassVar[str] = "invalid_user"


class UserExists(AccountsError):
    error_id: ClassVar[str] = "user_exists"
    http_status: ClassVar[int] = 409


class AgentTaken(AccountsError):
    """Another user is already linked to this company agent."""

    error_id: ClassVar[str] = "agent_taken"
    http_status: ClassVar[int] = 409


class UnknownUser(AccountsError):
    error_id: ClassVar[str] = "unknown_user"
    http_status: ClassVar[int] = 404


class WeakPassword(AccountsError):
    """A new password that the password policy refuses; the message says which rule."""

    error_id: ClassVar[str] = "weak_password"


class BadCredentials(AccountsError):
    """Wrong username or password, or a disabled account: deliberately not told apart."""

    error_id: ClassVar[str] = "bad_credentials"
    http_status: ClassVar[int] = 401


class LoginThrottled(AccountsError):
    """Too many failed logins for this username or from this address; try again later."""

    error_id: ClassVar[str] = "login_throttled"
    http_status: ClassVar[int] = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnknownToken(AccountsError):
    error_id: ClassVar[str] = "unknown_token"
    http_status: ClassVar[int] = 404


ALL_ERRORS: tuple[type[AccountsError], ...] = (
    AccountsError,
    InvalidUser,
    UserExists,
    AgentTaken,
    UnknownUser,
    WeakPassword,
    BadCredentials,
    LoginThrottled,
    UnknownToken,
)
