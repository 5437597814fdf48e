"""The media side of a call: opens its RTP stream, plays the greeting, records, logs DTMF,
and ends the call when its media dies (RTP inactivity, or the worker carrying it is lost).

The switchboard calls `open` when an INVITE arrives (the port goes into the SDP answer),
`start` once the call is answered with what SDP negotiated, `update` after a re-INVITE and
`close` when the call ends. Engine events come back through `on_event`; those that end a call
go to the `hangup` callback (the switchboard's), which sends BYE with the reason. Without an
engine (unit tests, a SIP-only run) ports come from a `PortPool` and no media flows.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from frontdesk.config import Company, Number
from frontdesk.media import MediaError
from frontdesk.media.engine import (
    CommandFailed,
    Configure,
    DtmfReceived,
    EngineError,
    Event,
    MediaEngine,
    MediaInactive,
    MediaLost,
    RecordAction,
    RecordingDone,
)
from frontdesk.media.tts import TtsCache
from frontdesk.sip.sdp import NegotiatedMedia
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.ports import PortPool

log = logging.getLogger("frontdesk.calls")

# Until call flows drive the prompts, every number greets with its company's menu.
GREETINGS = {
    "en": "Thank you for calling {name}. Press 1 for deliveries, 2 for billing.",
    "fr": "Merci d'avoir appelé {name}. Tapez 1 pour les livraisons, 2 pour la facturation.",
    "de": "Danke für Ihren Anruf bei {name}. Drücken Sie 1 für Lieferungen, 2 für Rechnungen.",
    "es": "Gracias por llamar a {name}. Pulse 1 para entregas, 2 para facturación.",
}
_SAFE = re.compile(r"[^A-Za-z0-9._@-]")

Hangup = Callable[[str, str, str, float], None]  # call id, reason, detail, now


class EventSink(Protocol):
    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None: ...


class CallMedia:
    def __init__(
        self,
        engine: MediaEngine | None,
        company: Company,
        events: EventSink,
        wall: Callable[[], float],
        now: Callable[[], float],
        data_dir: Path | None = None,
        inactivity_timeout: float | None = 30.0,
        ports: PortPool | None = None,
    ) -> None:
        self.engine = engine
        self.company = company
        self.log = events
        self.wall, self.now = wall, now
        self.data_dir = data_dir
        self.inactivity_timeout = inactivity_timeout
        self.ports = ports or PortPool()
        self.hangup: Hangup | None = None
        self.greetings: dict[str, Path] = {}
        self._ports: dict[str, int] = {}
        self._open: set[str] = set()

    # -- preparation --------------------------------------------------------------------------
    async def prepare_prompts(self) -> None:
        """Synthesise each number's greeting once (cached on disk by text and voice)."""
        if self.engine is None or self.data_dir is None:
            return
        loop = asyncio.get_running_loop()
        for language in sorted({n.language for n in self.company.numbers}):
            text = greeting_text(self.company, language)
            cache = TtsCache(self.data_dir / "tts", voice=language)
            try:
                self.greetings[language] = await loop.run_in_executor(None, cache.prepare, text)
            except MediaError as exc:
                log.warning("no greeting in %r: %s", language, exc)

    # -- the call's life ----------------------------------------------------------------------
    def open(self, call_id: str) -> int:
        """The local RTP port for this call's SDP; raises TelephonyError when none is free."""
        if self.engine is None:
            port = self.ports.take()
            self._ports[call_id] = port
            return port
        try:
            port = self.engine.open_stream(call_id, group=call_id)
        except EngineError as exc:
            raise TelephonyError(str(exc)) from None
        self._open.add(call_id)
        return port

    def start(self, call_id: str, number: Number, media: NegotiatedMedia) -> None:
        if self.engine is None or call_id not in self._open:
            return
        self.engine.configure(self._configure(call_id, media))
        greeting = self.greetings.get(number.language)
        if greeting is not None and media.direction.sends and not media.remote_on_hold:
            self.engine.play(call_id, path=str(greeting))
        if self.company.recording == "all" and self.data_dir is not None:
            # Starts with the caller's first RTP packet; `call.recording` is logged when the
            # file is complete (RecordingDone), with its length.
            path = self.data_dir / "recordings" / f"{_SAFE.sub('_', call_id)}.wav"
            self.engine.record(call_id, RecordAction.START, str(path), when_media=True)

    def update(self, call_id: str, media: NegotiatedMedia) -> None:
        """A re-INVITE changed the media (hold, a new address, another codec)."""
        if self.engine is not None and call_id in self._open:
            self.engine.configure(self._configure(call_id, media))

    def close(self, call_id: str) -> None:
        port = self._ports.pop(call_id, None)
        if port is not None:
            self.ports.give_back(port)
        if self.engine is not None and call_id in self._open:
            self._open.discard(call_id)
            self.engine.close_stream(call_id)

    def _configure(self, call_id: str, media: NegotiatedMedia) -> Configure:
        # Hold (the peer sends nothing) suspends the inactivity check rather than ending the
        # call after `inactivity_timeout` of music on hold.
        expect = media.direction.receives and not media.remote_on_hold
        return Configure(
            stream=call_id,
            remote=(media.remote_address, media.remote_port),
            codec=media.codec.name,
            payload_type=media.codec.payload_type or 0,
            telephone_event_pt=media.telephone_event_pt,
            send=media.direction.sends,
            expect_media=expect,
            inactivity_timeout=self.inactivity_timeout,
        )

    # -- engine events ------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        if isinstance(event, DtmfReceived):
            # The event's time is when the key went down (monotonic start mapped to wall time).
            pressed = self.wall() - (self.now() - event.start)
            self.log.append(round(pressed, 3), "call.dtmf", event.stream, digit=event.digit,
                            duration_ms=round(event.duration * 1000))  # fmt: skip
        elif isinstance(event, RecordingDone):
            self.log.append(
                self.wall(), "call.recording", event.stream, path=event.path,
                channels=event.channels, duration_s=round(event.duration, 3),
                paused=[list(p) for p in event.paused],
            )  # fmt: skip
        elif isinstance(event, MediaInactive):
            self._end(event.stream, "media_timeout", event.message)
        elif isinstance(event, MediaLost):
            self._open.discard(event.stream)
            self._end(event.stream, "media_lost", event.message)
        elif isinstance(event, CommandFailed):
            log.warning("media command %s for %s failed: %s", event.command, event.stream,
                        event.message)  # fmt: skip

    def _end(self, call_id: str, reason: str, detail: str) -> None:
        log.warning("ending call %s: %s (%s)", call_id, reason, detail)
        if self.hangup is not None:
            self.hangup(call_id, reason, detail, self.now())


def greeting_text(company: Company, language: str) -> str:
    template = GREETINGS.get(language.split("-")[0].lower(), GREETINGS["en"])
    return template.format(name=company.name)
