"""`WebCaller`: the SIP side of visitors' calls (RFC 3261 §13.2 UAC, §15 BYE, §9 CANCEL),
sans-IO on Frontdesk's own `UserAgent`.

Each visitor's call is one INVITE from the widget's user agent to the company's number, as a
phone on the network would send it: From `"Web visitor" <sip:web-<id>@<company domain>>`, an
SDP offer (RFC 3264: PCMU, PCMA, telephone-event) pointing at the call's RTP bridge. The user
agent sends the ACK for the 2xx itself. Hanging up is BYE once answered, CANCEL while it
rings. A re-INVITE from the server is answered with the same port. States are `CALL_TABLE`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto

from frontdesk.sip import SipError, sdp
from frontdesk.sip.dialog import Dialog, DialogState
from frontdesk.sip.events import (
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    RequestTimedOut,
    ResponseReceived,
    SipEvent,
)
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.offer_answer import make_offer, negotiate_answer, read_answer
from frontdesk.sip.transaction import Peer, Transaction
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone.bridge import EngineMedia
from frontdesk.widget import UnknownWidgetCall

log = logging.getLogger("frontdesk.widget")
CODECS: tuple[sdp.Codec, ...] = (sdp.PCMU, sdp.PCMA, sdp.TELEPHONE_EVENT)
DISPLAY_NAME = '"Web visitor"'


class CallState(Enum):
    DIALLING = auto()  # INVITE sent, nothing back yet
    RINGING = auto()  # a provisional response (180/183)
    ANSWERED = auto()  # 2xx: the flow runs
    ENDED = auto()


class CallInput(Enum):
    PROVISIONAL = auto()
    ANSWERED = auto()
    ENDED = auto()  # refused, timed out, BYE from either side


CALL_TABLE: dict[tuple[CallState, CallInput], CallState] = {
    (CallState.DIALLING, CallInput.PROVISIONAL): CallState.RINGING,
    (CallState.DIALLING, CallInput.ANSWERED): CallState.ANSWERED,
    (CallState.RINGING, CallInput.ANSWERED): CallState.ANSWERED,
    (CallState.DIALLING, CallInput.ENDED): CallState.ENDED,
    (CallState.RINGING, CallInput.ENDED): CallState.ENDED,
    (CallState.ANSWERED, CallInput.ENDED): CallState.ENDED,
}


@dataclass(frozen=True, slots=True)
class Ringing:
    call_id: str


@dataclass(frozen=True, slots=True)
class Connected:
    call_id: str
    media: EngineMedia  # where the bridge sends to the engine, and how


@dataclass(frozen=True, slots=True)
class Ended:
    call_id: str
    reason: str  # "local_bye", "remote_bye", "refused: 404 Not Found", "no answer", ...


CallEvent = Ringing | Connected | Ended


@dataclass(slots=True)
class WebCall:
    call_id: str  # the INVITE's Call-ID: the server's event log knows the call by it
    invite: Transaction
    offer: sdp.SessionDescription
    media_address: tuple[str, int]
    state: CallState = CallState.DIALLING
    dialog: Dialog | None = None

    def feed(self, what: CallInput) -> bool:
        nxt = CALL_TABLE.get((self.state, what))
        if nxt is None:
            return False
        self.state = nxt
        return True


class WebCaller:
    def __init__(self, ua: UserAgent, server: Peer, emit: Callable[[CallEvent], None]) -> None:
        self.ua, self.server, self.emit = ua, server, emit
        self.calls: dict[str, WebCall] = {}
        self._session_id = int(ua.ids.token(30), 16)  # o= session id (RFC 4566 §5.2)

    def place(
        self, visitor: str, domain: str, number: str, media: tuple[str, int], now: float,
        headers: dict[str, str] | None = None,
    ) -> str:  # fmt: skip
        """INVITEs `number` as `sip:web-<visitor>@<domain>`; returns the call's Call-ID."""
        self._session_id += 1
        offer = make_offer(CODECS, media[0], media[1], self._session_id, 1, username="widget")
        server = self.server
        target = SipUri("sip", _host(server.host), user=number, port=server.port)
        caller = NameAddr(SipUri("sip", domain, user=f"web-{visitor}"), DISPLAY_NAME)
        request = self.ua.new_request(
            "INVITE", target, caller, NameAddr(target), server, body=bytes(offer),
            content_type="application/sdp", headers=headers,
        )  # fmt: skip
        invite = self.ua.send(request, server, now)
        call = WebCall(request.call_id, invite, offer, media)
        self.calls[call.call_id] = call
        return call.call_id

    def hang_up(self, call_id: str, now: float) -> None:
        """BYE once answered; CANCEL while ringing (the UA sends it once it may, §9.1)."""
        call = self.calls.get(call_id)
        if call is None:
            raise UnknownWidgetCall(f"there is no call {call_id!r} up")
        if call.dialog is not None and call.dialog.state is DialogState.CONFIRMED:
            self.ua.bye(call.dialog, now)  # DialogEnded("local_bye") ends the call
        elif call.state in (CallState.DIALLING, CallState.RINGING):
            self.ua.cancel(call.invite, now)

    def hang_up_all(self, now: float) -> None:
        for call_id in list(self.calls):
            self.hang_up(call_id, now)

    # -- the SIP events ---------------------------------------------------------------------------
    def handle(self, events: list[SipEvent], now: float) -> None:
        for event in events:
            if isinstance(event, ResponseReceived):
                self._response(event, now)
            elif isinstance(event, RequestTimedOut):
                call = self.calls.get(event.txn.request.call_id)
                if call is not None and event.txn is call.invite:
                    self._end(call, "no answer")
            elif isinstance(event, DialogEnded):
                call = self.calls.get(event.dialog.call_id)
                if call is not None:
                    self._end(call, event.reason)
            elif isinstance(event, DialogRequest):
                self._in_dialog(event, now)
            elif isinstance(event, IncomingRequest):
                # Nobody calls a visitor: the widget's agent only places calls.
                status = 481 if event.request.method in ("BYE", "INFO", "UPDATE") else 403
                self.ua.reply(event.txn, status, now=now)

    def _response(self, event: ResponseReceived, now: float) -> None:
        call = self.calls.get(event.txn.request.call_id)
        if call is None or event.txn is not call.invite:
            return
        status = event.response.status
        if status < 200:
            if status > 100 and call.feed(CallInput.PROVISIONAL):
                self.emit(Ringing(call.call_id))
            return
        if status >= 300:
            self._end(call, f"refused: {status} {event.response.reason}")
            return
        if not call.feed(CallInput.ANSWERED):
            return  # ended meanwhile (a CANCEL crossed the 200: the UA has sent BYE)
        call.dialog = event.dialog
        try:
            answer = sdp.SessionDescription.parse(event.response.body)
            media = read_answer(call.offer, answer)
        except (SipError, ValueError) as exc:
            log.warning("the server's answer to web call %s is unusable: %s", call.call_id, exc)
            self.hang_up(call.call_id, now)
            return
        self.emit(Connected(call.call_id, EngineMedia.agreed(media)))

    def _in_dialog(self, event: DialogRequest, now: float) -> None:
        """A re-INVITE from the server (a media change): answered with the same port."""
        request, call = event.request, self.calls.get(event.request.call_id)
        if request.method != "INVITE":
            self.ua.reply(event.txn, 200, now=now)
            return
        if call is None:
            self.ua.reply(event.txn, 481, now=now)
            return
        try:
            offer = sdp.SessionDescription.parse(request.body)
            self._session_id += 1
            answer, media = negotiate_answer(
                offer, CODECS, call.media_address[0], call.media_address[1], self._session_id,
                1, username="widget",
            )  # fmt: skip
        except (SipError, ValueError) as exc:
            self.ua.reply(event.txn, getattr(exc, "status", 488), now=now)
            return
        self.ua.reply(event.txn, 200, body=bytes(answer), content_type="application/sdp", now=now)
        self.emit(Connected(call.call_id, EngineMedia.agreed(media)))

    def _end(self, call: WebCall, reason: str) -> None:
        if call.feed(CallInput.ENDED):
            del self.calls[call.call_id]
            self.emit(Ended(call.call_id, reason))


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
