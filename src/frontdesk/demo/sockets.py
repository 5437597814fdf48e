"""Opening the simulated phones' SIP sockets on free ports of the loopback interface."""

from __future__ import annotations

from collections.abc import Callable

from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.transport import EventHandler, SipTransport
from frontdesk.sip.useragent import UserAgent

LISTEN_ATTEMPTS = 5


async def open_sip(
    ua: UserAgent, handler: EventHandler, now: Callable[[], float], host: str
) -> tuple[SipTransport, tuple[str, int]]:
    """A transport for `ua` on a free port (UDP and TCP on the same number), and its address.
    The TCP port can be taken by someone else in the instant after the UDP bind: then the
    attempt is closed and another port tried."""
    for attempt in range(1, LISTEN_ATTEMPTS + 1):
        transport = SipTransport(ua, handler, now)
        try:
            bound_host, port = await transport.listen(host, 0)
        except OSError:
            await transport.close()
            if attempt == LISTEN_ATTEMPTS:
                raise
            continue
        ua.local = {("udp", ":" in bound_host): LocalAddress("udp", bound_host, port)}
        return transport, (bound_host, port)
    raise AssertionError("unreachable")
