"""What the HTTP side needs from the running server, gathered in one object.

The server builds one `AppContext` and hands it to `create_app`; routes reach it through the
`ctx` dependency. The company is read through a function because a hot reload replaces it.
Optional parts (the browser-phone gateway, webhooks, the company-file history) are None where
the server runs without them, and their routes answer 503 `not_available`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request

from frontdesk.accounts.store import AccountStore
from frontdesk.api.errors import ApiError
from frontdesk.api.hub import EventHub
from frontdesk.clock import Clock
from frontdesk.config import Company
from frontdesk.crm.store import CrmStore
from frontdesk.desk.wrapups import WrapupStore
from frontdesk.followup.store import FollowupStore
from frontdesk.store.eventlog import EventLog
from frontdesk.telephony.contact_centre import ContactCentre


@dataclass
class AppContext:
    company: Callable[[], Company]
    centre: ContactCentre
    clock: Clock
    data_dir: Path
    event_log: EventLog
    hub: EventHub
    accounts: AccountStore
    crm: CrmStore
    followups: FollowupStore
    wrapups: WrapupStore
    demo_password: str | None = None  # shown on the sign-in page of `frontdesk demo`
    secure_cookies: bool = False  # True behind https
    softphones: Any = None  # frontdesk.api.softphones.Softphones
    monitors: Any = None  # frontdesk.softphone.monitor.Monitors
    wallboard: Any = None  # frontdesk.wallboard model
    webhooks: Any = None
    config_history: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    def need(self, name: str) -> Any:
        part = getattr(self, name)
        if part is None:
            raise ApiError(503, "not_available", f"This server runs without {name}.")
        return part


async def ctx(request: Request) -> AppContext:
    """Async on purpose: FastAPI runs plain functions in a thread pool, a hop that costs more
    than the lookup itself."""
    context: AppContext = request.app.state.context
    return context
