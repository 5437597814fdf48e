"""The RTP bridge between a browser's audio (aiortc frames) and Frontdesk's media engine
(PCMU or PCMA, 20 ms RTP, RFC 3550 §5.1, payload formats of RFC 3551 §4.5.14), sans-IO.

Browser to engine: each `av.AudioFrame` the browser sends (48 kHz stereo from Opus, 8 kHz
mono from G.711, whatever aiortc decoded) is resampled to 8 kHz mono int16 with
`av.AudioResampler` and queued; every 20 ms `tick()` takes one 160-sample frame, encodes it
with the project's vectorised G.711 and writes one RTP packet. The engine side is paced by the
bridge's own clock, not by the browser's packets, so the engine hears a steady stream: silence
when the queue runs dry, when the agent is muted, holding, or pressing a key. The queue is kept
short (at most `MAX_BACKLOG_S`), so clock drift between browser and server never builds up
delay. Keys pressed in the browser go out as RFC 4733 telephone-events (§2.5.1: start packet
with the marker bit, updates, three end packets) in the same SSRC and sequence space.

Engine to browser: RTP from the engine goes through the project's adaptive jitter buffer;
`to_browser()` gives the next 20 ms as an 8 kHz mono `av.AudioFrame` (aiortc's encoder
resamples it for Opus). With no call up, or before the engine's first packet, it is silence.
"""

from __future__ import annotations

import fractions
import random
from collections import deque
from dataclasses import dataclass

import av
import numpy as np
from av.audio.resampler import AudioResampler
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, SAMPLE_RATE, MediaError
from frontdesk.media.codec import Codec, codec_for
from frontdesk.media.dtmf import DtmfSender
from frontdesk.media.jitter import JitterBuffer
from frontdesk.media.rtp import RtpPacket, is_rtcp, peek_rtp, write_rtp
from frontdesk.sip.offer_answer import NegotiatedMedia
from frontdesk.softphone import SoftphoneError

FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
MAX_BACKLOG_S = 0.12  # browser audio waiting for the engine beyond this is dropped (oldest)
DRAIN_EVERY = 50  # ticks (1 s): audio that never ran below a frame in that time is dropped
_KEEP_AFTER_TRIM = 2 * FRAME_SAMPLES
_TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)
_SILENCE: NDArray[np.int16] = np.zeros(FRAME_SAMPLES, dtype=np.int16)
_SILENCE.flags.writeable = False


@dataclass(frozen=True, slots=True)
class EngineMedia:
    """What the SDP exchange with the server agreed: where and how to send to the engine."""

    remote: tuple[str, int]
    codec: str  # "PCMU" or "PCMA"
    payload_type: int
    telephone_event_pt: int | None

    @classmethod
    def agreed(cls, media: NegotiatedMedia) -> EngineMedia:
        """From what the SDP offer/answer with the server agreed."""
        return cls(
            (media.remote_address, media.remote_port),
            media.codec.name.upper(),
            media.codec.payload_type or 0,
            media.telephone_event_pt,
        )


@dataclass(frozen=True, slots=True)
class BridgeStats:
    from_browser_frames: int
    to_engine_packets: int
    to_engine_silent: int  # packets sent with silence (idle, muted, held, underrun)
    dropped_browser_samples: int
    from_engine_packets: int
    to_browser_frames: int
    dtmf_packets: int


