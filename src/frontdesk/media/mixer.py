"""Conference mixing with a who-hears-whom matrix: listen, whisper, barge and three-way calls
are all the same mechanism, a different matrix.

Each 20 ms tick the participants' frames are stacked into one (n, 160) float32 array (exact
for sums of int16 up to 2**24), and every listener's mix is one matrix product
`gains @ frames`, whose diagonal is zero so that nobody hears their own voice. The result is
saturated to int16. The stacking buffer is reused from tick to tick.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, MediaError


class SuperviseMode(enum.Enum):
    LISTEN = "listen"  # supervisor hears agent and caller; nobody hears the supervisor
    WHISPER = "whisper"  # supervisor also heard by the agent only
    BARGE = "barge"  # everyone hears everyone


class Mixer:
    def __init__(self) -> None:
        self._ids: list[str] = []
        self._gains = np.zeros((0, 0), dtype=np.float32)
        self._stack = np.zeros((0, FRAME_SAMPLES), dtype=np.float32)

    @property
    def participants(self) -> tuple[str, ...]:
        return tuple(self._ids)

    def add(self, pid: str, hears_all: bool = True, heard_by_all: bool = True) -> None:
        if pid in self._ids:
            raise MediaError(f"participant {pid!r} is already in the mix")
        n = len(self._ids)
        gains = np.zeros((n + 1, n + 1), dtype=np.float32)
        gains[:n, :n] = self._gains
        gains[n, :n] = 1.0 if hears_all else 0.0
        gains[:n, n] = 1.0 if heard_by_all else 0.0
        self._gains = gains
        self._ids.append(pid)
        self._stack = np.zeros((n + 1, FRAME_SAMPLES), dtype=np.float32)

    def remove(self, pid: str) -> None:
        i = self._index(pid)
        keep = [k for k in range(len(self._ids)) if k != i]
        self._gains = np.ascontiguousarray(self._gains[np.ix_(keep, keep)])
        del self._ids[i]
        self._stack = np.zeros((len(self._ids), FRAME_SAMPLES), dtype=np.float32)

    def set_hears(self, listener: str, speaker: str, gain: float = 1.0) -> None:
        """`listener` hears `speaker` at `gain` (0 mutes); a participant never hears itself."""
        i, j = self._index(listener), self._index(speaker)
        if i == j:
            raise MediaError("a participant cannot be mixed into its own audio")
        self._gains[i, j] = gain

    def hears(self, listener: str, speaker: str) -> float:
        return float(self._gains[self._index(listener), self._index(speaker)])

    def mix(self, frames: Mapping[str, NDArray[np.int16]]) -> dict[str, NDArray[np.int16]]:
        """One tick: each participant's outgoing audio. A missing frame counts as silence."""
        stack = self._stack
        stack.fill(0.0)
        for i, pid in enumerate(self._ids):
            frame = frames.get(pid)
            if frame is not None:
                stack[i, : len(frame)] = frame
        mixed = self._gains @ stack
        out = np.clip(np.rint(mixed), -32768, 32767).astype(np.int16)
        return {pid: out[i] for i, pid in enumerate(self._ids)}

    def _index(self, pid: str) -> int:
        try:
            return self._ids.index(pid)
        except ValueError:
            raise MediaError(f"participant {pid!r} is not in the mix") from None


def supervise(mixer: Mixer, supervisor: str, agent: str, caller: str, mode: SuperviseMode) -> None:
    """Set the matrix rows and columns that involve the supervisor for one supervision mode."""
    mixer.set_hears(supervisor, agent, 1.0)
    mixer.set_hears(supervisor, caller, 1.0)
    mixer.set_hears(agent, supervisor, 0.0 if mode is SuperviseMode.LISTEN else 1.0)
    mixer.set_hears(caller, supervisor, 1.0 if mode is SuperviseMode.BARGE else 0.0)
