"""`BrowserPhone`: the SIP user agent behind one agent's browser (RFC 3261 §13, §14, §15),
sans-IO on top of Frontdesk's own `UserAgent`.

It registers as the agent's extension (registration.py) and takes the INVITEs the server sends
for the routing engine's offers, exactly like a desk phone: 180 Ringing at once, then 200 OK
with an SDP answer (RFC 3264) pointing at the RTP bridge when the agent answers, 486 when they
decline (or while another call is up), BYE to hang up. Hold is a re-INVITE offering
a=sendonly, resume one offering a=sendrecv (RFC 3264 §8.4). A call is identified by its SIP
Call-ID (`call_ref`). States are in `CALL_TABLE`; the phone emits the gateway's events.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Protocol

from frontdesk.sip import SipError, sdp
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.events import (
    DialogConfirmed,
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    InviteCancelled,
    RequestTimedOut,
    ResponseReceived,
    SipEvent,
)
from frontdesk.sip.headers import unquote_string
from frontdesk.sip.message import Request
from frontdesk.sip.offer_answer import NegotiatedMedia, negotiate_answer, read_answer, reoffer
from frontdesk.sip.transaction import Transaction
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.bridge import EngineMedia
from frontdesk.softphone.events import Answered, Ended, Incoming, SoftphoneEvent
from frontdesk.softphone.registration import Account, Registration

log = logging.getLogger("frontdesk.softphone")
CODECS: tuple[sdp.Codec, ...] = (sdp.PCMU, sdp.PCMA, sdp.TELEPHONE_EVENT)


class CallState(Enum):
    RINGING = auto()
    ANSWERING = auto()  # 200 OK sent, waiting for the ACK
    TALKING = auto()
    ENDED = auto()


class CallInput(Enum):
    ANSWER = auto()
    ACK = auto()
    REJECT = auto()  # declined or busy: a final error response
    CANCELLED = auto()
    BYE = auto()  # from either side, or a dialog that ended for any reason


CALL_TABLE: dict[tuple[CallState, CallInput], CallState] = {
    (CallState.RINGING, CallInput.ANSWER): CallState.ANSWERING,
    (CallState.RINGING, CallInput.REJECT): CallState.ENDED,
    (CallState.RINGING, CallInput.CANCELLED): CallState.ENDED,
    (CallState.ANSWERING, CallInput.ACK): CallState.TALKING,
    (CallState.ANSWERING, CallInput.BYE): CallState.ENDED,
    (CallState.TALKING, CallInput.BYE): CallState.ENDED,
}


class Bridge(Protocol):
    """The part of the RTP bridge the phone drives."""

    held: bool
    muted: bool

    def connect(self, media: EngineMedia) -> None: ...
    def disconnect(self) -> None: ...


@dataclass(slots=True)
class PhoneCall:
    call_ref: str
    txn: Transaction  # the INVITE
    offer: sdp.SessionDescription
    state: CallState = CallState.RINGING
    dialog: Dialog | None = None
    local_sdp: sdp.SessionDescription | None = None  # the SDP we sent last
    held: bool = False
    hold_txn: Transaction | None = None  # our re-INVITE in progress

    def feed(self, what: CallInput) -> bool:
        nxt = CALL_TABLE.get((self.state, what))
        if nxt is None:
            return False
        self.state = nxt
        return True


class BrowserPhone:
    def __init__(
        self,
        agent_id: str,
        ua: UserAgent,
        account: Account,
        bridge: Bridge,
        media_address: tuple[str, int],
        emit: Callable[[SoftphoneEvent], None],
        on_registration: Callable[[bool, str], None],
    ) -> None:
        self.agent_id, self.ua, self.bridge, self.emit = agent_id, ua, bridge, emit
        self.media_host, self.media_port = media_address
        self.registration = Registration(ua, account, on_registration)
        self.calls: dict[str, PhoneCall] = {}
        self._session_id = int(ua.ids.token(30), 16)  # o= session id (RFC 4566 §5.2)

    # -- the SIP events ---------------------------------------------------------------------------
    def handle(self, events: list[SipEvent], now: float) -> None:
        for event in events:
            if self.registration.owns(event):
                self.registration.handle(event, now)
            elif isinstance(event, IncomingRequest):
                self._incoming(event, now)
            elif isinstance(event, DialogConfirmed):
                self._confirmed(event.dialog)
            elif isinstance(event, InviteCancelled):
                self._end(event.txn.request.call_id, CallInput.CANCELLED, "cancelled")
            elif isinstance(event, DialogEnded):
                self._end(event.dialog.call_id, CallInput.BYE, event.reason)
            elif isinstance(event, DialogRequest):
                self._in_dialog(event, now)
            elif isinstance(event, ResponseReceived | RequestTimedOut):
                self._hold_answered(event, now)

    def _incoming(self, event: IncomingRequest, now: float) -> None:
        request, txn = event.request, event.txn
        if request.method != "INVITE":
            status = 481 if request.method in ("BYE", "INFO", "UPDATE") else 405
            self.ua.reply(txn, status, now=now)
            return
        if self.calls:
            # One call at a time, as the routing engine offers: a second INVITE (a transfer to
            # this agent while talking) is busy, like a desk phone without call waiting.
            self.ua.reply(txn, 486, now=now)
            return
        try:
            offer = sdp.SessionDescription.parse(request.body)
        except (SipError, ValueError) as exc:
            self.ua.reply(txn, 488, headers={"Warning": f'399 softphone "{exc}"'[:200]}, now=now)
            return
        call = PhoneCall(request.call_id, txn, offer)
        self.calls[call.call_ref] = call
        self.ua.reply(txn, 180, now=now)
        name, number = _caller_of(request)
        self.emit(Incoming(self.agent_id, call.call_ref, name, number, _headers_of(request)))

    def _confirmed(self, dialog: Dialog) -> None:
        call = self.calls.get(dialog.call_id)
        if call is not None and call.feed(CallInput.ACK):
            self.emit(Answered(self.agent_id, call.call_ref))

    def _end(self, call_ref: str, what: CallInput, reason: str) -> None:
        call = self.calls.get(call_ref)
        if call is None or not call.feed(what):
            return
        del self.calls[call_ref]
        self.bridge.disconnect()
        self.bridge.muted = False  # the next call must not start muted without the agent knowing
        self.emit(Ended(self.agent_id, call_ref, reason))

    def _in_dialog(self, event: DialogRequest, now: float) -> None:
        """A re-INVITE from the server (its hold, a media change): answer with the same port."""
        request, call = event.request, self.calls.get(event.request.call_id)
        if request.method != "INVITE" or call is None:
            self.ua.reply(event.txn, 200 if request.method != "INVITE" else 481, now=now)
            return
        try:
            offer = sdp.SessionDescription.parse(request.body)
            direction = sdp.Direction.SENDONLY if call.held else sdp.Direction.SENDRECV
            answer, media = self._answer_sdp(offer, direction)
        except (SipError, ValueError) as exc:
            self.ua.reply(event.txn, getattr(exc, "status", 488), now=now)
            return
        call.local_sdp = answer
        self.ua.reply(event.txn, 200, body=bytes(answer), content_type="application/sdp", now=now)
        self.bridge.connect(EngineMedia.agreed(media))

    # -- what the agent does ----------------------------------------------------------------------
    def answer(self, call_ref: str, now: float) -> None:
        call = self._call(call_ref)
        if call.state is not CallState.RINGING:
            raise SoftphoneError(f"call {call_ref} is not ringing (it is {call.state.name})")
        try:
            answer, media = self._answer_sdp(call.offer, sdp.Direction.SENDRECV)
        except SipError as exc:
            self.ua.reply(call.txn, 488, now=now)
            self._end(call_ref, CallInput.REJECT, "declined")
            raise SoftphoneError(f"the server's offer cannot be answered: {exc}") from None
        dialog = self.ua.reply(
            call.txn, 200, body=bytes(answer), content_type="application/sdp", now=now
        )
        if dialog is None:  # cancelled a moment ago: InviteCancelled is on its way
            raise SoftphoneError(f"call {call_ref} stopped ringing before it was answered")
        call.feed(CallInput.ANSWER)
        call.dialog, call.local_sdp = dialog, answer
        self.bridge.connect(EngineMedia.agreed(media))

    def decline(self, call_ref: str, now: float) -> None:
        call = self._call(call_ref)
        if call.state is not CallState.RINGING:
            raise SoftphoneError(f"call {call_ref} is not ringing: hang up instead")
        self.ua.reply(call.txn, 486, now=now)
        self._end(call_ref, CallInput.REJECT, "declined")

    def hangup(self, call_ref: str, now: float) -> None:
        """BYE once answered; a call still ringing is declined (486)."""
        call = self._call(call_ref)
        if call.state is CallState.RINGING:
            self.decline(call_ref, now)
        elif call.dialog is not None:
            self.ua.bye(call.dialog, now)  # DialogEnded("local_bye") ends the call

    def hold(self, call_ref: str, on: bool, now: float) -> None:
        call = self._call(call_ref)
        if call.dialog is None or call.state is not CallState.TALKING:
            raise SoftphoneError(f"call {call_ref} is not answered: it cannot be held")
        if call.held == on:
            return
        if call.hold_txn is not None:
            raise SoftphoneError(f"call {call_ref} is still changing its hold state")
        own = call.local_sdp
        assert own is not None
        offer = reoffer(own, sdp.Direction.SENDONLY if on else sdp.Direction.SENDRECV)
        call.hold_txn = self.ua.request_in_dialog(
            call.dialog, "INVITE", now, bytes(offer), "application/sdp"
        )
        call.local_sdp = offer
        call.held = on
        self.bridge.held = on

    def _hold_answered(self, event: ResponseReceived | RequestTimedOut, now: float) -> None:
        call = self.calls.get(event.txn.request.call_id)
        if call is None or call.hold_txn is not event.txn:
            return
        if isinstance(event, ResponseReceived) and event.response.status < 200:
            return
        call.hold_txn = None
        ok = isinstance(event, ResponseReceived) and 200 <= event.response.status < 300
        if ok:
            assert isinstance(event, ResponseReceived) and call.local_sdp is not None
            try:
                answer = sdp.SessionDescription.parse(event.response.body)
                self.bridge.connect(EngineMedia.agreed(read_answer(call.local_sdp, answer)))
            except (SipError, ValueError) as exc:
                log.warning("the server answered our re-INVITE with unusable SDP: %s", exc)
        else:
            call.held = self.bridge.held = not call.held  # refused: nothing changed
            log.warning("the server refused hold/resume of %s", call.call_ref)

    def end_all(self, now: float) -> None:
        """The session ends: every call is hung up (or declined while ringing)."""
        for call_ref in list(self.calls):
            self.hangup(call_ref, now)

    # -- helpers ----------------------------------------------------------------------------------
    def _call(self, call_ref: str) -> PhoneCall:
        call = self.calls.get(call_ref)
        if call is None:
            raise SoftphoneError(f"agent {self.agent_id} has no call {call_ref!r}")
        return call

    def _answer_sdp(
        self, offer: sdp.SessionDescription, direction: sdp.Direction
    ) -> tuple[sdp.SessionDescription, NegotiatedMedia]:
        self._session_id += 1
        return negotiate_answer(
            offer,
            CODECS,
            self.media_host,
            self.media_port,
            self._session_id,
            1,
            username="softphone",
            direction=direction,
        )


def _caller_of(request: Request) -> tuple[str, str]:
    """The caller's display name and number from the INVITE's From."""
    sender = request.from_
    display = sender.display or ""
    name = unquote_string(display[1:-1]) if display.startswith('"') else display
    uri = sender.uri
    number = (uri.user or "") if isinstance(uri, SipUri) else str(uri)
    return name, number


def _headers_of(request: Request) -> dict[str, str]:
    """The INVITE's X-* and Call-Info headers, its From and its Call-ID."""
    found = {"Call-ID": request.call_id, "From": request.get("From") or ""}
    for name, values in request.headers.items():
        if name.lower().startswith("x-") or name.lower() == "call-info":
            found[name] = ", ".join(values)
    return found
