"""The switchboard: answers calls to the company's numbers and registers its agents' phones.

It consumes the SIP user agent's events. An INVITE to one of the company's numbers is answered
(200 OK with an SDP answer); any other INVITE must come from an authenticated endpoint (an
agent's phone), so no unauthenticated caller can ever reach a trunk. An agent's phone that
dials a colleague's extension is put through to the colleague (transfer_consult.py): that is
also how a phone consults before an attended transfer. Every call's life —
received, answered, ended with its reason — is appended to the event log. The call's media
(RTP stream, greeting, recording, DTMF, inactivity) is `CallMedia`'s business.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from frontdesk.config import Company, Number
from frontdesk.sip import sdp
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.events import (
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    InviteCancelled,
    MessageRejected,
    RequestTimedOut,
    ResponseReceived,
    SipEvent,
)
from frontdesk.sip.message import Request
from frontdesk.sip.registrar import Registrar, RegistrationError
from frontdesk.sip.timers import Later
from frontdesk.sip.transaction import Peer, State, Transaction
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.call_media import CallMedia
from frontdesk.telephony.registrations import binding_records
from frontdesk.telephony.transfer_consult import Consult, call_colleague

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre
    from frontdesk.telephony.legs import Dialer
from frontdesk.telephony.ports import PortPool

log = logging.getLogger("frontdesk.calls")


class EventSink(Protocol):
    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class AuthOutcome:
    """`user` is the authenticated extension; otherwise `status` and `headers` say how to
    answer (401 with a challenge, or 403), and `status` 0 means: drop silently (throttled)."""

    user: str | None
    status: int = 0
    headers: dict[str, str | list[str]] | None = None


class Authenticator(Protocol):
    def check(self, request: Request, peer: Peer, now: float) -> AuthOutcome: ...


class Call:
    __slots__ = (
        "call_id", "caller", "caller_user", "dialed", "dialog", "end_detail", "end_reason",
        "number", "port", "received_at", "txn",
    )  # fmt: skip

    def __init__(self, txn: Transaction, number: Number | None, port: int, at: float) -> None:
        request = txn.request
        self.txn = txn
        self.call_id = request.call_id
        self.caller = str(request.from_.uri)
        uri = request.from_.uri
        self.caller_user = (uri.user or "") if isinstance(uri, SipUri) else str(uri)
        self.dialed = request.uri_text
        self.number = number
        self.port = port
        self.received_at = at
        self.dialog: Dialog | None = None
        # Set when Frontdesk itself ends the call for a reason of its own (media_timeout...).
        self.end_reason: str | None = None
        self.end_detail = ""


class Switchboard:
    def __init__(
        self,
        company: Company,
        ua: UserAgent,
        events: EventSink,
        wall: Callable[[], float],
        media_host: str,
        authenticator: Authenticator,
        registrar: Registrar | None = None,
        ports: PortPool | None = None,
        media: CallMedia | None = None,
    ) -> None:
        self.company = company
        self.ua = ua
        self.log = events
        self.wall = wall
        self.media_host = media_host
        self.auth = authenticator
        self.registrar = registrar or Registrar()
        self.ports = ports or PortPool()
        self.media = media or CallMedia(None, events, wall, wall, ports=self.ports)
        self.media.hangup = self.hangup
        # Set by the server: outbound legs, and the contact centre that runs answered calls.
        self.dialer: Dialer | None = None
        self.centre: ContactCentre | None = None
        self.calls: dict[str, Call] = {}
        self._session_ids = 1
        self.rejected = 0

    def handle(self, events: list[SipEvent], now: float) -> None:
        dialer = self.dialer
        consults = self.centre.consults.by_call if self.centre is not None else {}
        for event in events:
            if dialer is not None and dialer.legs and dialer.owns(_call_id(event)):
                dialer.handle(event, now)
            elif consults and _call_id(event) in consults:
                _to_consult(consults[_call_id(event)], event, now)
            elif isinstance(event, IncomingRequest):
                self._incoming(event, now)
            elif isinstance(event, DialogEnded):
                self._ended(event.dialog.call_id, event.reason)
            elif isinstance(event, InviteCancelled):
                self._ended(event.txn.request.call_id, "cancelled")
            elif isinstance(event, DialogRequest):
                self._in_dialog(event, now)
            elif isinstance(event, MessageRejected):
                self.rejected += 1
                log.info(
                    "rejected message from %s:%s (%s): %s",
                    event.peer.host,
                    event.peer.port,
                    event.status or "dropped",
                    event.reason,
                )

    def _incoming(self, event: IncomingRequest, now: float) -> None:
        method = event.request.method
        if method == "INVITE":
            self._invite(event.txn, event.request, now)
        elif method == "REGISTER":
            self._register(event.txn, event.request, event.peer, now)
        elif method in ("BYE", "INFO", "UPDATE"):
            self.ua.reply(event.txn, 481, now=now)
        else:
            self.ua.reply(
                event.txn,
                405,
                headers={"Allow": "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"},
                now=now,
            )

    # -- calls --------------------------------------------------------------------------------
    def _invite(self, txn: Transaction, request: Request, now: float) -> None:
        uri = request.uri
        user = uri.user if isinstance(uri, SipUri) else None
        number = self.company.number_for(user) if user else None
        if number is None:
            # Not one of our public numbers: only an authenticated endpoint may go further.
            outcome = self.auth.check(request, txn.peer, now)
            if outcome.user is None:
                if outcome.status:
                    self.ua.reply(txn, outcome.status, headers=outcome.headers, now=now)
                return
            caller = self.company.agent_by_extension(outcome.user)
            if self.centre is not None and caller is not None and self._is_colleague(user):
                call_colleague(self.centre, txn, caller, now)
                return
            self._reject(txn, request, 404 if not self._is_extension(user) else 480, now)
            return
        at = self.wall()
        self.log.append(
            at,
            "call.received",
            request.call_id,
            caller=str(request.from_.uri),
            dialed=request.uri_text,
            number=number.number,
            source=f"{txn.peer.host}:{txn.peer.port}",
        )
        try:
            port = self.media.open(request.call_id)
        except TelephonyError as exc:
            self._reject(txn, request, 503, now, f"no media: {exc}")
            return
        call = Call(txn, number, port, at)
        self.calls[request.call_id] = call
        if number.ring_s:
            self.ua.reply(txn, 180, now=now)
            self.ua.timers.schedule(
                now + number.ring_s, Later(lambda t: self._answer(call, t)), "ANSWER"
            )
        else:
            self._answer(call, now)

    def _answer(self, call: Call, now: float) -> None:
        txn, request, number = call.txn, call.txn.request, call.number
        if txn.state is not State.PROCEEDING or number is None:
            return  # cancelled while ringing
        try:
            body, media = self._answer_sdp(request, call.port)
        except sdp.SdpError as exc:
            self._ended(call.call_id, "rejected")
            self._reject(txn, request, exc.status, now, str(exc))
            return
        dialog = self.ua.reply(txn, 200, body=body, content_type="application/sdp", now=now)
        call.dialog = dialog
        self.log.append(self.wall(), "call.answered", request.call_id, number=number.number)
        if media is not None:
            self.media.start(call.call_id, media)
        if self.centre is not None:
            self.centre.answered(call.call_id, call.caller_user, number)
        if dialog is not None and number.hangup_after_s:
            self.ua.timers.schedule(
                now + number.hangup_after_s, Later(lambda t: self.ua.bye(dialog, t)), "HANGUP"
            )

    def _is_extension(self, user: str | None) -> bool:
        return user is not None and self.company.agent_by_extension(user) is not None

    def _is_colleague(self, user: str | None) -> bool:
        """An extension or an agent's id: what an agent's phone dials to reach a colleague."""
        if user is None:
            return False
        return self._is_extension(user) or self.company.agent(user) is not None

    def _answer_sdp(self, request: Request, port: int) -> tuple[bytes, sdp.NegotiatedMedia | None]:
        """Our SDP answer, and what was agreed (None when we made the offer: no media yet)."""
        self._session_ids += 1
        if not request.body:
            offer = sdp.make_offer(sdp.DEFAULT_CODECS, self.media_host, port, self._session_ids, 1)
            return bytes(offer), None
        if request.content_type != "application/sdp":
            raise sdp.SdpError("the INVITE body is not SDP", status=415)
        offer = sdp.SessionDescription.parse(request.body)
        answer, media = sdp.negotiate_answer(
            offer, sdp.DEFAULT_CODECS, self.media_host, port, self._session_ids, 1
        )
        return bytes(answer), media

    def _reject(
        self, txn: Transaction, request: Request, status: int, now: float, why: str = ""
    ) -> None:
        headers: dict[str, str | list[str]] | None = None
        if why:
            headers = {"Warning": f'399 frontdesk "{why[:200]}"'}
        self.ua.reply(txn, status, headers=headers, now=now)
        self.log.append(
            self.wall(),
            "call.rejected",
            request.call_id,
            status=status,
            dialed=request.uri_text,
            reason=why,
        )

    def _ended(self, call_id: str, reason: str) -> None:
        call = self.calls.pop(call_id, None)
        if call is None:
            return
        if self.centre is not None:
            self.centre.call_ended(call_id, call.end_reason or reason)
        self.media.close(call_id)
        detail = {"detail": call.end_detail} if call.end_detail else {}
        self.log.append(
            self.wall(),
            "call.ended",
            call_id,
            reason=call.end_reason or reason,
            duration_s=round(self.wall() - call.received_at, 3),
            **detail,
        )

    def hangup(self, call_id: str, reason: str, detail: str, now: float) -> None:
        """Frontdesk ends the call itself: BYE once answered, 503 while still ringing."""
        call = self.calls.get(call_id)
        if call is None:
            return
        call.end_reason, call.end_detail = reason, detail
        if call.dialog is not None:
            self.ua.bye(call.dialog, now)  # DialogEnded follows and logs call.ended
        elif call.txn.state is State.PROCEEDING:
            self._ended(call_id, reason)
            self._reject(call.txn, call.txn.request, 503, now, detail)

    def _in_dialog(self, event: DialogRequest, now: float) -> None:
        request = event.request
        call = self.calls.get(request.call_id)
        if request.method == "INVITE" and call is not None:
            try:
                body, media = self._answer_sdp(request, call.port)
            except sdp.SdpError as exc:
                self.ua.reply(event.txn, exc.status, now=now)
                return
            self.ua.reply(event.txn, 200, body=body, content_type="application/sdp", now=now)
            if media is not None:
                self.media.update(call.call_id, media)
        elif request.method in ("INFO", "UPDATE", "NOTIFY"):
            self.ua.reply(event.txn, 200, now=now)
        else:
            self.ua.reply(event.txn, 501, now=now)

    # -- registration -------------------------------------------------------------------------
    def _register(self, txn: Transaction, request: Request, peer: Peer, now: float) -> None:
        to_uri = request.to.uri
        user = to_uri.user if isinstance(to_uri, SipUri) else None
        if not self._is_extension(user):
            self.ua.reply(txn, 404, now=now)
            return
        outcome = self.auth.check(request, peer, now)
        if outcome.user is None:
            if outcome.status:
                self.ua.reply(txn, outcome.status, headers=outcome.headers, now=now)
            return
        if outcome.user != user:
            self.ua.reply(txn, 403, "Credentials Do Not Match The AOR", now=now)
            return
        assert user is not None
        try:
            bindings = self.registrar.register(user, request, peer, now)
        except RegistrationError as exc:
            self.ua.reply(txn, exc.status, headers=exc.headers, now=now)
            return
        contacts = self.registrar.contact_headers(bindings, now)
        response_headers: dict[str, str | list[str]] | None = None
        if contacts:
            response_headers = {"Contact": ", ".join(contacts)}
        self.ua.reply(txn, 200, headers=response_headers, now=now)
        wall = self.wall()
        self.log.append(
            wall,
            "endpoint.registered",
            None,
            extension=user,
            contacts=len(bindings),
            source=f"{peer.host}:{peer.port}",
            bindings=binding_records(bindings, now, wall),
        )


def _to_consult(consult: Consult, event: SipEvent, now: float) -> None:
    """Events of an agent's own call to a colleague (see transfer_consult.py)."""
    if isinstance(event, DialogRequest):
        consult.on_request(event, now)
    elif isinstance(event, DialogEnded | InviteCancelled):
        consult.phone_gone()


def _call_id(event: SipEvent) -> str:
    """The Call-ID an event belongs to (legs Frontdesk dialled are routed by it)."""
    if isinstance(event, ResponseReceived | RequestTimedOut | InviteCancelled):
        return event.txn.request.call_id
    if isinstance(event, DialogEnded):
        return event.dialog.call_id
    if isinstance(event, DialogRequest | IncomingRequest):
        return event.request.call_id
    return ""
