"""The built-in music on hold: a calm, royalty-free loop synthesised once per data folder.

Callers waiting in a queue must hear that the line is alive. Silence makes them hang up; a
company that has its own licensed music names a WAV per queue. The built-in loop is a slow
progression of soft chords (sine partials with gentle attack and release), 8 kHz mono at a
level well under G.711's clipping point, 16 s long so the seam is rarely heard.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from frontdesk.media import SAMPLE_RATE
from frontdesk.media.wav import wav_header

FILE_NAME = "music-on-hold.wav"
_CHORDS = (  # root-position triads in Hz: C, A minor, F, G
    (261.63, 329.63, 392.00),
    (220.00, 261.63, 329.63),
    (174.61, 220.00, 261.63),
    (196.00, 246.94, 293.66),
)
_CHORD_S = 4.0
_LEVEL = 0.12  # of full scale: about -18 dBFS, comfortable after the phone's own gain


def chord_loop() -> np.ndarray:
    samples = int(_CHORD_S * SAMPLE_RATE)
    t = np.arange(samples) / SAMPLE_RATE
    envelope = np.minimum(1.0, t / 0.6) * np.minimum(1.0, (_CHORD_S - t) / 0.8)
    parts = []
    for chord in _CHORDS:
        wave = sum(np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t) for f in chord)
        parts.append(wave * envelope)
    audio = np.concatenate(parts)
    audio *= _LEVEL * 32767 / np.max(np.abs(audio))
    return audio.astype(np.int16)


def music_on_hold(directory: Path) -> Path:
    """The loop's WAV in `directory`, written (atomically) if it is not there yet."""
    target = directory / FILE_NAME
    if target.exists():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    data = chord_loop().astype("<i2").tobytes()
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(wav_header(1, SAMPLE_RATE, len(data)) + data)
    os.replace(tmp, target)
    return target
