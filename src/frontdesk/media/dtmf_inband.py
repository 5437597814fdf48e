"""In-band DTMF detection (fallback when a peer sends neither RFC 4733 nor SIP INFO).

Single-bin DFTs at the eight DTMF frequencies (what the Goertzel algorithm computes; here as
one numpy matrix product per batch of windows instead of a per-sample recurrence), over
205-sample windows (25.6 ms) hopping by 10 ms. A window is a hit for a digit when, per
ITU-T Q.24 (values as for the North American / AT&T column, all adjustable):

* frequency deviation: each tone within 2.5 % of nominal (Q.24: must operate at ±1.5 %,
  must not at ±3.5 %); the frequency is measured from the phase advance between two
  overlapping sub-windows, so the check is real and not limited by the 39 Hz bin width;
* twist: high group at most 8 dB above the low group (normal twist) and at most 4 dB below
  it (reverse twist);
* signal-to-noise: the two tones carry at least 80 % of the window's energy, which rejects
  speech, music and single tones;
* level: each tone above about -45 dBm0.

Timing: a digit needs at least three "strong" windows (within 3 dB of the digit's peak, i.e.
lying at least 70 % inside the tone). Measured: tones of 45 ms and longer are always accepted,
40 ms ones almost always (it depends on how the tone falls on the 10 ms grid), and tones of
30 ms or less never; it ends at the first window that no longer holds it, and a window
that holds no tone fits in any pause of 40 ms or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from frontdesk.media import SAMPLE_RATE
from frontdesk.media.dtmf import DtmfDigit, DtmfSource

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COL_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = ("123A", "456B", "789C", "*0#D")
WINDOW = 205
HOP = 80
LAG = 40  # sub-window offset for the frequency measurement: unambiguous up to ±100 Hz
MIN_STRONG = 3


@dataclass(frozen=True, slots=True)
class Q24Limits:
    max_deviation: float = 0.025
    normal_twist_db: float = 8.0
    reverse_twist_db: float = 4.0
    min_purity: float = 0.8
    min_tone_power: float = 5000.0  # mean power of one tone (amplitude ~100 of 32767)
    # Looser limits for windows that only continue a digit already under way, so that a
    # noisy window does not split one long press into two digits.
    hold_purity: float = 0.5


_N = np.arange(WINDOW)
_FREQS = np.array(ROW_HZ + COL_HZ)
_BASIS = np.exp(-2j * np.pi * np.outer(_FREQS, _N) / SAMPLE_RATE)  # (8, WINDOW)
_SUB = _BASIS[:, : WINDOW - LAG]


@dataclass(slots=True)
class _Run:
    digit: str
    first: int  # sample index of the first strong window
    last: int  # sample index of the last strong window
    strong: int
    peak: float


class InbandDtmfDetector:
    """Feed consecutive 8 kHz int16 frames; get each detected digit once, when it ends."""

    def __init__(self, limits: Q24Limits | None = None) -> None:
        self.limits = limits or Q24Limits()
        self._pending = np.zeros(0, dtype=np.float64)
        self._pending_start = 0  # sample index of _pending[0]
        self._origin: float | None = None  # `now` of sample 0
        self._run: _Run | None = None

    def push(self, frame: NDArray[np.int16], now: float) -> list[DtmfDigit]:
        """`now` is the time of the frame's first sample."""
        if self._origin is None:
            self._origin = now
        self._pending = np.concatenate((self._pending, frame.astype(np.float64)))
        count = (len(self._pending) - WINDOW) // HOP + 1
        if count <= 0:
            return []
        windows = sliding_window_view(self._pending, WINDOW)[: count * HOP : HOP]
        spectra = windows @ _BASIS.T  # (count, 8) single-bin DFTs
        out = []
        for i in range(count):
            start = self._pending_start + i * HOP
            digit = self._window(windows[i], spectra[i], start)
            if digit is not None:
                out.append(digit)
        self._pending = self._pending[count * HOP :]
        self._pending_start += count * HOP
        return out

    def _window(
        self, x: NDArray[np.float64], spectrum: NDArray[np.complex128], start: int
    ) -> DtmfDigit | None:
        found = self._classify(x, spectrum)
        run = self._run
        if found is not None and run is not None and found[0] == run.digit:
            power = found[1]
            if power > 2 * run.peak:  # the earlier windows only grazed the tone's start
                run.first, run.last, run.strong, run.peak = start, start, 1, power
            elif power >= run.peak / 2:  # within 3 dB of the peak: wholly inside the tone
                run.strong, run.last, run.peak = run.strong + 1, start, max(run.peak, power)
            return None
        ended = self._close()
        if found is not None and found[2]:  # a strict hit starts a new digit
            self._run = _Run(found[0], start, start, 1, found[1])
        return ended

    def _close(self) -> DtmfDigit | None:
        run, self._run = self._run, None
        if run is None or run.strong < MIN_STRONG or self._origin is None:
            return None
        # A strong window lies ~70 % or more inside the tone: widen its span accordingly.
        begin = run.first + 0.29 * WINDOW - HOP / 2
        end = run.last + 0.71 * WINDOW + HOP / 2
        return DtmfDigit(
            digit=run.digit,
            start=self._origin + begin / SAMPLE_RATE,
            duration=(end - begin) / SAMPLE_RATE,
            source=DtmfSource.INBAND,
        )

    def _classify(
        self, x: NDArray[np.float64], spectrum: NDArray[np.complex128]
    ) -> tuple[str, float, bool] | None:
        """(digit, tone power, passes the strict limits) or None when no digit is held."""
        lim = self.limits
        power = np.abs(spectrum) ** 2
        row = int(np.argmax(power[:4]))
        col = 4 + int(np.argmax(power[4:]))
        tones = []
        for k in (row, col):
            x1 = _SUB[k] @ x[: WINDOW - LAG]
            x2 = _SUB[k] @ x[LAG:]
            rotation = np.exp(-2j * np.pi * _FREQS[k] * LAG / SAMPLE_RATE)
            deviation = np.angle(x2 * np.conj(x1) * rotation) * SAMPLE_RATE / (2 * np.pi * LAG)
            if abs(deviation) > lim.max_deviation * _FREQS[k]:
                return None
            actual = np.exp(-2j * np.pi * (_FREQS[k] + deviation) * _N / SAMPLE_RATE) @ x
            tones.append(2.0 * abs(actual) ** 2 / WINDOW**2)  # mean power of that sinusoid
        row_power, col_power = tones
        if min(tones) < lim.min_tone_power:
            return None
        twist_db = 10.0 * np.log10(col_power / row_power)
        if twist_db > lim.normal_twist_db or -twist_db > lim.reverse_twist_db:
            return None
        purity = (row_power + col_power) / max(float(np.mean(x * x)), 1e-9)
        if purity < lim.hold_purity:
            return None
        return KEYPAD[row][col - 4], row_power + col_power, purity >= lim.min_purity

    def flush(self) -> list[DtmfDigit]:
        """End of stream: report a digit still under way."""
        digit = self._close()
        return [digit] if digit is not None else []
