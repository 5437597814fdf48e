"""G.711 against ITU-T G.711 (11/88) Table 1a (A-law) and Table 2a (µ-law).

The tables give, per segment, the decoder output for each character signal in 13-bit (A-law)
and 14-bit (µ-law) units; our 16-bit values are those times 8 and 4 respectively.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from frontdesk.media import MediaError
from frontdesk.media.codec import Pcma, Pcmu, codec_for
from frontdesk.media.g711 import (
    ALAW_DECODE,
    ULAW_DECODE,
    alaw_decode,
    alaw_encode,
    ulaw_decode,
    ulaw_encode,
)

ALL_CODES = bytes(range(256))
ALL_PCM = np.arange(-32768, 32768, dtype=np.int64).astype(np.int16)

# Table 2a, positive half: first and last decoder output of each of the 8 segments (14-bit).
ULAW_SEGMENT_FIRST = [0, 33, 99, 231, 495, 1023, 2079, 4191]
ULAW_SEGMENT_LAST = [30, 93, 219, 471, 975, 1983, 3999, 8031]
# Table 1a, positive half (13-bit; the table's values 1, 3, ... are half-units of 2).
ALAW_SEGMENT_FIRST = [1, 33, 66, 132, 264, 528, 1056, 2112]
ALAW_SEGMENT_LAST = [31, 63, 126, 252, 504, 1008, 2016, 4032]


def test_ulaw_named_codes() -> None:
    assert ULAW_DECODE[0x00] == -32124  # most negative
    assert ULAW_DECODE[0x80] == 32124  # most positive
    assert ULAW_DECODE[0xFF] == 0 and ULAW_DECODE[0x7F] == 0  # +0 and -0


def test_alaw_named_codes() -> None:
    assert ALAW_DECODE[0xD5] == 8 and ALAW_DECODE[0x55] == -8  # smallest levels, even bits inverted
    assert ALAW_DECODE[0xAA] == 32256 and ALAW_DECODE[0x2A] == -32256


@pytest.mark.parametrize("segment", range(8))
def test_ulaw_segment_end_points(segment: int) -> None:
    first = 0xFF - (segment << 4)  # mantissa 0 of the segment, inverted on the line
    last = 0xFF - (segment << 4 | 0x0F)
    assert ULAW_DECODE[first] == 4 * ULAW_SEGMENT_FIRST[segment]
    assert ULAW_DECODE[last] == 4 * ULAW_SEGMENT_LAST[segment]
    assert ULAW_DECODE[first ^ 0x80] == -4 * ULAW_SEGMENT_FIRST[segment]


@pytest.mark.parametrize("segment", range(8))
def test_alaw_segment_end_points(segment: int) -> None:
    first = (0x80 | segment << 4) ^ 0x55
    last = (0x80 | segment << 4 | 0x0F) ^ 0x55
    assert ALAW_DECODE[first] == 8 * ALAW_SEGMENT_FIRST[segment]
    assert ALAW_DECODE[last] == 8 * ALAW_SEGMENT_LAST[segment]
    assert ALAW_DECODE[first ^ 0x80] == -8 * ALAW_SEGMENT_FIRST[segment]


def _enc(encode, x: int) -> int:  # type: ignore[no-untyped-def]
    return encode(np.array([x], dtype=np.int16))[0]


def test_decision_values_at_segment_boundaries() -> None:
    # µ-law: the decision value between outputs 0 and 2 is 1, between 30 and 33 is 31 (x4).
    assert ULAW_DECODE[_enc(ulaw_encode, 3)] == 0 and ULAW_DECODE[_enc(ulaw_encode, 4)] == 8
    assert ULAW_DECODE[_enc(ulaw_encode, 123)] == 120 and ULAW_DECODE[_enc(ulaw_encode, 124)] == 132
    # A-law: the boundary between segments 1 and 2 is 32 (x8 = 256).
    assert ALAW_DECODE[_enc(alaw_encode, 255)] == 248 and ALAW_DECODE[_enc(alaw_encode, 256)] == 264
    assert _enc(ulaw_encode, 32767) == 0x80 and _enc(ulaw_encode, -32768) == 0x00
    assert _enc(alaw_encode, 32767) == 0xAA and _enc(alaw_encode, 0) == 0xD5


@pytest.mark.parametrize(
    ("encode", "decode"), [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)]
)
def test_round_trip_of_every_code(encode, decode) -> None:  # type: ignore[no-untyped-def]
    once = decode(ALL_CODES)
    assert np.array_equal(decode(encode(once)), once)


@pytest.mark.parametrize(
    ("encode", "decode"), [(ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)]
)
def test_encoding_is_monotonic(encode, decode) -> None:  # type: ignore[no-untyped-def]
    decoded = decode(encode(ALL_PCM)).astype(np.int64)
    assert np.all(np.diff(decoded) >= 0)


# Decision values at the segment boundaries (Table 2a: 14-bit; Table 1a: 13-bit).
ULAW_SEGMENT_DECISIONS = [31, 95, 223, 479, 991, 2015, 4063]
ALAW_SEGMENT_DECISIONS = [32, 64, 128, 256, 512, 1024, 2048]


@pytest.mark.parametrize("k", range(7))
def test_segment_decision_values(k: int) -> None:
    t = 4 * ULAW_SEGMENT_DECISIONS[k]
    assert ULAW_DECODE[_enc(ulaw_encode, t - 1)] == 4 * ULAW_SEGMENT_LAST[k]
    assert ULAW_DECODE[_enc(ulaw_encode, t)] == 4 * ULAW_SEGMENT_FIRST[k + 1]
    t = 8 * ALAW_SEGMENT_DECISIONS[k]
    assert ALAW_DECODE[_enc(alaw_encode, t - 1)] == 8 * ALAW_SEGMENT_LAST[k]
    assert ALAW_DECODE[_enc(alaw_encode, t)] == 8 * ALAW_SEGMENT_FIRST[k + 1]


def test_error_is_at_most_half_a_step_of_the_segment() -> None:
    """Decoder outputs sit in the middle of their quantisation intervals."""
    x = ALL_PCM.astype(np.int64)
    inside = np.abs(x) <= 32635  # µ-law's encoding range (x4) before clipping
    u = ulaw_decode(ulaw_encode(ALL_PCM)).astype(np.int64)
    u_segment = np.searchsorted(4 * np.array(ULAW_SEGMENT_FIRST), np.abs(u), side="right") - 1
    assert np.all(np.abs(x - u)[inside] <= (4 << u_segment)[inside])
    a = alaw_decode(alaw_encode(ALL_PCM)).astype(np.int64)
    a_segment = np.searchsorted(8 * np.array(ALAW_SEGMENT_FIRST), np.abs(a), side="right") - 1
    a_half_step = np.where(a_segment == 0, 8, 8 << np.maximum(a_segment - 1, 0))
    assert np.all(np.abs(x - a) <= a_half_step)


def test_ulaw_is_symmetric_and_alaw_is_symmetric_about_minus_half() -> None:
    x = np.arange(0, 32768, dtype=np.int64)
    u = ulaw_decode(ulaw_encode(x.astype(np.int16))).astype(np.int64)
    un = ulaw_decode(ulaw_encode((-x).astype(np.int16))).astype(np.int64)
    assert np.array_equal(un, -u)
    a = alaw_decode(alaw_encode(x.astype(np.int16))).astype(np.int64)
    an = alaw_decode(alaw_encode((-x - 1).astype(np.int16))).astype(np.int64)
    assert np.array_equal(an, -a)


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox is installed by the setup script")
@pytest.mark.parametrize(("kind", "table"), [("mu-law", ULAW_DECODE), ("a-law", ALAW_DECODE)])
def test_decoding_matches_sox(tmp_path: Path, kind: str, table: np.ndarray) -> None:  # type: ignore[type-arg]
    """An independent implementation decodes all 256 codes to the same values."""
    src, dst = tmp_path / "codes.raw", tmp_path / "pcm.raw"
    src.write_bytes(ALL_CODES)
    subprocess.run(
        [
            "sox",
            "-t",
            "raw",
            "-r",
            "8000",
            "-e",
            kind,
            "-b",
            "8",
            "-c",
            "1",
            str(src),
            "-t",
            "raw",
            "-e",
            "signed",
            "-b",
            "16",
            "-L",
            str(dst),
        ],
        check=True,
    )
    assert np.array_equal(np.fromfile(dst, dtype="<i2"), table)


def test_codecs_encode_and_decode_20ms_frames() -> None:
    frame = (8000 * np.sin(np.arange(160) * 2 * np.pi * 440 / 8000)).astype(np.int16)
    for codec in (Pcmu(), Pcma(), codec_for("pcmu", 0), codec_for("PCMA")):
        payload = codec.encode(frame)
        assert len(payload) == 160 and codec.clock_rate == 8000 and codec.frame_samples == 160
        back = codec.decode(payload)
        assert back.dtype == np.int16 and np.max(np.abs(back - frame.astype(np.int32))) < 300
    assert (Pcmu().payload_type, Pcma().payload_type) == (0, 8)
    with pytest.raises(MediaError):
        codec_for("opus")
    with pytest.raises(MediaError):
        ulaw_encode(frame.astype(np.float32))  # type: ignore[arg-type]
