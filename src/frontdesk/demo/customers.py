"""Customers called back: the INVITEs Frontdesk sends through its trunk (the demo carrier)
when an agent takes a callback. The customer's phone rings (180), and after a few seconds
they pick up (200 OK with an SDP answer, RFC 3264) and talk until the agent hangs up; some
never pick up (480 after `NO_ANSWER_S`), so the callback is tried again later.

Re-INVITEs in any simulated call (a hold, a media change) are answered here too, from the
same RTP socket, so the call keeps its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.media_io import VoiceTicker
from frontdesk.demo.speech import murmur
from frontdesk.demo.voice import Script, Voice
from frontdesk.sip import SipError, sdp
from frontdesk.sip.dialog import Dialog, DialogState
from frontdesk.sip.events import (
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    InviteCancelled,
    SipEvent,
)
from frontdesk.sip.offer_answer import NegotiatedMedia, negotiate_answer
from frontdesk.sip.transaction import State, Transaction
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone.bridge import EngineMedia

log = logging.getLogger("frontdesk.demo")
CODECS: tuple[sdp.Codec, ...] = (sdp.PCMU, sdp.PCMA, sdp.TELEPHONE_EVENT)
NO_ANSWER_S = 12.0
TALK_AFTER_S = 1.0


@dataclass(slots=True)
class Customer:
    number: str
    invite: Transaction
    voice: Voice
    dialog: Dialog | None = None
    address: tuple[str, int] = ("", 0)
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Customers:
    def __init__(self, ua: UserAgent, behaviour: Behaviour, ticker: VoiceTicker, host: str,
                 now: Callable[[], float], pump: Callable[[], None]) -> None:  # fmt: skip
        """`pump` sends what the user agent queued (the carrier's transport)."""
        self.ua, self.behaviour, self.ticker, self.host = ua, behaviour, ticker, host
        self.now, self.pump = now, pump
        self.calls: dict[str, Customer] = {}
        self.rung = 0
        self.answered = 0
        self._script = Script(murmur("Hello? Yes, speaking. Oh good, thank you for calling back."))
        self._session_id = behaviour.rng.getrandbits(31)

    def handle(self, event: SipEvent, now: float) -> None:
        if isinstance(event, IncomingRequest):
            if event.request.method == "INVITE":
                self._ring(event, now)
            else:
                self.ua.reply(event.txn, 481 if event.request.method == "BYE" else 405, now=now)
        elif isinstance(event, InviteCancelled):
            self._gone(event.txn.request.call_id)
        elif isinstance(event, DialogEnded):
            self._gone(event.dialog.call_id)
        elif isinstance(event, DialogRequest):
            customer = self.calls.get(event.request.call_id)
            if customer is None:
                self.ua.reply(event.txn, 481, now=now)
            else:
                self.answer_in_dialog(event, customer.voice, customer.address, now)

    def _ring(self, event: IncomingRequest, now: float) -> None:
        request = event.request
        number = getattr(request.uri, "user", None) or "?"
        voice = Voice(self._script, random.Random(self.behaviour.rng.getrandbits(64)))
        customer = Customer(number, event.txn, voice)
        self.calls[request.call_id] = customer
        self.rung += 1
        self.ua.reply(event.txn, 180, now=now)
        answers = self.behaviour.customer_answers()
        delay = self.behaviour.ring_delay() if answers else NO_ANSWER_S
        customer.task = asyncio.create_task(self._pick_up(customer, delay, answers))

    async def _pick_up(self, customer: Customer, delay: float, answers: bool) -> None:
        try:
            customer.address = await self.ticker.open(customer.voice, self.host)
            await asyncio.sleep(delay)
            now = self.now()
            if customer.invite.state is not State.PROCEEDING:
                return  # cancelled while ringing
            if not answers:
                self.ua.reply(customer.invite, 480, now=now)
                self._gone(customer.invite.request.call_id)
                return
            offer = sdp.SessionDescription.parse(customer.invite.request.body)
            answer, agreed = self._answer(offer, customer.address)
            customer.dialog = self.ua.reply(customer.invite, 200, body=bytes(answer),
                                            content_type="application/sdp", now=now)  # fmt: skip
            customer.voice.connect(EngineMedia.agreed(agreed))
            self.answered += 1
            await asyncio.sleep(TALK_AFTER_S)
            customer.voice.talk()
        except (SipError, ValueError) as exc:
            log.warning("demo customer %s cannot answer: %s", customer.number, exc)
            self.ua.reply(customer.invite, 488, now=self.now())
            self._gone(customer.invite.request.call_id)
        finally:
            self.pump()

    def answer_in_dialog(self, event: DialogRequest, voice: Voice, address: tuple[str, int],
                         now: float) -> None:  # fmt: skip
        """A re-INVITE gets an answer from the same socket; other in-dialog requests a 200."""
        if event.request.method != "INVITE":
            self.ua.reply(event.txn, 200, now=now)
            return
        try:
            answer, agreed = self._answer(sdp.SessionDescription.parse(event.request.body), address)
        except (SipError, ValueError) as exc:
            self.ua.reply(event.txn, getattr(exc, "status", 488), now=now)
            return
        self.ua.reply(event.txn, 200, body=bytes(answer), content_type="application/sdp", now=now)
        voice.connect(EngineMedia.agreed(agreed))

    def _answer(
        self, offer: sdp.SessionDescription, address: tuple[str, int]
    ) -> tuple[sdp.SessionDescription, NegotiatedMedia]:
        self._session_id += 1
        return negotiate_answer(offer, CODECS, address[0], address[1], self._session_id, 1,
                                username="customer")  # fmt: skip

    def _gone(self, call_id: str) -> None:
        customer = self.calls.pop(call_id, None)
        if customer is None:
            return
        if customer.task is not None and not customer.task.done():
            customer.task.cancel()
        self.ticker.close(customer.voice)

    def hang_up_all(self, now: float) -> None:
        """BYE to customers on the line; 480 to those still ringing."""
        for call_id, customer in list(self.calls.items()):
            dialog = customer.dialog
            if dialog is not None and dialog.state is DialogState.CONFIRMED:
                self.ua.bye(dialog, now)
            elif customer.invite.state is State.PROCEEDING:
                self.ua.reply(customer.invite, 480, now=now)
            self._gone(call_id)

    async def close(self) -> None:
        tasks = [c.task for c in self.calls.values() if c.task is not None]
        for call_id in list(self.calls):
            self._gone(call_id)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
