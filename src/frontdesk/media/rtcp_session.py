"""RTCP for one leg of the B2BUA: when to report, what to send, what the peer's reports say.

RFC 3550 §6.3 (the report interval, §6.3.1 and the A.7 algorithm, with the §6.3.2 halved
first interval and §6.3.3 average packet size), §6.4 (SR when we sent since the last report,
RR otherwise, one report block for the peer's source, §6.4.1), §6.5.1 (CNAME, random per
RFC 7022 §4.2), §6.1 (every compound starts with SR/RR and carries SDES CNAME) and §6.6 (BYE
when the stream closes).

A leg of a B2BUA is an RTP session with exactly one peer, so membership is not tracked: the
session has one member (us) until the peer is heard, then two. With two members the §6.3.1
formula always gives less than the 5 s minimum at G.711 rates, so the interval is the
minimum, randomised to 0.5-1.5 times and divided by e - 3/2 as the RFC prescribes. Timer
reconsideration (§6.3.6) only matters when membership changes, so it is not done.

Sans-IO: `now` is `time.monotonic()` seconds; `wall_offset` maps it to wall-clock time for
the NTP timestamps. The caller supplies what it sent and the peer's `SourceStats`.
"""

from __future__ import annotations

import base64
import math
import random
from dataclasses import dataclass

