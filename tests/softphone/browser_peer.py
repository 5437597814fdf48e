"""A stand-in for the agent's browser: an aiortc peer connection that sends a steady tone
(48 kHz mono, like a microphone) and records what it hears with the time each frame came."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from numpy.typing import NDArray

RATE = 48000
FRAME = 960  # 20 ms


class ToneTrack(MediaStreamTrack):
    """A sine of `frequency` Hz at `amplitude` (int16 units), paced in real time; silent
    until `silent_until` (time.monotonic()) when that is set, for latency measurements."""

    kind = "audio"

    def __init__(self, frequency: float, amplitude: float = 8000.0) -> None:
        super().__init__()
        self.frequency, self.amplitude = frequency, amplitude
        self.silent_until: float | None = None
        self._n = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._n / RATE - time.monotonic()))
        t = (self._n + np.arange(FRAME)) / RATE
        samples = self.amplitude * np.sin(2 * np.pi * self.frequency * t)
        if self.silent_until is not None and time.monotonic() < self.silent_until:
            samples = np.zeros(FRAME)
        frame = av.AudioFrame.from_ndarray(
            samples.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = RATE, self._n
        frame.time_base = fractions.Fraction(1, RATE)
        self._n += FRAME
        return frame


class BrowserPeer:
    """Offers audio to the gateway, sends `track`, keeps (monotonic time, mono samples) of
    every frame received, resampled to 8 kHz mono so frames of any codec compare."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTrack(track)
        self.received: list[tuple[float, NDArray[np.int16]]] = []
        self._reader: asyncio.Task[None] | None = None
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=8000)

        @self.pc.on("track")
        def _track(remote: MediaStreamTrack) -> None:
            self._reader = asyncio.ensure_future(self._read(remote))

    async def offer(self, prefer: str | None = None) -> str:
        if prefer is not None:
            from aiortc import RTCRtpSender

            caps = RTCRtpSender.getCapabilities("audio").codecs
            chosen = [c for c in caps if c.mimeType.lower() == f"audio/{prefer.lower()}"]
            self.pc.getTransceivers()[0].setCodecPreferences(chosen)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return str(self.pc.localDescription.sdp)

    async def accept(self, answer: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def _read(self, remote: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await remote.recv()
                frame.pts = None
                for out in self._resampler.resample(frame):
                    self.received.append((time.monotonic(), out.to_ndarray().reshape(-1)))

    def audio_between(self, start: float, end: float) -> NDArray[np.float64]:
        parts = [s for t, s in self.received if start <= t < end]
        if not parts:
            return np.zeros(0)
        return np.concatenate(parts).astype(np.float64)

    async def close(self) -> None:
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


def rms(samples: NDArray[np.float64] | NDArray[np.int16]) -> float:
    values = np.asarray(samples, dtype=np.float64)
    return float(np.sqrt(np.mean(values**2))) if len(values) else 0.0


def dominant_frequency(samples: NDArray[np.float64], rate: int = 8000) -> float:
    window = samples * np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(window))
    return float(np.argmax(spectrum[1:]) + 1) * rate / len(samples)
