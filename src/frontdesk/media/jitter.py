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
or a timestamp jump that is not explained by elapsed time, resets the buffer.
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

    def push(self, packet: RtpPacket, now: float) -> None:
        h = packet.header
        if self._ssrc is not None and h.ssrc != self._ssrc:
            self._reset()
        self._ssrc = h.ssrc
        ext = self._unwrap(h.timestamp)
        relative = now - ext / self.rate
        if self._delays and abs(relative - self._floor) > self.jump:
            self._reset()  # the sender's timeline moved: start again from this packet
            ext = self._unwrap(h.timestamp)
        self._delays.append(relative)
        if len(self._delays) % 8 == 1 or len(self._delays) < 8:
            self._adapt()
        self._counts["received"] += 1
        samples = self.codec.decode(packet.payload)
        for i in range(len(samples) // FRAME_SAMPLES):
            ts = ext + i * FRAME_SAMPLES
            if self._next is not None and ts < self._next:
                self._counts["late"] += 1
            elif ts in self._frames:
                self._counts["duplicates"] += 1
            else:
                self._frames[ts] = samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]
        if self._start_at is None:
            self._start_at = now + self._target

    def pop(self, now: float) -> PlayoutFrame:
        if self._next is None:
            if not self._frames or self._start_at is None or now < self._start_at:
                return self._silence()
            self._next = min(self._frames)
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
            if self._frames:  # a later frame is here, so this one is really missing
                self._counts["lost"] += 1
            self._next += FRAME_SAMPLES
            return self._conceal()
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
        if self._last_ext is None:
            ext = ts + _TS_MOD  # start one cycle up so a slightly older packet stays positive
        else:
            diff = (ts - self._last_ext) % _TS_MOD
            ext = self._last_ext + (diff - _TS_MOD if diff >= _TS_MOD // 2 else diff)
        self._last_ext = ext
        return ext

    def _reset(self) -> None:
        self._counts["resets"] += 1
        self._frames.clear()
        self._delays.clear()
        self._next = self._last_ext = None
        self._start_at = None
        self._floor = 0.0

    @property
    def stats(self) -> JitterStats:
        return JitterStats(**self._counts, target_delay=self._target, delay=self._delay)
