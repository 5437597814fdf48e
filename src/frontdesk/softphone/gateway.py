"""`SoftphoneGateway`: what the web layer calls to put agents' browsers on the phone.

One session per agent: a `BrowserPhone` registered over loopback SIP as the agent's extension
(its own UDP socket, like any desk phone), an `RtpBridge` with its socket facing the media
engine, and a `BrowserLink` (aiortc) to the browser. Everything runs in the caller's asyncio
loop: the server's own. A browser that goes away (ICE/DTLS failed, closed, disconnected) has
`GRACE_S` to come back with a new `start_session` (a page reload keeps the registration and
the call); after that the session ends and the agent is logged out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from frontdesk.clock import Clock, SystemClock
from frontdesk.config import Agent, Company
from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.transaction import Peer
from frontdesk.sip.transport import SipTransport
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.bridge import BridgeStats, RtpBridge
from frontdesk.softphone.events import EventCallback, Registered, SoftphoneEvent, Unregistered
from frontdesk.softphone.link import GONE_STATES, BrowserLink
from frontdesk.softphone.media_io import EngineTrack, MediaPump
from frontdesk.softphone.phone import BrowserPhone
from frontdesk.softphone.registration import Account, RegState

log = logging.getLogger("frontdesk.softphone")
GRACE_S = 10.0
REGISTER_TIMEOUT_S = 5.0
UNREGISTER_WAIT_S = 1.0


@dataclass(frozen=True, slots=True)
class CallStatus:
    call_ref: str
    state: str  # "RINGING", "ANSWERING", "TALKING"
    held: bool


@dataclass(frozen=True, slots=True)
class SessionStatus:
    agent_id: str
    extension: str
    registered: bool
    browser: str  # the peer connection's state: "new", "connecting", "connected", "failed"...
    codec: str  # what the browser link agreed: "opus", "PCMU", "PCMA"
    muted: bool
    calls: tuple[CallStatus, ...]
    media: BridgeStats


class _Session:
    def __init__(
        self,
        agent: Agent,
        phone: BrowserPhone,
        transport: SipTransport,
        bridge: RtpBridge,
        pump: MediaPump,
    ) -> None:
        self.agent, self.phone, self.transport = agent, phone, transport
        self.bridge, self.pump = bridge, pump
        self.link: BrowserLink | None = None
        self.grace: asyncio.TimerHandle | None = None
        self.registered = False


class SoftphoneGateway:
    def __init__(
        self,
        server_host: str,
        server_port: int,
        company_lookup: Callable[[], Company],
        on_event: EventCallback,
        *,
        clock: Clock | None = None,
        grace_s: float = GRACE_S,
        ice_servers: Sequence[str] = (),
    ) -> None:
        """`company_lookup` gives the company now in force (hot reloads change passwords);
        `on_event` receives every `SoftphoneEvent`, in the loop, and must not block."""
        host = server_host.strip("[]")
        # A server listening on every address is reached on loopback; an unspecified address
        # must never reach an SDP (c=0.0.0.0 means hold, RFC 3264 §8.4).
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        self.server = Peer("udp", host, server_port)
        self.company_lookup = company_lookup
        self.on_event = on_event
        self.clock = clock or SystemClock()
        self.grace_s = grace_s
        self.ice_servers = tuple(ice_servers)
        self._sessions: dict[str, _Session] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self._rng = random.SystemRandom()

    # -- sessions -------------------------------------------------------------------------------
    async def start_session(self, agent_id: str, offer_sdp: str) -> str:
        """Registers the agent's browser phone and answers the browser's WebRTC offer.
        An older session of the same agent is replaced: with unchanged credentials its
        registration and any call carry on over the new peer connection."""
        # One start at a time per agent: a double click must not make two phones.
        lock = self._starting.setdefault(agent_id, asyncio.Lock())
        async with lock:
            return await self._start(agent_id, offer_sdp)

    async def _start(self, agent_id: str, offer_sdp: str) -> str:
        agent = self._agent(agent_id)
        session = self._sessions.get(agent_id)
        if session is not None and (session.agent.extension, session.agent.password) != (
            agent.extension,
            agent.password,
        ):
            await self._end(session, "replaced")
            session = None
        if session is None:
            session = await self._open(agent)
        if session.grace is not None:
            session.grace.cancel()
            session.grace = None
        old, session.link = session.link, None
        if old is not None:
            await old.close()
        link = BrowserLink(
            EngineTrack(session.bridge, self.clock.now),
            session.pump.read_browser,
            self._link_state,
            self.ice_servers,
        )
        session.link = link
        try:
            return await link.answer(offer_sdp)
        except BaseException:
            session.link = None
            await link.close()
            if old is None:
                await self._end(session, "session_ended")
            raise

    async def _open(self, agent: Agent) -> _Session:
        host = self.server.host
        bridge = RtpBridge(random.Random(self._rng.getrandbits(64)))
        pump = MediaPump(bridge, self.clock.now)
        media_address = await pump.start(host)
        ua = UserAgent([LocalAddress("udp", host, 0)], self._rng, server_name="Frontdesk softphone")
        phone = BrowserPhone(
            agent.id,
            ua,
            Account(agent.extension, agent.password, self.server),
            bridge,
            media_address,
            self._emit,
            lambda ok, why: self._registration(agent.id, ok, why),
        )
        transport = SipTransport(ua, phone.handle, self.clock.now)
        try:
            bound_host, port = await _listen_udp(transport, host)
        except OSError:
            await pump.close()
            raise
        ua.local = {("udp", ":" in bound_host): LocalAddress("udp", bound_host, port)}
        session = _Session(agent, phone, transport, bridge, pump)
        self._sessions[agent.id] = session
        phone.registration.start(self.clock.now())
        transport.pump()
        try:
            async with asyncio.timeout(REGISTER_TIMEOUT_S):
                while not session.registered:
                    if phone.registration.state is RegState.FAILED:
                        raise SoftphoneError(
                            f"the server refused to register agent {agent.id} (extension "
                            f"{agent.extension}): {phone.registration.last_failure}"
                        )
                    await asyncio.sleep(0.01)
        except TimeoutError:
            await self._end(session, "no_response")
            raise SoftphoneError(
                f"the server at {host}:{self.server.port} did not answer the registration "
                f"of agent {agent.id} within {REGISTER_TIMEOUT_S:.0f} s"
            ) from None
        except SoftphoneError:
            await self._end(session, "refused")
            raise
        return session

    async def end_session(self, agent_id: str) -> None:
        """Hangs up any call, un-registers (Expires: 0) and closes the peer connection."""
        session = self._sessions.get(agent_id)
        if session is not None:
            await self._end(session, "session_ended")

    async def _end(self, session: _Session, reason: str) -> None:
        agent_id = session.agent.id
        if self._sessions.get(agent_id) is session:
            del self._sessions[agent_id]
        if session.grace is not None:
            session.grace.cancel()
        phone, now = session.phone, self.clock.now()
        phone.end_all(now)
        phone.registration.stop(now)
        session.transport.pump()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(UNREGISTER_WAIT_S):
                while phone.registration.state is RegState.UNREGISTERING:
                    await asyncio.sleep(0.01)
        if session.link is not None:
            await session.link.close()
        await session.pump.close()
        await session.transport.close()
        if session.registered:
            session.registered = False
            self._emit(Unregistered(agent_id, reason))

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            await self._end(session, "closed")

    def sessions(self) -> list[SessionStatus]:
        return [self._status(s) for s in self._sessions.values()]

    def _status(self, s: _Session) -> SessionStatus:
        calls = tuple(CallStatus(c.call_ref, c.state.name, c.held) for c in s.phone.calls.values())
        link = s.link
        return SessionStatus(
            s.agent.id,
            s.agent.extension,
            s.registered,
            link.state if link is not None else "none",
            link.codec if link is not None else "",
            s.bridge.muted,
            calls,
            s.bridge.stats,
        )

    # -- calls ----------------------------------------------------------------------------------
    def answer(self, agent_id: str, call_ref: str) -> None:
        self._drive(agent_id, lambda s, now: s.phone.answer(call_ref, now))

    def decline(self, agent_id: str, call_ref: str) -> None:
        self._drive(agent_id, lambda s, now: s.phone.decline(call_ref, now))

    def hangup(self, agent_id: str, call_ref: str) -> None:
        self._drive(agent_id, lambda s, now: s.phone.hangup(call_ref, now))

    def hold(self, agent_id: str, call_ref: str, on: bool) -> None:
        self._drive(agent_id, lambda s, now: s.phone.hold(call_ref, on, now))

    def mute(self, agent_id: str, on: bool) -> None:
        """The engine hears silence instead of the browser (until unmuted or the call ends)."""
        self._session(agent_id).bridge.muted = on

    def send_dtmf(self, agent_id: str, digit: str) -> None:
        """RFC 4733 telephone-events to the engine (0-9, *, #, A-D; several queue up)."""
        if not digit or any(d not in "0123456789*#ABCDabcd" for d in digit):
            raise SoftphoneError(f"{digit!r} is not a DTMF key (0-9, *, #, A-D)")
        self._drive(agent_id, lambda s, now: s.bridge.send_dtmf(digit.upper(), now))

    def _drive(self, agent_id: str, action: Callable[[_Session, float], None]) -> None:
        session = self._session(agent_id)
        try:
            action(session, self.clock.now())
        finally:
            session.transport.pump()  # send what the phone queued, hand on its events

    # -- helpers --------------------------------------------------------------------------------
    def _agent(self, agent_id: str) -> Agent:
        agent = self.company_lookup().agent(agent_id)
        if agent is None:
            raise SoftphoneError(f"no agent {agent_id!r} in the company file")
        return agent

    def _session(self, agent_id: str) -> _Session:
        session = self._sessions.get(agent_id)
        if session is None:
            raise SoftphoneError(f"agent {agent_id} has no softphone session")
        return session

    def _emit(self, event: SoftphoneEvent) -> None:
        try:
            self.on_event(event)
        except Exception:
            log.exception("the softphone event handler failed on %r", event)

    def _registration(self, agent_id: str, ok: bool, why: str) -> None:
        session = self._sessions.get(agent_id)
        if session is None or ok == session.registered:
            return
        session.registered = ok
        self._emit(Registered(agent_id) if ok else Unregistered(agent_id, why))

    def _link_state(self, link: BrowserLink, state: str) -> None:
        """A browser that went away gets `grace_s` to come back before the agent logs out."""
        session = next((s for s in self._sessions.values() if s.link is link), None)
        if session is None:
            return  # a replaced link closing
        if state == "connected" and session.grace is not None:
            session.grace.cancel()
            session.grace = None
        elif state in GONE_STATES and session.grace is None:
            log.info(
                "browser of agent %s is %s; waiting %.0f s", session.agent.id, state, self.grace_s
            )
            loop = asyncio.get_running_loop()
            session.grace = loop.call_later(self.grace_s, self._browser_gone, session)

    def _browser_gone(self, session: _Session) -> None:
        session.grace = None
        if self._sessions.get(session.agent.id) is session:
            task = asyncio.ensure_future(self._end(session, "browser_gone"))
            task.add_done_callback(_log_failure)


async def _listen_udp(transport: SipTransport, host: str) -> tuple[str, int]:
    """The phone's SIP socket (SipTransport also opens TCP on the same port; unused)."""
    return await transport.listen(host, 0)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("ending a softphone session failed", exc_info=task.exception())
