"""The media engine: worker processes that carry RTP streams, driven by commands.

`MediaEngine` (main process) binds ports, spreads streams over workers and turns worker deaths
into `MediaLost` events; `worker.MediaWorker` runs one epoll loop and one 20 ms ticker for all
of its streams; `protocol` is the command/event vocabulary between the two.
"""

from frontdesk.media.engine.facade import EngineError, MediaEngine
from frontdesk.media.engine.protocol import (
    CommandFailed,
    Configure,
    DtmfReceived,
    Event,
    MediaInactive,
    MediaLost,
    MixRole,
    PlaybackDone,
    QueryStats,
    RecordAction,
    RecordingDone,
    StreamStats,
    WorkerLoad,
)

__all__ = [
    "CommandFailed",
    "Configure",
    "DtmfReceived",
    "EngineError",
    "Event",
    "MediaEngine",
    "MediaInactive",
    "MediaLost",
    "MixRole",
    "PlaybackDone",
    "QueryStats",
    "RecordAction",
    "RecordingDone",
    "StreamStats",
    "WorkerLoad",
]
