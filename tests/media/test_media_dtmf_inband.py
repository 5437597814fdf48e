"""In-band DTMF detection on generated tones with white noise, against ITU-T Q.24 limits
(frequency deviation ±1.5 % operate / ±3.5 % reject, twist, minimum duration and pause), and
against real speech (espeak-ng), music-like chords and single tones."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from frontdesk.media import SAMPLE_RATE
from frontdesk.media.dtmf import DtmfDigit
from frontdesk.media.dtmf_inband import InbandDtmfDetector
from frontdesk.media.tones import amplitude, dtmf_frequencies, dtmf_tone
from frontdesk.media.tts import TtsCache


def _detect(signal: NDArray[np.float64]) -> list[DtmfDigit]:
    pcm = np.clip(np.rint(signal), -32768, 32767).astype(np.int16)
    det = InbandDtmfDetector()
    out: list[DtmfDigit] = []
    for i in range(0, len(pcm) - 159, 160):
        out += det.push(pcm[i : i + 160], i / SAMPLE_RATE)
    return out + det.flush()


def _noise(signal: NDArray[np.float64], snr_db: float, seed: int = 1) -> NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    power = np.mean(signal[signal != 0] ** 2)
    return signal + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(signal))


def _two_tones(
    f1: float, f2: float, seconds: float, db1: float = -7, db2: float = -5
) -> NDArray[np.float64]:
    n = np.arange(round(seconds * SAMPLE_RATE))
    return amplitude(db1) * np.sin(2 * np.pi * f1 * n / SAMPLE_RATE) + amplitude(db2) * np.sin(
        2 * np.pi * f2 * n / SAMPLE_RATE
    )


def _gap(seconds: float) -> NDArray[np.float64]:
    return np.zeros(round(seconds * SAMPLE_RATE))


def test_all_sixteen_digits_in_sequence_with_noise() -> None:
    keys = "159*0#D2A6B37C48"
    parts = [_gap(0.1)]
    for d in keys:
        parts += [dtmf_tone(d, 0.06).astype(np.float64), _gap(0.05)]
    digits = _detect(_noise(np.concatenate(parts), snr_db=15))
    assert "".join(d.digit for d in digits) == keys
    for i, d in enumerate(digits):  # timing within 15 ms
        assert d.start == pytest.approx(0.1 + 0.11 * i, abs=0.015)
        assert d.duration == pytest.approx(0.06, abs=0.015)


def test_minimum_pause_of_40_ms_separates_a_repeated_digit() -> None:
    signal = np.concatenate(
        [_gap(0.05), dtmf_tone("8", 0.05), _gap(0.04), dtmf_tone("8", 0.05), _gap(0.05)]
    )
    assert [d.digit for d in _detect(_noise(signal.astype(np.float64), 20))] == ["8", "8"]


def test_long_press_is_one_digit() -> None:
    signal = np.concatenate([_gap(0.05), dtmf_tone("3", 1.5), _gap(0.1)]).astype(np.float64)
    digits = _detect(_noise(signal, 12))
    assert [d.digit for d in digits] == ["3"]
    assert digits[0].duration == pytest.approx(1.5, abs=0.015)


@pytest.mark.parametrize("seconds", [0.02, 0.025, 0.03])
def test_too_short_tones_are_rejected(seconds: float) -> None:
    signal = np.concatenate([_gap(0.05), dtmf_tone("6", seconds), _gap(0.1)]).astype(np.float64)
    assert _detect(signal) == []


@pytest.mark.parametrize(
    ("deviation", "detected"), [(0.015, True), (-0.015, True), (0.035, False), (-0.035, False)]
)
def test_frequency_deviation_limits(deviation: float, detected: bool) -> None:
    low, high = dtmf_frequencies("9")
    factor = 1 + deviation
    # Q.24 allows ±(1.5 % + 2 Hz) to operate; test the 1.5 % part on both tones at once.
    signal = np.concatenate([_gap(0.05), _two_tones(low * factor, high * factor, 0.1), _gap(0.1)])
    digits = _detect(_noise(signal, 20))
    assert ([d.digit for d in digits] == ["9"]) is detected


@pytest.mark.parametrize(
    ("low_db", "high_db", "detected"),
    [(-10, -3, True), (-3, -10, False), (-8, -11, True), (-16, -6, False)],
)
def test_twist_limits(low_db: float, high_db: float, detected: bool) -> None:
    # High group 7 dB above the low group passes, 10 dB does not; low group 7 dB above
    # the high group fails (3 dB passes).
    signal = np.concatenate([_gap(0.05), _two_tones(770, 1336, 0.1, low_db, high_db), _gap(0.1)])
    assert (len(_detect(signal)) == 1) is detected


def test_single_tones_are_not_digits() -> None:
    n = np.arange(SAMPLE_RATE)
    for f in (697, 941, 1209, 1633):
        assert _detect(amplitude(-5) * np.sin(2 * np.pi * f * n / SAMPLE_RATE)) == []


def test_music_like_chords_are_not_digits() -> None:
    # Harmonic notes on the equal-tempered scale, several of which land near DTMF tones
    # (F5 = 698.5 Hz, E6 = 1318.5 Hz), with a slow tremolo, changing every 120 ms.
    rng = np.random.default_rng(3)
    notes = 440.0 * 2 ** (np.arange(-12, 16) / 12)
    n = np.arange(round(0.12 * SAMPLE_RATE))
    parts = []
    for _ in range(40):
        chord = rng.choice(notes, size=3, replace=False)
        tone = sum(
            (0.6**h) * np.sin(2 * np.pi * f * (h + 1) * n / SAMPLE_RATE)
            for f in chord
            for h in range(3)
        )
        parts.append(3000 * tone * (1 + 0.3 * np.sin(2 * np.pi * 5 * n / SAMPLE_RATE)))
    assert _detect(np.concatenate(parts)) == []


def test_real_speech_is_not_digits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = TtsCache(tmp_path)
    speech = cache.load(
        "Thank you for calling. Please press one for sales, two for support, "
        "or hold the line. Your call is important to us, nine four one."
    ).astype(np.float64)
    assert len(speech) > SAMPLE_RATE * 3
    assert _detect(speech) == []
    assert _detect(_noise(speech, 20)) == []
