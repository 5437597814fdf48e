"""A simulated agent: the browser softphone's SIP user agent, with a `Voice` for a browser.

Each agent registers as their extension over loopback SIP with their own socket, exactly as
the browser softphone does (`BrowserPhone`, reused as it is), so the server logs them in when
the registration lands. An offer rings the phone; the agent picks up after `ring_delay`, talks
for a lognormal `talk_time`, hangs up with BYE, and now and then takes a break through the
contact centre (`ContactCentre.set_presence`, what the desk's break button calls).

States and their transitions are in `AGENT_TABLE`; timers are the loop's, owned by the agent
and cancelled when the call they were for has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from enum import Enum, auto

from frontdesk.config import Agent
from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.media_io import VoiceTicker
from frontdesk.demo.sockets import open_sip
from frontdesk.demo.voice import Script, Voice
from frontdesk.sip.dialog import LocalAddress
from frontdesk.sip.transaction import Peer
from frontdesk.sip.transport import SipTransport
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.events import Answered, Ended, Incoming, SoftphoneEvent
from frontdesk.softphone.phone import BrowserPhone
from frontdesk.softphone.registration import Account, RegState

log = logging.getLogger("frontdesk.demo")
UNREGISTER_WAIT_S = 1.0
END_OF_SHIFT = "end of shift"

# Breaks go through the contact centre: (agent id, ready?, reason) -> None, or raises
# TelephonyError when the routing engine refuses (a call was offered meanwhile).
Presence = Callable[[str, bool, str], None]


class AgentState(Enum):
    OFFLINE = auto()
    READY = auto()
    RINGING = auto()
    TALKING = auto()
    ON_BREAK = auto()


class AgentInput(Enum):
    REGISTERED = auto()
    UNREGISTERED = auto()
    RINGS = auto()
    PICKED_UP = auto()
    CALL_ENDED = auto()
    BREAK = auto()
    BACK = auto()


AGENT_TABLE: dict[tuple[AgentState, AgentInput], AgentState] = {
    (AgentState.OFFLINE, AgentInput.REGISTERED): AgentState.READY,
    (AgentState.READY, AgentInput.RINGS): AgentState.RINGING,
    (AgentState.RINGING, AgentInput.PICKED_UP): AgentState.TALKING,
    (AgentState.RINGING, AgentInput.CALL_ENDED): AgentState.READY,
    (AgentState.TALKING, AgentInput.CALL_ENDED): AgentState.READY,
    (AgentState.READY, AgentInput.BREAK): AgentState.ON_BREAK,
    (AgentState.ON_BREAK, AgentInput.BACK): AgentState.READY,
    # A call can ring the phone in the instant a break starts: the call wins.
    (AgentState.ON_BREAK, AgentInput.RINGS): AgentState.RINGING,
    **{(state, AgentInput.UNREGISTERED): AgentState.OFFLINE for state in AgentState},
}


class SimAgent:
    def __init__(self, agent: Agent, server: Peer, behaviour: Behaviour, ticker: VoiceTicker,
                 script: Script, presence: Presence, now: Callable[[], float]) -> None:  # fmt: skip
        self.agent, self.server, self.behaviour = agent, server, behaviour
        self.ticker, self.presence, self.now = ticker, presence, now
        self.voice = Voice(script, random.Random(behaviour.rng.getrandbits(64)))
        self.state = AgentState.OFFLINE
        self.answered = 0
        self.breaks = 0
        self.phone: BrowserPhone | None = None
        self.transport: SipTransport | None = None
        self._timers: set[asyncio.TimerHandle] = set()
        self.leaving = False  # the shift is ending: no more calls

    def _feed(self, what: AgentInput) -> bool:
        nxt = AGENT_TABLE.get((self.state, what))
        if nxt is None:
            return False
        self.state = nxt
        return True

    async def start(self, host: str) -> None:
        """Opens the phone's sockets and sends the first REGISTER (the answer comes later)."""
        media_address = await self.ticker.open(self.voice, host)
        rng = random.Random(self.behaviour.rng.getrandbits(64))
        ua = UserAgent([LocalAddress("udp", host, 0)], rng, server_name="Frontdesk demo agent")
        account = Account(self.agent.extension, self.agent.password, self.server)
        phone = BrowserPhone(self.agent.id, ua, account, self.voice, media_address,
                             self._on_phone, self._on_registration)  # fmt: skip
        self.transport, _ = await open_sip(ua, phone.handle, self.now, host)
        self.phone = phone
        phone.registration.start(self.now())
        self.transport.pump()

    # -- what the phone says --------------------------------------------------------------------
    def _on_registration(self, ok: bool, why: str) -> None:
        self._feed(AgentInput.REGISTERED if ok else AgentInput.UNREGISTERED)
        if not ok:
            log.warning("demo agent %s lost its registration: %s", self.agent.id, why)

    def _on_phone(self, event: SoftphoneEvent) -> None:
        if isinstance(event, Incoming) and self.leaving:
            self._decline(event.call_ref)
        elif isinstance(event, Incoming) and self._feed(AgentInput.RINGS):
            self._later(self.behaviour.ring_delay(), self._pick_up, event.call_ref)
        elif isinstance(event, Answered):
            self.voice.talk()
            self._later(self.behaviour.talk_time(), self._hang_up, event.call_ref)
        elif isinstance(event, Ended):
            self._cancel_timers()
            self.voice.talk(False)
            if self._feed(AgentInput.CALL_ENDED) and not self.leaving:
                pause = self.behaviour.after_call_break()
                if pause is not None:
                    self._later(1.0, self._take_break, pause.reason, pause.duration_s)

    # -- what the agent does --------------------------------------------------------------------
    def _pick_up(self, call_ref: str) -> None:
        phone = self.phone
        if phone is None or call_ref not in phone.calls:
            return
        try:
            phone.answer(call_ref, self.now())
        except SoftphoneError as exc:
            log.info("demo agent %s could not answer: %s", self.agent.id, exc)
        else:
            self._feed(AgentInput.PICKED_UP)
            self.answered += 1
        self._pump()

    def _hang_up(self, call_ref: str) -> None:
        phone = self.phone
        if phone is not None and call_ref in phone.calls:
            phone.hangup(call_ref, self.now())
            self._pump()

    def _take_break(self, reason: str, duration_s: float) -> None:
        if self.state is not AgentState.READY:
            return
        try:
            self.presence(self.agent.id, False, reason)
        except Exception as exc:  # the engine refused (an offer is on its way): no break
            log.debug("demo agent %s stays ready: %s", self.agent.id, exc)
            return
        self._feed(AgentInput.BREAK)
        self.breaks += 1
        self._later(duration_s, self._back)

    def _back(self) -> None:
        if self._feed(AgentInput.BACK):
            try:
                self.presence(self.agent.id, True, "")
            except Exception as exc:
                log.debug("demo agent %s could not come back: %s", self.agent.id, exc)

    def _decline(self, call_ref: str) -> None:
        phone = self.phone
        if phone is not None and call_ref in phone.calls:
            with contextlib.suppress(SoftphoneError):
                phone.decline(call_ref, self.now())
            self._pump()

    # -- the end of the shift ---------------------------------------------------------------
    def end_shift(self) -> bool:
        """Takes no more calls: rings are declined from now on, and the agent goes on a break
        ("end of shift") as soon as the routing engine allows it (not while ringing or on a
        call), so that the un-REGISTER logs them out. True once that is done."""
        self.leaving = True
        self._cancel_timers()
        if self.state is AgentState.ON_BREAK or self.state is AgentState.OFFLINE:
            return True
        if self.state is AgentState.RINGING and self.phone is not None:
            for call_ref in list(self.phone.calls):
                self._decline(call_ref)
        if self.state is not AgentState.READY:
            return False
        try:
            self.presence(self.agent.id, False, END_OF_SHIFT)
        except Exception:  # the engine is offering a call this instant: try again later
            return False
        self._feed(AgentInput.BREAK)
        return True

    # -- helpers ----------------------------------------------------------------------------
    def _later(self, delay: float, action: Callable[..., None], *args: object) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            try:
                action(*args)
            except Exception:
                log.exception("demo agent %s failed", self.agent.id)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def _cancel_timers(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()

    def _pump(self) -> None:
        if self.transport is not None:
            self.transport.pump()

    async def stop(self) -> None:
        """Hangs up (BYE), un-registers (Expires: 0), and closes the sockets."""
        self._cancel_timers()
        phone, transport = self.phone, self.transport
        if phone is None or transport is None:
            return
        self.leaving = True
        now = self.now()
        phone.end_all(now)
        phone.registration.stop(now)
        transport.pump()
        deadline = self.now() + UNREGISTER_WAIT_S
        while phone.registration.state is RegState.UNREGISTERING and self.now() < deadline:
            await asyncio.sleep(0.02)
        self.ticker.close(self.voice)
        await transport.close()
        self.phone = self.transport = None