class RtpBridge:
    """One agent's two audio directions. Feed it frames, datagrams and `now` (seconds)."""

    def __init__(self, rng: random.Random | None = None) -> None:
        rng = rng or random.Random()
        self.ssrc = rng.getrandbits(32)
        self._sequence = rng.getrandbits(16)
        self._timestamp = rng.getrandbits(32)
        self.media: EngineMedia | None = None
        self.muted = False
        self.held = False
        self._codec: Codec | None = None
        self._jitter: JitterBuffer | None = None
        self._dtmf = DtmfSender(SAMPLE_RATE)
        self._queue: deque[NDArray[np.int16]] = deque()
        self._queued = 0
        self._resampler: AudioResampler | None = None
        self._resampler_key: tuple[str, str, int] | None = None
        self._marker = True
        self._low = 0  # fewest samples queued at a tick since the last drain
        self._ticks = 0
        self._out = bytearray(1500)
        self._pts = 0
        self._counts = dict.fromkeys(BridgeStats.__slots__, 0)

    # -- call set-up --------------------------------------------------------------------------
    def connect(self, media: EngineMedia) -> None:
        """A call is up (or its media changed): send to `media.remote` with its codec."""
        try:
            codec = codec_for(media.codec, media.payload_type)
        except MediaError as exc:
            raise SoftphoneError(f"the engine offered no G.711 codec: {exc}") from None
        if self.media is None or (media.codec, media.payload_type) != (
            self.media.codec,
            self.media.payload_type,
        ):
            self._jitter = JitterBuffer(codec, min_delay=0.02, initial_delay=0.04)
            self._marker = True
        self.media, self._codec = media, codec

    def disconnect(self) -> None:
        """No call: the engine hears nothing, the browser silence."""
        self.media = self._codec = self._jitter = None
        self.held = False
        self._queue.clear()
        self._queued = 0

    def send_dtmf(self, digits: str, now: float) -> None:
        if self.media is None or self.media.telephone_event_pt is None:
            raise SoftphoneError("keys can be sent only during a call that agreed on RFC 4733")
        self._dtmf.send(digits, now, self._timestamp)

    # -- browser -> engine --------------------------------------------------------------------
    def from_browser(self, frame: av.AudioFrame) -> None:
        """Queue a decoded browser frame as 8 kHz mono samples for the engine."""
        self._counts["from_browser_frames"] += 1
        if self.media is None:
            return  # no call: nothing goes to the engine, nothing needs keeping
        for samples in self._resample(frame):
            self._queue.append(samples)
            self._queued += len(samples)
        excess = self._queued - round(MAX_BACKLOG_S * SAMPLE_RATE)
        if excess > 0:
            self._trim(self._queued - _KEEP_AFTER_TRIM)

    def _resample(self, frame: av.AudioFrame) -> list[NDArray[np.int16]]:
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if self._resampler is None or key != self._resampler_key:
            # A new session may bring another codec (Opus stereo after PCMU mono): a resampler
            # keeps the state of one input format only.
            self._resampler = AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            self._resampler_key = key
        frame.pts = None  # the browser's timeline is not ours; let the resampler count
        return [
            f.to_ndarray().reshape(-1).astype(np.int16) for f in self._resampler.resample(frame)
        ]

    def _trim(self, count: int) -> None:
        self._counts["dropped_browser_samples"] += count
        self._queued -= count
        while count > 0:
            head = self._queue[0]
            if len(head) <= count:
                self._queue.popleft()
                count -= len(head)
            else:
                self._queue[0] = head[count:]
                count = 0

    def _take_frame(self) -> NDArray[np.int16] | None:
        if self._queued < FRAME_SAMPLES:
            return None
        parts, need = [], FRAME_SAMPLES
        while need:
            head = self._queue[0]
            if len(head) <= need:
                parts.append(self._queue.popleft())
                need -= len(head)
            else:
                parts.append(head[:need])
                self._queue[0] = head[need:]
                need = 0
        self._queued -= FRAME_SAMPLES
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def tick(self, now: float) -> list[bytes]:
        """The packets due to the engine for the 20 ms starting at `now` (none without a call)."""
        media, codec = self.media, self._codec
        if media is None or codec is None:
            return []
        out: list[bytes] = []
        for planned in self._dtmf.due(now):
            assert media.telephone_event_pt is not None
            out.append(
                self._packet(
                    media.telephone_event_pt,
                    planned.timestamp,
                    bytes(planned.event),
                    planned.marker,
                )
            )
            self._counts["dtmf_packets"] += 1
        frame = self._take_frame()
        self._drain()
        silent = frame is None or self.muted or self.held
        if not self._dtmf.active and not out:
            # During a key the audio is held back (RFC 4733 §2.5.1.1 lets the event replace
            # it), so the engine's detector hears one clean digit.
            samples = _SILENCE if silent or frame is None else frame
            out.append(
                self._packet(
                    codec.payload_type, self._timestamp, codec.encode(samples), self._marker
                )
            )
            self._marker = False
            self._counts["to_engine_packets"] += 1
            self._counts["to_engine_silent"] += silent
        self._timestamp = (self._timestamp + FRAME_SAMPLES) & 0xFFFFFFFF
        return out

    def _drain(self) -> None:
        """Keeps the browser-to-engine delay low: browser audio comes in bursts (aiortc's
        jitter buffer), so the queue's level depends on where the first burst fell; whatever
        stayed queued through a whole second is delay nobody needs, and goes."""
        self._low = min(self._low, self._queued)
        self._ticks += 1
        if self._ticks % DRAIN_EVERY == 0:
            if self._low > FRAME_SAMPLES:
                self._trim(self._low - FRAME_SAMPLES // 2)
            self._low = self._queued

    def _packet(self, pt: int, timestamp: int, payload: bytes, marker: bool) -> bytes:
        size = write_rtp(self._out, pt, self._sequence, timestamp, self.ssrc, payload, marker)
        self._sequence = (self._sequence + 1) & 0xFFFF
        return bytes(self._out[:size])

    # -- engine -> browser --------------------------------------------------------------------
    def from_engine(self, data: bytes, now: float) -> None:
        """One datagram from the engine: audio goes to the jitter buffer, the rest is dropped
        (RTCP, telephone-events, packets of another payload type)."""
        media, jitter = self.media, self._jitter
        if media is None or jitter is None or is_rtcp(data):
            return
        try:
            if peek_rtp(data)[0] != media.payload_type:
                return
            jitter.push(RtpPacket.parse(data), now)
        except MediaError:
            return  # a malformed datagram: the stream goes on
        self._counts["from_engine_packets"] += 1

    def to_browser(self, now: float) -> av.AudioFrame:
        """The next 20 ms for the browser: the call's audio, or silence."""
        jitter = self._jitter
        samples = _SILENCE if jitter is None or self.held else jitter.pop(now).samples
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = _TIME_BASE
        self._pts += FRAME_SAMPLES
        self._counts["to_browser_frames"] += 1
        return frame

    @property
    def backlog_s(self) -> float:
        """Browser audio waiting for the engine, in seconds (the delay the queue adds)."""
        return self._queued / SAMPLE_RATE

    @property
    def stats(self) -> BridgeStats:
        return BridgeStats(**self._counts)
