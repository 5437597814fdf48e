"""The SIP user agent core (RFC 3261 §8, §12, §9), sans-IO: both UAS and UAC.

Feed it datagrams or framed stream messages with `receive(data, peer, now)` and time with
`handle_timer(now)`; it leaves bytes to send in `outgoing` and application events in `events`.
It runs the UAS checks of §8.2 (405, 416, 420, 415, 406, 481, 482, 500 for CSeq order), answers
OPTIONS and CANCEL itself, keeps dialogs, retransmits 2xx until ACK (§13.3.1.4), and sends the
ACK for 2xx as a UAC. Client-side helpers (INVITE, CANCEL, BYE, out-of-dialog requests) live in
`client.py`, mixed in here.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from frontdesk import __version__
from frontdesk.sip import SipParseError
from frontdesk.sip.build import IdFactory, make_response
from frontdesk.sip.client import ClientMixin
from frontdesk.sip.dialog import Dialog, DialogId, DialogInput, DialogState, LocalAddress
from frontdesk.sip.events import (
    DialogConfirmed,
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    InviteCancelled,
    MessageRejected,
    RequestTimedOut,
    SipEvent,
)
from frontdesk.sip.message import MessageError, Request, Response, parse_message
from frontdesk.sip.timers import TimerHeap
from frontdesk.sip.transaction import (
    T1,
    T2,
    Peer,
    State,
    Transaction,
    TransactionLayer,
    top_via_for_response,
)
from frontdesk.sip.uri import SipUri

ALLOWED_METHODS = (
    "INVITE",
    "ACK",
    "CANCEL",
    "BYE",
    "OPTIONS",
    "REGISTER",
    "INFO",
    "UPDATE",
    "REFER",
    "NOTIFY",
    "MESSAGE",
)
ACCEPTED_TYPES = (
    "application/sdp",
    "application/dtmf-relay",
    "application/dtmf",
    "message/sipfrag",
    "text/plain",
)
SUPPORTED_OPTIONS: tuple[str, ...] = ("replaces",)
_SDP_ACCEPT = ("application/sdp", "application/*", "*/*")


class _RetransmitTimer:
    """Drives the UAS 2xx retransmissions of one dialog (§13.3.1.4)."""

    __slots__ = ("dialog", "started", "ua")

    def __init__(self, ua: UserAgent, dialog: Dialog, started: float) -> None:
        self.ua, self.dialog, self.started = ua, dialog, started

    def on_timer(self, kind: str, now: float) -> None:
        self.ua._retransmit_2xx(self, now)


class UserAgent(ClientMixin):
    def __init__(
        self,
        local: list[LocalAddress],
        rng: random.Random,
        server_name: str = f"Frontdesk/{__version__}",
    ) -> None:
        self.local = {(addr.transport, ":" in addr.host): addr for addr in local}
        self.ids = IdFactory(rng)
        self.server_name = server_name
        self.timers = TimerHeap()
        self.txns = TransactionLayer(self.timers, self)
        self.outgoing = self.txns.outgoing
        self.events: list[SipEvent] = []
        self.dialogs: dict[DialogId, Dialog] = {}
        # Our re-INVITEs still in progress, by dialog (§14.1 allows one at a time).
        self._reinvites: dict[DialogId, list[Transaction]] = {}

    # -- driving ------------------------------------------------------------------------------
    def receive(self, data: bytes, peer: Peer, now: float) -> None:
        try:
            message = parse_message(data, body_from_stream=peer.reliable)
        except MessageError as exc:
            self._reject(exc.partial, exc.status, str(exc), peer)
            return
        except SipParseError as exc:
            self.events.append(MessageRejected(peer, None, str(exc)))
            return
        try:
            if isinstance(message, Response):
                self.txns.receive_response(message, peer, now)
                return
            dest, via = top_via_for_response(message, peer)
            if via is not None:
                vias = message.vias
                message.set("Via", [str(via), *(str(v) for v in vias[1:])])
            self.txns.receive_request(message, dest, now)
        except SipParseError as exc:
            # A header parsed lazily (a Contact, a Route...) turned out to be malformed.
            if isinstance(message, Request):
                status = exc.status if exc.status >= 400 else 400
                if not self._refuse_in_transaction(message, status, str(exc), now):
                    self._reject(message, status, str(exc), peer)
            else:
                self.events.append(MessageRejected(peer, None, str(exc)))

    def _refuse_in_transaction(self, request: Request, status: int, why: str, now: float) -> bool:
        """Answers a request that failed after its server transaction was made (a header
        parsed late was malformed) through that transaction, so it completes and is forgotten
        like any other; False when there is no such transaction."""
        try:
            txn = self.txns.find_server(request, request.method)
        except SipParseError:
            return False
        if txn is None or txn.request is not request:
            return False
        if self.txns.can_respond(txn, status):
            warning = why[:200].replace('"', "'")
            self.reply(txn, status, headers={"Warning": f'399 frontdesk "{warning}"'}, now=now)
            self.events.append(MessageRejected(txn.peer, status, why))
        return True

    def handle_timer(self, now: float) -> None:
        self.timers.fire_due(now)

    def next_timer(self) -> float | None:
        return self.timers.next_deadline()

    def local_for(self, peer: Peer) -> LocalAddress:
        key = (peer.transport, ":" in peer.host)
        found = self.local.get(key) or self.local.get((peer.transport, not key[1]))
        return found or next(iter(self.local.values()))

    # -- the UAS side (TransactionUser) -------------------------------------------------------
    def on_request(self, txn: Transaction, request: Request, now: float) -> None:
        method = request.method
        if method not in ALLOWED_METHODS:
            self.reply(txn, 405, headers={"Allow": ", ".join(ALLOWED_METHODS)}, now=now)
        elif method == "CANCEL":
            self._on_cancel(txn, request, now)
        elif request.to.tag is not None:
            self._in_dialog(txn, request, now)
        elif self._core_checks(txn, request, now):
            if method == "OPTIONS":
                self.reply(txn, 200, headers=self._capabilities(), now=now)
            else:
                self.events.append(IncomingRequest(request, txn, txn.peer))

    def _core_checks(self, txn: Transaction, request: Request, now: float) -> bool:
        if not isinstance(request.uri, SipUri):
            self.reply(txn, 416, now=now)
            return False
        unsupported = [o for o in request.get_all("Require") if o.lower() not in SUPPORTED_OPTIONS]
        if unsupported:
            self.reply(txn, 420, headers={"Unsupported": ", ".join(unsupported)}, now=now)
            return False
        if request.body and request.content_type not in ACCEPTED_TYPES:
            self.reply(txn, 415, headers={"Accept": ", ".join(ACCEPTED_TYPES)}, now=now)
            return False
        if request.method == "INVITE":
            accept = [a.split(";")[0].strip().lower() for a in request.get_all("Accept")]
            if accept and not any(a in _SDP_ACCEPT for a in accept):
                self.reply(txn, 406, headers={"Accept": "application/sdp"}, now=now)
                return False
        return True

    def _capabilities(self) -> dict[str, str]:
        return {
            "Allow": ", ".join(ALLOWED_METHODS),
            "Accept": "application/sdp",
            "Supported": ", ".join(SUPPORTED_OPTIONS),
        }

    def _in_dialog(self, txn: Transaction, request: Request, now: float) -> None:
        dialog = self.dialogs.get((request.call_id, request.to.tag or "", request.from_.tag or ""))
        if dialog is None or dialog.state is DialogState.TERMINATED:
            self.reply(txn, 481, now=now)
            return
        seq = request.cseq.seq
        if dialog.remote_cseq is not None and seq <= dialog.remote_cseq:
            self.reply(txn, 500, "CSeq Out Of Order", headers={"Retry-After": "1"}, now=now)
            return
        dialog.remote_cseq = seq
        if request.method == "BYE":
            self.reply(txn, 200, now=now)
            self._end(dialog, "remote_bye", now)
            return
        if request.method == "INVITE" and self._reinvite_pending(dialog):
            # Glare: both ends re-INVITE at once; ours stands, theirs gets 491 (§14.2).
            self.reply(txn, 491, now=now)
            return
        if request.method in ("INVITE", "UPDATE") and request.contacts:
            dialog.remote_target = request.contacts[0].uri
        if request.method == "INVITE":
            dialog.invite_cseq = seq
        self.events.append(DialogRequest(dialog, request, txn))

    def _on_cancel(self, txn: Transaction, request: Request, now: float) -> None:
        invite_txn = self.txns.find_server(request, "INVITE")
        if invite_txn is None:
            self.reply(txn, 481, now=now)
            return
        self.reply(txn, 200, now=now)
        if invite_txn.state is State.PROCEEDING:
            self.reply(invite_txn, 487, now=now)
            self.events.append(InviteCancelled(invite_txn))

    def on_stray_ack(self, request: Request, peer: Peer, now: float) -> None:
        dialog = self.dialogs.get((request.call_id, request.to.tag or "", request.from_.tag or ""))
        if dialog is None or dialog.acked or request.cseq.seq != dialog.invite_cseq:
            return
        dialog.acked = True
        dialog.pending_2xx = None
        if dialog.state is DialogState.CONFIRMED:
            self.events.append(DialogConfirmed(dialog))

    def on_timeout(self, txn: Transaction, now: float) -> None:
        if txn.is_server:
            return  # an error response never acknowledged: nothing more to do (§17.2.1)
        self._client_timeout(txn, now)
        self.events.append(RequestTimedOut(txn))

    # -- answering ----------------------------------------------------------------------------
    def reply(
        self,
        txn: Transaction,
        status: int,
        reason: str | None = None,
        body: bytes = b"",
        content_type: str | None = None,
        headers: Mapping[str, str | list[str]] | None = None,
        now: float = 0.0,
    ) -> Dialog | None:
        """Answers a server transaction; a 1xx/2xx to an initial INVITE creates the dialog.
        An answer that comes too late (after a final response, e.g. the 487 for a CANCEL)
        is dropped and None is returned."""
        if not self.txns.can_respond(txn, status):
            return None
        request = txn.request
        dialog: Dialog | None = txn.user if isinstance(txn.user, Dialog) else None
        tag = dialog.local_tag if dialog is not None else None
        initial_invite = request.method == "INVITE" and request.to.tag is None
        if tag is None and status > 100:
            tag = self.ids.tag()
        response = make_response(request, status, reason, tag, body, content_type)
        response.headers["Server"] = [self.server_name]
        if headers:
            for name, value in headers.items():
                response.headers[name] = [value] if isinstance(value, str) else list(value)
        if request.method == "INVITE" and 100 < status < 300:
            response.headers["Contact"] = [self.local_for(txn.peer).contact]
            if "Record-Route" in request.headers:
                response.headers["Record-Route"] = list(request.headers["Record-Route"])
            if initial_invite and dialog is None and tag is not None:
                dialog = Dialog.for_uas(request, tag, txn.peer, self.local_for(txn.peer))
                dialog.invite_cseq = request.cseq.seq
                self.dialogs[dialog.id] = dialog
                txn.user = dialog
            elif not initial_invite:
                dialog = self.dialogs.get(
                    (request.call_id, request.to.tag or "", request.from_.tag or "")
                )
        self.txns.respond(txn, response, now)
        if dialog is not None and request.method == "INVITE":
            self._after_invite_reply(dialog, txn, status, now)
        return dialog

    def _after_invite_reply(
        self, dialog: Dialog, txn: Transaction, status: int, now: float
    ) -> None:
        if 200 <= status < 300:
            dialog.feed(DialogInput.SUCCESS)
            dialog.acked = False
            dialog.pending_2xx = txn.wire_response
            dialog.retransmit_interval = T1
            if not txn.peer.reliable:
                self.timers.schedule(now + T1, _RetransmitTimer(self, dialog, now), "2XX")
            else:
                self.timers.schedule(now + 64 * T1, _RetransmitTimer(self, dialog, now), "2XX")
        elif status >= 300 and dialog.state is DialogState.EARLY:
            dialog.feed(DialogInput.FAILURE)
            self.dialogs.pop(dialog.id, None)

    def _retransmit_2xx(self, timer: _RetransmitTimer, now: float) -> None:
        dialog = timer.dialog
        if dialog.acked or dialog.pending_2xx is None or dialog.state is DialogState.TERMINATED:
            return
        if now - timer.started >= 64 * T1:
            dialog.feed(DialogInput.NO_ACK)
            self._send_bye(dialog, now)
            self._end(dialog, "no_ack", now)
            return
        self.outgoing.append((dialog.pending_2xx, dialog.peer))
        dialog.retransmit_interval = min(dialog.retransmit_interval * 2, T2)
        self.timers.schedule(now + dialog.retransmit_interval, timer, "2XX")

    def _end(self, dialog: Dialog, reason: str, now: float) -> None:
        dialog.state = DialogState.TERMINATED
        dialog.ended_reason = reason
        self.dialogs.pop(dialog.id, None)
        self.events.append(DialogEnded(dialog, reason))
        # A re-INVITE of ours still waiting in Proceeding may never be answered now (the peer
        # stops retransmitting its 2xx once the dialog is gone): give it up in time, as §9.1
        # does for a cancelled INVITE.
        for reinvite in self._reinvites.pop(dialog.id, ()):
            if reinvite.state is State.PROCEEDING:
                self.timers.schedule(now + 64 * T1, reinvite, "GIVE_UP")

    def _reject(
        self, partial: Request | Response | None, status: int, why: str, peer: Peer
    ) -> None:
        """Stateless answer to a request too broken for a transaction (RFC 3261 §8.2, 4475)."""
        if not isinstance(partial, Request) or partial.method == "ACK":
            self.events.append(MessageRejected(peer, None, why))
            return
        raw = partial.headers
        if not raw.get("Via") or not raw.get("CSeq"):
            self.events.append(MessageRejected(peer, None, why))
            return
        # Copy what identifies the request; RFC 4475 §3.3.1 asks for a 400 even when From,
        # To or Call-ID are missing, so those are copied only when present.
        headers: dict[str, list[str]] = {"Via": list(raw["Via"])}
        for name in ("From", "To", "Call-ID", "CSeq"):
            if raw.get(name):
                headers[name] = [raw[name][0]]
        if "To" in headers and ";tag=" not in headers["To"][0].replace(" ", "").lower():
            headers["To"] = [headers["To"][0] + f";tag={self.ids.tag()}"]
        headers["Server"] = [self.server_name]
        warning = why[:200].replace('"', "'")
        headers["Warning"] = [f'399 frontdesk "{warning}"']
        try:
            dest, _ = top_via_for_response(partial, peer)
        except SipParseError:
            dest = peer
        self.outgoing.append((bytes(Response(status, None, headers)), dest))
        self.events.append(MessageRejected(peer, status, why))

    def shutdown(self, now: float) -> None:
        """Ends every dialog with BYE (clean shutdown)."""
        for dialog in list(self.dialogs.values()):
            if dialog.state is DialogState.CONFIRMED:
                self._send_bye(dialog, now)
                self._end(dialog, "shutdown", now)
