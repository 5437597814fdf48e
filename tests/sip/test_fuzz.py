"""Property and fuzz tests of the SIP core: random and mutated messages never crash the parser
or the user agent, and no transaction, dialog or timer outlives the time that should end it.

Seeds are the RFC 4475 torture messages (/work/shared/data/rfc4475) and the messages two user
agents exchange in a scripted call (INVITE with SDP, 180/200/487, ACK, re-INVITE, INFO, BYE,
CANCEL, REGISTER, OPTIONS). Mutations delete, duplicate and swap lines, flip bytes, truncate,
insert CR/LF/NUL/non-ASCII text, blow numbers up and drop headers.
"""

from __future__ import annotations

import contextlib
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from wire import Node, Wire, invite

from frontdesk.sip import SipParseError
from frontdesk.sip.dialog import Dialog, DialogId, LocalAddress
from frontdesk.sip.events import (
    DialogConfirmed,
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    RequestTimedOut,
    ResponseReceived,
)
from frontdesk.sip.headers import parse_name_addr
from frontdesk.sip.message import Request, Response, parse_message
from frontdesk.sip.sdp import DEFAULT_CODECS, SdpError, SessionDescription, negotiate_answer
from frontdesk.sip.transaction import Peer, State, Transaction
from frontdesk.sip.uri import parse_sip_uri
from frontdesk.sip.useragent import UserAgent

RFC4475 = Path("/work/shared/data/rfc4475")
SDP = (
    b"v=0\r\no=- 20518 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 11780 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n"
)
CALLER_SEED, CALLEE_SEED = 11, 22
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


# --- seeds -----------------------------------------------------------------------------------


def _pair() -> tuple[Wire, Node, Node]:
    wire = Wire()
    return (
        wire,
        wire.node("127.0.0.1", 5061, CALLER_SEED),
        wire.node("127.0.0.1", 5060, CALLEE_SEED),
    )


def _invite(caller: Node, callee: Node) -> Transaction:
    request = caller.ua.new_request(
        "INVITE",
        parse_sip_uri(f"sip:100@{callee.host}:{callee.port}"),
        parse_name_addr(f'"Alice" <sip:alice@{caller.host}:{caller.port}>'),
        parse_name_addr(f"<sip:100@{callee.host}>"),
        callee.peer(),
        SDP,
        "application/sdp",
    )
    return caller.ua.send(request, callee.peer(), 0.0)


def _answer(node: Node, status: int, now: float) -> None:
    """Gives a final answer to every request the node was handed and has not answered yet."""
    for event in node.events:
        if isinstance(event, IncomingRequest | DialogRequest) and event.txn.status < 200:
            node.ua.reply(event.txn, status, body=SDP, content_type="application/sdp", now=now)
    node.events.clear()


def _scripted_call() -> tuple[list[bytes], list[bytes]]:
    """Runs calls to their end; returns what the callee and the caller received, in order."""
    wire, caller, callee = _pair()
    _invite(caller, callee)
    wire.pump()
    incoming = next(e for e in callee.events if isinstance(e, IncomingRequest))
    callee.ua.reply(incoming.txn, 180, now=wire.now)
    _answer(callee, 200, wire.now)
    wire.run_until(1.0)
    dialog = next(iter(caller.ua.dialogs.values()))
    caller.ua.request_in_dialog(dialog, "INVITE", wire.now, SDP, "application/sdp")
    wire.pump()
    _answer(callee, 200, wire.now)
    caller.ua.request_in_dialog(dialog, "INFO", wire.now, b"Signal=5\r\n", "application/dtmf-relay")
    wire.pump()
    _answer(callee, 200, wire.now)
    caller.ua.bye(dialog, wire.now)
    wire.run_until(wire.now + 1.0)
    # A second call, cancelled while it rings.
    pending = _invite(caller, callee)
    wire.pump()
    incoming = next(e for e in callee.events if isinstance(e, IncomingRequest))
    callee.ua.reply(incoming.txn, 180, now=wire.now)
    wire.pump()
    caller.ua.cancel(pending, wire.now)
    wire.run_until(wire.now + 1.0)
    to_callee = [data for _, route, data in wire.log if route.endswith(f"->{callee.port}")]
    to_caller = [data for _, route, data in wire.log if route.endswith(f"->{caller.port}")]
    for method in ("REGISTER", "OPTIONS"):  # out-of-dialog requests of other kinds
        request = caller.ua.new_request(
            method,
            parse_sip_uri("sip:127.0.0.1:5060"),
            parse_name_addr("<sip:alice@127.0.0.1>"),
            parse_name_addr("<sip:alice@127.0.0.1>"),
            callee.peer(),
            headers={"Expires": "3600"} if method == "REGISTER" else None,
        )
        to_callee.append(bytes(request))
    return to_callee, to_caller


