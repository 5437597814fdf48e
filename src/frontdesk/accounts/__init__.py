"""Accounts for the web app and the API: users, roles, passwords, sessions, CSRF, API tokens,
login throttling and the access policy. Design and the access matrix: docs/accounts.md."""

from frontdesk.accounts.credentials import check_csrf
from frontdesk.accounts.demo import company_problems, demo_users, ensure_demo_users
from frontdesk.accounts.errors import (
    AccountsError,
    AgentTaken,
    BadCredentials,
    InvalidUser,
    LoginThrottled,
    UnknownToken,
    UnknownUser,
    UserExists,
    WeakPassword,
)
from frontdesk.accounts.login import LoginGate
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
from frontdesk.accounts.passwords import DEFAULT_PARAMETERS, PasswordPolicy, Passwords
from frontdesk.accounts.sessions import SessionPolicy
from frontdesk.accounts.store import KEEP, AccountStore
from frontdesk.accounts.throttle import LoginThrottle, ThrottleRule, ThrottleSettings, Verdict

__all__ = [
    "DEFAULT_PARAMETERS",
    "KEEP",
    "AccountStore",
    "AccountsError",
    "AgentTaken",
    "ApiToken",
    "BadCredentials",
    "InvalidUser",
    "LoginFailure",
    "LoginGate",
    "LoginThrottle",
    "LoginThrottled",
    "NewSession",
    "NewToken",
    "NewUser",
    "PasswordPolicy",
    "Passwords",
    "Principal",
    "Role",
    "Session",
    "SessionPolicy",
    "ThrottleRule",
    "ThrottleSettings",
    "UnknownToken",
    "UnknownUser",
    "User",
    "UserExists",
    "Verdict",
    "WeakPassword",
    "check_csrf",
    "company_problems",
    "demo_users",
    "ensure_demo_users",
]
