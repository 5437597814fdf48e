"""The command/event interface of a media worker, the way a media server is driven.

The main process sends commands (frozen dataclasses, pickled over a SOCK_SEQPACKET pair; the
stream's bound UDP socket rides along with `OpenStream` as an SCM_RIGHTS descriptor) and gets
events back. Every command names a stream; nothing is answered synchronously, so a slow or
dead worker never blocks the SIP side. Times in events are `time.monotonic()` seconds, which
on Linux is one clock for every process on the machine.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from frontdesk.media.recorder import RecordMode

Address = tuple[str, int]


# -- commands -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OpenStream:
    """Adopt the UDP socket sent with this message, and the RTCP socket (the next port) when
    a second one rides along; no media flows until `Configure`."""

    stream: str
    local_port: int


@dataclass(frozen=True, slots=True)
class Configure:
    """What SDP negotiated (again after a re-INVITE): where to send, with which payload types.

    `expect_media` is False when the peer said it will not send (sendonly/inactive from our
    side's view), which suspends the inactivity check. `inactivity_timeout` None disables it.
    `rtcp` is where the peer wants RTCP (RFC 3550 §11: the RTP port + 1 unless SDP says
    otherwise, RFC 3605); None sends no RTCP. With `rtcp_mux` (RFC 5761) RTCP shares the RTP
    port on both sides and `rtcp` only switches it on.
    """

    stream: str
    remote: Address | None
    codec: str  # SDP encoding name: PCMU or PCMA
    payload_type: int
    telephone_event_pt: int | None
    send: bool = True
    expect_media: bool = True
    inactivity_timeout: float | None = 30.0
    rtcp: Address | None = None
    rtcp_mux: bool = False


@dataclass(frozen=True, slots=True)
class Play:
    """Play a prepared 8 kHz WAV (a prompt, TTS, music on hold) or a named tone.

    `tone` is "ringback:<country>" or "beep"; exactly one of `path` and `tone` is set.
    """

    stream: str
    path: str | None = None
    tone: str | None = None
    loop: bool = False


@dataclass(frozen=True, slots=True)
class StopPlay:
    stream: str


class RecordAction(enum.Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class Record:
    """Start, pause, resume or stop the recording of a stream: far end left, our side right
    (or as `mode` says: both mixed in one channel, or the far end alone).

    With `when_media`, START waits for the first RTP packet from the far end, so a call that
    never carries media (a SIP scanner, a broken NAT) leaves no file behind.
    """

    stream: str
    action: RecordAction
    path: str | None = None
    mode: RecordMode = RecordMode.STEREO
    when_media: bool = False


@dataclass(frozen=True, slots=True)
class Bridge:
    """Relay `a` to `b` and back without decoding (both must live on the same worker)."""

    a: str
    b: str


@dataclass(frozen=True, slots=True)
class Unbridge:
    stream: str


class MixRole(enum.Enum):
    MEMBER = "member"  # hears everyone, heard by everyone
    LISTEN = "listen"  # supervisor: hears everyone, heard by nobody
    WHISPER = "whisper"  # supervisor: hears everyone, heard by the agent only
    BARGE = "barge"  # supervisor who joined as a member


@dataclass(frozen=True, slots=True)
class Mix:
    """Put streams in a conference (decoded, mixed, encoded each tick).

    `roles` maps stream to MixRole; `agent` names the stream a WHISPER supervisor talks to.
    Sending a Mix again for the same group replaces its membership and roles.
    """

    group: str
    roles: tuple[tuple[str, MixRole], ...]
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class LeaveMix:
    stream: str


@dataclass(frozen=True, slots=True)
class Close:
    """Stop everything on the stream, close its socket, report its last statistics."""

    stream: str


@dataclass(frozen=True, slots=True)
class QueryStats:
    """Ask for a `StreamStats` of the stream now (final=False), e.g. for a live wallboard."""

    stream: str


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Command = (
    OpenStream | Configure | Play | StopPlay | Record | Bridge | Unbridge | Mix | LeaveMix
    | Close | QueryStats | Shutdown
)  # fmt: skip


# -- events ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DtmfReceived:
    stream: str
    digit: str
    start: float  # monotonic seconds
    duration: float


@dataclass(frozen=True, slots=True)
class PlaybackDone:
    stream: str
    played: float  # seconds of audio sent
    stopped: bool  # True when cut short by StopPlay or another Play


@dataclass(frozen=True, slots=True)
class MediaInactive:
    stream: str
    silent_for: float
    message: str


@dataclass(frozen=True, slots=True)
class RecordingDone:
    stream: str
    path: str
    channels: int
    duration: float  # seconds of audio in the file
    started: float
    stopped: float
    paused: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class StreamStats:
    """Counters and call quality of one stream (one leg), in both directions.

    Received: `lost` and `jitter_ms` are RFC 3550 A.3/A.8 on what the peer sent us. Sent:
    what the peer's RTCP reports said about our stream (§6.4.1), None until one arrived;
    `remote_loss` is its cumulative loss over what we had sent by then. `rtt_ms` is the mean
    of the round trips measured from LSR/DLSR. The MOS figures are estimates (simplified
    ITU-T G.107 E-model, `frontdesk.media.quality`), one per direction, None without data.
    """

    stream: str
    received: int
    sent: int
    relayed: int
    lost: int
    jitter_ms: float
    rejected: int  # from addresses other than the latched one (RFC 4961)
    final: bool  # True when the stream has been closed
    rtcp_sent: int = 0
    rtcp_received: int = 0
    remote_lost: int | None = None
    remote_loss: float | None = None  # 0..1
    remote_jitter_ms: float | None = None
    rtt_ms: float | None = None
    rtt_max_ms: float | None = None
    mos_received: float | None = None  # what we hear from the peer
    mos_sent: float | None = None  # what the peer hears from us (needs its RTCP)


@dataclass(frozen=True, slots=True)
class CommandFailed:
    stream: str
    command: str
    message: str


@dataclass(frozen=True, slots=True)
class MediaLost:
    """Raised by the engine facade, not a worker: the worker carrying this stream died."""

    stream: str
    message: str


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    """Sent once a second: how busy the worker's loop is."""

    streams: int
    busy: float  # fraction of wall time spent working rather than waiting
    late_ticks: int  # ticks serviced more than 5 ms after their deadline
    skipped_ticks: int
    max_late: float = 0.0  # the latest tick of the last second, seconds after its deadline
    # Seconds of the last second the worker was runnable but waiting for a CPU (the kernel's
    # schedstat run delay): lateness the scheduler caused, not the worker's own work.
    waited: float = 0.0
    # The cycle collector since the worker started: collections, seconds in them, the longest.
    gc_runs: int = 0
    gc_seconds: float = 0.0
    gc_longest: float = 0.0


@dataclass(frozen=True, slots=True)
class WorkerReady:
    """The worker's loop is running (sent once, first)."""

    pid: int
    scheduling: str = "normal scheduling"  # or real-time, or why real-time was refused


Event = (
    WorkerReady | DtmfReceived | PlaybackDone | MediaInactive | RecordingDone | StreamStats
    | CommandFailed | MediaLost | WorkerLoad
)  # fmt: skip
