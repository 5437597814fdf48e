"""Tone sources: ringback per country, beeps, DTMF tones and comfort noise, frame by frame.

Cadences and frequencies follow ITU-T E.180 Supplement 2 (the national tone plans): the UK
ringback is 400+450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off; the US one 440+480 Hz,
2 s on, 4 s off. Levels are in dBm0: the largest sine G.711 µ-law can carry is +3.17 dBm0
(the digital milliwatt of G.711 Tables 5 and 6 is the 0 dBm0 reference).

Samples are computed from the absolute sample index, so a generator that runs for hours keeps
exact frequency and phase (no accumulated rounding), and a cadence never drifts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, SAMPLE_RATE, MediaError
from frontdesk.media.dtmf import event_code

FULL_SCALE_DBM0 = 3.17


@dataclass(frozen=True, slots=True)
class ToneSpec:
    frequencies: tuple[float, ...]
    cadence: tuple[float, ...]  # on, off, on, off... seconds; () means continuous
    level_dbm0: float = -13.0  # per frequency


RINGBACK: dict[str, ToneSpec] = {
    "GB": ToneSpec((400.0, 450.0), (0.4, 0.2, 0.4, 2.0), -19.0),
    "US": ToneSpec((440.0, 480.0), (2.0, 4.0), -19.0),
    "CA": ToneSpec((440.0, 480.0), (2.0, 4.0), -19.0),
    "FR": ToneSpec((440.0,), (1.5, 3.5), -13.0),
    "DE": ToneSpec((425.0,), (1.0, 4.0), -13.0),
    "IT": ToneSpec((425.0,), (1.0, 4.0), -13.0),
    "ES": ToneSpec((425.0,), (1.5, 3.0), -13.0),
}
RINGBACK["UK"] = RINGBACK["GB"]
BEEP = ToneSpec((1000.0,), (), -10.0)

_KEYS = {
    d: (r, c) for r, row in enumerate(("123A", "456B", "789C", "*0#D")) for c, d in enumerate(row)
}
_ROWS = (697.0, 770.0, 852.0, 941.0)
_COLS = (1209.0, 1336.0, 1477.0, 1633.0)


def ringback(country: str) -> ToneSpec:
    spec = RINGBACK.get(country.upper())
    if spec is None:
        known = ", ".join(sorted(RINGBACK))
        raise MediaError(f"no ringback tone is defined for {country!r} (known: {known})")
    return spec


def amplitude(level_dbm0: float) -> float:
    return float(32767.0 * 10.0 ** ((level_dbm0 - FULL_SCALE_DBM0) / 20.0))


def dtmf_frequencies(digit: str) -> tuple[float, float]:
    event_code(digit)  # validates
    row, col = _KEYS[digit.upper()]
    return _ROWS[row], _COLS[col]


def _sines(
    freqs: tuple[float, ...], amplitudes: tuple[float, ...], n: NDArray[np.int64]
) -> NDArray[np.float64]:
    out = np.zeros(len(n))
    for f, a in zip(freqs, amplitudes, strict=True):
        out += a * np.sin(2.0 * np.pi * f * n / SAMPLE_RATE)
    return out


def _to_int16(x: NDArray[np.float64]) -> NDArray[np.int16]:
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def dtmf_tone(
    digit: str, duration: float = 0.1, low_dbm0: float = -7.0, high_dbm0: float = -5.0
) -> NDArray[np.int16]:
    """One DTMF digit; the high group 2 dB louder than the low, as telephones send it."""
    n = np.arange(round(duration * SAMPLE_RATE))
    amps = (amplitude(low_dbm0), amplitude(high_dbm0))
    return _to_int16(_sines(dtmf_frequencies(digit), amps, n))


def tone(spec: ToneSpec, duration: float) -> NDArray[np.int16]:
    gen = ToneGenerator(spec)
    total = round(duration * SAMPLE_RATE)
    return gen.samples(total)


class ToneGenerator:
    """An endless tone with its cadence, read 20 ms at a time."""

    def __init__(self, spec: ToneSpec) -> None:
        self.spec = spec
        self._position = 0
        self._amps = tuple(amplitude(spec.level_dbm0) for _ in spec.frequencies)
        self._period = round(sum(spec.cadence) * SAMPLE_RATE)
        edges = np.cumsum([0.0, *spec.cadence]) * SAMPLE_RATE
        self._edges = np.rint(edges).astype(np.int64)

    def samples(self, count: int) -> NDArray[np.int16]:
        n = np.arange(self._position, self._position + count, dtype=np.int64)
        self._position += count
        signal = _sines(self.spec.frequencies, self._amps, n)
        if self._period:
            phase = n % self._period
            segment = np.searchsorted(self._edges, phase, side="right") - 1
            signal[segment % 2 == 1] = 0.0  # odd segments of the cadence are the silences
        return _to_int16(signal)

    def next_frame(self) -> NDArray[np.int16]:
        return self.samples(FRAME_SAMPLES)


class ComfortNoise:
    """Very quiet white noise for gaps, so a line never sounds dead (about -70 dBm0 default)."""

    def __init__(self, rng: np.random.Generator, level_dbm0: float = -70.0) -> None:
        self._rng = rng
        self._sigma = amplitude(level_dbm0) / np.sqrt(2.0)  # same power as a sine of that level

    def next_frame(self) -> NDArray[np.int16]:
        return _to_int16(self._rng.normal(0.0, self._sigma, FRAME_SAMPLES))


def silence() -> NDArray[np.int16]:
    return np.zeros(FRAME_SAMPLES, dtype=np.int16)
