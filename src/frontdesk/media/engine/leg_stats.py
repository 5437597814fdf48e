"""A stream's `StreamStats`: its counters and the call quality of its leg, both directions.

Received: RFC 3550 §A.3 loss and §A.8 jitter of what the peer sent us. Sent: what the peer's
RTCP report blocks said about our stream (§6.4.1), with the round trip from LSR/DLSR. Each
direction gets an estimated MOS from the simplified E-model of `frontdesk.media.quality`
(ITU-T G.107; G.113 Appendix I for G.711 with concealment).
"""

from __future__ import annotations

from frontdesk.media.engine import protocol as p
from frontdesk.media.quality import estimated_mos
from frontdesk.media.rtcp_session import RtcpSession
from frontdesk.media.rtp_stats import SourceStats

# The E-model needs the one-way mouth-to-ear delay: half the round trip, plus the far end's
# jitter buffer, which we cannot see; 60 ms is typical of desk phones and softphones.
FAR_JITTER_BUFFER_MS = 60.0
MS_PER_UNIT = 1000 / 8000  # RTP timestamp units at 8 kHz (G.711)


def leg_stats(
    name: str,
    received: int,
    sent: int,
    relayed: int,
    rejected: int,
    source: SourceStats | None,
    session: RtcpSession | None,
    final: bool,
) -> p.StreamStats:
    lost = max(source.lost, 0) if source is not None else 0
    jitter = source.jitter * MS_PER_UNIT if source is not None else 0.0
    rtt = session.rtt_mean if session is not None else None
    one_way_ms = (rtt * 500 if rtt is not None else 0.0) + FAR_JITTER_BUFFER_MS
    mos_received = None
    if received:
        mos_received = round(estimated_mos(lost / (received + lost), one_way_ms), 2)
    remote = session.last if session is not None else None
    remote_loss = session.remote_loss_ratio if session is not None else None
    mos_sent = None
    if remote_loss is not None:
        mos_sent = round(estimated_mos(remote_loss, one_way_ms), 2)
    return p.StreamStats(
        name, received, sent, relayed, lost, jitter, rejected, final,
        rtcp_sent=session.sent if session is not None else 0,
        rtcp_received=session.received if session is not None else 0,
        remote_lost=remote.block.cumulative_lost if remote is not None else None,
        remote_loss=remote_loss,
        remote_jitter_ms=remote.block.jitter * MS_PER_UNIT if remote is not None else None,
        rtt_ms=rtt * 1000 if rtt is not None else None,
        rtt_max_ms=session.rtt_max * 1000 if session is not None and rtt is not None else None,
        mos_received=mos_received,
        mos_sent=mos_sent,
    )  # fmt: skip
