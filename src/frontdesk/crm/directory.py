"""Who is calling: the local CRM first, then an external CRM over HTTP when one is configured.

This is what telephony and the IVR call when a call comes in. The local lookup runs inline:
it takes well under a millisecond (bench/crm_lookup.py), less than handing it to a thread
would. The external lookup is awaited with its own hard deadline, so the worst a slow external
CRM can do is delay the greeting by that deadline; it never fails the call.
"""

from __future__ import annotations

import asyncio

from frontdesk.crm.http_connector import HttpCrmConfig, HttpCrmConnector
from frontdesk.crm.model import CallerProfile
from frontdesk.crm.store import CrmStore


class CallerDirectory:
    def __init__(self, store: CrmStore, remote: HttpCrmConnector | None = None) -> None:
        self.store = store
        self.remote = remote
        self._closing: set[asyncio.Task[None]] = set()

    async def lookup(self, number: str) -> CallerProfile | None:
        profile = self.store.lookup(number)
        remote = self.remote
        if profile is None and remote is not None:
            profile = await remote.lookup(number)
        return profile

    def reconfigure(self, config: HttpCrmConfig | None) -> None:
        """A reloaded company file: a changed external CRM gets a new connector. The old one
        is closed in the background, after the lookups already asking it (they hold it)."""
        old = self.remote
        if (old.config if old is not None else None) == config:
            return
        self.remote = HttpCrmConnector(config) if config is not None else None
        if old is not None:
            task = asyncio.get_running_loop().create_task(self._close_later(old))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close_later(old: HttpCrmConnector) -> None:
        await asyncio.sleep(old.config.timeout_s + 1.0)
        await old.aclose()

    async def aclose(self) -> None:
        for task in list(self._closing):
            task.cancel()
        if self.remote is not None:
            await self.remote.aclose()
