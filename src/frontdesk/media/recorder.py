"""Per-call recording to WAV: stereo (caller left, agent right), mixed mono, or the caller
alone (a voicemail: the tone played to them is not part of their message), written
incrementally so that a crash loses at most the last `flush_interval` seconds.

Every `flush_interval` seconds of call time the samples are flushed to the OS and the WAV
header's sizes are patched (optionally fsync'ed, for power loss rather than process death).
Until then they wait, interleaved, in a buffer allocated once: a tick costs two slice copies,
and the file sees one write per flush instead of an array conversion and a write per tick.
A file left by a crash is still readable by `wav.read_wav` (it trusts the file size over a
stale header) and `wav.repair_wav` makes its header true for other players.

States, inputs and transitions are one table; each call returns the events it caused, which
carry the recording's metadata for the event log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import SAMPLE_RATE, MediaError
from frontdesk.media.wav import WavWriter


class RecordMode(enum.Enum):
    STEREO = "stereo"  # caller left, agent right
    MIXED = "mixed"  # one channel, both voices
    CALLER = "caller"  # one channel, the far end only


class RecState(enum.Enum):
    IDLE = "idle"
    RECORDING = "recording"
    PAUSED = "paused"
    STOPPED = "stopped"


class RecInput(enum.Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


_TRANSITIONS: dict[tuple[RecState, RecInput], RecState] = {
    (RecState.IDLE, RecInput.START): RecState.RECORDING,
    (RecState.RECORDING, RecInput.PAUSE): RecState.PAUSED,
    (RecState.PAUSED, RecInput.RESUME): RecState.RECORDING,
    (RecState.RECORDING, RecInput.STOP): RecState.STOPPED,
    (RecState.PAUSED, RecInput.STOP): RecState.STOPPED,
}


@dataclass(frozen=True, slots=True)
class RecordingStarted:
    path: str
    channels: int
    at: float


@dataclass(frozen=True, slots=True)
class RecordingPaused:
    path: str
    at: float


@dataclass(frozen=True, slots=True)
class RecordingResumed:
    path: str
    at: float


@dataclass(frozen=True, slots=True)
class RecordingStopped:
    path: str
    channels: int
    started: float
    stopped: float
    duration: float  # seconds of audio in the file (paused time is not recorded)
    paused: tuple[tuple[float, float], ...]  # (from, to) intervals


RecordingEvent = RecordingStarted | RecordingPaused | RecordingResumed | RecordingStopped


class CallRecorder:
    def __init__(
        self,
        path: str | Path,
        mode: RecordMode = RecordMode.STEREO,
        flush_interval: float = 0.5,
        durable: bool = False,
    ) -> None:
        self.path = Path(path)
        self.mode = mode
        self.flush_interval = flush_interval
        self.durable = durable
        self.state = RecState.IDLE
        self._file: BinaryIO | None = None
        self._writer: WavWriter | None = None
        self._started = 0.0
        self._last_patch = 0.0
        self._paused: list[tuple[float, float]] = []
        self._paused_at = 0.0
        self._pending = np.empty(0, dtype=np.int16)  # interleaved samples not yet written
        self._pending_len = 0

    @property
    def channels(self) -> int:
        return 2 if self.mode is RecordMode.STEREO else 1

    def _move(self, what: RecInput) -> None:
        next_state = _TRANSITIONS.get((self.state, what))
        if next_state is None:
            raise MediaError(f"cannot {what.value} a recording that is {self.state.value}")
        self.state = next_state

    def start(self, now: float) -> RecordingEvent:
        self._move(RecInput.START)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("wb")
        self._writer = WavWriter(self._file, self.channels, SAMPLE_RATE)
        self._writer.patch(self.durable)
        self._started = self._last_patch = now
        # Room for a flush interval of audio and then some (a late patch, bigger frames).
        self._pending = np.empty(int(self.flush_interval * SAMPLE_RATE * 2 + 4000) * 2, np.int16)
        return RecordingStarted(str(self.path), self.channels, now)

    def pause(self, now: float) -> RecordingEvent:
        self._move(RecInput.PAUSE)
        self._paused_at = now
        self._patch(now)
        return RecordingPaused(str(self.path), now)

    def resume(self, now: float) -> RecordingEvent:
        self._move(RecInput.RESUME)
        self._paused.append((self._paused_at, now))
        return RecordingResumed(str(self.path), now)

    def write(self, caller: NDArray[np.int16], agent: NDArray[np.int16], now: float) -> None:
        """One tick of both directions; ignored while paused (and before start / after stop)."""
        if self.state is not RecState.RECORDING or self._writer is None:
            return
        if caller.shape != agent.shape:
            raise MediaError("caller and agent frames must have the same length")
        size = len(caller) * self.channels
        if self._pending_len + size > len(self._pending):
            self._spill()
            if size > len(self._pending):
                self._pending = np.empty(size, np.int16)
        start, end = self._pending_len, self._pending_len + size
        if self.mode is RecordMode.STEREO:
            self._pending[start:end:2] = caller
            self._pending[start + 1 : end : 2] = agent
        elif self.mode is RecordMode.CALLER:
            self._pending[start:end] = caller
        else:
            mixed = caller.astype(np.int32) + agent.astype(np.int32)
            self._pending[start:end] = np.clip(mixed, -32768, 32767)
        self._pending_len = end
        if now - self._last_patch >= self.flush_interval:
            self._patch(now)

    def stop(self, now: float) -> RecordingEvent:
        if self.state is RecState.PAUSED:
            self._paused.append((self._paused_at, now))
        self._move(RecInput.STOP)
        assert self._writer is not None and self._file is not None
        self._spill()
        self._writer.patch(self.durable)
        self._file.close()
        return RecordingStopped(
            path=str(self.path),
            channels=self.channels,
            started=self._started,
            stopped=now,
            duration=self._writer.frames / SAMPLE_RATE,
            paused=tuple(self._paused),
        )

    def _patch(self, now: float) -> None:
        if self._writer is not None:
            self._spill()
            self._writer.patch(self.durable)
            self._last_patch = now

    def _spill(self) -> None:
        if self._pending_len and self._writer is not None:
            self._writer.write(self._pending[: self._pending_len])
            self._pending_len = 0