TO_CALLEE, TO_CALLER = _scripted_call()
TORTURE = [p.read_bytes() for p in sorted(RFC4475.glob("*.dat"))] if RFC4475.is_dir() else []
SEEDS = TO_CALLEE + TO_CALLER + TORTURE


def test_the_seed_corpus_is_what_the_tests_assume() -> None:
    assert len(TORTURE) == 50, f"RFC 4475 messages missing from {RFC4475}"
    methods = {data.split(b" ", 1)[0] for data in TO_CALLEE}
    assert {b"INVITE", b"ACK", b"INFO", b"BYE", b"REGISTER", b"OPTIONS", b"CANCEL"} <= methods
    statuses = {data.split(b" ", 2)[1] for data in TO_CALLER if data.startswith(b"SIP/2.0")}
    assert {b"180", b"200", b"487"} <= statuses


# --- mutations -------------------------------------------------------------------------------

_INSERTS = [
    b"\r", b"\n", b"\r\n", b"\x00", b" ", b"\t", b",", b";", b'"', b"<", b">", b":", b"%", b"%00",
    "é".encode(), "\u2028".encode(), "²".encode(), b"\xff\xfe", b"\r\n\r\n",
]  # fmt: skip
_HEADERS = [
    b"Via", b"From", b"To", b"Call-ID", b"CSeq", b"Contact", b"Content-Length", b"Max-Forwards",
    b"Content-Type", b"Record-Route", b"Route", b"Expires", b"Require",
]  # fmt: skip
_NUMBER = re.compile(rb"\d+")


def _mutate(data: bytes, op: int, a: int, b: int, choice: int) -> bytes:
    lines = data.split(b"\r\n")
    n = len(lines)
    if op == 0:  # delete a line
        del lines[a % n]
    elif op == 1:  # duplicate a line
        lines.insert(a % n, lines[a % n])
    elif op == 2:  # swap two lines
        i, j = a % n, b % n
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3 and data:  # flip one byte
        raw = bytearray(data)
        raw[a % len(raw)] ^= 1 + b % 255
        return bytes(raw)
    elif op == 4:  # truncate
        return data[: a % (len(data) + 1)]
    elif op == 5:  # insert a troublesome character
        at = a % (len(data) + 1)
        return data[:at] + _INSERTS[choice % len(_INSERTS)] + data[at:]
    elif op == 6:  # a number becomes huge, negative or empty
        numbers = list(_NUMBER.finditer(data))
        if numbers:
            found = numbers[a % len(numbers)]
            new = [b"99999999999999999999999", b"-1", b"", b"4294967296", b"0", "\u00b2".encode(),
                   "\u0663".encode(), b"1e3", b"0x10"][choice % 9]  # fmt: skip
            return data[: found.start()] + new + data[found.end() :]
    elif op == 7:  # drop every line of one header
        name = _HEADERS[choice % len(_HEADERS)].lower()
        lines = [line for line in lines if line.split(b":", 1)[0].strip().lower() != name]
    elif op == 8:  # a header's value becomes noise
        i = a % n
        name, _, _ = lines[i].partition(b":")
        lines[i] = name + b": " + bytes((b * 7 + k * 13) % 256 for k in range(choice % 40))
    return b"\r\n".join(lines)


_OPS = st.tuples(
    st.integers(0, 8), st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 100)
)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes] = SEEDS) -> bytes:
    data = draw(st.sampled_from(seeds))
    for op in draw(st.lists(_OPS, min_size=1, max_size=4)):
        data = _mutate(data, *op)
    return data


DATAGRAMS = st.one_of(st.binary(max_size=600), mutated(), mutated(), mutated())


# --- helpers ---------------------------------------------------------------------------------


def _ua(seed: int = CALLEE_SEED, port: int = 5060) -> UserAgent:
    return UserAgent([LocalAddress("udp", "127.0.0.1", port)], random.Random(seed))


