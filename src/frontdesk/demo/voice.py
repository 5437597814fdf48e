"""A simulated person's side of the audio: what they say as 20 ms RTP packets, and their keys
(RFC 3550 §5.1 packets; G.711 payloads of RFC 3551 §4.5.14; RFC 4733 §2.5.1 telephone-events).

A `Script` is what someone says, as 8 kHz samples with pauses between the lines; it is encoded
once per codec and then only sliced, so a voice costs a slice and a packet header per 20 ms.
A `Voice` sends silence until told to talk, then loops its script; while a key is being sent
the audio is held back (as the browser softphone's bridge does), so the server's detector hears
one clean digit. `Voice` has the `held`/`muted`/`connect`/`disconnect` of the softphone's
`Bridge`, so a `BrowserPhone` can drive it. Sans-IO: `tick(now)` gives the datagrams due.
"""

from __future__ import annotations

import random

import numpy as np
from numpy.typing import NDArray

from frontdesk.demo import DemoError
from frontdesk.media import FRAME_SAMPLES, SAMPLE_RATE, MediaError
from frontdesk.media.codec import Codec, codec_for
from frontdesk.media.dtmf import DtmfSender
from frontdesk.media.rtp import is_rtcp, peek_rtp, write_rtp
from frontdesk.softphone.bridge import EngineMedia

_ZEROS: NDArray[np.int16] = np.zeros(FRAME_SAMPLES, dtype=np.int16)


class Script:
    """Samples to loop, whole frames long; encoded lazily, once per codec."""

    def __init__(self, samples: NDArray[np.int16]) -> None:
        frames = max(1, -(-len(samples) // FRAME_SAMPLES))
        padded = np.zeros(frames * FRAME_SAMPLES, dtype=np.int16)
        padded[: len(samples)] = samples
        self.samples = padded
        self._encoded: dict[tuple[str, int], bytes] = {}

    @property
    def frames(self) -> int:
        return len(self.samples) // FRAME_SAMPLES

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def encoded(self, codec: Codec) -> bytes:
        key = (codec.name, codec.payload_type)
        found = self._encoded.get(key)
        if found is None:
            found = self._encoded[key] = codec.encode(self.samples)
        return found


class Voice:
    def __init__(self, script: Script, rng: random.Random) -> None:
        self.script = script
        self.ssrc = rng.getrandbits(32)
        self.held = False
        self.muted = False
        self.talking = False
        self.media: EngineMedia | None = None
        self.heard = 0  # RTP packets received from the engine
        self.sent = 0
        self._codec: Codec | None = None
        self._silence = b""
        self._sequence = rng.getrandbits(16)
        self._timestamp = rng.getrandbits(32)
        self._frame = 0
        self._marker = True
        self._dtmf = DtmfSender(SAMPLE_RATE)
        self._out = bytearray(1500)

    # -- the Bridge of a BrowserPhone ---------------------------------------------------------
    def connect(self, media: EngineMedia) -> None:
        """Send to `media.remote` with its codec from now on (a call is up, or moved)."""
        try:
            codec = codec_for(media.codec, media.payload_type)
        except MediaError as exc:
            raise DemoError(f"the server offered no G.711 codec: {exc}") from None
        if self._codec is None or self._codec.name != codec.name:
            self._marker = True
        self.media, self._codec = media, codec
        self._silence = codec.encode(_ZEROS)

    def disconnect(self) -> None:
        self.media = self._codec = None
        self.talking = self.held = False

    # -- what the person does -----------------------------------------------------------------
    def talk(self, on: bool = True) -> None:
        """Start (from the top of the script) or stop talking; silence is sent meanwhile."""
        if on and not self.talking:
            self._frame = 0
        self.talking = on

    def press(self, keys: str, now: float) -> None:
        """RFC 4733 events for `keys`, one after another, starting at `now`."""
        media = self.media
        if media is None or media.telephone_event_pt is None:
            raise DemoError("keys need a call that agreed on RFC 4733 telephone-events")
        self._dtmf.send(keys, now, self._timestamp)

    # -- driving ------------------------------------------------------------------------------
    def tick(self, now: float) -> list[bytes]:
        """The datagrams for the 20 ms starting at `now` (none without a call)."""
        media, codec = self.media, self._codec
        if media is None or codec is None:
            return []
        out = [
            self._packet(media.telephone_event_pt or 0, p.timestamp, bytes(p.event), p.marker)
            for p in self._dtmf.due(now)
        ]
        if not out and not self._dtmf.active:
            out.append(self._packet(codec.payload_type, self._timestamp, self._payload(codec),
                                    self._marker))  # fmt: skip
            self._marker = False
        self._timestamp = (self._timestamp + FRAME_SAMPLES) & 0xFFFFFFFF
        return out

    def _payload(self, codec: Codec) -> bytes:
        if not self.talking or self.held or self.muted:
            return self._silence
        audio = self.script.encoded(codec)
        frame = self._frame % self.script.frames
        self._frame += 1
        # G.711 is one octet per sample, so a frame is FRAME_SAMPLES octets of the encoding.
        return audio[frame * FRAME_SAMPLES : (frame + 1) * FRAME_SAMPLES]

    def _packet(self, pt: int, timestamp: int, payload: bytes, marker: bool) -> bytes:
        size = write_rtp(self._out, pt, self._sequence, timestamp, self.ssrc, payload, marker)
        self._sequence = (self._sequence + 1) & 0xFFFF
        self.sent += 1
        return bytes(self._out[:size])

    def receive(self, data: bytes) -> None:
        """A datagram from the engine: counted as heard when it is RTP of the agreed codec."""
        media = self.media
        if media is None or is_rtcp(data):
            return
        try:
            if peek_rtp(data)[0] == media.payload_type:
                self.heard += 1
        except MediaError:
            return
