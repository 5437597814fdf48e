"""Starts the HTTP side inside a running Frontdesk server and stops it again.

Builds the stores the web needs on the server's database, attaches the live event hub to the
event log, makes the demo users when the server runs a demo, and serves the app with uvicorn
on the server's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from frontdesk.accounts.store import AccountStore
from frontdesk.accounts.throttle import LoginThrottle
from frontdesk.api.app import create_app
from frontdesk.api.board_feed import BoardFeed
from frontdesk.api.board_shares import BoardShares
from frontdesk.api.context import AppContext
from frontdesk.api.http import HttpServer
from frontdesk.api.hub import EventHub, LiveEvent
from frontdesk.api.routes.events import CallTeams
from frontdesk.api.softphones import Softphones
from frontdesk.config.history import CompanyHistory
from frontdesk.desk.presence import PresenceBook
from frontdesk.desk.wrapups import WrapupStore
from frontdesk.followup.owed import owed_by_team
from frontdesk.history import CallIndex
from frontdesk.softphone.gateway import SoftphoneGateway
from frontdesk.softphone.monitor import Monitors
from frontdesk.store.eventlog import EventLog, events_table
from frontdesk.wallboard.board import Event, Wallboard
from frontdesk.wallboard.days import day_of
from frontdesk.widget.service import for_server as widget_service

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
        self.board_feed: BoardFeed | None = None
        self.call_index: CallIndex | None = None

    async def start(self) -> tuple[str, int]:
        server = self.server
        loop = asyncio.get_running_loop()
        hub = EventHub(loop)
        server.event_log.listen(hub.on_append)
        accounts = AccountStore(server.db, server.clock)
        if self.demo_password is not None:
            # Hashing each demo user's password takes a fifth of a second: done in the
            # background so that calls are taken at once; sign-in works a moment later.
            from frontdesk.accounts.demo import ensure_demo_users

            company, password = server.switchboard.company, self.demo_password
            loop.run_in_executor(None, ensure_demo_users, accounts, company, password)
        presence = PresenceBook()
        hub.watch(lambda event: presence.feed(event.at, event.kind, event.data))
        context = AppContext(
            company=lambda: server.switchboard.company, centre=server.centre,
            clock=server.clock, data_dir=server.options.data_dir, event_log=server.event_log,
            hub=hub, accounts=accounts, crm=server.crm, followups=server.followups,
            wrapups=WrapupStore(server.db, server.crm, server.event_log.append, server.clock.wall),
            demo_password=self.demo_password, webhooks=server.webhooks,
            config_history=self._history(),
        )  # fmt: skip
        call_teams = CallTeams(context)
        hub.watch(call_teams)
        board = Wallboard.from_company(server.switchboard.company)
        await loop.run_in_executor(
            None, board.replay, todays_events(server.event_log, server.switchboard.company.timezone)
        )
        hub.watch(lambda e: board.feed(e.at, e.kind, e.call_id, e.data))
        self.board_feed = context.wallboard = BoardFeed(
            board, server.clock.wall, lambda now: owed_by_team(server.db, now)
        )
        self.board_feed.start()
        context.extras.update(presence=presence, call_teams=call_teams,
                              login_throttle=LoginThrottle(),
                              board_shares=BoardShares(server.db, server.clock.wall))  # fmt: skip
        phones = context.softphones = Softphones(server.event_log.append, server.clock.wall)
        sip_host, sip_port = server.bound[0]
        phones.gateway = SoftphoneGateway(sip_host, sip_port, lambda: server.switchboard.company,
                                          phones.on_event)  # fmt: skip
        index = self.call_index = CallIndex(
            server.db, lambda: server.switchboard.company, flows=lambda: server.services.flows
        )
        context.extras["call_index"] = index
        hub.watch(lambda e: index.feed(e.at, e.kind, e.call_id, e.data))
        await index.start()
        monitors = context.monitors = Monitors(server.call_media, server.options.sip_hosts[0],
                                               server.clock, server.event_log.append)  # fmt: skip
        hub.watch(lambda e: end_monitors(monitors, e))
        widget = context.extras["widget"] = widget_service(server)
        await widget.start()
        self.context = context
        self._http = HttpServer(create_app(context), self.host, self.port)
        return await self._http.start()

    def has_users(self) -> bool:
        """Whether anyone could sign in to the web app (a user who is not disabled)."""
        context = self.context
        return context is not None and bool(context.accounts.list_users(include_disabled=False))

    def _history(self) -> CompanyHistory | None:
        """Edits from the admin page, kept as versions; None for the built-in demo company."""
        path = self.server.options.config_path
        if path is None:
            return None
        data_dir = self.server.options.data_dir
        return CompanyHistory(path, data_dir / "config-history", self.server.clock)

    async def stop(self) -> None:
        widget = self.context.extras.get("widget") if self.context is not None else None
        if widget is not None:
            await widget.close()
        if self.call_index is not None:
            await self.call_index.stop()
        if self.context is not None and self.context.monitors is not None:
            await self.context.monitors.close()
        phones = self.context.softphones if self.context is not None else None
        if phones is not None and phones.gateway is not None:
            await phones.gateway.close()
        if self.board_feed is not None:
            await self.board_feed.stop()
        if self.context is not None:
            self.context.hub.close()
            await asyncio.sleep(0)  # the subscribers' handlers send their close frames
        if self._http is not None:
            await self._http.stop()


def end_monitors(monitors: Monitors, event: LiveEvent) -> None:
    """Supervisors leave a call when it ends or its agent leaves it."""
    if event.kind not in ("call.ended", "acd.call_ended", "call.transferred"):
        return
    if event.call_id and any(m.call_id == event.call_id for m in monitors.active.values()):
        asyncio.get_running_loop().create_task(monitors.call_over(event.call_id))


def todays_events(log: EventLog, timezone: str) -> Iterator[Event]:
    """The stored events of the board's current day, oldest first, for the replay at start.

    Events are stored in time order, so the day's first one is found by bisecting on the
    sequence number (the primary key) instead of scanning the whole log."""
    start = day_of(time.time(), ZoneInfo(timezone)).start
    with log.engine.connect() as conn:
        last = conn.execute(select(func.max(events_table.c.seq))).scalar() or 0
        low, high = 1, last + 1
        while low < high:
            mid = (low + high) // 2
            at = conn.execute(select(events_table.c.at).where(events_table.c.seq >= mid)
                              .order_by(events_table.c.seq).limit(1)).scalar()  # fmt: skip
            if at is None or at >= start:
                high = mid
            else:
                low = mid + 1
    for event in log.read(after_seq=low - 1):
        yield event.at, event.kind, event.call_id, event.data