def _app_answers(ua: UserAgent, status: int, now: float) -> None:
    """The application answers every request it is handed (as the switchboard does)."""
    for event in list(ua.events):
        if isinstance(event, IncomingRequest | DialogRequest):
            ua.reply(event.txn, status, body=SDP, content_type="application/sdp", now=now)
    ua.events.clear()


def _time_passes(ua: UserAgent, now: float) -> float:
    """Fires every timer in order. The application hangs up the calls that are up and gives up
    the ones still ringing; a 2xx still waiting for its ACK is left to the user agent."""
    for dialog in list(ua.dialogs.values()):
        if dialog.acked:
            ua.bye(dialog, now)
    for txn in list(ua.txns.client.values()):
        if txn.request.method == "INVITE":
            ua.cancel(txn, now)  # a call still ringing is given up
    for _ in range(10_000):
        deadline = ua.next_timer()
        if deadline is None:
            break
        now = max(now, deadline)
        ua.handle_timer(now)
        _app_answers(ua, 500, now)
    ua.handle_timer(now + 200)
    return now


def _assert_clean(ua: UserAgent) -> None:
    assert ua.txns.live == 0, ua.txns.server | ua.txns.client
    assert not ua.dialogs
    assert ua.next_timer() is None and len(ua.timers) == 0


# --- the parser ------------------------------------------------------------------------------


def _read_everything(message: Request | Response) -> None:
    """Every lazily parsed view of a message either works or raises SipParseError."""
    for view in ("call_id", "cseq", "from_", "to", "vias", "top_via", "contacts", "content_type"):
        with contextlib.suppress(SipParseError):
            getattr(message, view)
    for name in list(message.headers):
        with contextlib.suppress(SipParseError):
            message.get_all(name)
    for name in ("Route", "Record-Route"):
        with contextlib.suppress(SipParseError):
            message.name_addrs(name)


@FUZZ
@given(DATAGRAMS, st.booleans())
def test_parser_raises_only_sip_parse_errors(data: bytes, from_stream: bool) -> None:
    try:
        message = parse_message(data, body_from_stream=from_stream)
    except SipParseError as exc:
        assert 400 <= exc.status <= 599 and str(exc)
        return
    _read_everything(message)
    again = parse_message(bytes(message), body_from_stream=True)  # what we would forward
    assert type(again) is type(message) and again.body == message.body


@pytest.mark.parametrize("name", [p.name for p in sorted(RFC4475.glob("*.dat"))])
def test_every_prefix_of_a_torture_message_is_handled(name: str) -> None:
    data = (RFC4475 / name).read_bytes()
    ua = _ua()
    for end in range(0, len(data), 7):
        ua.receive(data[:end], Peer("udp", "192.0.2.9", 5099), 0.0)
        _app_answers(ua, 404, 0.0)
    _time_passes(ua, 0.0)
    _assert_clean(ua)


# --- the user agent --------------------------------------------------------------------------


@FUZZ
@given(st.lists(DATAGRAMS, min_size=1, max_size=5), st.sampled_from([200, 404, 486, 503]))
def test_user_agent_survives_anything_and_forgets_it_in_time(
    datagrams: list[bytes], status: int
) -> None:
    ua = _ua()
    now = 0.0
    for data in datagrams:
        ua.receive(data, Peer("udp", "127.0.0.1", 5061), now)
        _app_answers(ua, status, now)
        now += 0.05
    _time_passes(ua, now)
    _assert_clean(ua)


@st.composite
def conversation(draw: st.DrawFn) -> tuple[str, list[bytes]]:
    """Messages of the scripted call sent to one side in order, some of them mutated."""
    side = draw(st.sampled_from(["callee", "caller"]))
    original = TO_CALLEE if side == "callee" else TO_CALLER
    out = []
    for data in original[: draw(st.integers(1, len(original)))]:
        if draw(st.integers(0, 3)) == 0:
            for op in draw(st.lists(_OPS, min_size=1, max_size=3)):
                data = _mutate(data, *op)
        if draw(st.integers(0, 5)):  # some are lost
            out.append(data)
    return side, out


