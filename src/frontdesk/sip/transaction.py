"""SIP transactions (RFC 3261 §17, with the Accepted states of RFC 6026), sans-IO.

Four state machines — INVITE and non-INVITE, client and server — share one transition table
`TABLE[(kind, state, input)] -> (next state, actions)`. An input with no entry is ignored,
which is also how stale timers are discarded. Matching follows §17.1.3 and §17.2.3 (with the
RFC 2543 fallback for branches without the magic cookie); merged requests (§8.2.2.2) get 482.
The transaction user (the dialog layer) is called back through `TransactionUser`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, Protocol

from frontdesk.sip.build import MAGIC_COOKIE, make_error_ack, make_response
from frontdesk.sip.headers import Via
from frontdesk.sip.message import Request, Response
from frontdesk.sip.timers import TimerHeap

T1, T2, T4 = 0.5, 4.0, 5.0
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


class Kind(Enum):
    INVITE_SERVER = auto()
    NON_INVITE_SERVER = auto()
    INVITE_CLIENT = auto()
    NON_INVITE_CLIENT = auto()


class State(Enum):
    TRYING = auto()
    CALLING = auto()
    PROCEEDING = auto()
    ACCEPTED = auto()
    COMPLETED = auto()
    CONFIRMED = auto()
    TERMINATED = auto()


class Input(Enum):
    REQUEST_AGAIN = auto()
    ACK = auto()
    TU_1XX = auto()
    TU_2XX = auto()
    TU_ERROR = auto()  # 3xx-6xx from the TU
    RESP_1XX = auto()
    RESP_2XX = auto()
    RESP_ERROR = auto()
    TIMER_TRYING = auto()
    TIMER_A = auto()
    TIMER_B = auto()
    TIMER_D = auto()
    TIMER_E = auto()
    TIMER_F = auto()
    TIMER_G = auto()
    TIMER_H = auto()
    TIMER_I = auto()
    TIMER_J = auto()
    TIMER_K = auto()
    TIMER_L = auto()
    TIMER_M = auto()
    # 64*T1 after we cancelled the INVITE (§9.1), or after its dialog ended, and still no
    # final response: the transaction is given up.
    GIVE_UP = auto()
    TRANSPORT_ERROR = auto()


class Action(Enum):
    SEND_RESPONSE = auto()  # send the response the TU just gave
    RESEND_RESPONSE = auto()
    SEND_TRYING = auto()
    RESEND_REQUEST = auto()
    SEND_ACK = auto()
    PASS_UP = auto()  # hand the response to the TU
    TIMEOUT_UP = auto()
    TRANSPORT_ERROR_UP = auto()
    START_A = auto()
    START_D = auto()
    START_E = auto()
    START_G = auto()
    START_H = auto()
    START_I = auto()
    START_J = auto()
    START_K = auto()
    START_L = auto()
    START_M = auto()


K, S, I, A = Kind, State, Input, Action  # noqa: E741 - short names keep the table readable
_IS, _NS, _IC, _NC = K.INVITE_SERVER, K.NON_INVITE_SERVER, K.INVITE_CLIENT, K.NON_INVITE_CLIENT

TABLE: dict[tuple[Kind, State, Input], tuple[State, tuple[Action, ...]]] = {
    # INVITE server, §17.2.1 and RFC 6026 §7.1
    (_IS, S.PROCEEDING, I.REQUEST_AGAIN): (S.PROCEEDING, (A.RESEND_RESPONSE,)),
    (_IS, S.PROCEEDING, I.TIMER_TRYING): (S.PROCEEDING, (A.SEND_TRYING,)),
    (_IS, S.PROCEEDING, I.TU_1XX): (S.PROCEEDING, (A.SEND_RESPONSE,)),
    (_IS, S.PROCEEDING, I.TU_2XX): (S.ACCEPTED, (A.SEND_RESPONSE, A.START_L)),
    (_IS, S.PROCEEDING, I.TU_ERROR): (S.COMPLETED, (A.SEND_RESPONSE, A.START_G, A.START_H)),
    (_IS, S.PROCEEDING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_IS, S.ACCEPTED, I.REQUEST_AGAIN): (S.ACCEPTED, ()),
    (_IS, S.ACCEPTED, I.TU_2XX): (S.ACCEPTED, (A.SEND_RESPONSE,)),
    (_IS, S.ACCEPTED, I.TIMER_L): (S.TERMINATED, ()),
    (_IS, S.COMPLETED, I.REQUEST_AGAIN): (S.COMPLETED, (A.RESEND_RESPONSE,)),
    (_IS, S.COMPLETED, I.ACK): (S.CONFIRMED, (A.START_I,)),
    (_IS, S.COMPLETED, I.TIMER_G): (S.COMPLETED, (A.RESEND_RESPONSE, A.START_G)),
    (_IS, S.COMPLETED, I.TIMER_H): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_IS, S.COMPLETED, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_IS, S.CONFIRMED, I.ACK): (S.CONFIRMED, ()),
    (_IS, S.CONFIRMED, I.REQUEST_AGAIN): (S.CONFIRMED, ()),
    (_IS, S.CONFIRMED, I.TIMER_I): (S.TERMINATED, ()),
    # non-INVITE server, §17.2.2
    (_NS, S.TRYING, I.REQUEST_AGAIN): (S.TRYING, ()),
    (_NS, S.TRYING, I.TU_1XX): (S.PROCEEDING, (A.SEND_RESPONSE,)),
    (_NS, S.TRYING, I.TU_2XX): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.TRYING, I.TU_ERROR): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.PROCEEDING, I.REQUEST_AGAIN): (S.PROCEEDING, (A.RESEND_RESPONSE,)),
    (_NS, S.PROCEEDING, I.TU_1XX): (S.PROCEEDING, (A.SEND_RESPONSE,)),
    (_NS, S.PROCEEDING, I.TU_2XX): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.PROCEEDING, I.TU_ERROR): (S.COMPLETED, (A.SEND_RESPONSE, A.START_J)),
    (_NS, S.PROCEEDING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_NS, S.COMPLETED, I.REQUEST_AGAIN): (S.COMPLETED, (A.RESEND_RESPONSE,)),
    (_NS, S.COMPLETED, I.TIMER_J): (S.TERMINATED, ()),
    # INVITE client, §17.1.1 and RFC 6026 §7.2
    (_IC, S.CALLING, I.TIMER_A): (S.CALLING, (A.RESEND_REQUEST, A.START_A)),
    (_IC, S.CALLING, I.TIMER_B): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_IC, S.CALLING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_IC, S.CALLING, I.RESP_2XX): (S.ACCEPTED, (A.START_M, A.PASS_UP)),
    (_IC, S.CALLING, I.RESP_ERROR): (S.COMPLETED, (A.SEND_ACK, A.START_D, A.PASS_UP)),
    (_IC, S.CALLING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_IC, S.PROCEEDING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_IC, S.PROCEEDING, I.RESP_2XX): (S.ACCEPTED, (A.START_M, A.PASS_UP)),
    (_IC, S.PROCEEDING, I.RESP_ERROR): (S.COMPLETED, (A.SEND_ACK, A.START_D, A.PASS_UP)),
    (_IC, S.PROCEEDING, I.GIVE_UP): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_IC, S.ACCEPTED, I.RESP_2XX): (S.ACCEPTED, (A.PASS_UP,)),
    (_IC, S.ACCEPTED, I.TIMER_M): (S.TERMINATED, ()),
    (_IC, S.COMPLETED, I.RESP_ERROR): (S.COMPLETED, (A.SEND_ACK,)),
    (_IC, S.COMPLETED, I.TIMER_D): (S.TERMINATED, ()),
    # non-INVITE client, §17.1.2
    (_NC, S.TRYING, I.TIMER_E): (S.TRYING, (A.RESEND_REQUEST, A.START_E)),
    (_NC, S.TRYING, I.TIMER_F): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_NC, S.TRYING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_NC, S.TRYING, I.RESP_2XX): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.TRYING, I.RESP_ERROR): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.TRYING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_NC, S.PROCEEDING, I.TIMER_E): (S.PROCEEDING, (A.RESEND_REQUEST, A.START_E)),
    (_NC, S.PROCEEDING, I.TIMER_F): (S.TERMINATED, (A.TIMEOUT_UP,)),
    (_NC, S.PROCEEDING, I.RESP_1XX): (S.PROCEEDING, (A.PASS_UP,)),
    (_NC, S.PROCEEDING, I.RESP_2XX): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.PROCEEDING, I.RESP_ERROR): (S.COMPLETED, (A.START_K, A.PASS_UP)),
    (_NC, S.PROCEEDING, I.TRANSPORT_ERROR): (S.TERMINATED, (A.TRANSPORT_ERROR_UP,)),
    (_NC, S.COMPLETED, I.TIMER_K): (S.TERMINATED, ()),
}
del K, S, I, A


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
            delay, name = _FIXED_TIMERS[action]
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


_FIXED_TIMERS: dict[Action, tuple[float, str]] = {
    Action.START_D: (32.0, "TIMER_D"),
    Action.START_H: (64 * T1, "TIMER_H"),
    Action.START_I: (T4, "TIMER_I"),
    Action.START_J: (64 * T1, "TIMER_J"),
    Action.START_K: (T4, "TIMER_K"),
    Action.START_L: (64 * T1, "TIMER_L"),
    Action.START_M: (64 * T1, "TIMER_M"),
}


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
