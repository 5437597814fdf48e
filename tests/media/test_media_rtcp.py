"""RTCP compound packets (RFC 3550 §6.4-§6.6), RTT (§6.4.1) and the leg quality summary."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.media import MediaError
from frontdesk.media.quality import estimated_mos, summarise
from frontdesk.media.rtcp import (
    Bye,
    ReceiverReport,
    ReportBlock,
    RtcpOther,
    SdesChunk,
    SdesItem,
    SenderReport,
    SourceDescription,
    build_compound,
    ntp_from_unix,
    ntp_middle,
    parse_compound,
    round_trip_time,
)
from frontdesk.media.rtp_stats import SourceStats

# §6.4.1 SR with one report block, written field by field from the diagram.
SR_BYTES = (
    bytes([0x81, 200, 0x00, 12])  # V=2 P=0 RC=1, PT=200, length 12 (13 words)
    + struct.pack("!I", 0x11111111)  # SSRC of sender
    + struct.pack("!II", 0xB7108000, 0x80000000)  # NTP timestamp, most/least significant word
    + struct.pack("!III", 16000, 50, 8000)  # RTP timestamp, packet count, octet count
    + struct.pack("!I", 0x22222222)  # SSRC_1
    + bytes([0x19, 0xFF, 0xFF, 0xFE])  # fraction lost 25/256, cumulative lost -2 (24-bit signed)
    + struct.pack("!IIII", 0x0001_0005, 37, 0xB7052000, 0x00054000)
)
# §6.5 SDES: one chunk, CNAME "ab" (type 1, length 2), null item, padding to 32 bits.
SDES_BYTES = (
    bytes([0x81, 202, 0x00, 3]) + struct.pack("!I", 0x11111111) + b"\x01\x02ab\x00\x00\x00\x00"
)
# §6.6 BYE: one SSRC and a reason "bye" (length 3), no padding needed.
BYE_BYTES = bytes([0x81, 203, 0x00, 2]) + struct.pack("!I", 0x11111111) + b"\x03bye"


def test_sender_report_from_the_diagram() -> None:
    (sr,) = parse_compound(SR_BYTES)
    assert isinstance(sr, SenderReport)
    assert sr.ssrc == 0x11111111 and sr.ntp_timestamp == 0xB7108000_80000000
    assert (sr.rtp_timestamp, sr.packet_count, sr.octet_count) == (16000, 50, 8000)
    assert sr.reports == (ReportBlock(0x22222222, 25, -2, 0x10005, 37, 0xB7052000, 0x54000),)
    assert build_compound([sr]) == SR_BYTES


def test_compound_sr_sdes_bye() -> None:
    packets = parse_compound(SR_BYTES + SDES_BYTES + BYE_BYTES)
    assert packets[1] == SourceDescription((SdesChunk(0x11111111, (SdesItem(1, b"ab"),)),))
    assert packets[2] == Bye((0x11111111,), b"bye")
    assert build_compound(packets) == SR_BYTES + SDES_BYTES + BYE_BYTES


def test_padding_on_the_last_packet_only() -> None:
    padded_bye = bytes([0xA1, 203, 0x00, 2]) + struct.pack("!I", 7) + b"\x00\x00\x00\x04"
    assert parse_compound(SR_BYTES + padded_bye)[1] == Bye((7,))
    with pytest.raises(MediaError):
        parse_compound(padded_bye + SR_BYTES)


@pytest.mark.parametrize(
    "data",
    [
        b"\x81\xc8",
        SR_BYTES[:-4],  # length says more than there is
        bytes([0x41]) + SR_BYTES[1:],  # version 1
        SR_BYTES + b"\x80",  # trailing garbage
        bytes([0x81, 202, 0, 1]) + b"\0\0\0\1",  # SDES chunk without its null item
        bytes([0x82, 203, 0, 1]) + b"\0\0\0\1",  # BYE announcing two sources, holding one
    ],
)
def test_malformed_compounds(data: bytes) -> None:
    with pytest.raises(MediaError):
        parse_compound(data)


u32 = st.integers(0, 0xFFFFFFFF)
blocks = st.builds(
    ReportBlock,
    ssrc=u32,
    fraction_lost=st.integers(0, 255),
    cumulative_lost=st.integers(-(1 << 23), (1 << 23) - 1),
    highest_seq=u32,
    jitter=u32,
    lsr=u32,
    dlsr=u32,
)
words = st.binary(max_size=12).map(lambda b: b + bytes(-len(b) % 4))
rtcp_packets = st.one_of(
    st.builds(
        SenderReport,
        u32,
        st.integers(0, (1 << 64) - 1),
        u32,
        u32,
        u32,
        st.lists(blocks, max_size=3).map(tuple),
        words,
    ),
    st.builds(ReceiverReport, u32, st.lists(blocks, max_size=3).map(tuple), words),
    st.builds(
        SourceDescription,
        st.lists(
            st.builds(
                SdesChunk,
                u32,
                st.lists(
                    st.builds(SdesItem, st.integers(1, 8), st.binary(max_size=20)), max_size=3
                ).map(tuple),
            ),
            max_size=3,
        ).map(tuple),
    ),
    st.builds(Bye, st.lists(u32, max_size=4).map(tuple), st.none() | st.binary(max_size=20)),
    st.builds(RtcpOther, st.integers(204, 210), st.integers(0, 31), words),
)


@given(st.lists(rtcp_packets, min_size=1, max_size=4))
def test_any_compound_round_trips(packets: list) -> None:  # type: ignore[type-arg]
    assert parse_compound(build_compound(packets)) == tuple(packets)


@given(st.binary(max_size=120))
def test_garbage_only_ever_raises_media_error(data: bytes) -> None:
    try:
        packets = parse_compound(data)
        rebuilt = build_compound(packets)  # may refuse a padded body, but only as MediaError
    except MediaError:
        return
    assert parse_compound(rebuilt) == packets


def test_round_trip_time_example_of_rfc3550_figure_2() -> None:
    # §6.4.1 Figure 2: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000 -> 6.125 s.
    block = ReportBlock(1, 0, 0, 0, 0, lsr=0xB7052000, dlsr=0x00054000)
    assert round_trip_time(0xB7108000 << 16, block) == 6.125
    assert round_trip_time(0xB7108000 << 16, ReportBlock(1, 0, 0, 0, 0, 0, 0)) is None


def test_ntp_conversion() -> None:
    # 1970-01-01 is 2 208 988 800 s after the NTP epoch (RFC 868 / RFC 5905 figure 4).
    assert ntp_from_unix(0.0) == 2_208_988_800 << 32
    assert ntp_middle(ntp_from_unix(0.5)) == ((2_208_988_800 & 0xFFFF) << 16) | 0x8000


def test_rtt_measured_end_to_end_through_stats() -> None:
    # We send an SR at wall time 100.0; the peer holds it 0.25 s, then its RR reaches us at
    # 100.40: RTT must be 0.15 s (to the 1/65536 s resolution of the fields).
    ours = SenderReport(5, ntp_from_unix(100.0), 0, 0, 0)
    peer = SourceStats(5, first_seq=0)
    peer.sender_report(ntp_middle(ours.ntp_timestamp), now=3.0)
    block = peer.report_block(now=3.25)
    rtt = round_trip_time(ntp_from_unix(100.40), block)
    assert rtt == pytest.approx(0.15, abs=2 / 65536)


def test_quality_summary() -> None:
    stats = SourceStats(1, first_seq=0)
    for seq in range(0, 102):
        if seq % 10 != 5:  # lose 10 of the 100 packets after probation
            stats.update_seq(seq)
    summary = summarise(stats, ReportBlock(2, 64, 3, 0, 80, 0, 0), rtt=0.1)
    assert summary.packets_lost == 10 and summary.loss_ratio == pytest.approx(0.1, abs=0.002)
    assert summary.remote_loss_ratio == 0.25 and summary.remote_jitter_ms == 10.0
    assert summary.rtt_ms == pytest.approx(100.0)
    # G.107 Annex B: R = 93.2 gives MOS 4.41; loss and delay only ever lower it.
    assert estimated_mos(0.0, 0.0) == pytest.approx(4.41, abs=0.01)
    assert estimated_mos(0.05, 0.0) < estimated_mos(0.01, 0.0) < estimated_mos(0.0, 0.0)
    assert estimated_mos(0.0, 300.0) < estimated_mos(0.0, 100.0)
    assert 1.0 <= summary.estimated_mos < estimated_mos(0.0, 0.0)
