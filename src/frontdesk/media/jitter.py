"""Adaptive jitter buffer for decoded legs (sans-IO: `push(packet, now)`, `pop(now)`).

Frames are keyed by extended RTP timestamp (so order comes from the timeline and wrap-around
is harmless); one 20 ms frame is played per `pop`. The playout offset P (playout time minus
media time) follows the packets' relative delay d = arrival - timestamp/rate: a packet is on
time exactly when d <= P. We keep P near a high quantile of recent d plus a small margin,
bounded to `min_delay`..`max_delay` above the fastest packet:

* too much delay: skip a frame, preferably a quiet one, so the cut is not heard;
* too little: when the next frame is missing, wait for it (conceal without advancing) rather
  than declare it lost.

A missing frame is concealed by repeating the last one with a fade, then silence (or comfort
noise); audio that resumes after concealment is faded in, so there are no clicks. A new SSRC,
or a timestamp jump that elapsed time does not explain, re-bases the new timeline right after
what is already buffered (counted in `resets`), so no buffered audio is thrown away; so does
a run of `LATE_RESYNC` packets that all arrive too late (a timeline that stepped back by less
than `jump`, which would otherwise stay late for good). Missing
frames count as lost unless the audio resumes with a marker bit (silence suppression).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES
from frontdesk.media.codec import Codec
from frontdesk.media.rtp import RtpPacket
from frontdesk.media.tones import ComfortNoise

_TS_MOD = 1 << 32
_FADE_IN = 40  # samples (5 ms)
_QUIET = 300.0  # RMS below which dropping a frame is inaudible
LATE_RESYNC = 10  # packets wholly late in a row (200 ms) before the timeline is re-based


class FrameKind(enum.Enum):
    AUDIO = "audio"
    CONCEALED = "concealed"
    SILENCE = "silence"


@dataclass(frozen=True, slots=True)
class PlayoutFrame:
    samples: NDArray[np.int16]
    kind: FrameKind


@dataclass(frozen=True, slots=True)
class JitterStats:
    received: int
    played: int
    late: int
    lost: int
    duplicates: int
    concealed: int
    skipped: int
    resets: int
    target_delay: float
    delay: float


class JitterBuffer:
    def __init__(
        self,
        codec: Codec,
        min_delay: float = 0.02,
        max_delay: float = 0.2,
        initial_delay: float = 0.06,
        conceal_frames: int = 3,
        comfort: ComfortNoise | None = None,
        jump: float = 1.0,
        window: int = 100,
    ) -> None:
        self.codec = codec
        self.rate = codec.clock_rate
        self.min_delay, self.max_delay, self.jump = min_delay, max_delay, jump
        self.conceal_frames = conceal_frames
        self.comfort = comfort
        self._frame_time = FRAME_SAMPLES / self.rate
        self._delays: deque[float] = deque(maxlen=window)
        self._target = initial_delay  # wanted delay above the fastest recent packet
        self._floor = 0.0  # fastest recent relative delay
        self._ssrc: int | None = None
        self._last_ext: int | None = None
        self._frames: dict[int, NDArray[np.int16]] = {}
        self._next: int | None = None
        self._start_at: float | None = None
        self._last_audio = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        self._gain = 1.0  # gain at the end of the last frame played
        self._run = 0  # consecutive concealed frames
        self._counts = dict.fromkeys(
            ("received", "played", "late", "lost", "duplicates", "concealed", "skipped", "resets"),
            0,
        )
        self._delay = initial_delay
        self._pushes = 0
        self._missing = 0  # frames missing since the last one played
        self._talkspurts: set[int] = set()  # frames that start a talkspurt (marker bit)
        self._offset = 0  # maps the current source's timestamps onto our timeline
        self._end = 0  # end of the newest frame received
        self._previous_ssrc: int | None = None
        self._capacity = int(2 * max_delay / self._frame_time) + 25
        self._late_run = 0  # packets in a row that arrived wholly too late

    def push(self, packet: RtpPacket, now: float) -> None:
        h = packet.header
        if h.ssrc == self._previous_ssrc:
            self._counts["late"] += 1  # a straggler of the source we moved away from
            return
        samples = self.codec.decode(packet.payload)
        ext = self._unwrap(h.timestamp)
        if self._ssrc is not None and h.ssrc != self._ssrc:
            self._previous_ssrc = self._ssrc
            ext = self._rebase(h.timestamp, now)
        elif self._delays and abs(now - ext / self.rate - self._floor) > self.jump:
            ext = self._rebase(h.timestamp, now)  # the sender's timeline jumped
        elif self._all_late(ext, len(samples) // FRAME_SAMPLES):
            ext = self._late_run_check(h.timestamp, ext, now)
        else:
            self._late_run = 0
        self._ssrc = h.ssrc
        self._delays.append(now - ext / self.rate)
        self._pushes += 1
        if self._pushes % 8 == 1 or self._pushes < 8:
            self._adapt()
        self._counts["received"] += 1
        for i in range(len(samples) // FRAME_SAMPLES):
            ts = ext + i * FRAME_SAMPLES
            if self._next is not None and ts < self._next:
                self._counts["late"] += 1
            elif ts in self._frames:
                self._counts["duplicates"] += 1
            else:
                self._frames[ts] = samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
                if h.marker and i == 0:
                    self._talkspurts.add(ts)
                self._end = max(self._end, ts + FRAME_SAMPLES)
        if len(self._frames) > self._capacity:  # a flood from the future: keep the newest
            for ts in sorted(self._frames)[: len(self._frames) - self._capacity]:
                del self._frames[ts]
        if self._start_at is None:
            self._start_at = now + self._target

    def pop(self, now: float) -> PlayoutFrame:
        if self._next is None:
            if not self._frames or self._start_at is None or now < self._start_at:
                return self._silence()
            self._next = min(self._frames)
        if self._next not in self._frames and self._frames:
            first = min(self._frames)
            if first < self._next + FRAME_SAMPLES:  # timestamps off our 20 ms grid: follow them
                self._next = first
        offset = now - self._next / self.rate  # current playout offset P
        wanted = self._floor + self._target
        self._delay = offset - self._floor
        frame = self._frames.pop(self._next, None)
        if frame is not None and offset > wanted + self._frame_time:
            quiet = float(np.sqrt(np.mean(frame.astype(np.float64) ** 2))) < _QUIET
            if quiet or offset > wanted + 3 * self._frame_time:
                self._counts["skipped"] += 1
                self._next += FRAME_SAMPLES
                frame = self._frames.pop(self._next, None)
        if frame is None:
            if offset < wanted - self._frame_time / 2 and self._frames:
                return self._conceal()  # stall: let the late frame arrive, delay grows
            self._missing += 1
            self._next += FRAME_SAMPLES
            return self._conceal()
        if self._missing and self._next not in self._talkspurts:
            # Frames were missing and this is not the start of a new talkspurt (marker bit,
            # RFC 3551 §4.1): they were lost rather than silence-suppressed.
            self._counts["lost"] += self._missing
        self._missing = 0
        self._talkspurts.discard(self._next)
        if len(self._talkspurts) > 64:  # forget marks of frames that never came to play
            self._talkspurts = {ts for ts in self._talkspurts if ts >= self._next}
        self._next += FRAME_SAMPLES
        return self._play(frame)

    def _play(self, frame: NDArray[np.int16]) -> PlayoutFrame:
        self._counts["played"] += 1
        self._last_audio = frame
        out = frame
        if self._gain < 1.0:  # fade in from where the concealment left off
            ramp = np.ones(FRAME_SAMPLES)
            ramp[:_FADE_IN] = np.linspace(self._gain, 1.0, _FADE_IN)
            out = np.rint(frame * ramp).astype(np.int16)
        self._gain, self._run = 1.0, 0
        return PlayoutFrame(out, FrameKind.AUDIO)

    def _conceal(self) -> PlayoutFrame:
        self._run += 1
        if self._run > self.conceal_frames:
            return self._silence()
        self._counts["concealed"] += 1
        start = 1.0 - (self._run - 1) / self.conceal_frames
        end = 1.0 - self._run / self.conceal_frames
        ramp = np.linspace(start, end, FRAME_SAMPLES)
        self._gain = end
        return PlayoutFrame(np.rint(self._last_audio * ramp).astype(np.int16), FrameKind.CONCEALED)

    def _silence(self) -> PlayoutFrame:
        self._gain = 0.0
        if self.comfort is not None:
            return PlayoutFrame(self.comfort.next_frame(), FrameKind.SILENCE)
        return PlayoutFrame(np.zeros(FRAME_SAMPLES, dtype=np.int16), FrameKind.SILENCE)

    def _adapt(self) -> None:
        ordered = sorted(self._delays)
        self._floor = ordered[0]
        high = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        spread = high - self._floor + 0.005  # margin for the ticker's own timing
        self._target = min(max(spread, self.min_delay), self.max_delay)

    def _unwrap(self, ts: int) -> int:
        """Extended timestamp on our timeline (wrap-free, plus the offset of the last rebase)."""
        if self._last_ext is None:
            raw = ts + _TS_MOD  # start one cycle up so a slightly older packet stays positive
        else:
            diff = (ts - self._last_ext) % _TS_MOD
            raw = self._last_ext + (diff - _TS_MOD if diff >= _TS_MOD // 2 else diff)
        self._last_ext = raw
        return raw + self._offset

    def _all_late(self, ext: int, frames: int) -> bool:
        """Would every frame of this packet land before what is playing next?"""
        return self._next is not None and ext + (max(frames, 1) - 1) * FRAME_SAMPLES < self._next

    def _late_run_check(self, ts: int, ext: int, now: float) -> int:
        """A sender whose timeline stepped back by less than `jump` (a source switched on
        the same SSRC) would otherwise be late for the rest of the call: after `LATE_RESYNC`
        packets late in a row, its new timeline is re-based after what is buffered."""
        self._late_run += 1
        if self._late_run < LATE_RESYNC:
            return ext
        for _ in range(min(self._late_run - 1, len(self._delays))):
            self._delays.pop()  # their delays measured the old timeline
        self._late_run = 0
        return self._rebase(ts, now)

    def _rebase(self, ts: int, now: float) -> int:
        """Map a new source's timeline onto ours: right after what is buffered, or where its
        arrival time puts it, whichever is later, on our 20 ms grid."""
        self._counts["resets"] += 1
        self._last_ext = None
        raw = self._unwrap(ts) - self._offset
        mapped = max(round((now - self._floor) * self.rate), self._end)
        if self._next is not None:
            mapped = max(mapped, self._next)
            mapped = self._next + -(-(mapped - self._next) // FRAME_SAMPLES) * FRAME_SAMPLES
        self._offset = mapped - raw
        self._talkspurts.add(mapped)  # what precedes it is a change of source, not loss
        return mapped

    @property
    def stats(self) -> JitterStats:
        return JitterStats(**self._counts, target_delay=self._target, delay=self._delay)
