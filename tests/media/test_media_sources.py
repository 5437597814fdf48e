"""WAV reading in many formats, resampling to 8 kHz, the frame player, tones and TTS."""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from frontdesk.media import MediaError
from frontdesk.media.player import FramePlayer
from frontdesk.media.tones import (
    ComfortNoise,
    ToneGenerator,
    amplitude,
    dtmf_tone,
    ringback,
    tone,
)
from frontdesk.media.tts import TtsCache
from frontdesk.media.wav import load_8k_mono, read_wav, wav_header


def _wav(
    tag: int, channels: int, rate: int, bits: int, data: bytes, extensible: bool = False
) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * block, block, bits
    )
    if extensible:  # cbSize, valid bits, channel mask, sub-format GUID (first word = tag)
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes(14)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 3) + b"abc\0"  # an odd-sized chunk to skip, padded
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _sine(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:  # type: ignore[type-arg]
    n = np.arange(round(rate * seconds))
    return 0.5 * np.sin(2 * np.pi * freq * n / rate)


def _peak_hz(pcm: np.ndarray) -> float:  # type: ignore[type-arg]
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.argmax(spectrum) * 8000 / len(pcm))


@pytest.mark.parametrize(
    ("tag", "bits", "encode"),
    [
        (1, 8, lambda x: (np.rint(x * 127) + 128).astype(np.uint8).tobytes()),
        (1, 16, lambda x: np.rint(x * 32767).astype("<i2").tobytes()),
        (
            1,
            24,
            lambda x: b"".join(
                int(v).to_bytes(3, "little", signed=True) for v in np.rint(x * 8388607)
            ),
        ),
        (1, 32, lambda x: np.rint(x * 2147483647).astype("<i4").tobytes()),
        (3, 32, lambda x: x.astype("<f4").tobytes()),
        (3, 64, lambda x: x.astype("<f8").tobytes()),
    ],
)
@pytest.mark.parametrize("extensible", [False, True])
def test_formats_rates_and_channels_become_8k_mono(tag, bits, encode, extensible) -> None:  # type: ignore[no-untyped-def]
    rate = 44100
    left = _sine(rate, 0.5)
    stereo = np.column_stack((left, left)).ravel()  # same tone on both channels
    pcm = load_8k_mono(_wav(tag, 2, rate, bits, encode(stereo), extensible))
    assert len(pcm) == 4000 and pcm.dtype == np.int16
    assert _peak_hz(pcm) == pytest.approx(440, abs=3)
    rms = np.sqrt(np.mean(pcm[400:-400].astype(np.float64) ** 2)) / 32768
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.03)


