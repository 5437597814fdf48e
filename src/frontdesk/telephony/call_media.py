"""The media side of calls and legs: opens RTP streams, plays, records, bridges, reports keys.

The switchboard calls `open` when an INVITE arrives or a leg is dialled (the port goes into the
SDP), `start` once SDP is agreed, `update` after a re-INVITE and `close` when the call ends.
Call control plays prompts and music, records and bridges through the methods below, and hears
back through a `MediaListener` per stream: keys pressed (`call.dtmf` is logged here) and the
end of each playback. Engine events that end a call (RTP inactivity, a lost worker) go to the
`hangup` callback, which sends BYE with the reason. Without an engine (unit tests, a SIP-only
run) ports come from a `PortPool` and no media flows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from frontdesk.media.engine import (
    CommandFailed,
    Configure,
    DtmfReceived,
    EngineError,
    Event,
    MediaEngine,
    MediaInactive,
    MediaLost,
    MixRole,
    PlaybackDone,
    RecordAction,
    RecordingDone,
    StreamStats,
)
from frontdesk.sip.sdp import NegotiatedMedia
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.ports import PortPool

log = logging.getLogger("frontdesk.calls")
_SAFE = re.compile(r"[^A-Za-z0-9._@-]")

Hangup = Callable[[str, str, str, float], None]  # call id, reason, detail, now


class EventSink(Protocol):
    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None: ...


class MediaListener(Protocol):
    def on_dtmf(self, stream: str, digit: str) -> None: ...
    def on_playback_done(self, stream: str, stopped: bool) -> None: ...
    def on_recording(self, stream: str, path: str, duration_s: float) -> None: ...


def safe_name(call_id: str) -> str:
    """A Call-ID as a file name (Call-IDs may hold '@', '/', quotes...)."""
    return _SAFE.sub("_", call_id)


class CallMedia:
    def __init__(
        self,
        engine: MediaEngine | None,
        events: EventSink,
        wall: Callable[[], float],
        now: Callable[[], float],
        data_dir: Path | None = None,
        inactivity_timeout: float | None = 30.0,
        ports: PortPool | None = None,
    ) -> None:
        self.engine = engine
        self.log = events
        self.wall, self.now = wall, now
        self.data_dir = data_dir
        self.inactivity_timeout = inactivity_timeout
        self.ports = ports or PortPool()
        self.hangup: Hangup | None = None
        self.listeners: dict[str, MediaListener] = {}
        # Who waits for a recording to be complete, by file path: kept past the stream's close,
        # because the file is finished (and RecordingDone sent) only when the stream closes.
        self.recording_listeners: dict[str, MediaListener] = {}
        self._ports: dict[str, int] = {}
        self._open: set[str] = set()

    @property
    def live(self) -> bool:
        return self.engine is not None

    # -- the stream's life --------------------------------------------------------------------
    def open(self, stream: str, group: str | None = None) -> int:
        """The local RTP port for this stream's SDP; raises TelephonyError when none is free.
        Streams that will be bridged share a `group` (the inbound call's id)."""
        if self.engine is None:
            port = self.ports.take()
            self._ports[stream] = port
            return port
        try:
            port = self.engine.open_stream(stream, group=group or stream)
        except EngineError as exc:
            raise TelephonyError(str(exc)) from None
        self._open.add(stream)
        return port

    def start(self, stream: str, media: NegotiatedMedia) -> None:
        """SDP agreed (or changed by a re-INVITE: hold, a new address, another codec)."""
        if self.engine is not None and stream in self._open:
            self.engine.configure(self._configure(stream, media))

    update = start

    def close(self, stream: str) -> None:
        self.listeners.pop(stream, None)
        port = self._ports.pop(stream, None)
        if port is not None:
            self.ports.give_back(port)
        if self.engine is not None and stream in self._open:
            self._open.discard(stream)
            self.engine.close_stream(stream)

    def _configure(self, stream: str, media: NegotiatedMedia) -> Configure:
        # Hold (the peer sends nothing) suspends the inactivity check rather than ending the
        # call after `inactivity_timeout` of music on hold.
        expect = media.direction.receives and not media.remote_on_hold
        return Configure(
            stream=stream,
            remote=(media.remote_address, media.remote_port),
            codec=media.codec.name,
            payload_type=media.codec.payload_type or 0,
            telephone_event_pt=media.telephone_event_pt,
            send=media.direction.sends,
            expect_media=expect,
            inactivity_timeout=self.inactivity_timeout,
            # RTCP reports both ways (RFC 3550 §6): port + 1, or a=rtcp, or rtcp-mux.
            rtcp=(media.remote_address, media.remote_rtcp_port),
            rtcp_mux=media.rtcp_mux,
        )

    # -- what call control does with a stream ---------------------------------------------------
    def can_play(self, stream: str) -> bool:
        return self.engine is not None and stream in self._open

    def play(self, stream: str, path: Path, loop: bool = False) -> bool:
        """Starts playing (replacing what played); False when there is no media to play on."""
        if self.engine is None or stream not in self._open:
            return False
        self.engine.play(stream, path=str(path), loop=loop)
        return True

    def tone(self, stream: str, tone: str) -> bool:
        if self.engine is None or stream not in self._open:
            return False
        self.engine.play(stream, tone=tone)
        return True

    def stop_play(self, stream: str) -> None:
        if self.engine is not None and stream in self._open:
            self.engine.stop_play(stream)

    def record(self, stream: str, folder: str, when_media: bool = True) -> Path | None:
        """Records the stream (far end left, what it hears right) to <data>/<folder>/."""
        if self.engine is None or self.data_dir is None or stream not in self._open:
            return None
        path = self.data_dir / folder / f"{safe_name(stream)}.wav"
        self.engine.record(stream, RecordAction.START, str(path), when_media=when_media)
        return path

    def stop_recording(self, stream: str) -> None:
        if self.engine is not None and stream in self._open:
            self.engine.record(stream, RecordAction.STOP)

    def pause_recording(self, stream: str) -> None:
        """Leaves what is said from now until `resume_recording` out of the file (card numbers)."""
        if self.engine is not None and stream in self._open:
            self.engine.record(stream, RecordAction.PAUSE)

    def resume_recording(self, stream: str) -> None:
        if self.engine is not None and stream in self._open:
            self.engine.record(stream, RecordAction.RESUME)

    def bridge(self, a: str, b: str) -> bool:
        if self.engine is None or a not in self._open or b not in self._open:
            return False
        try:
            self.engine.bridge(a, b)
        except EngineError as exc:
            log.warning("cannot bridge %s and %s: %s", a, b, exc)
            return False
        return True

    def unbridge(self, stream: str) -> None:
        if self.engine is not None and stream in self._open:
            self.engine.unbridge(stream)

    def mix(self, group: str, roles: dict[str, MixRole], agent: str | None = None) -> bool:
        """Puts streams in one conference with who-hears-whom roles (listen, whisper, barge);
        False when a stream is gone or they live on different workers."""
        if self.engine is None or any(s not in self._open for s in roles):
            return False
        try:
            self.engine.mix(group, roles, agent)
        except EngineError as exc:
            log.warning("cannot mix %s: %s", ", ".join(roles), exc)
            return False
        return True

    def leave_mix(self, stream: str) -> None:
        if self.engine is not None and stream in self._open:
            self.engine.leave_mix(stream)

    def start_local(self, stream: str, remote: tuple[str, int]) -> None:
        """Media to a leg inside Frontdesk (a supervisor's browser bridge): PCMU, no SDP."""
        if self.engine is not None and stream in self._open:
            self.engine.configure(Configure(
                stream=stream, remote=remote, codec="PCMU", payload_type=0,
                telephone_event_pt=None, send=True, expect_media=False, inactivity_timeout=None,
            ))  # fmt: skip

    # -- engine events ------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        if isinstance(event, DtmfReceived):
            # The event's time is when the key went down (monotonic start mapped to wall time).
            pressed = self.wall() - (self.now() - event.start)
            self.log.append(round(pressed, 3), "call.dtmf", event.stream, digit=event.digit,
                            duration_ms=round(event.duration * 1000))  # fmt: skip
            listener = self.listeners.get(event.stream)
            if listener is not None:
                listener.on_dtmf(event.stream, event.digit)
        elif isinstance(event, PlaybackDone):
            listener = self.listeners.get(event.stream)
            if listener is not None:
                listener.on_playback_done(event.stream, event.stopped)
        elif isinstance(event, RecordingDone):
            self.log.append(
                self.wall(), "call.recording", event.stream, path=event.path,
                channels=event.channels, duration_s=round(event.duration, 3),
                paused=[list(p) for p in event.paused],
            )  # fmt: skip
            listener = self.recording_listeners.pop(event.path, None)
            if listener is not None:
                listener.on_recording(event.stream, event.path, event.duration)
        elif isinstance(event, StreamStats):
            if event.final and (event.received or event.sent):
                self._log_quality(event)
        elif isinstance(event, MediaInactive):
            self._end(event.stream, "media_timeout", event.message)
        elif isinstance(event, MediaLost):
            self._open.discard(event.stream)
            self._end(event.stream, "media_lost", event.message)
        elif isinstance(event, CommandFailed):
            log.warning("media command %s for %s failed: %s", event.command, event.stream,
                        event.message)  # fmt: skip
            listener = self.listeners.get(event.stream)
            if listener is not None and event.command == "Play":
                listener.on_playback_done(event.stream, False)  # go on as if it had played

    def _log_quality(self, s: StreamStats) -> None:
        """`call.quality` per leg as its stream closes: what we received from the phone, what
        the phone's RTCP said it received from us, round trip and estimated MOS each way."""
        expected = s.received + s.lost
        self.log.append(
            self.wall(), "call.quality", s.stream,
            received=s.received, lost=s.lost,
            loss_pct=round(100 * s.lost / expected, 2) if expected else 0.0,
            jitter_ms=round(s.jitter_ms, 2), mos_received=s.mos_received,
            sent=s.sent, remote_lost=s.remote_lost,
            remote_loss_pct=None if s.remote_loss is None else round(100 * s.remote_loss, 2),
            remote_jitter_ms=None if s.remote_jitter_ms is None else round(s.remote_jitter_ms, 2),
            mos_sent=s.mos_sent,
            rtt_ms=None if s.rtt_ms is None else round(s.rtt_ms, 1),
            rtt_max_ms=None if s.rtt_max_ms is None else round(s.rtt_max_ms, 1),
            rtcp_sent=s.rtcp_sent, rtcp_received=s.rtcp_received,
        )  # fmt: skip

    def _end(self, stream: str, reason: str, detail: str) -> None:
        log.warning("ending call %s: %s (%s)", stream, reason, detail)
        if self.hangup is not None:
            self.hangup(stream, reason, detail, self.now())
