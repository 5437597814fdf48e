"""Calls Frontdesk places: to an agent's registered phone, or out through a trunk.

A `Leg` is one outbound INVITE and the dialog it makes. Its RTP stream is opened in the media
group of the call it serves (the inbound caller's), so that the two can be bridged inside one
media worker. The dialer turns the user agent's events for its legs into four callbacks of a
`LegListener`: ringing, answered (SDP agreed, media configured), failed (a final error, no
answer, a timeout) and ended (BYE from either side). Cancelling a leg that has not been
answered sends CANCEL (RFC 3261 §9.1); hanging up an answered one sends BYE.

Inside an answered leg the phone may re-INVITE to hold or resume (RFC 3264 §8.4): a listener
with `leg_held(leg, held)` hears of each change. A REFER (RFC 3515) goes to the listener's
`leg_refer(leg, event, now)`; a leg whose owner cannot transfer refuses it with 403.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any, Protocol

from frontdesk.config import Company
from frontdesk.sip import SipError, sdp
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.digest_client import answer_challenge, choose_challenge
from frontdesk.sip.events import (
    DialogEnded,
    DialogRequest,
    RequestTimedOut,
    ResponseReceived,
    SipEvent,
)
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.message import Request, Response
from frontdesk.sip.transaction import Peer, Transaction
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.call_media import CallMedia, EventSink

log = logging.getLogger("frontdesk.calls")


class LegState(enum.Enum):
    DIALING = "dialing"
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


class LegListener(Protocol):
    def leg_ringing(self, leg: Leg) -> None: ...
    def leg_answered(self, leg: Leg) -> None: ...
    def leg_failed(self, leg: Leg, status: int, reason: str) -> None: ...
    def leg_ended(self, leg: Leg, reason: str) -> None: ...


class Leg:
    __slots__ = (
        "data", "dialog", "held", "id", "listener", "offer", "purpose", "state", "target", "txn",
    )  # fmt: skip

    def __init__(self, call_id: str, target: str, purpose: str, listener: LegListener) -> None:
        self.id = call_id
        self.target = target
        self.purpose = purpose  # "agent", "callback", "forward", "transfer": for logs
        self.listener = listener
        self.state = LegState.DIALING
        self.txn: Transaction | None = None
        self.dialog: Dialog | None = None
        self.offer: sdp.SessionDescription | None = None
        self.data: dict[str, Any] = {}  # what the owner needs to remember about this leg
        self.held = False  # the phone holds the call (its last offer was sendonly/inactive)

    @property
    def stream(self) -> str:
        return self.id


class Dialer:
    def __init__(
        self,
        company: Company,
        ua: UserAgent,
        media: CallMedia,
        media_host: str,
        events: EventSink,
        wall: Callable[[], float],
    ) -> None:
        self.company = company
        self.ua = ua
        self.media = media
        self.media_host = media_host
        self.log = events
        self.wall = wall
        self.legs: dict[str, Leg] = {}
        self._session_ids = 1_000_000
        self._nc = 0

    # -- placing calls --------------------------------------------------------------------------
    def dial(
        self,
        target: SipUri,
        peer: Peer,
        caller: NameAddr,
        group: str,
        listener: LegListener,
        now: float,
        purpose: str,
        credentials: tuple[str, str] | None = None,
    ) -> Leg:
        """Sends the INVITE; raises TelephonyError when no media port is free."""
        call_id = self.ua.ids.call_id("frontdesk")
        port = self.media.open(call_id, group=group)
        self._session_ids += 1
        offer = sdp.make_offer(sdp.DEFAULT_CODECS, self.media_host, port, self._session_ids, 1)
        to = NameAddr(target)
        request = self.ua.new_request(
            "INVITE", target, caller, to, peer, body=bytes(offer),
            content_type="application/sdp", call_id=call_id,
        )  # fmt: skip
        leg = Leg(call_id, str(target), purpose, listener)
        leg.offer = offer
        self.legs[call_id] = leg
        authorizer = None
        if credentials is not None:
            user, password = credentials
            authorizer = lambda req, resp: self._credentials(user, password, req, resp)  # noqa: E731
        leg.txn = self.ua.send(request, peer, now, authorizer)
        self.log.append(self.wall(), "leg.dialled", call_id, target=str(target), purpose=purpose,
                        group=group)  # fmt: skip
        return leg

    def dial_number(
        self, number: str, caller: NameAddr, group: str, listener: LegListener, now: float,
        purpose: str,
    ) -> Leg:  # fmt: skip
        """Dials an E.164 number through the company's first trunk."""
        if not self.company.trunks:
            raise TelephonyError(f"no trunk is configured to call {number}")
        trunk = self.company.trunks[0]
        target = SipUri("sip", trunk.host, user=number, port=trunk.port)
        peer = Peer(trunk.transport, trunk.host, trunk.port)
        creds = None
        if trunk.username is not None and trunk.password is not None:
            creds = (trunk.username, trunk.password)
        return self.dial(target, peer, caller, group, listener, now, purpose, creds)

    def _credentials(
        self, user: str, password: str, request: Request, response: Response
    ) -> dict[str, str] | None:
        proxy = response.status == 407
        challenges = response.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
        try:
            challenge = choose_challenge(challenges)
            self._nc += 1
            value = answer_challenge(challenge, request.method, request.uri_text, user,
                                     password, self.ua.ids.token(64), self._nc)  # fmt: skip
        except SipError as exc:
            log.warning("cannot answer the trunk's challenge: %s", exc)
            return None
        return {"Proxy-Authorization" if proxy else "Authorization": value}

    def hang_up(self, leg: Leg, now: float) -> None:
        """CANCEL while it rings, BYE once answered; the listener hears `leg_ended`/`failed`."""
        if leg.state is LegState.ENDED:
            return
        if leg.dialog is not None and leg.state is LegState.ANSWERED:
            self.ua.bye(leg.dialog, now)  # DialogEnded follows
        elif leg.txn is not None:
            self.ua.cancel(leg.txn, now)  # 487 follows, or a 2xx that the UA ends with BYE

    # -- the user agent's events ----------------------------------------------------------------
    def owns(self, call_id: str) -> bool:
        return call_id in self.legs

    def handle(self, event: SipEvent, now: float) -> None:
        if isinstance(event, ResponseReceived):
            leg = self.legs.get(event.txn.request.call_id)
            if leg is not None and event.txn.request.method == "INVITE":
                self._response(leg, event, now)
        elif isinstance(event, RequestTimedOut):
            leg = self.legs.get(event.txn.request.call_id)
            if leg is not None and event.txn.request.method == "INVITE":
                self._fail(leg, 408, "no answer from the far end (timeout)")
        elif isinstance(event, DialogEnded):
            leg = self.legs.get(event.dialog.call_id)
            if leg is not None:
                self._end(leg, event.reason)
        elif isinstance(event, DialogRequest):
            leg = self.legs.get(event.request.call_id)
            if leg is not None:
                self._in_dialog(leg, event, now)

    def _response(self, leg: Leg, event: ResponseReceived, now: float) -> None:
        status = event.response.status
        if leg.state is LegState.ENDED or (leg.state is LegState.ANSWERED and status >= 200):
            return
        if status < 200:
            if status in (180, 183) and leg.state is LegState.DIALING:
                leg.state = LegState.RINGING
                leg.listener.leg_ringing(leg)
            return
        if status >= 300:
            self._fail(leg, status, event.response.reason)
            return
        leg.dialog = event.dialog
        try:
            assert leg.offer is not None
            answer = sdp.SessionDescription.parse(event.response.body)
            media = sdp.read_answer(leg.offer, answer)
        except (sdp.SdpError, SipError, ValueError) as exc:
            log.warning("leg %s answered with unusable SDP: %s", leg.id, exc)
            if leg.dialog is not None:
                self.ua.bye(leg.dialog, now)
            self._fail(leg, 488, f"unusable SDP answer: {exc}")
            return
        leg.state = LegState.ANSWERED
        self.media.start(leg.stream, media)
        self.log.append(self.wall(), "leg.answered", leg.id, target=leg.target)
        leg.listener.leg_answered(leg)

    def _in_dialog(self, leg: Leg, event: DialogRequest, now: float) -> None:
        """The phone put the call on hold, or moved its media: answer with our same port.
        A REFER is the listener's to answer."""
        request = event.request
        if request.method == "REFER":
            refer = getattr(leg.listener, "leg_refer", None)
            if refer is None or leg.state is not LegState.ANSWERED:
                why = '399 frontdesk "this call cannot be transferred"'
                self.ua.reply(event.txn, 403, headers={"Warning": why}, now=now)
            else:
                refer(leg, event, now)
            return
        if request.method != "INVITE" or not request.body or leg.offer is None:
            self.ua.reply(event.txn, 200 if request.method != "INVITE" else 488, now=now)
            return
        try:
            offer = sdp.SessionDescription.parse(request.body)
            port = leg.offer.media[0].port
            answer, media = sdp.negotiate_answer(offer, sdp.DEFAULT_CODECS, self.media_host,
                                                 port, self._session_ids, 2)  # fmt: skip
        except sdp.SdpError as exc:
            self.ua.reply(event.txn, exc.status, now=now)
            return
        self.ua.reply(event.txn, 200, body=bytes(answer), content_type="application/sdp", now=now)
        self.media.update(leg.stream, media)
        if media.remote_on_hold != leg.held:
            leg.held = media.remote_on_hold
            held = getattr(leg.listener, "leg_held", None)
            if held is not None:
                held(leg, leg.held)

    def _fail(self, leg: Leg, status: int, reason: str) -> None:
        if leg.state is LegState.ENDED:
            return
        leg.state = LegState.ENDED
        self._forget(leg)
        self.log.append(self.wall(), "leg.failed", leg.id, target=leg.target, status=status,
                        reason=reason)  # fmt: skip
        leg.listener.leg_failed(leg, status, reason)

    def _end(self, leg: Leg, reason: str) -> None:
        if leg.state is LegState.ENDED:
            return
        answered = leg.state is LegState.ANSWERED
        leg.state = LegState.ENDED
        self._forget(leg)
        if not answered:  # a 2xx that crossed our CANCEL, ended at once with BYE
            leg.listener.leg_failed(leg, 487, "cancelled")
            return
        self.log.append(self.wall(), "leg.ended", leg.id, target=leg.target, reason=reason)
        leg.listener.leg_ended(leg, reason)

    def _forget(self, leg: Leg) -> None:
        self.legs.pop(leg.id, None)
        self.media.close(leg.stream)
