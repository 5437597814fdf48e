"""What counts as sound in a voicemail: voiced_seconds on made sounds and on a real recording."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from frontdesk.media.voiced import voiced_seconds, voiced_seconds_in

RATE = 8000


def level(dbfs: float, seconds: float, freq: float = 300.0) -> np.ndarray:
    """A sine whose RMS is `dbfs`."""
    t = np.arange(int(RATE * seconds)) / RATE
    return np.sqrt(2) * 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t)


def test_digital_silence_and_line_hiss_are_not_sound() -> None:
    rng = np.random.default_rng(7)
    assert voiced_seconds(np.zeros(RATE * 30), RATE) == 0.0
    hiss = rng.normal(0.0, 10 ** (-60 / 20), RATE * 30)  # -60 dBFS noise
    assert voiced_seconds(hiss, RATE) == 0.0


def test_soft_speech_counts_by_its_length() -> None:
    quiet = np.zeros(RATE * 2)
    samples = np.concatenate([quiet, level(-35.0, 1.5), quiet, level(-20.0, 0.5), quiet])
    assert voiced_seconds(samples, RATE) == pytest.approx(2.0, abs=0.04)


def test_threshold_sits_between_hiss_and_speech() -> None:
    assert voiced_seconds(level(-44.0, 1.0), RATE) == pytest.approx(1.0)
    assert voiced_seconds(level(-46.0, 1.0), RATE) == 0.0


def test_the_first_channel_of_a_stereo_file_on_disk(tmp_path: Path) -> None:
    left = level(-20.0, 1.0)
    right = np.zeros_like(left)
    path = tmp_path / "m.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        frames = np.column_stack([left, right]) * 32767
        out.writeframes(frames.astype("<i2").tobytes())
    assert voiced_seconds_in(path) == pytest.approx(1.0)
    assert voiced_seconds(np.zeros(10), RATE) == 0.0  # shorter than a frame
