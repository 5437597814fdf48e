"""Framing SIP on a byte stream (RFC 3261 §18.3) and CRLF keep-alives (RFC 5626 §3.5.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.sip import SipParseError
from frontdesk.sip.message import parse_message
from frontdesk.sip.stream import MAX_BODY, MAX_HEAD, KeepAlivePing, StreamFramer

SDP = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"


def message(method: str = "OPTIONS", body: bytes = b"", length_line: str | None = None) -> bytes:
    length = f"Content-Length: {len(body)}" if length_line is None else length_line
    return (
        f"{method} sip:bob@biloxi.example SIP/2.0\r\n"
        "Via: SIP/2.0/TCP client.atlanta.example:5060;branch=z9hG4bK74bf9\r\n"
        "From: <sip:alice@atlanta.example>;tag=9fxced76sl\r\n"
        "To: <sip:bob@biloxi.example>\r\n"
        f"Call-ID: 3848276298220188511@atlanta.example\r\nCSeq: 1 {method}\r\n"
        f"{length}\r\n\r\n"
    ).encode() + body


def feed_all(chunks: list[bytes]) -> list[bytes | KeepAlivePing]:
    framer = StreamFramer()
    out: list[bytes | KeepAlivePing] = []
    for chunk in chunks:
        out += framer.feed(chunk)
    return out


def test_pipelined_messages_in_one_chunk() -> None:
    first = message("INVITE", SDP)  # the body holds a blank line: only Content-Length counts
    second = message("BYE")
    third = message("MESSAGE", b"hello")
    assert feed_all([first + second + third]) == [first, second, third]
    parsed = parse_message(first, body_from_stream=True)
    assert parsed.body == SDP


def test_a_message_split_at_every_byte_boundary() -> None:
    data = message("INVITE", SDP) + message("BYE")
    expected = [message("INVITE", SDP), message("BYE")]
    for cut in range(len(data) + 1):
        assert feed_all([data[:cut], data[cut:]]) == expected, cut
    assert feed_all([bytes([b]) for b in data]) == expected  # one byte at a time


def test_nothing_comes_out_before_the_body_is_complete() -> None:
    framer = StreamFramer()
    data = message("MESSAGE", b"0123456789")
    assert framer.feed(data[:-1]) == []
    assert framer.feed(data[-1:]) == [data]


def test_double_crlf_is_a_ping_and_a_lone_crlf_a_pong() -> None:
    one, two = message("OPTIONS"), message("BYE")
    stream = b"\r\n\r\n" + one + b"\r\n" + two + b"\r\n\r\n" + b"\r\n"
    assert feed_all([stream]) == [KeepAlivePing(), one, two, KeepAlivePing()]


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_ping_split_across_reads_is_still_a_ping(cut: int) -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r\n\r\n"[:cut]) == []
    assert framer.feed(b"\r\n\r\n"[cut:]) == [KeepAlivePing()]


def test_a_pong_followed_by_a_message_in_pieces() -> None:
    data = message("OPTIONS")
    assert feed_all([b"\r\n", data[:1], data[1:]]) == [data]
    assert feed_all([b"\r\n" + data[:1], data[1:]]) == [data]


@pytest.mark.parametrize(
    "length_line", ["l: 5", "content-length:5", "CONTENT-LENGTH \t:  5 ", "Content-Length: 0005"]
)
def test_content_length_spellings(length_line: str) -> None:
    data = message("MESSAGE", b"hello", length_line)
    assert feed_all([data + message("BYE")]) == [data, message("BYE")]


@pytest.mark.parametrize(
    "length_line", ["X-Content-Length: 5", "Content-Length: five", "Content-Length: -5", "Foo: 1"]
)
def test_missing_content_length_is_refused(length_line: str) -> None:
    with pytest.raises(SipParseError, match="Content-Length is required"):
        feed_all([message("MESSAGE", b"hello", length_line)])


def test_oversize_body_is_refused() -> None:
    with pytest.raises(SipParseError, match="64 KiB"):
        feed_all([message("MESSAGE", b"", f"Content-Length: {MAX_BODY + 1}")])
    data = message("MESSAGE", b"x" * MAX_BODY)  # the largest body allowed still passes
    assert feed_all([data]) == [data]


def test_oversize_head_is_refused_even_before_it_ends() -> None:
    framer = StreamFramer()
    head = message("OPTIONS")[:-4]
    assert framer.feed(head) == []
    with pytest.raises(SipParseError, match="16 KiB"):
        framer.feed(b"\r\nX-Padding: " + b"a" * MAX_HEAD)


_ITEMS = st.one_of(
    st.just(b"ping"),
    st.just(b"pong"),
    st.binary(max_size=40).map(lambda body: message("MESSAGE", body)),
    st.sampled_from([message("INVITE", SDP), message("BYE"), message("OPTIONS")]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_ITEMS, max_size=8), st.lists(st.integers(0, 2_000), max_size=8))
def test_any_stream_cut_anywhere_frames_the_same(items: list[bytes], cuts: list[int]) -> None:
    wire = b""
    expected: list[bytes | KeepAlivePing] = []
    crlfs = 0  # CRLFs since the last message: every two make one ping, a last odd one waits
    for item in [*items, b"end"]:
        if item in (b"ping", b"pong"):
            wire += b"\r\n\r\n" if item == b"ping" else b"\r\n"
            crlfs += 2 if item == b"ping" else 1
            continue
        expected += [KeepAlivePing()] * (crlfs // 2)
        crlfs = 0
        if item != b"end":
            wire += item
            expected.append(item)
    points = sorted({c % (len(wire) + 1) for c in cuts})
    chunks = [wire[a:b] for a, b in zip([0, *points], [*points, len(wire)], strict=True)]
    framer = StreamFramer()
    framed = [out for chunk in chunks for out in framer.feed(chunk)]
    assert framed == expected
