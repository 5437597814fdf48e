"""What every admin route shares: who may call it, the audit trail, and checked body fields.

Authorisation goes through `frontdesk.accounts.policy` (`can_edit_config` for the company
file and webhooks, `can_manage_users` for users and tokens), so the matrix in docs/accounts.md
stays the one place that says who may do what.

Every change an admin makes is appended to the event log as an `admin.*` event naming who
made it (`by`, and `by_token` when an API token was used), so the audit trail lives with the
calls and is read, exported and streamed like them. Secrets (passwords, API token secrets,
webhook secrets, credentials inside a webhook URL) never go into one.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict

from frontdesk.accounts import policy
from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext
from frontdesk.api.errors import forbidden
from frontdesk.api.security import forget_all_credentials, principal

# SQLite stores integers in 64 bits: a larger id would fail in the driver, not answer 404.
MAX_ID = 2**62
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Body(BaseModel):
    """The base of admin request bodies: unknown fields are refused (a typo is not ignored)."""

    model_config = ConfigDict(extra="forbid")


def config_editor(who: Principal = Depends(principal)) -> Principal:
    if not policy.can_edit_config(who):
        raise forbidden("Only an administrator may change the company file or the webhooks.")
    return who


def user_manager(who: Principal = Depends(principal)) -> Principal:
    if not policy.can_manage_users(who):
        raise forbidden("Only an administrator may manage users and API tokens.")
    return who


def audit(context: AppContext, who: Principal, kind: str, **data: Any) -> None:
    """Appends one `admin.<kind>` event naming who did it. Callers pass no secrets. Cached
    credentials are dropped, so a disabled user or a revoked token is refused at once."""
    forget_all_credentials(context)
    extra = {"by_token": who.token_id} if who.token_id is not None else {}
    context.event_log.append(context.clock.wall(), f"admin.{kind}", None, by=who.username,
                             **extra, **data)  # fmt: skip


def safe_url(url: str) -> str:
    """A URL fit for the audit trail: without user:password@ or a query string, which often
    carry a receiver's credentials (e.g. `?token=...`)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable URL)"
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))
