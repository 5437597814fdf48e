"""Visitors' calls, asyncio side: per call an aiortc link to the visitor's browser, an RTP
bridge to the media engine, and the SIP call from the widget's user agent into the company.

The parts are the browser softphone's (softphone/link.py, bridge.py, media_io.py); only the
SIP side differs (`WebCaller` places a call instead of registering and taking one). A call is
known to the browser by an unguessable token, never by its SIP Call-ID. The call is hung up
when the visitor hangs up, when the browser's connection fails or stays away for `GRACE_S`,
when it never connects within `CONNECT_S`, or after the widget's longest call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from frontdesk.clock import Clock
from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.transaction import Peer
from frontdesk.sip.transport import SipTransport
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.bridge import RtpBridge
from frontdesk.softphone.link import GONE_STATES, BrowserLink
from frontdesk.softphone.media_io import EngineTrack, MediaPump
from frontdesk.widget import UnknownWidgetCall, WidgetError
from frontdesk.widget.caller import CallEvent, CallState, Connected, Ended, WebCaller
from frontdesk.widget.limits import CallPass

log = logging.getLogger("frontdesk.widget")
GRACE_S = 5.0  # a browser connection "disconnected" this long is taken as gone
CONNECT_S = 20.0  # a browser that never connects its audio is hung up after this
KEEP_ENDED_S = 60.0  # an ended call still answers status polls this long
STOP_WAIT_S = 1.0
VISITOR_LETTERS = "abcdefghjkmnpqrstuvwxyz"  # no digits: the id must never read as a number


@dataclass(slots=True)
class LiveCall:
    token: str
    visitor: str  # the short id in the caller id (sip:web-<visitor>@domain)
    key: str
    admitted: CallPass
    bridge: RtpBridge
    pump: MediaPump
    started_at: float  # wall time
    link: BrowserLink | None = None
    call_id: str = ""  # the SIP Call-ID
    sip: CallState = CallState.DIALLING
    reason: str = ""
    ended_at: float | None = None  # monotonic
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    grace: asyncio.TimerHandle | None = None


class WidgetCalls:
    def __init__(
        self,
        server: Peer,
        clock: Clock,
        on_ended: Callable[[LiveCall], None],
        *,
        max_call_s: Callable[[], float] = lambda: 1800.0,
        ice_servers: Callable[[], Sequence[str]] = tuple,
    ) -> None:
        host = server.host.strip("[]")
        # A server listening on every address is reached on loopback (no 0.0.0.0 in an SDP).
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        self.server = Peer("udp", host, server.port)
        self.clock = clock
        self.on_ended = on_ended
        self.max_call_s = max_call_s
        self.ice_servers = ice_servers
        self.calls: dict[str, LiveCall] = {}  # by token, ended ones for a while too
        self._by_call_id: dict[str, LiveCall] = {}
        self._rng = random.SystemRandom()
        self.ua = UserAgent([LocalAddress("udp", host, 0)], self._rng,
                            server_name="Frontdesk web widget")  # fmt: skip
        self.caller = WebCaller(self.ua, self.server, self._on_call)
        self.transport = SipTransport(self.ua, self.caller.handle, clock.now)

    async def start(self) -> None:
        host, port = await self.transport.listen(self.server.host, 0)
        self.ua.local = {("udp", ":" in host): LocalAddress("udp", host, port)}

    # -- placing and ending -------------------------------------------------------------------
    async def place(self, key: str, domain: str, number: str, offer_sdp: str,
                    admitted: CallPass) -> tuple[LiveCall, str]:  # fmt: skip
        """Answers the browser's offer and dials `number`; returns the call and the answer.
        `on_ended` is called for every call placed; a call that fails here was never placed
        (the caller releases `admitted` itself)."""
        self._forget_old()
        bridge = RtpBridge(random.Random(self._rng.getrandbits(64)))
        pump = MediaPump(bridge, self.clock.now)
        visitor = "".join(self._rng.choice(VISITOR_LETTERS) for _ in range(8))
        call = LiveCall(secrets.token_urlsafe(18), visitor, key, admitted, bridge, pump,
                        self.clock.wall())  # fmt: skip
        try:
            media = await pump.start(self.server.host)
            link = call.link = BrowserLink(EngineTrack(bridge, self.clock.now),
                                           pump.read_browser, self._link_state,
                                           tuple(self.ice_servers()))  # fmt: skip
            answer = await link.answer(offer_sdp)
        except BaseException as exc:
            await self._close_media(call)
            if isinstance(exc, SoftphoneError):
                raise WidgetError(f"the browser's call cannot be answered: {exc}") from None
            raise
        call.call_id = self.caller.place(visitor, domain, number, media, self.clock.now(),
                                         headers={"X-Frontdesk-Widget": key})  # fmt: skip
        self.calls[call.token] = self._by_call_id[call.call_id] = call
        self.transport.pump()
        loop = asyncio.get_running_loop()
        call.timers += [
            loop.call_later(self.max_call_s(), self._hang_up_quietly, call, "too long"),
            loop.call_later(CONNECT_S, self._check_connected, call),
        ]
        return call, answer

    def hang_up(self, token: str) -> None:
        call = self.get(token)
        if call.ended_at is not None:
            return
        try:
            self.caller.hang_up(call.call_id, self.clock.now())
        except UnknownWidgetCall:
            pass  # its SIP side has just ended; Ended is on its way
        finally:
            self.transport.pump()

    def send_keys(self, token: str, digits: str) -> None:
        call = self.get(token)
        if not digits or any(d not in "0123456789*#" for d in digits) or len(digits) > 20:
            raise WidgetError(f"{digits[:20]!r} are not phone keys (0-9, * and #)")
        if call.ended_at is not None or call.sip is not CallState.ANSWERED:
            raise WidgetError("keys can be sent only while the call is answered")
        try:
            call.bridge.send_dtmf(digits, self.clock.now())
        except SoftphoneError as exc:
            raise WidgetError(str(exc)) from None

    def get(self, token: str) -> LiveCall:
        call = self.calls.get(token)
        if call is None:
            raise UnknownWidgetCall("there is no such call (it may have ended a while ago)")
        return call

    def by_call_id(self, call_id: str) -> LiveCall | None:
        return self._by_call_id.get(call_id)

    def up(self) -> int:
        return sum(1 for c in self.calls.values() if c.ended_at is None)

    async def close(self) -> None:
        """Hangs every call up (BYE or CANCEL) and closes the sockets."""
        now = self.clock.now()
        for call in list(self.calls.values()):
            if call.ended_at is None:
                with contextlib.suppress(UnknownWidgetCall):
                    self.caller.hang_up(call.call_id, now)
        self.transport.pump()
        deadline = time.monotonic() + STOP_WAIT_S
        while self.caller.calls and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        for call in list(self.calls.values()):
            if call.ended_at is None:
                self._ended(call, "shutdown")
            await self._close_media(call)
        await self.transport.close()

    # -- what happens to a call ---------------------------------------------------------------
    def _on_call(self, event: CallEvent) -> None:
        call = self._by_call_id.get(event.call_id)
        if call is None:
            return
        if isinstance(event, Connected):
            call.sip = CallState.ANSWERED
            call.bridge.connect(event.media)
        elif isinstance(event, Ended):
            self._ended(call, event.reason)
        else:
            call.sip = CallState.RINGING

    def _ended(self, call: LiveCall, reason: str) -> None:
        if call.ended_at is not None:
            return
        call.sip, call.reason, call.ended_at = CallState.ENDED, reason, self.clock.now()
        call.bridge.disconnect()
        for timer in call.timers:
            timer.cancel()
        if call.grace is not None:
            call.grace.cancel()
        self.on_ended(call)
        with contextlib.suppress(RuntimeError):  # no loop any more: close() does it
            asyncio.get_running_loop().create_task(self._close_media(call))

    async def _close_media(self, call: LiveCall) -> None:
        link, call.link = call.link, None
        if link is not None:
            await link.close()
        await call.pump.close()

    def _hang_up_quietly(self, call: LiveCall, why: str) -> None:
        if call.ended_at is None:
            log.info("hanging up web call %s: %s", call.call_id, why)
            with contextlib.suppress(WidgetError):
                self.hang_up(call.token)

    def _check_connected(self, call: LiveCall) -> None:
        if call.link is not None and call.link.state != "connected":
            self._hang_up_quietly(call, "the browser's audio never connected")

    def _link_state(self, link: BrowserLink, state: str) -> None:
        call = next((c for c in self.calls.values() if c.link is link), None)
        if call is None or call.ended_at is not None:
            return
        if state == "connected" and call.grace is not None:
            call.grace.cancel()
            call.grace = None
        elif state in ("failed", "closed"):
            self._hang_up_quietly(call, f"the browser's connection is {state}")
        elif state in GONE_STATES and call.grace is None:
            loop = asyncio.get_running_loop()
            call.grace = loop.call_later(GRACE_S, self._hang_up_quietly, call,
                                         "the browser went away")  # fmt: skip

    def _forget_old(self) -> None:
        now = self.clock.now()
        for token, call in list(self.calls.items()):
            if call.ended_at is not None and now - call.ended_at > KEEP_ENDED_S:
                del self.calls[token]
                self._by_call_id.pop(call.call_id, None)
