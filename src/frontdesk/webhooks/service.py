"""`Webhooks`: the store, pump and dispatcher wired together, for the server to start and stop.

    webhooks = Webhooks(db, event_log, clock, company)
    await webhooks.start()                      # catches up, then sends
    ...after each event_log.flush(), in the same worker thread:
    webhooks.after_flush()                      # pump; wakes the dispatcher if rows were written
    webhooks.reconfigure(new_company)           # on a hot reload
    await webhooks.stop()                       # after the last flush

`after_flush` may be called from any thread (the server flushes in an executor); the
dispatcher is woken on its own loop.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine

from frontdesk.clock import Clock
from frontdesk.config.company import Company
from frontdesk.store.eventlog import EventLog
from frontdesk.webhooks.dispatcher import WebhookDispatcher
from frontdesk.webhooks.filters import TeamMap
from frontdesk.webhooks.pump import WebhookPump
from frontdesk.webhooks.schedule import RetryPolicy
from frontdesk.webhooks.store import WebhookStore

log = logging.getLogger("frontdesk.webhooks")


class Webhooks:
    def __init__(
        self,
        engine: Engine,
        log: EventLog,
        clock: Clock,
        company: Company | None = None,
        *,
        policy: RetryPolicy | None = None,
        max_in_flight: int = 16,
        per_subscription: int = 1,
        timeout_s: float = 10.0,
    ) -> None:
        self.store = WebhookStore(engine, clock)
        self.pump = WebhookPump(self.store, log, TeamMap.of(company) if company else None)
        self.dispatcher = WebhookDispatcher(
            self.store, policy=policy, max_in_flight=max_in_flight,
            per_subscription=per_subscription, timeout_s=timeout_s,
        )  # fmt: skip
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        """Hands over what was flushed before (a restart), then starts sending."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.pump.pump)
        await self.dispatcher.start()

    def after_flush(self) -> int:
        """Pumps new events into the outbox; returns how many deliveries were queued.

        Never raises: a failure is logged, and the next call hands over what this one could
        not (the cursors did not move), so webhooks cannot stop the event log's flushing."""
        try:
            queued = self.pump.pump()
        except Exception:
            log.exception("webhook pump failed; the next flush tries again")
            return 0
        loop = self._loop
        if queued and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.dispatcher.wake)
        return queued

    def reconfigure(self, company: Company) -> None:
        self.pump.teams = TeamMap.of(company)

    async def stop(self, grace_s: float = 5.0) -> None:
        """Pumps the last events (call after the event log's last flush), then stops sending;
        what is still pending is sent after the next start."""
        await asyncio.to_thread(self.pump.pump)
        await self.dispatcher.stop(grace_s)
        self._loop = None
