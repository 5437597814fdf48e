"""Receiver-side RTP statistics: RFC 3550 §A.1 (sequence validation and probation), §A.3
(expected, lost and fraction lost), §A.8 and §6.4.1 (interarrival jitter), and the LSR/DLSR
bookkeeping that lets the sender compute round-trip time (§6.4.1).

One `SourceStats` per SSRC; `ReceiverStats` keeps them per SSRC so that a source change (a new
SSRC) starts a fresh, probationary source without corrupting the counters of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.media.rtcp import ReportBlock

SEQ_MOD = 1 << 16
MAX_DROPOUT = 3000
MAX_MISORDER = 100
MIN_SEQUENTIAL = 2


class SourceStats:
    """The per-source state of RFC 3550 §A.1 plus jitter (§A.8) and the last SR seen."""

    __slots__ = (
        "bad_seq",
        "base_seq",
        "clock_rate",
        "cycles",
        "expected_prior",
        "jitter",
        "last_sr_arrival",
        "last_sr_middle",
        "max_seq",
        "probation",
        "received",
        "received_prior",
        "ssrc",
        "transit",
    )

    def __init__(self, ssrc: int, first_seq: int, clock_rate: int = 8000) -> None:
        self.ssrc = ssrc
        self.clock_rate = clock_rate
        self._init_seq(first_seq)
        self.max_seq = (first_seq - 1) % SEQ_MOD
        self.probation = MIN_SEQUENTIAL
        self.transit: float | None = None
        self.jitter = 0.0  # in timestamp units, kept as a float as §6.4.1 suggests
        self.last_sr_middle = 0
        self.last_sr_arrival: float | None = None

    def _init_seq(self, seq: int) -> None:
        self.base_seq = seq
        self.max_seq = seq
        self.bad_seq = SEQ_MOD + 1  # so that seq == bad_seq is false
        self.cycles = 0
        self.received = 0
        self.received_prior = 0
        self.expected_prior = 0

    def update_seq(self, seq: int) -> bool:
        """Account for one packet; False means it is not (yet) a valid packet of this source."""
        udelta = (seq - self.max_seq) % SEQ_MOD
        if self.probation:
            if seq == (self.max_seq + 1) % SEQ_MOD:
                self.probation -= 1
                self.max_seq = seq
                if self.probation == 0:
                    self._init_seq(seq)
                    self.received += 1
                    return True
            else:
                self.probation = MIN_SEQUENTIAL - 1
                self.max_seq = seq
            return False
        if udelta < MAX_DROPOUT:
            if seq < self.max_seq:
                self.cycles += SEQ_MOD  # sequence number wrapped: count another cycle
            self.max_seq = seq
        elif udelta <= SEQ_MOD - MAX_MISORDER:
            if seq != self.bad_seq:
                self.bad_seq = (seq + 1) % SEQ_MOD
                return False
            # Two sequential packets after a big jump: the sender restarted, so resync.
            self._init_seq(seq)
        # Otherwise a duplicate or a reordered packet: counted, max_seq unchanged.
        self.received += 1
        return True

    def packet(self, seq: int, rtp_timestamp: int, arrival: float) -> None:
        """`update_seq` then, for a valid packet, `update_jitter`; the next packet in order
        (nearly all of them) takes a short cut with the same result."""
        if not self.probation and seq == self.max_seq + 1:
            self.max_seq = seq
            self.received += 1
        elif not self.update_seq(seq):
            return
        transit = arrival * self.clock_rate - rtp_timestamp
        previous = self.transit
        self.transit = transit
        if previous is not None:
            d = transit - previous
            if d < 0:
                d = -d
            if d < 2147483648.0:  # 2**31: a timestamp wrap or jump is not jitter
                self.jitter += (d - self.jitter) / 16.0

    def update_jitter(self, rtp_timestamp: int, arrival: float) -> None:
        """§A.8: arrival is in seconds; the transit difference is taken in timestamp units."""
        transit = arrival * self.clock_rate - rtp_timestamp
        if self.transit is not None:
            d = abs(transit - self.transit)
            if d < 1 << 31:  # ignore timestamp wraps and jumps rather than poison the estimate
                self.jitter += (d - self.jitter) / 16.0
        self.transit = transit

    @property
    def extended_max(self) -> int:
        return self.cycles + self.max_seq

    @property
    def expected(self) -> int:
        return self.extended_max - self.base_seq + 1

    @property
    def lost(self) -> int:
        return self.expected - self.received

    def sender_report(self, ntp_middle: int, now: float) -> None:
        self.last_sr_middle = ntp_middle
        self.last_sr_arrival = now

    def report_block(self, now: float) -> ReportBlock:
        """Build the §6.4.1 report block and start a new reporting interval (§A.3)."""
        expected = self.expected
        expected_interval = expected - self.expected_prior
        received_interval = self.received - self.received_prior
        self.expected_prior, self.received_prior = expected, self.received
        lost_interval = expected_interval - received_interval
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            fraction = (lost_interval << 8) // expected_interval
        dlsr = 0
        if self.last_sr_arrival is not None:
            dlsr = min(int((now - self.last_sr_arrival) * 65536), 0xFFFFFFFF)
        cumulative = max(-(1 << 23), min(self.lost, (1 << 23) - 1))  # 24-bit signed field
        return ReportBlock(
            ssrc=self.ssrc,
            fraction_lost=min(fraction, 255),
            cumulative_lost=cumulative,
            highest_seq=self.extended_max & 0xFFFFFFFF,
            jitter=min(int(self.jitter), 0xFFFFFFFF),
            lsr=self.last_sr_middle,
            dlsr=dlsr,
        )


@dataclass(frozen=True, slots=True)
class SourceChanged:
    old_ssrc: int | None
    new_ssrc: int


class ReceiverStats:
    """Statistics for every source heard on one leg; the newest valid one is the active source."""

    def __init__(self, clock_rate: int = 8000, max_sources: int = 8) -> None:
        self.clock_rate = clock_rate
        self.max_sources = max_sources
        self.sources: dict[int, SourceStats] = {}
        self.active: int | None = None
        self.invalid = 0

    def packet(
        self, ssrc: int, seq: int, timestamp: int, now: float
    ) -> tuple[bool, SourceChanged | None]:
        """Account for one RTP packet; return (valid, source change event if the SSRC changed)."""
        source = self.sources.get(ssrc)
        if source is None:
            if len(self.sources) >= self.max_sources:  # forget the oldest inactive source
                oldest = next((k for k in self.sources if k != self.active), None)
                if oldest is not None:
                    del self.sources[oldest]
            source = self.sources[ssrc] = SourceStats(ssrc, seq, self.clock_rate)
        if not source.update_seq(seq):
            self.invalid += 1
            return False, None
        source.update_jitter(timestamp, now)
        change = None
        if ssrc != self.active:
            change = SourceChanged(self.active, ssrc)
            self.active = ssrc
        return True, change

    def report_blocks(self, now: float) -> tuple[ReportBlock, ...]:
        return tuple(s.report_block(now) for s in self.sources.values() if s.probation == 0)
