"""RTP packets (RFC 3550 §5.1, §5.3.1; RFC 8285 §4.2/§4.3), relay fast path and rewriter.

Packets are written byte by byte from the header diagram of RFC 3550 §5.1.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.media import MediaError
from frontdesk.media.relay import StreamRewriter
from frontdesk.media.rtp import (
    ExtensionElement,
    RtpExtension,
    RtpHeader,
    RtpPacket,
    is_rtcp,
    parse_header,
    payload_bounds,
    peek_rtp,
    rewrite_rtp,
    write_rtp,
)

# RFC 3550 §5.1: V=2 P=0 X=0 CC=0 | M=1 PT=0 | seq 0x1234 | ts 0x00000640 | SSRC 0xDEADBEEF
PLAIN = (
    bytes([0x80, 0x80, 0x12, 0x34, 0x00, 0x00, 0x06, 0x40, 0xDE, 0xAD, 0xBE, 0xEF]) + b"\xff" * 4
)


def test_plain_packet_from_the_diagram() -> None:
    packet = RtpPacket.parse(PLAIN)
    h = packet.header
    assert (h.payload_type, h.marker, h.sequence, h.timestamp, h.ssrc) == (
        0,
        True,
        0x1234,
        0x640,
        0xDEADBEEF,
    )
    assert packet.payload == b"\xff" * 4 and packet.padding == 0
    assert bytes(packet) == PLAIN


def test_padding_csrcs_and_extension_round_trip() -> None:
    # V=2 P=1 X=1 CC=2 -> 0xB2; PT=8; two CSRCs; extension profile 0xBEDE, 1 word; 2 payload
    # octets; 3 padding octets, the last one holding the count (§5.1, §5.3.1).
    data = (
        bytes([0xB2, 0x08, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7])
        + struct.pack("!II", 11, 22)
        + bytes([0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00])
        + b"\x01\x02"
        + b"\x00\x00\x03"
    )
    packet = RtpPacket.parse(data)
    assert packet.header.csrcs == (11, 22)
    assert packet.header.extension == RtpExtension(0xBEDE, bytes([0x10, 0xAA, 0, 0]))
    assert packet.payload == b"\x01\x02" and packet.padding == 3
    assert bytes(packet) == data
    # RFC 8285 §4.2: ID 1, L=0 means one data byte; the zero bytes after it are padding.
    assert packet.header.extension.elements() == (ExtensionElement(1, b"\xaa"),)


def test_rfc8285_one_and_two_byte_forms() -> None:
    elements = (ExtensionElement(1, b"\x01\x02\x03"), ExtensionElement(14, b"\x99"))
    one = RtpExtension.from_elements(elements)
    # §4.2: 0x1 << 4 | (3 - 1) = 0x12; 0xE << 4 | 0 = 0xE0; padded to 8 octets
    assert one.profile == 0xBEDE and one.data == bytes([0x12, 1, 2, 3, 0xE0, 0x99, 0, 0])
    assert one.elements() == elements
    two = RtpExtension.from_elements((ExtensionElement(200, b""), *elements), two_byte=True)
    # §4.3: profile 0x1000, then id and length octets; zero-length elements are allowed
    assert two.profile == 0x1000 and two.data[:2] == bytes([200, 0])
    assert two.elements() == (ExtensionElement(200, b""), *elements)
    with pytest.raises(MediaError):
        RtpExtension.from_elements((ExtensionElement(15, b"x"),))
    with pytest.raises(MediaError):
        RtpExtension(0x1234, b"\0\0\0\0").elements()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        PLAIN[:11],
        bytes([0x40]) + PLAIN[1:],  # version 1
        bytes([0x83]) + PLAIN[1:12],  # three CSRCs announced, none present
        bytes([0x90]) + PLAIN[1:12],  # extension bit without the extension
        bytes([0x90]) + PLAIN[1:12] + bytes([0xBE, 0xDE, 0, 5]),  # extension longer than packet
        bytes([0xA0]) + PLAIN[1:] + b"\x00",  # padding count 0
        bytes([0xA0]) + PLAIN[1:] + b"\x40",  # padding longer than the packet
    ],
)
def test_malformed_packets_raise_media_error(data: bytes) -> None:
    with pytest.raises(MediaError):
        RtpPacket.parse(data)


headers = st.builds(
    RtpHeader,
    payload_type=st.integers(0, 127),
    sequence=st.integers(0, 0xFFFF),
    timestamp=st.integers(0, 0xFFFFFFFF),
    ssrc=st.integers(0, 0xFFFFFFFF),
    marker=st.booleans(),
    csrcs=st.lists(st.integers(0, 0xFFFFFFFF), max_size=15).map(tuple),
    extension=st.none()
    | st.builds(
        RtpExtension,
        profile=st.integers(0, 0xFFFF),
        data=st.binary(max_size=12).map(lambda b: b + bytes(-len(b) % 4)),
    ),
)
packets = st.builds(
    RtpPacket, header=headers, payload=st.binary(max_size=64), padding=st.integers(0, 255)
)


@given(packets)
def test_any_packet_round_trips(packet: RtpPacket) -> None:
    assert RtpPacket.parse(bytes(packet)) == packet


@given(st.binary(max_size=80))
def test_garbage_only_ever_raises_media_error(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except MediaError:
        return
    assert bytes(packet) == data  # whatever parses is kept exactly


@given(st.binary(min_size=4, max_size=40))
def test_extension_elements_of_garbage_only_raise_media_error(data: bytes) -> None:
    ext = RtpExtension(0xBEDE, data + bytes(-len(data) % 4))
    try:
        elements = ext.elements()
    except MediaError:
        return
    assert all(1 <= e.ext_id <= 14 for e in elements)


def test_peek_rewrite_and_write_work_in_place() -> None:
    buf = bytearray(PLAIN)
    assert peek_rtp(buf) == (0, 0x1234, 0x640, 0xDEADBEEF, True)
    rewrite_rtp(buf, 0x1_0005, 0x1_0000_0007, 42)  # values wrap to their field widths
    assert peek_rtp(buf) == (0, 5, 7, 42, True)
    assert buf[12:] == PLAIN[12:]
    out = bytearray(200)
    size = write_rtp(out, 8, 9, 1600, 77, b"\xd5" * 160, marker=False)
    packet = RtpPacket.parse(out[:size])
    assert packet.header == RtpHeader(8, 9, 1600, 77) and packet.payload == b"\xd5" * 160
    with pytest.raises(MediaError):
        write_rtp(bytearray(20), 0, 0, 0, 0, b"x" * 20)


def test_rtcp_is_told_apart_on_a_muxed_port() -> None:
    # RFC 5761 §4: RTCP SR has 200 in the second octet; RTP PT 0 with marker has 0x80.
    assert is_rtcp(bytes([0x80, 200, 0, 6]))
    assert not is_rtcp(PLAIN)


def _packet(seq: int, ts: int, ssrc: int) -> bytearray:
    buf = bytearray(172)
    write_rtp(buf, 0, seq, ts, ssrc, bytes(160))
    return buf


def test_rewriter_keeps_one_continuous_stream_across_ssrc_changes() -> None:
    rw = StreamRewriter(out_ssrc=0xCAFE, first_sequence=100, first_timestamp=5000)
    seen = []
    now = 0.0
    for i in range(3):  # first source
        buf = _packet(60000 + i, 1_000_000 + 160 * i, 1)
        rw.rewrite(buf, now)
        seen.append(peek_rtp(buf))
        now += 0.02
    for i in range(3):  # a new source after 20 ms, with unrelated numbering
        buf = _packet(7 + i, 99 + 160 * i, 2)
        started = rw.rewrite(buf, now)
        assert started == (i == 0)
        seen.append(peek_rtp(buf))
        now += 0.02
    assert [s[3] for s in seen] == [0xCAFE] * 6
    assert [s[1] for s in seen] == [100, 101, 102, 103, 104, 105]
    assert [s[2] - 5000 for s in seen] == [0, 160, 320, 480, 640, 800]
    assert [s[4] for s in seen] == [False, False, False, True, False, False]
    assert rw.source_changes == 1
    # A late packet of the first source, within the straggler window, keeps its place.
    late = _packet(60002, 1_000_000 + 320, 1)
    assert not rw.rewrite(late, now)
    assert peek_rtp(late)[1:3] == (102, 5320)


def test_rewriter_sequence_wraps() -> None:
    rw = StreamRewriter(out_ssrc=1, first_sequence=0xFFFE)
    out = []
    for i in range(4):
        buf = _packet(i, 160 * i, 9)
        rw.rewrite(buf, i * 0.02)
        out.append(peek_rtp(buf)[1])
    assert out == [0xFFFE, 0xFFFF, 0, 1]


@given(packets | st.binary(max_size=80))
def test_payload_bounds_agree_with_the_full_parse(item: RtpPacket | bytes) -> None:
    # The recorder's and transcoder's light path must accept, reject and delimit exactly as
    # the full parse does, for real packets and for garbage.
    data = bytes(item) if isinstance(item, RtpPacket) else item
    try:
        _header, start, end = parse_header(data)
    except MediaError:
        with pytest.raises(MediaError):
            payload_bounds(data)
        return
    assert payload_bounds(data) == (start, end)
