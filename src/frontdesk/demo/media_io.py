"""asyncio side of the simulated voices: one UDP socket per voice (its SDP port), and one
20 ms ticker for all of them.

One ticker rather than one per voice keeps the cost of many simulated calls to one wake-up
per frame (see TESTING-PEERS.md: one timer per stream tops out far earlier). It paces on
absolute deadlines of the loop's clock, so a late wake-up does not shift the streams; a stall
longer than `RESYNC_S` starts a new grid instead of sending a burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, cast

from frontdesk.demo.voice import Voice

log = logging.getLogger("frontdesk.demo")
FRAME_S = 0.02
RESYNC_S = 0.2


class _VoiceSocket(asyncio.DatagramProtocol):
    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.voice.receive(data)

    def error_received(self, exc: Exception) -> None:
        log.debug("voice socket error: %s", exc)  # ICMP unreachable after a call ends


class VoiceTicker:
    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._sockets: dict[Voice, _VoiceSocket] = {}
        self._task: asyncio.Task[None] | None = None

    async def open(self, voice: Voice, host: str) -> tuple[str, int]:
        """Gives `voice` a socket (its RTP address for the SDP) and sends its packets."""
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(
            lambda: _VoiceSocket(voice), local_addr=(host, 0)
        )
        self._sockets[voice] = protocol
        if self._task is None:
            self._task = asyncio.create_task(self._tick_forever(), name="demo voices")
        assert protocol.transport is not None
        address = protocol.transport.get_extra_info("sockname")
        return str(address[0]), int(address[1])

    def close(self, voice: Voice) -> None:
        protocol = self._sockets.pop(voice, None)
        if protocol is not None and protocol.transport is not None:
            protocol.transport.close()

    @property
    def voices(self) -> int:
        return len(self._sockets)

    async def _tick_forever(self) -> None:
        deadline = self.now()
        while True:
            now = self.now()
            if now - deadline > RESYNC_S:
                deadline = now
            elif deadline > now:
                await asyncio.sleep(deadline - now)
            for voice, protocol in list(self._sockets.items()):
                media, transport = voice.media, protocol.transport
                if media is None or transport is None:
                    continue
                try:
                    for packet in voice.tick(deadline):
                        transport.sendto(packet, media.remote)
                except Exception:  # one broken voice must not silence every call
                    log.exception("a demo voice failed; it goes quiet")
                    self.close(voice)
            deadline += FRAME_S

    async def stop(self) -> None:
        for voice in list(self._sockets):
            self.close(voice)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
