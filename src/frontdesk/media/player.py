"""Frame-by-frame playback of prepared audio (prompts, TTS, music on hold), 20 ms at a time.

The ticker asks each player for its next frame; a player never blocks and never reads files
during playback (audio is loaded and converted beforehand), so a prompt has no gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, SAMPLE_RATE, MediaError


@dataclass(frozen=True, slots=True)
class PlaybackEnded:
    played: float  # seconds of audio delivered, loops included


class FramePlayer:
    """Plays 8 kHz mono int16 audio; in loop mode (music on hold) it never ends by itself.

    `next_frame()` returns a full frame (the last one padded with silence), then, once the audio
    is exhausted, `None`; `ended` tells the same and `take_event()` hands the single
    `PlaybackEnded` event to whoever reports it.
    """

    def __init__(self, audio: NDArray[np.int16], loop: bool = False) -> None:
        if audio.dtype != np.int16 or audio.ndim != 1:
            raise MediaError("a player needs 8 kHz mono int16 audio")
        if loop and len(audio) == 0:
            raise MediaError("cannot loop empty audio")
        self.loop = loop
        self.loops = 0
        self._audio = audio
        self._position = 0
        self._delivered = 0
        self._frame = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        self._event: PlaybackEnded | None = None
        self.ended = False

    def next_frame(self) -> NDArray[np.int16] | None:
        if self.ended:
            return None
        frame, filled = self._frame, 0
        while filled < FRAME_SAMPLES:
            take = min(FRAME_SAMPLES - filled, len(self._audio) - self._position)
            frame[filled : filled + take] = self._audio[self._position : self._position + take]
            filled += take
            self._position += take
            if self._position >= len(self._audio):
                if not self.loop:
                    break
                self._position = 0
                self.loops += 1
        if filled == 0:
            self._finish()
            return None
        frame[filled:] = 0
        self._delivered += FRAME_SAMPLES
        if not self.loop and self._position >= len(self._audio):
            self._finish()
        # A copy: the caller may keep the frame while the player refills its buffer.
        return frame.copy()

    def _finish(self) -> None:
        self.ended = True
        self._event = PlaybackEnded(self._delivered / SAMPLE_RATE)

    def take_event(self) -> PlaybackEnded | None:
        event, self._event = self._event, None
        return event

    def stop(self) -> None:
        if not self.ended:
            self._finish()
