"""A recording timeline: received audio placed by RTP timestamp, read 20 ms per tick.

The recorder writes one frame per direction per tick. Received audio does not arrive one frame
per tick: packets come late, early, in bursts, and phones send 10, 20 or 30 ms per packet
(sipp's g711a.pcap is 30 ms). Appending packets to a queue would shift the caller's channel
against ours by a frame each time a packet is late. Instead each packet's samples are written
at the position its RTP timestamp gives (RFC 3550 §5.1: the timestamp is the sampling instant)
on a ring that the tick reads `delay` behind; a gap stays silence, a late packet is dropped,
and a new source or a timestamp jump re-anchors the timeline.
"""

from __future__ import annotations

import struct

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, MediaError
from frontdesk.media.codec import Codec
from frontdesk.media.rtp import payload_bounds

_TS_MOD = 1 << 32
_TS_SSRC = struct.Struct("!II")  # timestamp and SSRC, at offset 4
_RING = 16000  # 2 s at 8 kHz
_LATE_RESYNC = 10  # consecutive late packets that mean the sender's clock moved


class AudioTimeline:
    def __init__(self, codec: Codec, delay: float = 0.06) -> None:
        self.codec = codec
        self.delay = round(delay * codec.clock_rate)
        self._ring = np.zeros(_RING, dtype=np.int16)
        self._read = 0  # absolute sample index of the next frame to read
        self._ssrc: int | None = None
        self._anchor_ts = 0  # an RTP timestamp ...
        self._anchor_pos = 0  # ... and where on our timeline it goes
        self._late_run = 0
        self.late = 0
        self.resyncs = 0

    def push(self, packet: memoryview) -> None:
        try:
            start, end = payload_bounds(packet)
        except MediaError:
            return
        timestamp, ssrc = _TS_SSRC.unpack_from(packet, 4)
        samples = self.codec.decode(packet[start:end])
        if self._ssrc != ssrc:
            self._anchor(ssrc, timestamp)
        pos = self._position(timestamp)
        if pos < self._read or pos + len(samples) > self._read + _RING - FRAME_SAMPLES:
            self._late_run += 1
            if pos >= self._read and self._late_run < _LATE_RESYNC:
                self.late += 1  # too far ahead to fit: dropped
                return
            if self._late_run < _LATE_RESYNC:
                self.late += 1
                return
            self._anchor(ssrc, timestamp)
            pos = self._position(timestamp)
        self._late_run = 0
        first = pos % _RING
        take = min(len(samples), _RING - first)
        self._ring[first : first + take] = samples[:take]
        if take < len(samples):
            self._ring[: len(samples) - take] = samples[take:]

    def pop(self) -> NDArray[np.int16]:
        first = self._read % _RING
        frame = self._ring[first : first + FRAME_SAMPLES].copy()
        self._ring[first : first + FRAME_SAMPLES] = 0  # read once; a gap plays as silence
        self._read += FRAME_SAMPLES
        return frame

    def _anchor(self, ssrc: int, timestamp: int) -> None:
        if self._ssrc is not None:
            self.resyncs += 1
        self._ssrc = ssrc
        self._anchor_ts = timestamp
        self._anchor_pos = self._read + self.delay
        self._late_run = 0

    def _position(self, timestamp: int) -> int:
        delta = (timestamp - self._anchor_ts) % _TS_MOD
        if delta >= _TS_MOD // 2:
            delta -= _TS_MOD
        return self._anchor_pos + delta