@FUZZ
@given(conversation(), st.sampled_from([200, 486]))
def test_mutated_conversations_leave_nothing_behind(
    case: tuple[str, list[bytes]], status: int
) -> None:
    side, datagrams = case
    if side == "callee":
        ua = _ua(CALLEE_SEED, 5060)
        source = Peer("udp", "127.0.0.1", 5061)
    else:
        # The caller is rebuilt with the same seed, so its INVITE carries the same branch,
        # tags and Call-ID as in the scripted call and the responses match its transaction.
        wire, caller, callee = _pair()
        del wire.nodes[(callee.host, callee.port)]
        _invite(caller, callee)
        ua = caller.ua
        source = Peer("udp", "127.0.0.1", 5060)
    now = 0.0
    for data in datagrams:
        now += 0.1
        ua.handle_timer(now)
        ua.receive(data, source, now)
        _app_answers(ua, status, now)
    _time_passes(ua, now)
    _assert_clean(ua)


def test_a_cancelled_invite_that_never_gets_a_final_answer_is_given_up() -> None:
    # RFC 3261 §9.1: without a final response 64*T1 after the CANCEL, the client transaction
    # of the INVITE is destroyed.
    wire, caller, callee = _pair()
    del wire.nodes[(callee.host, callee.port)]
    txn = _invite(caller, callee)
    ringing = TO_CALLER[[d.split(b" ", 2)[1] for d in TO_CALLER].index(b"180")]
    caller.ua.receive(ringing, callee.peer(), 0.1)
    caller.ua.events.clear()
    caller.ua.cancel(txn, 1.0)
    assert any(d.startswith(b"CANCEL ") for d, _ in caller.ua.outgoing)
    caller.ua.handle_timer(1.0 + 32.0 - 0.1)
    assert caller.ua.txns.client.get(txn.key) is txn  # still waiting for a final response
    caller.ua.handle_timer(1.0 + 32.0)
    assert caller.ua.txns.live == 0  # the INVITE and the unanswered CANCEL are both gone
    timed_out = [e.txn.request.method for e in caller.ua.events if isinstance(e, RequestTimedOut)]
    assert sorted(timed_out) == ["CANCEL", "INVITE"]
    _time_passes(caller.ua, 33.0)
    _assert_clean(caller.ua)


def test_a_late_answer_after_cancel_changes_nothing() -> None:
    # The agent picks up just as the caller cancels: the 487 stands, and its retransmissions
    # stay a 487 (RFC 3261 §9.2, §17.2.1).
    ua = _ua()
    peer = Peer("udp", "127.0.0.1", 5061)
    cancel = next(d for d in TO_CALLEE if d.startswith(b"CANCEL "))
    invite = [d for d in TO_CALLEE if d.startswith(b"INVITE ")][-1]  # the one it cancels
    ua.receive(invite, peer, 0.0)
    incoming = next(e for e in ua.events if isinstance(e, IncomingRequest))
    ua.receive(cancel, peer, 0.1)
    assert [d.split(b" ", 2)[1] for d, _ in ua.outgoing][-2:] == [b"200", b"487"]
    ua.outgoing.clear()
    assert ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=0.2) is None
    assert not ua.dialogs
    ua.handle_timer(1.0)  # Timer G: the final response is sent again
    resent = [d for d, _ in ua.outgoing]
    assert resent and all(d.startswith(b"SIP/2.0 487") for d in resent)
    _time_passes(ua, 1.0)
    _assert_clean(ua)


# --- SDP on the answer path ------------------------------------------------------------------

_SDP_SEEDS = [SDP] + [
    d[d.find(b"\r\n\r\n") + 4 :] for d in TORTURE if b"\r\n\r\nv=0" in d
]  # fmt: skip


@FUZZ
@given(mutated(_SDP_SEEDS) | st.binary(max_size=300))
def test_offers_are_answered_or_refused_with_an_sdp_error(body: bytes) -> None:
    try:
        offer = SessionDescription.parse(body)
        answer, media = negotiate_answer(offer, DEFAULT_CODECS, "192.0.2.1", 4000, 1, 1)
    except SdpError as exc:
        assert exc.status in (400, 488)
        return
    assert SessionDescription.parse(bytes(answer)) == answer
    assert media.codec.payload_type is not None and 0 <= media.remote_port <= 65535


# --- regressions found by the tests above ------------------------------------------------------


def test_a_request_that_fails_after_its_transaction_exists_is_answered_through_it() -> None:
    # "Require: a,,b" is only read by the UAS core checks, after the transaction was made.
    invite = next(d for d in TO_CALLEE if d.startswith(b"INVITE "))
    broken = invite.replace(b"\r\nCSeq: ", b"\r\nRequire: a,,b\r\nCSeq: ", 1)
    ua = _ua()
    peer = Peer("udp", "127.0.0.1", 5061)
    ua.receive(broken, peer, 0.0)
    assert [d.split(b" ", 2)[1] for d, _ in ua.outgoing] == [b"400"]
    ua.receive(broken, peer, 0.3)  # a retransmission gets the same answer from the transaction
    assert [d.split(b" ", 2)[1] for d, _ in ua.outgoing] == [b"400", b"400"]
    _time_passes(ua, 0.3)
    _assert_clean(ua)


