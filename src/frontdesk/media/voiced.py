"""How much of a recording holds sound, not silence: the test a voicemail passes to be a message.

A caller who hangs up on the tone, or whose phone sends no audio at all, leaves a file of
silence as long as they stayed on the line; nobody should be asked to listen to it. A 20 ms
frame counts as voiced when its RMS level is above -45 dBFS: telephone speech sits around
-20 to -30 dBFS, a quiet room and comfort noise below -50, so a caller speaking softly still
counts and line hiss does not. Reading the file and the frame energies costs milliseconds even
for a three-minute message (numpy over the whole array, one pass).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from frontdesk.media.wav import read_wav

FRAME_S = 0.02
VOICED_DBFS = -45.0


def voiced_seconds(
    samples: NDArray[np.float64], rate: int, threshold_dbfs: float = VOICED_DBFS
) -> float:
    """Seconds of `samples` (full scale 1.0; one channel, or the first of several) in voiced
    frames."""
    mono = samples if samples.ndim == 1 else samples[:, 0]
    frame = max(1, int(rate * FRAME_S))
    count = len(mono) // frame
    if count == 0:
        return 0.0
    frames = mono[: count * frame].reshape(count, frame)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    threshold = 10.0 ** (threshold_dbfs / 20.0)
    return float(np.count_nonzero(rms > threshold)) * frame / rate


def voiced_seconds_in(path: str | Path) -> float:
    """voiced_seconds of a WAV file on disk."""
    audio = read_wav(path)
    return voiced_seconds(audio.samples, audio.rate)
