"""The UAC half of the user agent (RFC 3261 §8.1, §13.2, §9.1, §15): placing calls and
sending requests, ACK for 2xx, CANCEL, BYE, and retrying once with digest credentials.

Mixed into `UserAgent`, which provides the transaction layer, ids, dialogs and events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from frontdesk.sip.build import IdFactory, make_cancel, via_value
from frontdesk.sip.dialog import Dialog, DialogId, DialogInput, DialogState, LocalAddress
from frontdesk.sip.events import DialogConfirmed, ResponseReceived, SipEvent
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.message import Request, Response
from frontdesk.sip.timers import TimerHeap
from frontdesk.sip.transaction import T1, Peer, State, Transaction, TransactionLayer
from frontdesk.sip.uri import SipUri

# Given the request that was challenged and the 401/407, returns the same request with
# credentials (new CSeq and branch set by the caller), or None when it cannot answer.
Authorizer = Callable[[Request, Response], dict[str, str] | None]


_IN_PROGRESS = (State.CALLING, State.PROCEEDING)  # an INVITE without its final response yet


@dataclass(slots=True)
class ClientRequest:
    """What the UA remembers about a request it sent (kept in `Transaction.user`)."""

    authorizer: Authorizer | None = None
    auth_tried: bool = False
    cancel_wanted: bool = False
    dialog: Dialog | None = None
    early: dict[str, Dialog] = field(default_factory=dict)
    previous: Transaction | None = None  # the transaction this one retried with credentials
    # For an INVITE: the To tag of the 2xx we acknowledged, our ACK and where it went, so a
    # retransmitted 2xx is acknowledged again and changes nothing else (§13.2.2.4).
    acked: tuple[str, bytes, Peer] | None = None


class ClientMixin:
    if TYPE_CHECKING:
        ids: IdFactory
        txns: TransactionLayer
        timers: TimerHeap
        events: list[SipEvent]
        dialogs: dict[DialogId, Dialog]
        _reinvites: dict[DialogId, list[Transaction]]
        outgoing: list[tuple[bytes, Peer]]

        def local_for(self, peer: Peer) -> LocalAddress: ...
        def _end(self, dialog: Dialog, reason: str, now: float) -> None: ...

    def new_request(
        self,
        method: str,
        target: SipUri,
        from_addr: NameAddr,
        to_addr: NameAddr,
        peer: Peer,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        call_id: str | None = None,
        cseq: int = 1,
    ) -> Request:
        """An out-of-dialog request (INVITE, REGISTER, OPTIONS, MESSAGE...) from Frontdesk."""
        local = self.local_for(peer)
        if from_addr.tag is None:
            from_addr = from_addr.with_tag(self.ids.tag())
        fields: dict[str, list[str]] = {
            "Via": [via_value(peer.transport, local.via_host, local.port, self.ids.branch())],
            "Max-Forwards": ["70"],
            "From": [str(from_addr)],
            "To": [str(to_addr)],
            "Call-ID": [call_id or self.ids.call_id(local.host)],
            "CSeq": [f"{cseq} {method}"],
        }
        if method in ("INVITE", "REGISTER", "SUBSCRIBE", "REFER"):
            fields["Contact"] = [local.contact]
        if content_type is not None:
            fields["Content-Type"] = [content_type]
        for name, value in (headers or {}).items():
            fields[name] = [value]
        return Request(method, target, fields, body)

    def send(
        self, request: Request, peer: Peer, now: float, authorizer: Authorizer | None = None
    ) -> Transaction:
        return self.txns.send_request(request, peer, now, ClientRequest(authorizer))

    def cancel(self, txn: Transaction, now: float) -> None:
        """Cancels a pending INVITE (§9.1): at once if a provisional came, else on the first."""
        state: ClientRequest = txn.user
        if txn.state is State.PROCEEDING:
            self._send_cancel(txn, now)
        elif txn.state is State.CALLING:
            state.cancel_wanted = True

    def _send_cancel(self, invite: Transaction, now: float) -> None:
        self.txns.send_request(make_cancel(invite.request), invite.peer, now, ClientRequest())
        # §9.1: with no final response 64*T1 after the CANCEL, the INVITE transaction is
        # considered cancelled and destroyed (otherwise it would wait in Proceeding forever).
        self.timers.schedule(now + 64 * T1, invite, "GIVE_UP")

    def bye(self, dialog: Dialog, now: float) -> None:
        if dialog.state is DialogState.TERMINATED:
            return
        self._send_bye(dialog, now)
        self._end(dialog, "local_bye", now)

    def request_in_dialog(
        self,
        dialog: Dialog,
        method: str,
        now: float,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Transaction:
        """Sends a request inside `dialog` (re-INVITE, NOTIFY, REFER...) with extra `headers`."""
        request = dialog.new_request(method, self.ids, body, content_type)
        for name, value in (headers or {}).items():
            request.set(name, value)
        state = ClientRequest(dialog=dialog)
        txn = self.txns.send_request(request, self._dialog_peer(dialog), now, state)
        if method == "INVITE":
            pending = self._reinvites.setdefault(dialog.id, [])
            pending[:] = [t for t in pending if t.state in _IN_PROGRESS] + [txn]
        return txn

    def _reinvite_pending(self, dialog: Dialog) -> bool:
        return any(t.state in _IN_PROGRESS for t in self._reinvites.get(dialog.id, ()))

    def _send_bye(self, dialog: Dialog, now: float) -> None:
        request = dialog.new_request("BYE", self.ids)
        self.txns.send_request(request, self._dialog_peer(dialog), now, ClientRequest())

    def _dialog_peer(self, dialog: Dialog) -> Peer:
        """In-dialog requests follow the Route set when there is one, and otherwise go back
        over the flow the dialog was made on (which works through NAT)."""
        if dialog.route_set:
            hop = dialog.next_hop()
            if hop is not None:
                transport = (hop.param("transport") or dialog.peer.transport).lower()
                return Peer(transport, hop.host.strip("[]"), hop.port or 5060)
        return dialog.peer

    # -- responses (TransactionUser) ----------------------------------------------------------
    def on_response(self, txn: Transaction, response: Response, now: float) -> None:
        state = txn.user if isinstance(txn.user, ClientRequest) else ClientRequest()
        status = response.status
        challenged = status in (401, 407) and state.authorizer is not None
        if (
            challenged
            and not state.auth_tried
            and self._retry_with_credentials(txn, state, response, now)
        ):
            return
        dialog = None
        if txn.request.method == "INVITE":
            acked = state.acked
            if acked is not None and 200 <= status < 300 and acked[0] == (response.to.tag or ""):
                self.outgoing.append((acked[1], acked[2]))  # a retransmitted 2xx
                return
            dialog = self._invite_response(txn, state, response, now)
        self.events.append(ResponseReceived(txn, response, dialog))

    def _invite_response(
        self, txn: Transaction, state: ClientRequest, response: Response, now: float
    ) -> Dialog | None:
        status = response.status
        tag = response.to.tag
        if status < 200:
            if state.cancel_wanted:
                state.cancel_wanted = False
                self._send_cancel(txn, now)
            if tag is None or status == 100:
                return None
            early = state.early.get(tag)
            if early is None:
                early = Dialog.for_uac(txn.request, response, txn.peer, self.local_for(txn.peer))
                state.early[tag] = early
            return early
        if status >= 300:
            for early in state.early.values():
                early.feed(DialogInput.FAILURE)
            return None
        if txn.request.to.tag is not None:
            return self._reinvite_accepted(txn, state, response)
        dialog = state.early.pop(tag or "", None)
        if dialog is None:
            dialog = Dialog.for_uac(txn.request, response, txn.peer, self.local_for(txn.peer))
        elif response.contacts:
            dialog.remote_target = response.contacts[0].uri
        dialog.feed(DialogInput.SUCCESS)
        state.dialog = dialog
        self.dialogs[dialog.id] = dialog
        ack = dialog.new_request("ACK", self.ids)
        dialog.ack_wire = bytes(ack)
        state.acked = (tag or "", dialog.ack_wire, self._dialog_peer(dialog))
        self.outgoing.append(state.acked[1:])
        self.events.append(DialogConfirmed(dialog))
        if state.cancel_wanted:
            self.bye(dialog, now)
        return dialog

    def _reinvite_accepted(
        self, txn: Transaction, state: ClientRequest, response: Response
    ) -> Dialog | None:
        """A 2xx to a re-INVITE: the dialog it belongs to is updated, never replaced (its route
        set stays, §12.2.1.2), and the 2xx is acknowledged even if the dialog has ended since
        (§13.2.2.4) without bringing it back."""
        dialog = (
            state.dialog if state.dialog is not None and state.dialog.id in self.dialogs else None
        )
        if dialog is not None and response.contacts:
            dialog.remote_target = response.contacts[0].uri  # a target refresh (§12.2)
        acking = dialog or Dialog.for_uac(txn.request, response, txn.peer, self.local_for(txn.peer))
        ack = acking.new_request("ACK", self.ids, ack_cseq=txn.request.cseq.seq)
        state.acked = (response.to.tag or "", bytes(ack), self._dialog_peer(acking))
        if dialog is not None:
            dialog.ack_wire = state.acked[1]
        self.outgoing.append(state.acked[1:])
        return dialog

    def _retry_with_credentials(
        self, txn: Transaction, state: ClientRequest, response: Response, now: float
    ) -> bool:
        assert state.authorizer is not None
        credentials = state.authorizer(txn.request, response)
        if credentials is None:
            return False
        old = txn.request
        request = Request(
            old.method, old.uri, {k: list(v) for k, v in old.headers.items()}, old.body
        )
        local = self.local_for(txn.peer)
        branch = self.ids.branch()
        request.set("Via", via_value(txn.peer.transport, local.via_host, local.port, branch))
        request.set("CSeq", f"{old.cseq.seq + 1} {old.method}")
        for name, value in credentials.items():
            request.set(name, value)
        retry = ClientRequest(state.authorizer, True, state.cancel_wanted, previous=txn)
        new_txn = self.txns.send_request(request, txn.peer, now, retry)
        new_txn.user = retry
        return True

    def on_stray_response(self, response: Response, peer: Peer, now: float) -> None:
        """A retransmitted 2xx after the INVITE transaction ended: send the ACK again."""
        dialog = self.dialogs.get(
            (response.call_id, response.from_.tag or "", response.to.tag or "")
        )
        if dialog is not None and dialog.ack_wire is not None:
            self.outgoing.append((dialog.ack_wire, self._dialog_peer(dialog)))

    def _client_timeout(self, txn: Transaction, now: float) -> None:
        state = txn.user
        if isinstance(state, ClientRequest):
            for early in state.early.values():
                early.feed(DialogInput.FAILURE)
        if txn.request.method in ("BYE", "NOTIFY"):
            return  # a NOTIFY that timed out ends its subscription, not the call (RFC 5057 §5)
        if txn.request.to.tag is not None:
            # §12.2.1.2: a timeout (408) for an in-dialog request ends the dialog.
            key = (txn.request.call_id, txn.request.from_.tag or "", txn.request.to.tag or "")
            dialog = self.dialogs.get(key)
            if dialog is not None:
                self._end(dialog, "timeout", now)
