"""ITU-T G.711 µ-law and A-law, vectorised with numpy lookup tables.

The decode tables (256 entries) follow G.711 Tables 1a (A-law) and 2a (µ-law): each code
decodes to the middle of its quantisation interval, scaled to 16-bit linear PCM (A-law's
13-bit values times 8, µ-law's 14-bit values times 4). The encode tables (65536 entries, one
per int16 value) are built once at import from the same segment/step rule, so encoding and
decoding a 20 ms frame are each a single numpy indexing operation.

Negative inputs: µ-law is encoded symmetrically (-x gives the code of x with the sign bit
flipped); A-law has no zero level, so its intervals are symmetric about -1/2 (x and -1-x share
a magnitude), as in the classic reference encoders.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import MediaError

_ULAW_BIAS = 0x84  # 33 in 14-bit units, times 4: makes every segment start at a power of two
_ULAW_CLIP = 32635  # largest magnitude whose biased value still fits segment 7


def _build_ulaw_decode() -> NDArray[np.int16]:
    code = ~np.arange(256, dtype=np.int32) & 0xFF  # µ-law codes are sent with all bits inverted
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return np.where(code & 0x80, -magnitude, magnitude).astype(np.int16)


def _build_alaw_decode() -> NDArray[np.int16]:
    code = np.arange(256, dtype=np.int32) ^ 0x55  # even bits are inverted on the line
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (mantissa << 4) + 8
    magnitude = np.where(
        exponent > 0, (magnitude + 0x100) << np.maximum(exponent - 1, 0), magnitude
    )
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


def _segment(value: NDArray[np.int32], first_bit: int) -> NDArray[np.int32]:
    """Segment number: how many bits above `first_bit` the highest set bit sits (0-7)."""
    bits = np.zeros_like(value)
    for shift in range(1, 8):
        bits += value >= (1 << (first_bit + shift))
    return bits


def _build_ulaw_encode() -> NDArray[np.uint8]:
    pcm = np.arange(-32768, 32768, dtype=np.int32)
    sign: NDArray[np.int32] = np.where(pcm < 0, 0x80, 0x00).astype(np.int32)
    biased = np.minimum(np.abs(pcm), _ULAW_CLIP) + _ULAW_BIAS
    exponent = _segment(biased, 7)
    mantissa = (biased >> (exponent + 3)) & 0x0F
    code: NDArray[np.int32] = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return code.astype(np.uint8)


def _build_alaw_encode() -> NDArray[np.uint8]:
    pcm = np.arange(-32768, 32768, dtype=np.int32)
    positive = pcm >= 0
    magnitude = np.where(positive, pcm, -pcm - 1)
    exponent = _segment(magnitude, 7)
    mantissa = np.where(exponent == 0, magnitude >> 4, magnitude >> (exponent + 3)) & 0x0F
    code: NDArray[np.int32] = np.where(positive, 0x80, 0x00) | (exponent << 4) | mantissa
    return (code ^ 0x55).astype(np.uint8)


ULAW_DECODE: NDArray[np.int16] = _build_ulaw_decode()
ALAW_DECODE: NDArray[np.int16] = _build_alaw_decode()
ULAW_ENCODE: NDArray[np.uint8] = _build_ulaw_encode()  # indexed by pcm + 32768
ALAW_ENCODE: NDArray[np.uint8] = _build_alaw_encode()
for _table in (ULAW_DECODE, ALAW_DECODE, ULAW_ENCODE, ALAW_ENCODE):
    _table.flags.writeable = False


def _as_pcm(pcm: NDArray[np.int16]) -> NDArray[np.int16]:
    if pcm.dtype != np.int16:
        raise MediaError(f"G.711 encodes int16 samples, got {pcm.dtype}")
    return pcm


def ulaw_encode(pcm: NDArray[np.int16]) -> bytes:
    # Viewing int16 as uint16 and flipping the top bit adds 32768 without widening.
    index = _as_pcm(pcm).view(np.uint16) ^ 0x8000
    return bytes(ULAW_ENCODE[index].tobytes())


def alaw_encode(pcm: NDArray[np.int16]) -> bytes:
    index = _as_pcm(pcm).view(np.uint16) ^ 0x8000
    return bytes(ALAW_ENCODE[index].tobytes())


def ulaw_decode(data: bytes | bytearray | memoryview) -> NDArray[np.int16]:
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes | bytearray | memoryview) -> NDArray[np.int16]:
    return ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]
