"""Dialogs (RFC 3261 §12): identity, route set, CSeq spaces, and building in-dialog requests.

A dialog is created by the UAS when it sends a 1xx-with-tag or 2xx to an INVITE
(§12.1.1) and by the UAC when it receives one (§12.1.2). Requests inside it are built here
(§12.2.1.1, loose routing; a strict-routing first hop is handled by moving the remote target
to the end of the Route set). The state machine is a small table like the transactions'.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto
from typing import Any

from frontdesk.sip.build import IdFactory, via_value
from frontdesk.sip.headers import NameAddr, parse_name_addr
from frontdesk.sip.message import Request, Response
from frontdesk.sip.transaction import Peer
from frontdesk.sip.uri import SipUri, Uri


class DialogState(Enum):
    EARLY = auto()
    CONFIRMED = auto()
    TERMINATED = auto()


class DialogInput(Enum):
    PROVISIONAL = auto()  # 1xx with a To tag
    SUCCESS = auto()  # 2xx to the INVITE
    FAILURE = auto()  # 3xx-6xx to the INVITE while early
    BYE = auto()  # BYE sent or received
    NO_ACK = auto()  # our 2xx was never acknowledged


DIALOG_TABLE: dict[tuple[DialogState, DialogInput], DialogState] = {
    (DialogState.EARLY, DialogInput.PROVISIONAL): DialogState.EARLY,
    (DialogState.EARLY, DialogInput.SUCCESS): DialogState.CONFIRMED,
    (DialogState.EARLY, DialogInput.FAILURE): DialogState.TERMINATED,
    (DialogState.EARLY, DialogInput.BYE): DialogState.TERMINATED,
    (DialogState.CONFIRMED, DialogInput.SUCCESS): DialogState.CONFIRMED,
    (DialogState.CONFIRMED, DialogInput.BYE): DialogState.TERMINATED,
    (DialogState.CONFIRMED, DialogInput.NO_ACK): DialogState.TERMINATED,
}

DialogId = tuple[str, str, str]  # Call-ID, local tag, remote tag


@dataclass(slots=True)
class LocalAddress:
    """How Frontdesk is reached on one transport: the Contact and Via it puts in messages."""

    transport: str
    host: str
    port: int

    @property
    def contact(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        suffix = "" if self.transport == "udp" else f";transport={self.transport}"
        return f"<sip:frontdesk@{host}:{self.port}{suffix}>"

    @property
    def via_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host


class Dialog:
    __slots__ = (
        "ack_wire",
        "acked",
        "call_id",
        "ended_reason",
        "id",
        "invite_cseq",
        "local",
        "local_cseq",
        "local_tag",
        "local_uri",
        "peer",
        "pending_2xx",
        "remote_cseq",
        "remote_tag",
        "remote_target",
        "remote_uri",
        "retransmit_interval",
        "role",
        "route_set",
        "state",
        "user",
    )

    def __init__(
        self,
        role: str,
        call_id: str,
        local_tag: str,
        remote_tag: str,
        local_uri: NameAddr,
        remote_uri: NameAddr,
        remote_target: Uri,
        route_set: list[str],
        local_cseq: int,
        remote_cseq: int | None,
        peer: Peer,
        local: LocalAddress,
    ) -> None:
        self.role = role  # "uas" or "uac"
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = remote_tag
        self.id: DialogId = (call_id, local_tag, remote_tag)
        self.local_uri = local_uri
        self.remote_uri = remote_uri
        self.remote_target = remote_target
        self.route_set = route_set
        self.local_cseq = local_cseq
        self.remote_cseq = remote_cseq
        self.peer = peer
        self.local = local
        self.state = DialogState.EARLY
        self.invite_cseq = 0
        self.acked = True
        self.pending_2xx: bytes | None = None
        self.retransmit_interval = 0.5
        self.ack_wire: bytes | None = None
        self.ended_reason: str | None = None
        self.user: Any = None  # the application's object for this dialog (a call leg)

    def feed(self, event: DialogInput) -> bool:
        """Moves the state machine; returns False when the input does not apply."""
        nxt = DIALOG_TABLE.get((self.state, event))
        if nxt is None:
            return False
        self.state = nxt
        return True

    @classmethod
    def for_uas(cls, request: Request, local_tag: str, peer: Peer, local: LocalAddress) -> Dialog:
        contacts = request.contacts
        target: Uri = contacts[0].uri if contacts else request.from_.uri
        routes = request.get_all("Record-Route")
        return cls(
            "uas",
            request.call_id,
            local_tag,
            request.from_.tag or "",
            request.to,
            request.from_,
            target,
            routes,
            0,
            request.cseq.seq,
            peer,
            local,
        )

    @classmethod
    def for_uac(
        cls, invite: Request, response: Response, peer: Peer, local: LocalAddress
    ) -> Dialog:
        contacts = response.contacts
        target: Uri = contacts[0].uri if contacts else invite.uri
        routes = list(reversed(response.get_all("Record-Route")))
        dialog = cls(
            "uac",
            invite.call_id,
            invite.from_.tag or "",
            response.to.tag or "",
            invite.from_,
            response.to,
            target,
            routes,
            invite.cseq.seq,
            None,
            peer,
            local,
        )
        dialog.invite_cseq = invite.cseq.seq
        return dialog

    def next_hop(self) -> SipUri | None:
        """The URI the next in-dialog request is sent to first (first Route, or the target)."""
        first = self.route_set[0] if self.route_set else None
        uri = parse_name_addr(first).uri if first is not None else self.remote_target
        return uri if isinstance(uri, SipUri) else None

    def new_request(
        self,
        method: str,
        ids: IdFactory,
        body: bytes = b"",
        content_type: str | None = None,
        ack_cseq: int | None = None,
    ) -> Request:
        """`ack_cseq`: for an ACK, the CSeq of the INVITE it acknowledges when that is not
        `invite_cseq` (our re-INVITE; `invite_cseq` is the INVITE we answered last)."""
        if method != "ACK" and method != "CANCEL":
            self.local_cseq += 1
        cseq = self.local_cseq
        if method == "ACK":
            cseq = self.invite_cseq if ack_cseq is None else ack_cseq
        request_uri: Uri = self.remote_target
        routes = list(self.route_set)
        if routes:
            first = parse_name_addr(routes[0]).uri
            if isinstance(first, SipUri) and not first.has_param("lr"):
                # Strict router (§12.2.1.1): it becomes the Request-URI.
                request_uri = first.without_headers()
                routes = [*routes[1:], f"<{self.remote_target}>"]
        local = self.local
        headers: dict[str, list[str]] = {
            "Via": [via_value(local.transport, local.via_host, local.port, ids.branch())],
            "Max-Forwards": ["70"],
            "From": [str(self.local_uri.with_tag(self.local_tag))],
            "To": [str(self.remote_uri.with_tag(self.remote_tag))],
            "Call-ID": [self.call_id],
            "CSeq": [f"{cseq} {method}"],
        }
        if routes:
            headers["Route"] = routes
        if method in ("INVITE", "UPDATE", "REFER", "SUBSCRIBE", "NOTIFY"):
            headers["Contact"] = [local.contact]
        if content_type is not None:
            headers["Content-Type"] = [content_type]
        return Request(method, request_uri, headers, body)

    def __repr__(self) -> str:
        return f"<Dialog {self.role} {self.state.name} {self.call_id}>"