def test_a_2xx_with_an_unreadable_contact_does_not_pin_the_invite_transaction() -> None:
    wire, caller, callee = _pair()
    del wire.nodes[(callee.host, callee.port)]
    _invite(caller, callee)
    ok = next(d for d in TO_CALLER if d.startswith(b"SIP/2.0 200") and b"INVITE" in d)
    broken = re.sub(rb"Contact: <[^>]*>", b"Contact: <sip:frontdesk@127/0.0.1>", ok)
    caller.ua.receive(broken, callee.peer(), 0.1)
    _time_passes(caller.ua, 0.1)
    _assert_clean(caller.ua)


# --- two user agents over a lossy wire ---------------------------------------------------------


class CallsOverALossyWire(RuleBasedStateMachine):
    """Calls in both directions between two user agents while a share of datagrams is lost.

    The application on each side answers, rejects, cancels, re-INVITEs and hangs up at random;
    in-dialog requests are answered at once, as the switchboard does. When it stops, everything
    still up is hung up, time runs on, and both sides must be empty again.
    """

    def __init__(self) -> None:
        super().__init__()
        self.wire = Wire()
        self.nodes: list[Node] = []
        self.ringing: list[tuple[Node, Transaction]] = []  # INVITEs received, not yet answered
        self.calling: list[tuple[Node, Transaction]] = []  # INVITEs sent
        self.answered: list[tuple[Node, Dialog]] = []  # UAS dialogs we sent a 2xx for
        self.events: list[tuple[Node, object]] = []
        self.reinvites: dict[tuple[int, DialogId], Transaction] = {}

    @initialize(loss=st.sampled_from([0.0, 0.1, 0.3]), seed=st.integers(0, 2**16))
    def start(self, loss: float, seed: int) -> None:
        self.wire.loss = loss
        self.wire.rng.seed(seed)
        self.nodes = [self.wire.node("127.0.0.1", 5061, seed), self.wire.node("127.0.0.1", 5060, 7)]

    def _settle(self) -> None:
        """Delivers what is in flight and plays the application's part for new events."""
        self.wire.pump()
        for node in self.nodes:
            for event in node.events:
                if isinstance(event, IncomingRequest) and event.request.method == "INVITE":
                    self.ringing.append((node, event.txn))
                elif isinstance(event, IncomingRequest | DialogRequest):
                    node.ua.reply(event.txn, 200, body=SDP, content_type="application/sdp",
                                  now=self.wire.now)  # fmt: skip
            self.events.extend((node, e) for e in node.events)
            node.events.clear()
        self.ringing = [(n, t) for n, t in self.ringing if t.state is State.PROCEEDING]
        self.wire.pump()

    @rule(direction=st.booleans())
    def place_call(self, direction: bool) -> None:
        caller, callee = self.nodes if direction else self.nodes[::-1]
        self.calling.append((caller, invite(caller, callee, self.wire.now, SDP)))
        self._settle()

    @precondition(lambda self: self.ringing)
    @rule(pick=st.integers(0, 99), status=st.sampled_from([180, 200, 200, 486, 603]))
    def answer(self, pick: int, status: int) -> None:
        node, txn = self.ringing[pick % len(self.ringing)]
        dialog = node.ua.reply(txn, status, body=SDP, content_type="application/sdp",
                               now=self.wire.now)  # fmt: skip
        if status == 200 and dialog is not None:
            self.answered.append((node, dialog))
        self._settle()

    @precondition(lambda self: self.calling)
    @rule(pick=st.integers(0, 99))
    def cancel(self, pick: int) -> None:
        node, txn = self.calling[pick % len(self.calling)]
        node.ua.cancel(txn, self.wire.now)
        self._settle()

    def _dialogs(self) -> list[tuple[Node, Dialog]]:
        return [(n, d) for n in self.nodes for d in n.ua.dialogs.values()]

    @precondition(lambda self: any(n.ua.dialogs for n in self.nodes))
    @rule(pick=st.integers(0, 99))
    def reinvite(self, pick: int) -> None:
        node, dialog = self._dialogs()[pick % len(self._dialogs())]
        earlier = self.reinvites.get((node.port, dialog.id))
        if earlier is not None and earlier.state in (State.CALLING, State.PROCEEDING):
            return  # one INVITE at a time in a dialog (RFC 3261 §14.1)
        txn = node.ua.request_in_dialog(dialog, "INVITE", self.wire.now, SDP, "application/sdp")
        self.reinvites[(node.port, dialog.id)] = txn
        self._settle()

    @precondition(lambda self: any(n.ua.dialogs for n in self.nodes))
    @rule(pick=st.integers(0, 99))
    def hang_up(self, pick: int) -> None:
        node, dialog = self._dialogs()[pick % len(self._dialogs())]
        node.ua.bye(dialog, self.wire.now)
        self._settle()

    @rule(seconds=st.sampled_from([0.1, 0.6, 2.0, 10.0, 40.0]))
    def time_passes(self, seconds: float) -> None:
        self.wire.run_until(self.wire.now + seconds)
        self._settle()

    def teardown(self) -> None:
        if not self.nodes:
            return
        # Closing time: whatever still rings is refused (a lost INVITE may yet be retransmitted
        # into view), outgoing calls are cancelled and calls are hung up; then time runs on.
        for _ in range(250):
            for node, txn in self.ringing:
                node.ua.reply(txn, 480, now=self.wire.now)
            for node, txn in self.calling:
                node.ua.cancel(txn, self.wire.now)
            self.calling.clear()
            for node, dialog in self._dialogs():
                node.ua.bye(dialog, self.wire.now)
            self.wire.run_until(self.wire.now + 1.0)
            self._settle()
        for node in self.nodes:
            assert node.ua.txns.live == 0, node.ua.txns.server | node.ua.txns.client
            assert not node.ua.dialogs
        ended = {(n.port, e.dialog.id) for n, e in self.events if isinstance(e, DialogEnded)}
        confirmed = {
            (n.port, e.dialog.id) for n, e in self.events if isinstance(e, DialogConfirmed)
        }
        for node, dialog in self.answered:
            if (node.port, dialog.id) not in confirmed:
                continue  # the ACK never came: the callee ended it with a BYE (no_ack)
            other = self.nodes[1] if node is self.nodes[0] else self.nodes[0]
            mirror = (dialog.call_id, dialog.remote_tag, dialog.local_tag)
            assert (node.port, dialog.id) in ended
            assert (other.port, mirror) in confirmed and (other.port, mirror) in ended


