"""An in-process app with only what the admin routes need: the test-only wiring.

It is served by the server's own `HttpServer` (uvicorn) on a loop in a background thread,
and tests talk to it with httpx over loopback, as a browser would. The company file is
tests/peers/live_company.py's small company, edited through a real `CompanyHistory`; users,
sessions and tokens are a real `AccountStore` (cheap argon2 parameters), webhooks a real
`Webhooks` service (its dispatcher not started: nothing is sent from here). Signing in opens
a session straight in the store, so that tests pay for no hash.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from argon2 import profiles
from fastapi import FastAPI

from frontdesk.accounts import AccountStore, NewUser, Passwords, Role
from frontdesk.api import errors
from frontdesk.api.context import AppContext
from frontdesk.api.http import HttpServer
from frontdesk.api.routes import admin
from frontdesk.clock import SystemClock
from frontdesk.config.history import CompanyHistory
from frontdesk.config.loader import load_setup
from frontdesk.store.eventlog import EventLog, StoredEvent, open_engine
from frontdesk.webhooks import Webhooks

PEERS = Path(__file__).parents[1] / "peers"
if str(PEERS) not in sys.path:
    sys.path.insert(0, str(PEERS))
from live_company import write_company  # noqa: E402

PASSWORD = "correct horse battery"
SHA0 = "0" * 64
# Every admin endpoint with a request it would accept from an admin (role checks come first).
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/api/admin/choices", None),
    ("GET", "/api/admin/config", None),
    ("POST", "/api/admin/config/validate", {"text": "company: {}"}),
    ("PUT", "/api/admin/config", {"text": "company: {}", "expected_sha": SHA0}),
    ("GET", "/api/admin/config/versions", None),
    ("GET", "/api/admin/config/versions/1", None),
    ("GET", "/api/admin/config/diff?a=1&b=1", None),
    ("POST", "/api/admin/config/versions/1/rollback", None),
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"username": "x", "display_name": "X", "role": "admin"}),
    ("PATCH", "/api/admin/users/alice", {"display_name": "Alice B"}),
    ("PUT", "/api/admin/users/alice/password", {"password": "a new long passphrase"}),
    ("GET", "/api/admin/login-failures", None),
    ("GET", "/api/admin/tokens", None),
    ("POST", "/api/admin/tokens", {"username": "alice", "name": "crm"}),
    ("DELETE", "/api/admin/tokens/1", None),
    ("GET", "/api/admin/webhooks", None),
    ("POST", "/api/admin/webhooks", {"url": "http://127.0.0.1:9/hook"}),
    ("PATCH", "/api/admin/webhooks/1", {"enabled": False}),
    ("DELETE", "/api/admin/webhooks/1", None),
    ("GET", "/api/admin/webhooks/1/deliveries", None),
    ("GET", "/api/admin/deliveries/d1/attempts", None),
    ("POST", "/api/admin/deliveries/d1/redeliver", None),
]


@dataclass
class AdminApp:
    app: FastAPI
    context: AppContext
    company_path: Path
    base_url: str = ""

    def client(self, username: str | None) -> httpx.Client:
        """A client signed in as `username` (cookie and CSRF header), or anonymous."""
        client = httpx.Client(base_url=self.base_url, timeout=10)
        if username is not None:
            user = self.context.accounts.user(username)
            opened = self.context.accounts.create_session(user.id)
            client.cookies.set("fd_session", opened.token)
            client.headers["X-CSRF-Token"] = opened.session.csrf_token
        return client

    def bearer(self, secret: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=10,
                            headers={"Authorization": f"Bearer {secret}"})  # fmt: skip

    def events(self, kind: str | None = None) -> list[StoredEvent]:
        self.context.event_log.flush()
        return list(self.context.event_log.read(kind=kind))


@contextmanager
def serving(app: AdminApp) -> Iterator[AdminApp]:
    """Serves `app` on 127.0.0.1 from a loop in a background thread until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    http = HttpServer(app.app, "127.0.0.1", 0)
    host, port = asyncio.run_coroutine_threadsafe(http.start(), loop).result(10)
    app.base_url = f"http://{host}:{port}"
    try:
        yield app
    finally:
        asyncio.run_coroutine_threadsafe(http.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def build(tmp_path: Path, *, demo: bool = False) -> AdminApp:
    company_path = write_company(tmp_path / "company")
    setup = load_setup(company_path)
    engine = open_engine(tmp_path / "data")
    clock = SystemClock()
    log = EventLog(engine)
    accounts = AccountStore(engine, clock, passwords=Passwords(profiles.CHEAPEST))
    for new in (
        NewUser("root", "Root", Role.ADMIN),
        NewUser("ada", "Ada", Role.ADMIN),
        NewUser("sue", "Sue", Role.SUPERVISOR, ("parcels",)),
        NewUser("alice", "Alice", Role.AGENT, ("parcels",), "alice"),
    ):
        accounts.create_user(new, PASSWORD)
    none: Any = None
    context = AppContext(
        company=lambda: setup.company, centre=none, clock=clock, data_dir=tmp_path / "data",
        event_log=log, hub=none, accounts=accounts, crm=none, followups=none, wrapups=none,
        webhooks=Webhooks(engine, log, clock, setup.company),
        config_history=None if demo else CompanyHistory(
            company_path, tmp_path / "data" / "config-history", clock),
    )  # fmt: skip
    app = FastAPI()
    app.state.context = context
    errors.install(app)
    app.include_router(admin.router)
    return AdminApp(app, context, company_path)
