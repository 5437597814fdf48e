"""WAV files: a tolerant reader for any rate, channel count and sample format; conversion to
8 kHz mono; an incremental writer whose header is patched as it goes; and header repair.

The RIFF/WAVE layout (Microsoft "Multimedia Programming Interface and Data Specifications
1.0", 1991, and the WAVE_FORMAT_EXTENSIBLE addendum) is parsed by hand rather than with the
standard `wave` module, because we must also read what `wave` refuses: IEEE float, µ-law and
A-law, 24-bit, extensible headers, and files whose sizes are placeholders (espeak-ng writing to
a pipe, or a recorder killed before it could patch its header).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import SAMPLE_RATE, MediaError
from frontdesk.media.g711 import alaw_decode, ulaw_decode

PCM, IEEE_FLOAT, ALAW, MULAW, EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
_FMT = struct.Struct("<HHIIHH")


@dataclass(frozen=True, slots=True)
class WavLayout:
    format_tag: int
    channels: int
    rate: int
    bits: int
    data_offset: int  # where the samples start
    data_size: int  # usable bytes of samples (whole frames that are really in the file)
    declared_size: int  # what the header claims


def parse_layout(head: bytes, file_size: int) -> WavLayout:
    """Read the chunk structure from the start of a file (`head` must cover the data header)."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise MediaError("not a WAV file: it does not start with a RIFF/WAVE header")
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        chunk_id, size = head[pos : pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        body = pos + 8
        if chunk_id == b"fmt ":
            if size < 16 or body + 16 > len(head):
                raise MediaError("WAV fmt chunk is too short")
            fmt = _FMT.unpack_from(head, body)
            tag = fmt[0]
            if tag == EXTENSIBLE and size >= 40 and body + 26 <= len(head):
                tag = struct.unpack_from("<H", head, body + 24)[0]  # sub-format GUID's first word
            fmt = (tag, *fmt[1:])
        elif chunk_id == b"data":
            if fmt is None:
                raise MediaError("WAV data chunk comes before the fmt chunk")
            tag, channels, rate, _byte_rate, _align, bits = fmt
            if channels == 0 or rate == 0 or bits == 0:
                raise MediaError("WAV fmt chunk declares zero channels, rate or sample size")
            block = channels * ((bits + 7) // 8)
            available = max(file_size - body, 0)
            usable = available if size in (0, 0xFFFFFFFF) or size > available else size
            usable -= usable % block
            return WavLayout(tag, channels, rate, bits, body, usable, size)
        pos = body + size + (size & 1)  # chunks are padded to even sizes
    raise MediaError("WAV file has no data chunk in its first bytes")


@dataclass(frozen=True, slots=True)
class WavAudio:
    rate: int
    samples: NDArray[np.float64]  # shape (frames, channels), full scale = 1.0


def read_wav(source: str | Path | bytes) -> WavAudio:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    layout = parse_layout(data[:65536], len(data))
    raw = data[layout.data_offset : layout.data_offset + layout.data_size]
    return WavAudio(layout.rate, _decode(raw, layout).reshape(-1, layout.channels))


def _decode(raw: bytes, layout: WavLayout) -> NDArray[np.float64]:
    tag, bits = layout.format_tag, layout.bits
    if tag == PCM and bits == 8:
        return (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) / 128.0
    if tag == PCM and bits == 16:
        return np.frombuffer(raw, "<i2").astype(np.float64) / 32768.0
    if tag == PCM and bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | b[:, 1] << 8 | b[:, 2] << 16
        value = np.where(value & 0x800000, value - (1 << 24), value)
        return value.astype(np.float64) / float(1 << 23)
    if tag == PCM and bits == 32:
        return np.frombuffer(raw, "<i4").astype(np.float64) / float(1 << 31)
    if tag == IEEE_FLOAT and bits in (32, 64):
        return np.frombuffer(raw, "<f4" if bits == 32 else "<f8").astype(np.float64)
    if tag in (MULAW, ALAW) and bits == 8:
        pcm = ulaw_decode(raw) if tag == MULAW else alaw_decode(raw)
        return pcm.astype(np.float64) / 32768.0
    raise MediaError(f"WAV sample format {tag} with {bits} bits is not supported")


def to_8k_mono(audio: WavAudio) -> NDArray[np.int16]:
    """Average the channels, resample with a polyphase filter (scipy), and scale to int16."""
    mono: NDArray[np.float64] = audio.samples.mean(axis=1)
    if audio.rate != SAMPLE_RATE:
        # Imported here: scipy.signal takes about a second to import, which every media
        # worker would pay at start-up although 8 kHz prompts never need resampling.
        from scipy.signal import resample_poly

        g = int(np.gcd(audio.rate, SAMPLE_RATE))
        mono = np.asarray(resample_poly(mono, SAMPLE_RATE // g, audio.rate // g), np.float64)
    return np.clip(np.rint(mono * 32768.0), -32768, 32767).astype(np.int16)


def load_8k_mono(source: str | Path | bytes) -> NDArray[np.int16]:
    return to_8k_mono(read_wav(source))


def wav_header(channels: int, rate: int = SAMPLE_RATE, data_size: int = 0) -> bytes:
    """Canonical 44-byte header for 16-bit PCM."""
    block = 2 * channels
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_size)
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + _FMT.pack(PCM, channels, rate, rate * block, block, 16)
        + b"data"
        + struct.pack("<I", data_size)
    )


class WavWriter:
    """16-bit PCM written as it comes; `patch()` makes the header true for what is written."""

    HEADER = 44

    def __init__(self, file: BinaryIO, channels: int, rate: int = SAMPLE_RATE) -> None:
        self.file, self.channels, self.rate = file, channels, rate
        self.data_size = 0
        file.write(wav_header(channels, rate, 0))

    def write(self, interleaved: NDArray[np.int16]) -> None:
        data = interleaved.astype("<i2", copy=False).tobytes()
        self.file.write(data)
        self.data_size += len(data)

    def patch(self, durable: bool = False) -> None:
        """Flush samples first, then the sizes, so the header never claims unwritten data."""
        self.file.flush()
        end = self.file.tell()
        self.file.seek(4)
        self.file.write(struct.pack("<I", 36 + self.data_size))
        self.file.seek(40)
        self.file.write(struct.pack("<I", self.data_size))
        self.file.seek(end)
        self.file.flush()
        if durable:
            os.fsync(self.file.fileno())

    @property
    def frames(self) -> int:
        return self.data_size // (2 * self.channels)


def repair_wav(path: str | Path) -> WavLayout:
    """Fix the RIFF and data sizes of a WAV file left behind by a crash; return its layout."""
    path = Path(path)
    size = path.stat().st_size
    with path.open("r+b") as f:
        layout = parse_layout(f.read(65536), size)
        if layout.declared_size != layout.data_size:
            f.truncate(layout.data_offset + layout.data_size)  # drop a half-written frame
            f.seek(4)
            f.write(struct.pack("<I", layout.data_offset + layout.data_size - 8))
            f.seek(layout.data_offset - 4)
            f.write(struct.pack("<I", layout.data_size))
    return parse_layout(path.read_bytes()[:65536], path.stat().st_size)