CallsOverALossyWire.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
test_calls_over_a_lossy_wire = CallsOverALossyWire.TestCase


def _answered(wire: Wire, caller: Node, callee: Node) -> tuple[Dialog, Dialog]:
    _invite(caller, callee)
    wire.pump()
    _answer(callee, 200, wire.now)
    wire.run_until(wire.now + 0.1)
    caller.events.clear()
    return next(iter(caller.ua.dialogs.values())), next(iter(callee.ua.dialogs.values()))


def test_a_retransmitted_2xx_is_acknowledged_again_and_changes_nothing() -> None:
    wire, caller, callee = _pair()
    client, _ = _answered(wire, caller, callee)
    client.remote_cseq = 7  # as if the callee had sent requests in the dialog
    ok = next(
        d for _, route, d in wire.log if route == "5060->5061" and d.startswith(b"SIP/2.0 200")
    )
    caller.ua.receive(ok, callee.peer(), wire.now + 0.5)  # within Timer M
    acks = [d for d, _ in caller.ua.outgoing if d.startswith(b"ACK ")]
    assert len(acks) == 1 and acks[0] == client.ack_wire  # §13.2.2.4: every 2xx is ACKed
    assert caller.ua.dialogs[client.id] is client and client.remote_cseq == 7
    assert not [e for e in caller.ua.events if isinstance(e, DialogConfirmed)]


def test_a_reinvite_2xx_updates_the_dialog_it_belongs_to() -> None:
    wire, caller, callee = _pair()
    client, _ = _answered(wire, caller, callee)
    client.route_set = ["<sip:127.0.0.1:5060;lr>"]  # as learnt from Record-Route
    caller.ua.request_in_dialog(client, "INVITE", wire.now, SDP, "application/sdp")
    wire.pump()
    _answer(callee, 200, wire.now)
    wire.run_until(wire.now + 1)
    assert caller.ua.dialogs[client.id] is client  # not replaced by a new Dialog
    assert client.route_set == ["<sip:127.0.0.1:5060;lr>"]  # §12.2.1.2: it never changes
    acks = [d for _, route, d in wire.log if route == "5061->5060" and d.startswith(b"ACK ")]
    assert [parse_message(a).cseq.seq for a in acks] == [1, 2]


