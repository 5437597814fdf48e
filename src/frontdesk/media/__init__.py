"""Sans-IO media core: RTP/RTCP, G.711, DTMF, jitter buffer, sources, recorder, mixer, ticker.

Everything here is fed with bytes, samples and `now`; nothing opens a socket or reads the
system clock. The media engine (sockets, worker processes) is built on these pieces.
"""

from __future__ import annotations

from frontdesk import FrontdeskError

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz: the unit every source, mixer and recorder works in
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE


class MediaError(FrontdeskError):
    """Bad media input (a malformed packet, an unreadable file) or a misuse of a media object."""
