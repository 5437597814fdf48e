"""Who is calling: the local CRM first, then an external CRM over HTTP when one is configured.

This is what telephony and the IVR call when a call comes in. The local lookup runs inline:
it takes well under a millisecond (bench/crm_lookup.py), less than handing it to a thread
would. The external lookup is awaited with its own hard deadline, so the worst a slow external
CRM can do is delay the greeting by that deadline; it never fails the call.
"""

from __future__ import annotations

from frontdesk.crm.http_connector import HttpCrmConnector
from frontdesk.crm.model import CallerProfile
from frontdesk.crm.store import CrmStore


class CallerDirectory:
    def __init__(self, store: CrmStore, remote: HttpCrmConnector | None = None) -> None:
        self.store = store
        self.remote = remote

    async def lookup(self, number: str) -> CallerProfile | None:
        profile = self.store.lookup(number)
        if profile is None and self.remote is not None:
            profile = await self.remote.lookup(number)
        return profile

    async def aclose(self) -> None:
        if self.remote is not None:
            await self.remote.aclose()
