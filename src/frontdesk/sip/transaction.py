"""SIP transactions (RFC 3261 §17, with the Accepted states of RFC 6026), sans-IO.

Four state machines — INVITE and non-INVITE, client and server — share one transition table
(transaction_table.py). An input with no entry is ignored, which is also how stale timers are
discarded. Matching follows §17.1.3 and §17.2.3 (with the RFC 2543 fallback for branches
without the magic cookie); merged requests (§8.2.2.2) get 482. The transaction user (the
dialog layer) is called back through `TransactionUser`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from frontdesk.sip.build import MAGIC_COOKIE, make_error_ack, make_response
from frontdesk.sip.headers import Via
from frontdesk.sip.message import Request, Response
from frontdesk.sip.timers import TimerHeap
from frontdesk.sip.transaction_table import FIXED_TIMERS, TABLE, Action, Input, Kind
from frontdesk.sip.transaction_table import T1 as T1
from frontdesk.sip.transaction_table import T2 as T2
from frontdesk.sip.transaction_table import State as State

TRYING_DELAY = 0.2  # §17.2.1: send 100 Trying if the TU has not answered within 200 ms


@dataclass(frozen=True, slots=True)
class Peer:
    """Where a message came from or goes to. `conn` names a TCP connection, when there is one."""

    transport: str  # "udp" or "tcp"
    host: str
    port: int
    conn: int | None = None

    @property
    def reliable(self) -> bool:
        return self.transport != "udp"


class TransactionUser(Protocol):
    def on_request(self, txn: Transaction, request: Request, now: float) -> None: ...
    def on_response(self, txn: Transaction, response: Response, now: float) -> None: ...
    def on_timeout(self, txn: Transaction, now: float) -> None: ...
    def on_stray_ack(self, request: Request, peer: Peer, now: float) -> None: ...
    def on_stray_response(self, response: Response, peer: Peer, now: float) -> None: ...


ServerKey = tuple[str, ...]


class Transaction:
    __slots__ = (
        "interval",
        "key",
        "kind",
        "layer",
        "merge_key",
        "peer",
        "request",
        "state",
        "status",
        "user",
        "wire_request",
        "wire_response",
    )

    def __init__(self, layer: TransactionLayer, kind: Kind, request: Request, peer: Peer) -> None:
        self.layer = layer
        self.kind = kind
        self.request = request
        self.peer = peer
        self.state = State.PROCEEDING if kind is Kind.INVITE_SERVER else State.TRYING
        if kind is Kind.INVITE_CLIENT:
            self.state = State.CALLING
        self.key: Any = None
        self.merge_key: tuple[str | None, str, int, str] | None = None
        # The last response's status and bytes: the bytes are all a retransmission needs, and
        # keeping the parsed response for the 32 s a finished transaction lingers (Timers J
        # and L) would hold a dozen objects per message for the cycle collector to walk.
        self.status = 0
        self.wire_response: bytes | None = None
        self.wire_request: bytes | None = None
        self.interval = T1
        self.user: Any = None  # the TU's own object for this transaction

    @property
    def is_server(self) -> bool:
        return self.kind in (Kind.INVITE_SERVER, Kind.NON_INVITE_SERVER)

    def on_timer(self, kind: str, now: float) -> None:
        self.layer.feed(self, Input[kind], now)

    def __repr__(self) -> str:
        return f"<Transaction {self.kind.name} {self.state.name} {self.request.method}>"


def _tu_input(status: int) -> Input:
    return Input.TU_1XX if status < 200 else Input.TU_2XX if status < 300 else Input.TU_ERROR


def response_input(status: int) -> Input:
    if status < 200:
        return Input.RESP_1XX
    return Input.RESP_2XX if status < 300 else Input.RESP_ERROR


class TransactionLayer:
    """Owns every live transaction; sends through `outgoing` (drained by the transport)."""

    def __init__(self, timers: TimerHeap, user: TransactionUser) -> None:
        self.timers = timers
        self.user = user
        self.outgoing: list[tuple[bytes, Peer]] = []
        self.server: dict[Any, Transaction] = {}
        self.client: dict[tuple[str, str], Transaction] = {}
        self._merge: dict[tuple[str | None, str, int, str], Transaction] = {}

    # -- server side --------------------------------------------------------------------------
    @staticmethod
    def server_key(request: Request, method: str | None = None) -> ServerKey:
        via = request.top_via
        branch = via.branch
        method = method or ("INVITE" if request.method == "ACK" else request.method)
        if branch is not None and branch.startswith(MAGIC_COOKIE) and len(branch) > 7:
            return (branch, via.sent_by, method)
        # RFC 2543 peers (§17.2.3): match on the request's identifying fields instead.
        return (
            "2543",
            request.uri_text,
            request.from_.tag or "",
            request.call_id,
            str(request.cseq.seq),
            str(via),
            method,
        )

    def receive_request(self, request: Request, peer: Peer, now: float) -> None:
        key = self.server_key(request)
        txn = self.server.get(key)
        if txn is not None:
            self.feed(txn, Input.ACK if request.method == "ACK" else Input.REQUEST_AGAIN, now)
            return
        if request.method == "ACK":
            self.user.on_stray_ack(request, peer, now)
            return
        kind = Kind.INVITE_SERVER if request.method == "INVITE" else Kind.NON_INVITE_SERVER
        txn = Transaction(self, kind, request, peer)
        txn.key = key
        self.server[key] = txn
        if request.to.tag is None:
            merge_key = (request.from_.tag, request.call_id, request.cseq.seq, request.method)
            other = self._merge.get(merge_key)
            if other is not None and other.state is not State.TERMINATED:
                self.respond(txn, make_response(request, 482, to_tag="merged"), now)
                return
            self._merge[merge_key] = txn
            txn.merge_key = merge_key
        if kind is Kind.INVITE_SERVER:
            self.timers.schedule(now + TRYING_DELAY, txn, "TIMER_TRYING")
        self.user.on_request(txn, request, now)

    def respond(self, txn: Transaction, response: Response, now: float) -> None:
        tu_input = _tu_input(response.status)
        if (txn.kind, txn.state, tu_input) not in TABLE:
            return  # too late (a final response went already): keep retransmitting that one
        txn.status = response.status
        txn.wire_response = bytes(response)
        if response.status >= 200:
            txn.request.forget_parsed()
        self.feed(txn, tu_input, now)

    @staticmethod
    def can_respond(txn: Transaction, status: int) -> bool:
        """Whether the server transaction still takes a response with this status."""
        return (txn.kind, txn.state, _tu_input(status)) in TABLE

    def find_server(self, request: Request, method: str) -> Transaction | None:
        return self.server.get(self.server_key(request, method))

    # -- client side --------------------------------------------------------------------------
    def send_request(
        self, request: Request, peer: Peer, now: float, user: Any = None
    ) -> Transaction:
        kind = Kind.INVITE_CLIENT if request.method == "INVITE" else Kind.NON_INVITE_CLIENT
        txn = Transaction(self, kind, request, peer)
        txn.user = user
        branch = request.top_via.branch or ""
        txn.key = (branch, request.method)
        txn.wire_request = bytes(request)
        self.client[txn.key] = txn
        self.outgoing.append((txn.wire_request, peer))
        if kind is Kind.INVITE_CLIENT:
            if not peer.reliable:
                self.timers.schedule(now + T1, txn, "TIMER_A")
            self.timers.schedule(now + 64 * T1, txn, "TIMER_B")
        else:
            if not peer.reliable:
                self.timers.schedule(now + T1, txn, "TIMER_E")
            self.timers.schedule(now + 64 * T1, txn, "TIMER_F")
        return txn

    def receive_response(self, response: Response, peer: Peer, now: float) -> None:
        via = response.top_via
        txn = self.client.get((via.branch or "", response.cseq.method))
        if txn is None:
            if response.cseq.method == "INVITE" and 200 <= response.status < 300:
                self.user.on_stray_response(response, peer, now)
            return
        self._pending_response = response
        self.feed(txn, response_input(response.status), now)

    # -- the machine --------------------------------------------------------------------------
    def feed(self, txn: Transaction, event: Input, now: float) -> None:
        entry = TABLE.get((txn.kind, txn.state, event))
        if entry is None:
            return
        txn.state, actions = entry
        # Timers are started before the TU is called (PASS_UP comes last in the table): if the
        # TU fails on a malformed header, the transaction still runs out and is forgotten.
        try:
            for action in actions:
                self._run(txn, action, now)
        finally:
            if txn.state is State.TERMINATED:
                self._forget(txn)

    def _run(self, txn: Transaction, action: Action, now: float) -> None:
        timers = self.timers
        reliable = txn.peer.reliable
        if action is Action.SEND_RESPONSE or action is Action.RESEND_RESPONSE:
            if txn.wire_response is not None:
                self.outgoing.append((txn.wire_response, txn.peer))
        elif action is Action.SEND_TRYING:
            if txn.status == 0:
                self.respond(txn, make_response(txn.request, 100), now)
        elif action is Action.RESEND_REQUEST:
            assert txn.wire_request is not None
            self.outgoing.append((txn.wire_request, txn.peer))
        elif action is Action.PASS_UP:
            self.user.on_response(txn, self._pending_response, now)
        elif action is Action.SEND_ACK:
            ack = make_error_ack(txn.request, self._pending_response)
            self.outgoing.append((bytes(ack), txn.peer))
        elif action is Action.TIMEOUT_UP or action is Action.TRANSPORT_ERROR_UP:
            self.user.on_timeout(txn, now)
        elif action is Action.START_A:
            if not reliable:
                txn.interval *= 2  # the first Timer A (T1) was set when the INVITE was sent
                timers.schedule(now + txn.interval, txn, "TIMER_A")
        elif action is Action.START_G:
            if not reliable:
                timers.schedule(now + txn.interval, txn, "TIMER_G")
                txn.interval = min(txn.interval * 2, T2)
        elif action is Action.START_E:
            if not reliable:
                txn.interval = T2 if txn.state is State.PROCEEDING else min(txn.interval * 2, T2)
                timers.schedule(now + txn.interval, txn, "TIMER_E")
        else:
            delay, name = FIXED_TIMERS[action]
            if reliable and name in ("TIMER_D", "TIMER_I", "TIMER_J", "TIMER_K"):
                delay = 0.0
            timers.schedule(now + delay, txn, name)

    def _forget(self, txn: Transaction) -> None:
        if txn.is_server:
            if self.server.get(txn.key) is txn:
                del self.server[txn.key]
            if txn.merge_key is not None and self._merge.get(txn.merge_key) is txn:
                del self._merge[txn.merge_key]
        elif self.client.get(txn.key) is txn:
            del self.client[txn.key]

    _pending_response: Response

    @property
    def live(self) -> int:
        return len(self.server) + len(self.client)


def top_via_for_response(request: Request, source: Peer) -> tuple[Peer, Via | None]:
    """Where to send responses (§18.2.2, RFC 3581 §4) and the top Via rewritten with
    `received`/`rport` when it needs them (None when unchanged)."""
    via = request.top_via
    if source.reliable:
        return source, None
    params = via.params
    wants_rport = any(k.lower() == "rport" for k, _ in params)
    if wants_rport:
        new = tuple(p for p in params if p[0].lower() not in ("rport", "received"))
        new += (("received", source.host), ("rport", str(source.port)))
        return source, via.with_params(new)
    port = via.port or 5060
    dest = Peer(source.transport, source.host, port, source.conn)
    if via.host.strip("[]") != source.host.strip("[]"):
        new = tuple(p for p in params if p[0].lower() != "received") + (("received", source.host),)
        return dest, via.with_params(new)
    return dest, None
