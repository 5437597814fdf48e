"""The browser bridge keeps playing when the engine's stream falls behind: a sender that
pauses for a moment and goes on from the timestamp where it stopped (RFC 3550 §5.1 wants the
timestamp to follow the sampling clock; stalled workers and paused sources do not). The jitter
buffer re-bases such a timeline (media/jitter.py); this checks it through the bridge."""

from __future__ import annotations

import random

import numpy as np

from frontdesk.media.codec import codec_for
from frontdesk.media.rtp import write_rtp
from frontdesk.softphone.bridge import EngineMedia, RtpBridge

PCMU = codec_for("PCMU", 0)


def run(pause: range, frames: int = 400) -> list[float]:
    bridge = RtpBridge(random.Random(1))
    bridge.connect(EngineMedia(("127.0.0.1", 4000), "PCMU", 0, 101))
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(160) / 8000)).astype(np.int16)
    payload, buf, ts = PCMU.encode(tone), bytearray(1500), 5000
    levels = []
    for i in range(frames):
        now = i * 0.02
        if i not in pause:  # during the pause nothing comes, and the timestamp stands still
            n = write_rtp(buf, 0, i & 0xFFFF, ts, 77, payload, False)
            bridge.from_engine(bytes(buf[:n]), now + 0.003)
            ts += 160
        frame = bridge.to_browser(now + 0.01)
        levels.append(float(np.sqrt(np.mean(frame.to_ndarray().astype(np.float64) ** 2))))
    return levels


def test_audio_comes_back_after_a_pause_that_did_not_move_the_timeline() -> None:
    levels = run(range(150, 165))  # 300 ms without packets
    assert min(levels[20:150]) > 3000  # playing before the pause
    assert min(levels[200:]) > 3000  # and again soon after it


def test_a_steady_stream_is_never_restarted() -> None:
    levels = run(range(0))
    assert min(levels[20:]) > 3000
