"""Keep-alive for trunks: an OPTIONS ping every minute tells whether each carrier answers.

Any response, whatever its status, means the carrier is reachable (many answer OPTIONS with
404 or 405); no response before the transaction times out (32 s) means it is down. Changes
are logged and written to the event log as `trunk.up` / `trunk.down`, so a dead carrier is
noticed before callers are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from frontdesk.config import Company, Trunk
from frontdesk.sip.events import RequestTimedOut, ResponseReceived, SipEvent
from frontdesk.sip.headers import parse_name_addr
from frontdesk.sip.timers import Later
from frontdesk.sip.transaction import Peer
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony.switchboard import EventSink

log = logging.getLogger("frontdesk.trunks")
PING_INTERVAL = 60.0


class TrunkMonitor:
    def __init__(
        self,
        company: Company,
        ua: UserAgent,
        events: EventSink,
        wall: Callable[[], float],
        interval: float = PING_INTERVAL,
    ) -> None:
        self.ua = ua
        self.log = events
        self.wall = wall
        self.interval = interval
        self.trunks = company.trunks
        self.up: dict[str, bool | None] = {t.name: None for t in self.trunks}
        self._pending: dict[str, Trunk] = {}  # Call-ID of a ping -> its trunk

    def start(self, now: float) -> None:
        for trunk in self.trunks:
            self.ping(trunk, now)

    def ping(self, trunk: Trunk, now: float) -> None:
        peer = Peer(trunk.transport, trunk.host, trunk.port)
        me = parse_name_addr(f"<sip:frontdesk@{trunk.host}>")
        request = self.ua.new_request(
            "OPTIONS", SipUri("sip", trunk.host, port=trunk.port), me, me, peer
        )
        self._pending[request.call_id] = trunk
        self.ua.send(request, peer, now)
        self.ua.timers.schedule(now + self.interval, Later(lambda t: self.ping(trunk, t)), "PING")

    def handle(self, events: list[SipEvent], now: float) -> None:
        for event in events:
            if not isinstance(event, ResponseReceived | RequestTimedOut):
                continue
            trunk = self._pending.pop(event.txn.request.call_id, None)
            if trunk is not None:
                self._set(trunk, isinstance(event, ResponseReceived))

    def _set(self, trunk: Trunk, up: bool) -> None:
        if self.up[trunk.name] == up:
            return
        self.up[trunk.name] = up
        if up:
            log.info("trunk %s answers", trunk.name)
        else:
            log.warning("trunk %s does not answer OPTIONS", trunk.name)
        self.log.append(self.wall(), "trunk.up" if up else "trunk.down", None, trunk=trunk.name)
