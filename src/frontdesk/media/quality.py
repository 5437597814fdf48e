"""Per-leg media quality summary: what we received (RFC 3550 §A.3/§A.8 counters), what the far
end reported about our stream (its RTCP report block), round-trip time (§6.4.1), and an
estimated MOS from a simplified ITU-T G.107 E-model.

The E-model here keeps only the terms that matter for G.711 over IP: the delay impairment Id
in the widely used simplification of Cole & Rosenbluth (2001), and the effective equipment
impairment Ie-eff of G.107 §3.6 with G.113 Appendix I values for G.711 (Ie = 0, Bpl = 4.3
without packet-loss concealment, 25.1 with it). It is an estimate for wallboards, not a
measurement, and says so in its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.media.rtcp import ReportBlock
from frontdesk.media.rtp_stats import SourceStats

R_DEFAULT = 93.2  # G.107 default R with no impairments
BPL_G711_PLC = 25.1
BPL_G711_NO_PLC = 4.3


@dataclass(frozen=True, slots=True)
class LegQuality:
    packets_received: int
    packets_lost: int
    loss_ratio: float  # 0..1, over the whole leg
    jitter_ms: float  # our interarrival jitter estimate
    remote_loss_ratio: float | None  # fraction lost reported by the far end, last interval
    remote_jitter_ms: float | None
    rtt_ms: float | None
    estimated_mos: float


def estimated_mos(loss_ratio: float, one_way_delay_ms: float, plc: bool = True) -> float:
    """Simplified E-model: R = 93.2 - Id - Ie_eff, then G.107 Annex B R-to-MOS."""
    d = max(one_way_delay_ms, 0.0)
    delay_impairment = 0.024 * d + (0.11 * (d - 177.3) if d > 177.3 else 0.0)
    ppl = max(0.0, min(loss_ratio, 1.0)) * 100.0
    bpl = BPL_G711_PLC if plc else BPL_G711_NO_PLC
    ie_eff = 0.0 + (95.0 - 0.0) * ppl / (ppl + bpl)  # random loss: BurstR = 1
    r = R_DEFAULT - delay_impairment - ie_eff
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)


def summarise(
    source: SourceStats | None,
    remote: ReportBlock | None = None,
    rtt: float | None = None,
    jitter_buffer_delay: float = 0.06,
    plc: bool = True,
) -> LegQuality:
    """Summarise one leg; the one-way delay for the MOS is RTT/2 plus the jitter buffer."""
    received = source.received if source is not None else 0
    lost = max(source.lost, 0) if source is not None else 0
    expected = received + lost
    loss = lost / expected if expected else 0.0
    rate = source.clock_rate if source is not None else 8000
    jitter_ms = source.jitter * 1000.0 / rate if source is not None else 0.0
    remote_loss = remote.fraction_lost / 256.0 if remote is not None else None
    remote_jitter = remote.jitter * 1000.0 / rate if remote is not None else None
    one_way = (rtt / 2 if rtt is not None else 0.0) + jitter_buffer_delay
    worst_loss = max(loss, remote_loss or 0.0)
    return LegQuality(
        packets_received=received,
        packets_lost=lost,
        loss_ratio=loss,
        jitter_ms=jitter_ms,
        remote_loss_ratio=remote_loss,
        remote_jitter_ms=remote_jitter,
        rtt_ms=rtt * 1000.0 if rtt is not None else None,
        estimated_mos=round(estimated_mos(worst_loss, one_way * 1000.0, plc), 2),
    )
