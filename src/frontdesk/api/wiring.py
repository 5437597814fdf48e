"""Starts the HTTP side inside a running Frontdesk server and stops it again.

Builds the stores the web needs on the server's database, attaches the live event hub to the
event log, makes the demo users when the server runs a demo, and serves the app with uvicorn
on the server's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from frontdesk.accounts.store import AccountStore
from frontdesk.accounts.throttle import LoginThrottle
from frontdesk.api.app import create_app
from frontdesk.api.context import AppContext
from frontdesk.api.http import HttpServer
from frontdesk.api.hub import EventHub
from frontdesk.api.routes.events import CallTeams
from frontdesk.desk.presence import PresenceBook
from frontdesk.desk.wrapups import WrapupStore

if TYPE_CHECKING:
    from frontdesk.server import Server

log = logging.getLogger("frontdesk.http")


class WebSide:
    def __init__(self, server: Server, host: str, port: int, demo_password: str | None) -> None:
        self.server = server
        self.host, self.port = host, port
        self.demo_password = demo_password
        self.context: AppContext | None = None
        self._http: HttpServer | None = None

    async def start(self) -> tuple[str, int]:
        server = self.server
        loop = asyncio.get_running_loop()
        hub = EventHub(loop)
        server.event_log.listen(hub.on_append)
        accounts = AccountStore(server.db, server.clock)
        if self.demo_password is not None:
            from frontdesk.accounts.demo import ensure_demo_users

            company, password = server.switchboard.company, self.demo_password
            await loop.run_in_executor(None, ensure_demo_users, accounts, company, password)
        presence = PresenceBook()
        hub.watch(lambda event: presence.feed(event.at, event.kind, event.data))
        context = AppContext(
            company=lambda: server.switchboard.company, centre=server.centre,
            clock=server.clock, data_dir=server.options.data_dir, event_log=server.event_log,
            hub=hub, accounts=accounts, crm=server.crm, followups=server.followups,
            wrapups=WrapupStore(server.db, server.crm, server.event_log.append, server.clock.wall),
            demo_password=self.demo_password,
        )  # fmt: skip
        call_teams = CallTeams(context)
        hub.watch(call_teams)
        context.extras.update(presence=presence, call_teams=call_teams,
                              login_throttle=LoginThrottle())  # fmt: skip
        self.context = context
        self._http = HttpServer(create_app(context), self.host, self.port)
        return await self._http.start()

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.stop()