from frontdesk.media import MediaError
from frontdesk.media.rtcp import (
    SDES_CNAME,
    Bye,
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
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

RTCP_MIN_INTERVAL = 5.0  # §6.2: the recommended minimum
RTCP_FRACTION = 0.05  # §6.2: RTCP gets 5% of the session bandwidth
SENDER_FRACTION = 0.25  # §6.3.1 / A.7: senders' share when they are few
COMPENSATION = math.e - 1.5  # §6.3.1: converges the interval to the intended bandwidth
# G.711, 20 ms: 50 packets/s of 160 payload + 12 RTP + 8 UDP + 20 IPv4 octets.
G711_SESSION_OCTETS_PER_S = 50 * (160 + 12 + 8 + 20)
UDP_IP_OVERHEAD = 28  # §6.3.3: the average size includes the lower-layer headers


def report_interval(
    rtcp_bandwidth: float,
    members: int,
    senders: int,
    we_sent: bool,
    avg_rtcp_size: float,
    initial: bool,
    rng: random.Random,
) -> float:
    """The randomised interval of RFC 3550 A.7 (`rtcp_interval`), in seconds."""
    minimum = RTCP_MIN_INTERVAL / 2 if initial else RTCP_MIN_INTERVAL
    n = members
    if senders <= members * SENDER_FRACTION:
        if we_sent:
            rtcp_bandwidth *= SENDER_FRACTION
            n = senders
        else:
            rtcp_bandwidth *= 1 - SENDER_FRACTION
            n -= senders
    deterministic = max(avg_rtcp_size * n / rtcp_bandwidth, minimum)
    return deterministic * (rng.random() + 0.5) / COMPENSATION


@dataclass(frozen=True, slots=True)
class SentSoFar:
    """What our side of the leg has sent: the SR's sender info (§6.4.1)."""

    packets: int
    octets: int  # payload octets
    rtp_timestamp: int | None  # our RTP timestamp at `now`, None before the first packet


@dataclass(frozen=True, slots=True)
class PeerReport:
    """The peer's last report block about our stream, and the round trip it gave."""

    block: ReportBlock
    rtt: float | None  # seconds
    packets_sent_then: int  # what we had sent when it arrived: the base of its loss ratio
    at: float


class RtcpSession:
    """One leg's RTCP: `due`/`report` on the ticker, `receive` for each RTCP datagram."""

    def __init__(
        self,
        ssrc: int,
        now: float,
        rng: random.Random,
        wall_offset: float,
        session_bandwidth: float = G711_SESSION_OCTETS_PER_S,
    ) -> None:
        self.ssrc = ssrc
        self.rng = rng
        self.wall_offset = wall_offset
        self.rtcp_bandwidth = session_bandwidth * RTCP_FRACTION
        self.cname = base64.b64encode(rng.randbytes(12))  # RFC 7022 §4.2: 96 random bits
        self.avg_size = 0.0  # §6.3.2: initialised to the size of the first packet we build
        self.peer_heard = False
        self.peer_sent = False  # RTP from the peer since the last report
        self.packets_at_last_report = self.received_at_last_report = 0
        self.sent = self.received = self.invalid = 0
        self.peer_left = False
        self.last: PeerReport | None = None
        self.rtt_count, self.rtt_sum, self.rtt_max = 0, 0.0, 0.0
        self.next_at = now + self._interval(we_sent=False, initial=True)

    # -- sending ------------------------------------------------------------------------------
    def due(self, now: float) -> bool:
        return now >= self.next_at

    def report(self, now: float, sent: SentSoFar, source: SourceStats | None,
               packets_received: int) -> bytes:  # fmt: skip
        """The compound to send now (SR or RR, then SDES CNAME); schedules the next one.

        `packets_received` (RTP from the peer, ever) tells whether the peer is a sender.
        """
        we_sent = sent.packets > self.packets_at_last_report
        self.peer_sent = packets_received > self.received_at_last_report
        self.peer_heard = self.peer_heard or packets_received > 0
        self.received_at_last_report = packets_received
        data = build_compound(self._packets(now, sent, source, we_sent))
        self._sent(data)
        self.next_at = now + self._interval(we_sent, initial=False)
        return data

    def bye(self, now: float, sent: SentSoFar, source: SourceStats | None) -> bytes:
        """The last compound, when the stream closes: the final report, CNAME and BYE."""
        we_sent = sent.packets > self.packets_at_last_report
        data = build_compound([*self._packets(now, sent, source, we_sent), Bye((self.ssrc,))])
        self._sent(data)
        return data

    def _packets(
        self, now: float, sent: SentSoFar, source: SourceStats | None, we_sent: bool
    ) -> list[RtcpPacket]:
        blocks: tuple[ReportBlock, ...] = ()
        if source is not None and source.probation == 0:
            blocks = (source.report_block(now),)
        self.packets_at_last_report = sent.packets
        sdes = SourceDescription((SdesChunk(self.ssrc, (SdesItem(SDES_CNAME, self.cname),)),))
        if we_sent and sent.rtp_timestamp is not None:
            ntp = ntp_from_unix(now + self.wall_offset)
            report: RtcpPacket = SenderReport(
                self.ssrc, ntp, sent.rtp_timestamp & 0xFFFFFFFF,
                sent.packets & 0xFFFFFFFF, sent.octets & 0xFFFFFFFF, blocks,
            )  # fmt: skip
        else:
            report = ReceiverReport(self.ssrc, blocks)
        return [report, sdes]

    def _sent(self, data: bytes) -> None:
        self.sent += 1
        self._average(len(data))

    def _average(self, size: int) -> None:
        size += UDP_IP_OVERHEAD
        self.avg_size = size if not self.avg_size else size / 16 + self.avg_size * 15 / 16

    def _interval(self, we_sent: bool, initial: bool) -> float:
        members = 2 if self.peer_heard else 1
        senders = int(we_sent) + int(self.peer_sent)
        avg = self.avg_size or 100.0  # before the first packet: a typical SR + SDES
        return report_interval(
            self.rtcp_bandwidth, members, senders, we_sent, avg, initial, self.rng
        )

    # -- receiving ----------------------------------------------------------------------------
    def receive(
        self, data: bytes | bytearray | memoryview, now: float, source: SourceStats | None,
        packets_sent: int,
    ) -> bool:  # fmt: skip
        """Read one compound from the peer; False (and counted as invalid) when malformed."""
        try:
            packets = parse_compound(data)
        except MediaError:
            self.invalid += 1
            return False
        if not packets or not isinstance(packets[0], SenderReport | ReceiverReport):
            self.invalid += 1  # §6.1: a compound starts with a report
            return False
        self.received += 1
        self.peer_heard = True
        self._average(len(data))
        for packet in packets:
            if isinstance(packet, SenderReport):
                if source is not None and packet.ssrc == source.ssrc:
                    source.sender_report(ntp_middle(packet.ntp_timestamp), now)
                self._blocks(packet.reports, now, packets_sent)
            elif isinstance(packet, ReceiverReport):
                self._blocks(packet.reports, now, packets_sent)
            elif isinstance(packet, Bye):
                self.peer_left = True
        return True

    def _blocks(self, blocks: tuple[ReportBlock, ...], now: float, packets_sent: int) -> None:
        for block in blocks:
            if block.ssrc != self.ssrc:
                continue  # about someone else (a conference bridge reports all its sources)
            rtt = round_trip_time(ntp_from_unix(now + self.wall_offset), block)
            if rtt is not None:
                self.rtt_count += 1
                self.rtt_sum += rtt
                self.rtt_max = max(self.rtt_max, rtt)
            self.last = PeerReport(block, rtt, packets_sent, now)

    # -- what we learnt -----------------------------------------------------------------------
    @property
    def rtt_mean(self) -> float | None:
        return self.rtt_sum / self.rtt_count if self.rtt_count else None

    @property
    def remote_loss_ratio(self) -> float | None:
        """Cumulative loss the peer reported over what we had sent by then (0..1)."""
        last = self.last
        if last is None:
            return None
        if last.packets_sent_then <= 0:
            return 0.0
        return min(max(last.block.cumulative_lost / last.packets_sent_then, 0.0), 1.0)
