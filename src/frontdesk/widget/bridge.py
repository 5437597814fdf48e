"""The softphone's RTP bridge with one guard more: a sender whose timeline fell behind.

`media/jitter.py` re-bases a stream whose timestamps jump by more than a second, but a sender
that stops for a moment and then goes on from the timestamp where it stopped (a media worker
that stalled, a phone that paused its source; the gap is under a second) lands *behind* the
buffer's playout point for good: every packet counts as late and the visitor hears silence
for the rest of the call. Until the jitter buffer handles that itself, this bridge starts a
fresh buffer after `LATE_RUN` late packets in a row (about 200 ms of audio). docs/widget.md
says more; the fix belongs in `JitterBuffer.push` (re-base after a run of late packets).
"""

from __future__ import annotations

import random

from frontdesk.media.jitter import JitterBuffer
from frontdesk.softphone.bridge import RtpBridge

LATE_RUN = 10


class WidgetBridge(RtpBridge):
    def __init__(self, rng: random.Random | None = None) -> None:
        super().__init__(rng)
        self._late_run = 0
        self.late_resets = 0  # buffers restarted because the engine's stream fell behind

    def from_engine(self, data: bytes, now: float) -> None:
        jitter = self._jitter
        late = jitter.stats.late if jitter is not None else 0
        super().from_engine(data, now)
        jitter, codec = self._jitter, self._codec
        if jitter is None or codec is None:
            return
        if jitter.stats.late == late:
            self._late_run = 0
            return
        self._late_run += 1
        if self._late_run >= LATE_RUN:
            self._jitter = JitterBuffer(codec, min_delay=0.02, initial_delay=0.04)
            self._late_run = 0
            self.late_resets += 1