def test_resampling_removes_what_8k_cannot_carry() -> None:
    rate = 48000
    x = _sine(rate, 0.5, 1000) + _sine(rate, 0.5, 6000)  # 6 kHz would alias to 2 kHz
    pcm = load_8k_mono(_wav(3, 1, rate, 32, x.astype("<f4").tobytes()))
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    assert spectrum[2000 * len(pcm) // 8000] < 0.01 * spectrum[1000 * len(pcm) // 8000]


def test_g711_wav_and_placeholder_sizes() -> None:
    data = bytes([0xFF, 0x80, 0x00]) * 100
    wav = bytearray(_wav(7, 1, 8000, 8, data))
    wav[-len(data) - 4 : -len(data)] = struct.pack("<I", 0xFFFFFFFF)  # as a pipe writer leaves it
    audio = read_wav(bytes(wav))
    assert audio.samples.shape == (300, 1)
    assert audio.samples[:3, 0].tolist() == [0.0, 32124 / 32768, -32124 / 32768]


@pytest.mark.parametrize(
    "bad", [b"", b"RIFF\0\0\0\0WAVX", _wav(1, 1, 8000, 16, b"")[:30], _wav(2, 1, 8000, 16, b"\0\0")]
)
def test_unreadable_files(bad: bytes) -> None:
    with pytest.raises(MediaError):
        read_wav(bad)


def test_player_frames_end_signal_and_loop() -> None:
    audio = np.arange(1, 401, dtype=np.int16)  # 2.5 frames
    player = FramePlayer(audio)
    frames = [player.next_frame() for _ in range(3)]
    assert all(f is not None and len(f) == 160 for f in frames)
    assert frames[2] is not None and frames[2][79] == 400 and frames[2][80] == 0
    assert player.ended and player.next_frame() is None
    event = player.take_event()
    assert event is not None and event.played == 0.06
    assert player.take_event() is None
    looped = FramePlayer(audio, loop=True)
    out = np.concatenate([looped.next_frame() for _ in range(10)])  # type: ignore[misc]
    assert np.array_equal(out, np.tile(audio, 4)) and not looped.ended and looped.loops == 4
    looped.stop()
    assert looped.next_frame() is None


def test_ringback_cadences() -> None:
    uk = ToneGenerator(ringback("UK"))
    on = np.concatenate([uk.next_frame() for _ in range(150)])  # 3 s = one UK cadence
    env = np.abs(on.astype(np.float64)).reshape(-1, 80).max(axis=1) > 100  # 10 ms blocks
    expected = [True] * 40 + [False] * 20 + [True] * 40 + [False] * 200
    assert env.tolist() == expected
    burst = on[:3200].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(burst))
    peaks = sorted(np.argsort(spectrum)[-2:] * 8000 / len(burst))
    assert peaks == [400.0, 450.0]
    us = tone(ringback("us"), 6.0)
    env = np.abs(us.astype(np.float64)).reshape(-1, 800).max(axis=1) > 100
    assert env.tolist() == [True] * 20 + [False] * 40
    with pytest.raises(MediaError):
        ringback("XX")


def test_dtmf_tone_and_levels() -> None:
    x = dtmf_tone("0", 0.2).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x))
    assert sorted(np.argsort(spectrum)[-2:] * 5) == [940, 1335]  # 941 and 1336 Hz, 5 Hz bins
    # -7 dBm0 and -5 dBm0 sines: mean power of each is A**2 / 2
    power = np.mean(x**2)
    assert power == pytest.approx((amplitude(-7) ** 2 + amplitude(-5) ** 2) / 2, rel=0.02)
    noise = ComfortNoise(np.random.default_rng(1)).next_frame()
    assert 0 < np.abs(noise).max() < 50


def test_tts_synthesises_once_and_caches(tmp_path: Path) -> None:
    cache = TtsCache(tmp_path, voice="en-us")
    text = "Your call is important to us."
    path = cache.path_for(text)
    assert not path.exists()
    threads = [threading.Thread(target=cache.prepare, args=(text,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert path.exists() and path.name == cache.key(text) + ".wav"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no partial files left
    pcm = cache.load(text)
    assert 1.0 < len(pcm) / 8000 < 4.0 and np.abs(pcm).max() > 3000
    audio = read_wav(path)
    assert audio.rate == 8000 and audio.samples.shape[1] == 1
    mtime = path.stat().st_mtime_ns
    cache.prepare(text)
    assert path.stat().st_mtime_ns == mtime  # served from the cache
    assert TtsCache(tmp_path, voice="fr").key(text) != cache.key(text)
    assert TtsCache(tmp_path, rate=120).key(text) != cache.key(text)
    with pytest.raises(MediaError):
        TtsCache(tmp_path / "other", program="no-such-tts-program").prepare("hello")


def test_wav_header_layout() -> None:
    header = wav_header(2, 8000, 640)
    assert (
        len(header) == 44
        and header[:4] == b"RIFF"
        and struct.unpack_from("<I", header, 4)[0] == 676
    )
    assert struct.unpack_from("<HHIIHH", header, 20) == (1, 2, 8000, 32000, 4, 16)
