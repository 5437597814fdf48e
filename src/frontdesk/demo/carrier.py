"""The simulated callers' phone network: one SIP user agent (one socket, like a carrier's
gateway) that places every caller's INVITE to the demo number and is also the company's trunk,
where Frontdesk's callbacks to customers arrive (`customers.py` answers those).

A caller's INVITE offers PCMU, PCMA and RFC 4733 events on the caller's own RTP socket; once
answered, the caller types the keys of their route ahead of the prompts, and then acts on
the routing engine's events for their contact (`on_acd`, fed from the event log): gives up
when their patience runs out in the queue, presses the callback key, talks while an agent is
on the line, rates the call in the survey, and hangs up (BYE) if nobody else does.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from frontdesk.demo import DemoError
from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.callers import EVENT_INPUTS, CallerPlan, CallInput, CallPhase, SimCall
from frontdesk.demo.customers import Customers
from frontdesk.demo.media_io import VoiceTicker
from frontdesk.demo.settings import DemoSettings
from frontdesk.demo.sockets import open_sip
from frontdesk.demo.voice import Script, Voice
from frontdesk.sip import SipError, sdp
from frontdesk.sip.dialog import DialogState, LocalAddress
from frontdesk.sip.events import (
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    InviteCancelled,
    RequestTimedOut,
    ResponseReceived,
    SipEvent,
)
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.offer_answer import make_offer, read_answer
from frontdesk.sip.transaction import Peer, State
from frontdesk.sip.transport import SipTransport
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone.bridge import EngineMedia

log = logging.getLogger("frontdesk.demo")
CODECS: tuple[sdp.Codec, ...] = (sdp.PCMU, sdp.PCMA, sdp.TELEPHONE_EVENT)
IN_FLOW_LIMIT_S = 90.0  # a caller still in the menus after this long hangs up
AFTER_AGENT_LIMIT_S = 30.0  # after the survey and goodbye Frontdesk hangs up; else we do
SURVEY_KEY_AFTER_S = 1.5
STOP_WAIT_S = 1.5
_UNANSWERED = (State.TRYING, State.CALLING, State.PROCEEDING)


class Carrier:
    def __init__(self, settings: DemoSettings, behaviour: Behaviour, ticker: VoiceTicker,
                 now: Callable[[], float], host: str = "127.0.0.1") -> None:  # fmt: skip
        self.settings, self.behaviour, self.ticker, self.now = settings, behaviour, ticker, now
        self.host = host
        rng = random.Random(behaviour.rng.getrandbits(64))
        self.ua = UserAgent([LocalAddress("udp", host, 0)], rng,
                            server_name="Frontdesk demo carrier")  # fmt: skip
        self.transport = SipTransport(self.ua, self._on_events, now)
        self.customers = Customers(self.ua, behaviour, ticker, host, now, self._pump)
        self.server: Peer | None = None
        self.dialled = ""
        self.calls: dict[str, SimCall] = {}
        self.tally: Counter[str] = Counter()
        self._session_id = rng.getrandbits(31)

    async def listen(self) -> tuple[str, int]:
        """Opens the carrier's SIP socket; its address is the company's trunk."""
        self.transport, address = await open_sip(self.ua, self._on_events, self.now, self.host)
        return address

    def _pump(self) -> None:
        self.transport.pump()

    def connect(self, server: Peer, dialled: str) -> None:
        """Calls go to `server`, dialling the number `dialled`."""
        self.server, self.dialled = server, dialled

    # -- placing calls --------------------------------------------------------------------------
    async def place(self, plan: CallerPlan, script: Script) -> SimCall:
        server = self.server
        assert server is not None, "connect() before placing calls"
        voice = Voice(script, random.Random(self.behaviour.rng.getrandbits(64)))
        address = await self.ticker.open(voice, self.host)
        self._session_id += 1
        offer = make_offer(CODECS, address[0], address[1], self._session_id, 1,
                           username="caller")  # fmt: skip
        target = SipUri("sip", _host(server.host), user=self.dialled, port=server.port)
        display = '"' + plan.name.replace('"', "") + '"' if plan.name else None
        caller = NameAddr(SipUri("sip", _host(self.host), user=plan.number), display)
        body, kind = bytes(offer), "application/sdp"
        request = self.ua.new_request(
            "INVITE", target, caller, NameAddr(target), server, body=body, content_type=kind
        )
        invite = self.ua.send(request, server, self.now())
        call = SimCall(plan, voice, address, offer, invite)
        self.calls[call.call_id] = call
        self.tally["placed"] += 1
        self._at(call, self.settings.max_call_s, self.hang_up, any_phase=True)
        self.transport.pump()
        return call

    def hang_up(self, call: SimCall) -> None:
        """BYE once answered; CANCEL while still ringing."""
        now = self.now()
        dialog = call.dialog
        if dialog is not None and dialog.state is DialogState.CONFIRMED:
            self.ua.bye(dialog, now)
        elif call.phase is CallPhase.DIALLING:
            self.ua.cancel(call.invite, now)
        self.transport.pump()

    # -- SIP ------------------------------------------------------------------------------------
    def _on_events(self, events: list[SipEvent], now: float) -> None:
        for event in events:
            call = self.calls.get(_call_id(event))
            if call is None:
                self.customers.handle(event, now)
            elif isinstance(event, ResponseReceived) and event.txn is call.invite:
                self._invite_answered(call, event)
            elif isinstance(event, RequestTimedOut) and event.txn is call.invite:
                self._ended(call, "no answer to the INVITE")
            elif isinstance(event, DialogEnded):
                self._ended(call, event.reason)
            elif isinstance(event, DialogRequest):
                self.customers.answer_in_dialog(event, call.voice, call.address, now)

    def _invite_answered(self, call: SimCall, event: ResponseReceived) -> None:
        status = event.response.status
        if status < 200:
            return
        if status >= 300:
            self._ended(call, f"refused: {status} {event.response.reason}")
            return
        call.dialog = event.dialog
        try:
            answer = sdp.SessionDescription.parse(event.response.body)
            call.voice.connect(EngineMedia.agreed(read_answer(call.offer, answer)))
        except (SipError, ValueError) as exc:
            log.warning("the server's answer to caller %s is unusable: %s", call.plan.number, exc)
            self.hang_up(call)
            return
        call.feed(CallInput.CONNECTED)
        self.tally["connected"] += 1
        digits = call.plan.route.digits
        if digits:
            self._at(call, self.settings.keys_after_s, lambda c: self._press(c, digits))
        self._at(call, IN_FLOW_LIMIT_S, self.hang_up)

    def _press(self, call: SimCall, digits: str) -> None:
        try:
            call.voice.press(digits, self.now())
        except DemoError as exc:
            log.info("caller %s cannot press keys: %s", call.plan.number, exc)

    def _ended(self, call: SimCall, reason: str) -> None:
        if not call.feed(CallInput.ENDED):
            return
        call.cancel_timers()
        self.ticker.close(call.voice)
        self.calls.pop(call.call_id, None)
        self.tally["ended"] += 1
        if reason.startswith("refused") or reason.startswith("no answer"):
            self.tally["failed"] += 1
            log.warning("demo caller %s: %s", call.plan.number, reason)

    # -- what the routing engine says about a caller ----------------------------------------------
    def on_acd(self, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        call = self.calls.get(call_id or "")
        what = EVENT_INPUTS.get(kind)
        if call is None or what is None or not call.feed(what):
            return
        b = self.behaviour
        if call.phase is CallPhase.QUEUED:
            self._at(call, b.patience(), self._give_up)
            press = b.callback_press()
            if press is not None:
                self._at(call, press, self._ask_for_callback)
        elif call.phase is CallPhase.WITH_AGENT:
            call.voice.talk()
        elif call.phase is CallPhase.AFTER_AGENT:
            call.voice.talk(False)
            key = b.survey_key()
            self._at(call, SURVEY_KEY_AFTER_S, lambda c: self._press(c, key))
            self._at(call, AFTER_AGENT_LIMIT_S, self.hang_up)
        elif call.phase is CallPhase.LEAVING:
            self.tally["kept_place"] += 1
            self._at(call, AFTER_AGENT_LIMIT_S, self.hang_up)

    def _give_up(self, call: SimCall) -> None:
        call.abandoned = True
        self.tally["gave_up"] += 1
        self.hang_up(call)

    def _ask_for_callback(self, call: SimCall) -> None:
        call.pressed_callback = True
        self.tally["pressed_callback"] += 1
        self._press(call, "*")

    def _at(self, call: SimCall, delay: float, action: Callable[[SimCall], None],
            any_phase: bool = False) -> None:  # fmt: skip
        """Runs `action(call)` after `delay` if the call is still in the phase it is in now
        (or in any live phase with `any_phase`)."""
        generation = call.generation
        handle: asyncio.TimerHandle

        def fire() -> None:
            call.timers.discard(handle)
            if call.phase is CallPhase.ENDED or not (any_phase or call.generation == generation):
                return
            try:
                action(call)
            except Exception:
                log.exception("demo caller %s failed", call.plan.number)
            self.transport.pump()

        handle = asyncio.get_running_loop().call_later(delay, fire)
        call.timers.add(handle)

    # -- the end --------------------------------------------------------------------------------
    async def stop(self) -> None:
        """Every caller hangs up (BYE, or CANCEL while ringing), customers too; then the
        socket closes once the answers are in (or after `STOP_WAIT_S`)."""
        for call in list(self.calls.values()):
            call.cancel_timers()
            self.hang_up(call)
        self.customers.hang_up_all(self.now())
        self.transport.pump()
        deadline = self.now() + STOP_WAIT_S
        while (self.calls or self._awaiting_answers()) and self.now() < deadline:
            await asyncio.sleep(0.02)
        for call in list(self.calls.values()):
            self._ended(call, "stopped")
        await self.customers.close()
        await self.transport.close()

    def _awaiting_answers(self) -> bool:
        """A request of ours (a BYE, a CANCEL) still has no final answer."""
        return any(t.state in _UNANSWERED for t in self.ua.txns.client.values())


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _call_id(event: SipEvent) -> str:
    if isinstance(event, ResponseReceived | RequestTimedOut):
        return event.txn.request.call_id
    if isinstance(event, DialogEnded):
        return event.dialog.call_id
    if isinstance(event, DialogRequest | IncomingRequest):
        return event.request.call_id
    if isinstance(event, InviteCancelled):
        return event.txn.request.call_id
    return ""
