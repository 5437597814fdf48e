"""Relaying an RTP stream to another leg with a steady SSRC, sequence and timestamp.

RFC 3550 §5.1 (fields) and §8.2 (SSRC changes).

When the upstream source changes (a transfer, music on hold replaced by an agent, a phone that
restarts its stream), the far side must still see one continuous source: the same SSRC, a
sequence number that goes up by one, and a timestamp that advances with real time. Otherwise
many phones treat the new packets as late or duplicate and play silence or clicks.
`StreamRewriter` computes offsets once per upstream SSRC and rewrites each packet in place.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from frontdesk.media import MediaError
from frontdesk.media.rtp import peek_rtp

_SEQ_MOD = 1 << 16
_TS_MOD = 1 << 32
_SEQ_TS_SSRC = struct.Struct("!HII")  # offsets 2-11 of the RTP header


@dataclass(slots=True)
class _Mapping:
    seq_offset: int
    ts_offset: int
    last_seen: float


class StreamRewriter:
    """Maps any number of upstream sources onto one outgoing (SSRC, sequence, timestamp) line."""

    def __init__(
        self,
        out_ssrc: int,
        clock_rate: int = 8000,
        first_sequence: int = 0,
        first_timestamp: int = 0,
        straggler_window: float = 0.5,
    ) -> None:
        if not 0 <= out_ssrc <= 0xFFFFFFFF:
            raise MediaError("the outgoing SSRC must fit in 32 bits")
        self.out_ssrc = out_ssrc
        self.clock_rate = clock_rate
        # Late packets of a source that has just been replaced keep that source's offsets for
        # this long; after it, a returning SSRC is treated as a new source.
        self.straggler_window = straggler_window
        self._maps: dict[int, _Mapping] = {}
        self._current: int | None = None
        self._last_seq = (first_sequence - 1) % _SEQ_MOD
        self._last_ts = first_timestamp % _TS_MOD
        self._last_now: float | None = None
        self.source_changes = 0

    def rewrite(self, buf: bytearray, now: float) -> bool:
        """Rewrite `buf` in place; return True when it is the first packet of a new source.

        The first packet of a new source gets the marker bit, which tells the far side's jitter
        buffer that the timeline jumped on purpose.
        """
        _pt, seq, ts, ssrc, _marker = peek_rtp(buf)
        return self.rewrite_fields(buf, seq, ts, ssrc, now)

    def rewrite_fields(self, buf: bytearray, seq: int, ts: int, ssrc: int, now: float) -> bool:
        """`rewrite` for a caller that has already read the packet's sequence, timestamp and
        SSRC (the relay's receive path): one header read per packet instead of two."""
        mapping = self._maps.get(ssrc)
        started = False
        if ssrc != self._current and (
            mapping is None or now - mapping.last_seen > self.straggler_window
        ):
            started = self._current is not None
            mapping = self._start_source(ssrc, seq, ts, now)
        assert mapping is not None
        mapping.last_seen = now
        out_seq = (seq + mapping.seq_offset) & 0xFFFF
        out_ts = (ts + mapping.ts_offset) & 0xFFFFFFFF
        _SEQ_TS_SSRC.pack_into(buf, 2, out_seq, out_ts, self.out_ssrc)
        if started:
            buf[1] |= 0x80
        if ssrc == self._current and (out_seq - self._last_seq) & 0xFFFF < 0x8000:
            self._last_seq, self._last_ts, self._last_now = out_seq, out_ts, now
        return started

    def timestamp_at(self, now: float) -> int | None:
        """Our outgoing RTP timestamp for the instant `now` (an RTCP SR's sender info,
        RFC 3550 §6.4.1): the last one sent, advanced by the time since; None before any."""
        if self._last_now is None:
            return None
        return (self._last_ts + round((now - self._last_now) * self.clock_rate)) % _TS_MOD

    def _start_source(self, ssrc: int, seq: int, ts: int, now: float) -> _Mapping:
        elapsed = 0 if self._last_now is None else round((now - self._last_now) * self.clock_rate)
        next_ts = (self._last_ts + max(elapsed, 1 if self._last_now is not None else 0)) % _TS_MOD
        mapping = _Mapping(
            seq_offset=(self._last_seq + 1 - seq) % _SEQ_MOD,
            ts_offset=(next_ts - ts) % _TS_MOD,
            last_seen=now,
        )
        if self._current is not None:
            self.source_changes += 1
        self._maps = {k: v for k, v in self._maps.items() if now - v.last_seen <= 5.0}
        self._maps[ssrc] = mapping
        self._current = ssrc
        return mapping
