"""RTCP sessions (RFC 3550 §6.3 interval, §6.4 SR/RR, §6.5 CNAME, §6.6 BYE) in memory.

Two `RtcpSession`s stand for the two ends of one leg. RTP is simulated by feeding each side's
`SourceStats`; RTCP datagrams are handed across with a chosen one-way delay, so the round trip
the sessions compute can be checked against the delay the test put on the wire.
"""

from __future__ import annotations

import itertools
import random
import statistics

import pytest

from frontdesk.media.rtcp import (
    Bye,
    ReceiverReport,
    ReportBlock,
    SdesChunk,
    SdesItem,
    SenderReport,
    SourceDescription,
    build_compound,
    ntp_from_unix,
    parse_compound,
)
from frontdesk.media.rtcp_session import (
    COMPENSATION,
    RTCP_MIN_INTERVAL,
    RtcpSession,
    SentSoFar,
    report_interval,
)
from frontdesk.media.rtp_stats import SourceStats


def test_interval_is_the_minimum_randomised_for_a_two_party_call() -> None:
    # §6.3.1: G.711 gives 500 octets/s of RTCP; 2 members of ~100 octets need 0.4 s, so the
    # 5 s minimum applies, times U(0.5, 1.5), divided by e - 3/2.
    rng = random.Random(1)
    draws = [report_interval(500.0, 2, 2, True, 100.0, False, rng) for _ in range(4000)]
    low, high = 0.5 * RTCP_MIN_INTERVAL / COMPENSATION, 1.5 * RTCP_MIN_INTERVAL / COMPENSATION
    assert low <= min(draws) and max(draws) <= high
    assert min(draws) < low + 0.05 and max(draws) > high - 0.05  # really spread, not fixed
    assert statistics.mean(draws) == pytest.approx(RTCP_MIN_INTERVAL / COMPENSATION, rel=0.02)
    first = [report_interval(500.0, 1, 0, False, 100.0, True, rng) for _ in range(1000)]
    assert max(first) <= high / 2  # §6.3.2: the first interval uses half the minimum


def test_interval_follows_bandwidth_when_it_is_the_limit() -> None:
    # 1000 members of 100 octets at 500 octets/s: 200 s deterministic (no sender split: more
    # than a quarter are senders); a sender among few gets a quarter of the bandwidth (A.7).
    rng = random.Random(2)
    mean = statistics.mean(report_interval(500.0, 1000, 500, False, 100.0, False, rng)
                           for _ in range(2000))  # fmt: skip
    assert mean == pytest.approx(200.0 / COMPENSATION, rel=0.03)
    sender = statistics.mean(report_interval(500.0, 1000, 10, True, 100.0, False, rng)
                             for _ in range(2000))  # fmt: skip
    assert sender == pytest.approx(10 * 100.0 / (500.0 * 0.25) / COMPENSATION, rel=0.03)


class Leg:
    """One end: its session, the stats of what it receives and its send counters."""

    def __init__(self, ssrc: int, seed: int, wall_offset: float) -> None:
        self.session = RtcpSession(ssrc, 0.0, random.Random(seed), wall_offset)
        self.ssrc = ssrc
        self.heard: SourceStats | None = None
        self.sent = 0

    def send_rtp(self, other: Leg, now: float, deliver: bool = True) -> None:
        seq = self.sent
        self.sent += 1
        if not deliver:
            return
        if other.heard is None:
            other.heard = SourceStats(self.ssrc, seq)
        if other.heard.update_seq(seq):
            other.heard.update_jitter(seq * 160, now)

    def so_far(self) -> SentSoFar:
        return SentSoFar(self.sent, 160 * self.sent, 160 * self.sent if self.sent else None)


def _talk(a: Leg, b: Leg, seconds: float, delay_ticks: int, drop_a_to_b: int = 0) -> list[bytes]:
    """Both sides send RTP every 20 ms for `seconds`; RTCP takes `delay_ticks` each way."""
    wire: list[tuple[int, Leg, bytes]] = []
    seen: list[bytes] = []
    for k in range(round(seconds / 0.02)):
        now = k * 0.02
        a.send_rtp(b, now, deliver=not (drop_a_to_b and k % drop_a_to_b == 7))
        b.send_rtp(a, now)
        for leg, other in ((a, b), (b, a)):
            if leg.session.due(now):
                data = leg.session.report(now, leg.so_far(), leg.heard, other.sent)
                wire.append((k + delay_ticks, other, data))
                seen.append(data)
        for item in [w for w in wire if w[0] == k]:
            wire.remove(item)
            _due, to, data = item
            assert to.session.receive(data, now, to.heard, to.sent)
    return seen