def test_a_2xx_to_a_reinvite_after_our_bye_is_acknowledged_without_reviving_the_dialog() -> None:
    wire, caller, callee = _pair()
    client, _ = _answered(wire, caller, callee)
    caller.ua.request_in_dialog(client, "INVITE", wire.now, SDP, "application/sdp")
    wire.pump()
    callee.ua.events.clear()
    incoming = next(e for e in callee.events if isinstance(e, DialogRequest))
    callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=wire.now)
    late_ok = [d for d, _ in callee.ua.outgoing if d.startswith(b"SIP/2.0 200")]
    callee.ua.outgoing.clear()  # the 2xx is late ...
    caller.ua.bye(client, wire.now)  # ... the caller hangs up meanwhile
    caller.ua.outgoing.clear()
    caller.ua.events.clear()
    caller.ua.receive(late_ok[0], callee.peer(), wire.now + 0.1)
    assert [d.split(b" ", 1)[0] for d, _ in caller.ua.outgoing] == [b"ACK"]
    assert not caller.ua.dialogs
    assert not [e for e in caller.ua.events if isinstance(e, DialogConfirmed)]


def test_a_reinvite_sent_before_the_ack_came_does_not_end_the_call() -> None:
    # The callee answers, then re-INVITEs (e.g. to hold) before the caller's ACK arrives.
    wire, caller, callee = _pair()
    _invite(caller, callee)
    wire.pump()
    callee.ua.outgoing.clear()
    incoming = next(e for e in callee.events if isinstance(e, IncomingRequest))
    server = callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=0)
    assert server is not None
    ok = [d for d, _ in callee.ua.outgoing if d.startswith(b"SIP/2.0 200")]
    callee.ua.outgoing.clear()
    callee.ua.request_in_dialog(server, "INVITE", 0.0, SDP, "application/sdp")
    caller.ua.receive(ok[0], callee.peer(), 0.0)  # now the 2xx reaches the caller, which ACKs
    wire.run_until(40.0)
    _answer(caller, 200, wire.now)
    wire.run_until(80.0)
    assert server.acked and callee.ua.dialogs.get(server.id) is server
    assert not wire.sent(b"BYE ")


def test_reinvite_glare_gets_491_on_both_sides() -> None:
    wire, caller, callee = _pair()
    client, server = _answered(wire, caller, callee)
    callee.events.clear()
    caller.ua.request_in_dialog(client, "INVITE", wire.now, SDP, "application/sdp")
    callee.ua.request_in_dialog(server, "INVITE", wire.now, SDP, "application/sdp")
    wire.run_until(wire.now + 1)
    statuses = {
        (node.port, e.txn.request.method, e.response.status)
        for node in (caller, callee)
        for e in node.events
        if isinstance(e, ResponseReceived)
    }
    assert {(5061, "INVITE", 491), (5060, "INVITE", 491)} <= statuses  # RFC 3261 §14.2


def test_a_reinvite_left_in_proceeding_is_given_up_when_its_dialog_ends() -> None:
    wire, caller, callee = _pair()
    client, server = _answered(wire, caller, callee)
    txn = caller.ua.request_in_dialog(client, "INVITE", wire.now, SDP, "application/sdp")
    wire.run_until(wire.now + 0.3)  # the callee's core sends 100 Trying; nobody answers
    assert txn.state is State.PROCEEDING
    callee.ua.bye(server, wire.now)
    wire.pump()
    del wire.nodes[(callee.host, callee.port)]  # and the callee is gone
    ended_at = wire.now
    wire.run_until(ended_at + 64 * 0.5 - 0.1)
    assert caller.ua.txns.client.get(txn.key) is txn
    wire.run_until(ended_at + 64 * 0.5 + 0.1)
    assert caller.ua.txns.client.get(txn.key) is None
    assert any(isinstance(e, RequestTimedOut) and e.txn is txn for e in caller.events)
    _time_passes(caller.ua, wire.now)
    _assert_clean(caller.ua)
