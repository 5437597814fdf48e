"""Prompts, music on hold and tones, loaded once per worker and pre-encoded per codec.

Encoding G.711 costs about 7 µs a frame; a worker playing prompts to a thousand callers would
spend a third of a core doing it again and again for the same audio. So a source is encoded
once per (audio, codec) and playback is a slice of bytes. The PCM is kept alongside for the
recorder, which needs what the caller heard without decoding it back.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import FRAME_SAMPLES, SAMPLE_RATE, MediaError
from frontdesk.media.codec import Codec
from frontdesk.media.tones import BEEP, ringback, tone
from frontdesk.media.wav import load_8k_mono

Pcm = NDArray[np.int16]


class EncodedPlayback:
    """Hands out one encoded 20 ms payload per tick; loops (music on hold) or ends."""

    __slots__ = ("_frames", "_payload", "_pcm", "frames_sent", "loop", "position")

    def __init__(self, pcm: Pcm, payload: bytes, loop: bool) -> None:
        if len(pcm) % FRAME_SAMPLES or len(payload) != len(pcm):
            raise MediaError("playback audio must be whole 20 ms frames of one-byte samples")
        self._pcm = pcm
        self._payload = memoryview(payload)
        self._frames = len(pcm) // FRAME_SAMPLES
        self.loop = loop and self._frames > 0
        self.position = 0  # frame index
        self.frames_sent = 0

    @property
    def ended(self) -> bool:
        return not self.loop and self.position >= self._frames

    def next_payload(self) -> memoryview | None:
        if self.position >= self._frames:
            if not self.loop:
                return None
            self.position = 0
        start = self.position * FRAME_SAMPLES
        self.position += 1
        self.frames_sent += 1
        return self._payload[start : start + FRAME_SAMPLES]

    def last_pcm(self) -> Pcm:
        """The PCM of the frame `next_payload` just returned (for the recorder)."""
        start = (self.position - 1) * FRAME_SAMPLES
        return self._pcm[start : start + FRAME_SAMPLES]

    @property
    def seconds_sent(self) -> float:
        return self.frames_sent * FRAME_SAMPLES / SAMPLE_RATE


def _whole_frames(pcm: Pcm) -> Pcm:
    pad = -len(pcm) % FRAME_SAMPLES
    return np.concatenate((pcm, np.zeros(pad, dtype=np.int16))) if pad else pcm


def tone_audio(name: str) -> Pcm:
    """One loopable period of a named tone: "beep" (1 s) or "ringback:<country>"."""
    if name == "beep":
        return tone(BEEP, 1.0)
    kind, _, country = name.partition(":")
    if kind == "ringback" and country:
        spec = ringback(country)
        return tone(spec, sum(spec.cadence))
    raise MediaError(f"unknown tone {name!r} (expected 'beep' or 'ringback:<country>')")


class AudioLibrary:
    """A small LRU of loaded sources and their encodings, keyed by file path or tone name."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._pcm: OrderedDict[str, Pcm] = OrderedDict()
        self._encoded: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def playback(
        self, codec: Codec, path: str | None, tone_name: str | None, loop: bool
    ) -> EncodedPlayback:
        key = f"file:{path}" if path is not None else f"tone:{tone_name}"
        pcm = self._pcm.get(key)
        if pcm is None:
            if path is not None:
                pcm = _whole_frames(load_8k_mono(Path(path)))
            elif tone_name is not None:
                pcm = _whole_frames(tone_audio(tone_name))
            else:
                raise MediaError("play needs a file or a tone")
            self._remember(self._pcm, key, pcm)
        else:
            self._pcm.move_to_end(key)
        encoded = self._encoded.get((key, codec.name))
        if encoded is None:
            encoded = codec.encode(pcm) if len(pcm) else b""
            self._remember(self._encoded, (key, codec.name), encoded)
        return EncodedPlayback(pcm, encoded, loop)

    def _remember(self, cache: OrderedDict, key: object, value: object) -> None:  # type: ignore[type-arg]
        cache[key] = value
        while len(cache) > self.capacity:
            cache.popitem(last=False)
