"""The codec interface every leg uses, and the two G.711 codecs (RFC 3551 §4.5.14, PT 0 and 8).

The rest of the media core works in 8 kHz mono int16 frames of 20 ms. A codec turns such a
frame into an RTP payload and back. The interface is kept small and instance-based so that a
stateful codec (Opus, with its own clock rate, decoder state and concealment) can implement it
later: one codec object per leg and direction.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, SAMPLE_RATE, MediaError
from frontdesk.media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode


class Codec(Protocol):
    name: str  # as in SDP a=rtpmap, e.g. "PCMU"
    payload_type: int  # static or negotiated dynamic payload type
    clock_rate: int  # RTP timestamp rate
    frame_samples: int  # RTP timestamp units per 20 ms frame

    def encode(self, pcm: NDArray[np.int16]) -> bytes:
        """Encode one frame of 8 kHz mono samples into an RTP payload."""
        ...

    def decode(self, payload: bytes | bytearray | memoryview) -> NDArray[np.int16]:
        """Decode one RTP payload into 8 kHz mono samples (any whole number of frames)."""
        ...


class Pcmu:
    """G.711 µ-law, static payload type 0."""

    name = "PCMU"
    clock_rate = SAMPLE_RATE
    frame_samples = FRAME_SAMPLES

    def __init__(self, payload_type: int = 0) -> None:
        self.payload_type = payload_type

    def encode(self, pcm: NDArray[np.int16]) -> bytes:
        return ulaw_encode(pcm)

    def decode(self, payload: bytes | bytearray | memoryview) -> NDArray[np.int16]:
        return ulaw_decode(payload)


class Pcma:
    """G.711 A-law, static payload type 8."""

    name = "PCMA"
    clock_rate = SAMPLE_RATE
    frame_samples = FRAME_SAMPLES

    def __init__(self, payload_type: int = 8) -> None:
        self.payload_type = payload_type

    def encode(self, pcm: NDArray[np.int16]) -> bytes:
        return alaw_encode(pcm)

    def decode(self, payload: bytes | bytearray | memoryview) -> NDArray[np.int16]:
        return alaw_decode(payload)


def codec_for(name: str, payload_type: int | None = None) -> Codec:
    """A fresh codec instance by its SDP encoding name (case-insensitive)."""
    key = name.upper()
    if key == "PCMU":
        return Pcmu(0 if payload_type is None else payload_type)
    if key == "PCMA":
        return Pcma(8 if payload_type is None else payload_type)
    raise MediaError(f"codec {name!r} is not supported (PCMU and PCMA are)")