def test_two_sessions_measure_the_round_trip_and_each_others_loss() -> None:
    # Different wall offsets: only differences of one side's own clock enter the RTT.
    a, b = Leg(0xAAAA, 1, 1_700_000_000.0), Leg(0xBBBB, 2, 1_500_000_000.0)
    sent = _talk(a, b, seconds=30.0, delay_ticks=2, drop_a_to_b=10)
    for leg in (a, b):
        assert leg.session.received >= 3 and leg.session.rtt_count >= 2
        # 40 ms each way: 80 ms, to the 1/65536 s resolution of the NTP middle bits and DLSR.
        assert leg.session.rtt_mean == pytest.approx(0.08, abs=3 / 65536)
        assert leg.session.rtt_max == pytest.approx(0.08, abs=3 / 65536)
    # b lost one in ten of a's packets: a learns that from b's reports, not from its own stats.
    assert a.session.remote_loss_ratio == pytest.approx(0.1, abs=0.01)
    assert b.session.remote_loss_ratio == 0.0
    assert a.session.last is not None and a.session.last.block.fraction_lost > 0
    # Every compound starts with SR (both send) and carries SDES CNAME (§6.1).
    for data in sent:
        first, sdes = parse_compound(data)
        assert isinstance(first, SenderReport) and isinstance(sdes, SourceDescription)
        assert sdes.chunks[0].items[0].kind == 1 and len(sdes.chunks[0].items[0].value) == 16


def test_the_first_report_is_early_and_later_ones_about_every_four_seconds() -> None:
    a, b = Leg(1, 3, 0.0), Leg(2, 4, 0.0)
    times = []
    for k in range(round(120 / 0.02)):
        now = k * 0.02
        b.send_rtp(a, now)
        if a.session.due(now):
            a.session.report(now, a.so_far(), a.heard, b.sent)
            times.append(now)
    assert 0.5 * 2.5 / COMPENSATION - 0.02 <= times[0] <= 1.5 * 2.5 / COMPENSATION + 0.02
    gaps = [t2 - t1 for t1, t2 in itertools.pairwise(times)]
    assert statistics.mean(gaps) == pytest.approx(RTCP_MIN_INTERVAL / COMPENSATION, rel=0.15)


def test_receiver_only_sends_rr_and_says_bye_at_the_end() -> None:
    a, b = Leg(1, 5, 0.0), Leg(2, 6, 0.0)
    for k in range(200):  # b talks, a only listens (a held call playing nothing)
        b.send_rtp(a, k * 0.02)
    rr, sdes = parse_compound(a.session.report(4.0, a.so_far(), a.heard, b.sent))
    assert isinstance(rr, ReceiverReport) and rr.ssrc == 1
    assert [blk.ssrc for blk in rr.reports] == [2] and rr.reports[0].cumulative_lost == 0
    assert isinstance(sdes, SourceDescription)
    *_, bye = parse_compound(a.session.bye(4.1, a.so_far(), a.heard))
    assert bye == Bye((1,))


def test_rfc3550_figure_2_round_trip_through_a_session() -> None:
    # §6.4.1 Figure 2: the report arrives at A = 0xb710:8000 with LSR = 0xb705:2000 and
    # DLSR = 0x0005:4000 (5.25 s): the round trip is 6.125 s.
    arrival_unix = 0xE000B710 + 0.5 - 2_208_988_800  # NTP seconds ...b710, fraction 8000...
    session = RtcpSession(0x1234, 0.0, random.Random(7), wall_offset=arrival_unix - 10.0)
    assert (ntp_from_unix(10.0 + session.wall_offset) >> 16) & 0xFFFFFFFF == 0xB7108000
    block = ReportBlock(0x1234, 0, 0, 0, 0, lsr=0xB7052000, dlsr=0x00054000)
    assert session.receive(build_compound([ReceiverReport(0x9, (block,))]), 10.0, None, 50)
    assert session.rtt_mean == 6.125


def test_reports_about_others_and_broken_compounds_are_not_taken() -> None:
    session = RtcpSession(0x1234, 0.0, random.Random(8), 0.0)
    other = ReportBlock(0x9999, 128, 40, 0, 0, 0, 0)
    assert session.receive(build_compound([ReceiverReport(5, (other,))]), 1.0, None, 10)
    assert session.last is None and session.received == 1
    sdes_first = build_compound([SourceDescription((SdesChunk(5, (SdesItem(1, b"x"),)),))])
    assert not session.receive(sdes_first, 1.0, None, 10)  # §6.1: must start with SR/RR
    assert not session.receive(b"\x80\xc9\x00\x07", 1.0, None, 10)  # length past the end
    assert session.invalid == 2 and session.received == 1


def test_a_peer_sender_report_feeds_lsr_and_dlsr_back() -> None:
    a, b = Leg(1, 9, 0.0), Leg(2, 10, 0.0)
    for k in range(50):
        b.send_rtp(a, k * 0.02)
    sr = b.session.report(1.0, b.so_far(), b.heard, 0)
    a.session.receive(sr, 1.1, a.heard, 0)
    rr, _ = parse_compound(a.session.report(1.6, a.so_far(), a.heard, b.sent))
    assert isinstance(rr, ReceiverReport)
    (sr_packet, _) = parse_compound(sr)
    assert isinstance(sr_packet, SenderReport)
    assert rr.reports[0].lsr == (sr_packet.ntp_timestamp >> 16) & 0xFFFFFFFF
    assert rr.reports[0].dlsr == round(0.5 * 65536)  # held 0.5 s between the two reports
