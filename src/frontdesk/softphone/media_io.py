"""asyncio side of the RTP bridge: the UDP socket facing the media engine, the 20 ms ticker
that sends to it, the aiortc track the browser hears, and the reader of the browser's track.

The sans-IO `RtpBridge` does the conversions; this module only moves datagrams and frames in
and out of it on time. Pacing uses absolute deadlines on the loop's clock, so a late wake-up
does not shift the stream (a stall of more than `RESYNC_S` starts a new grid instead of
sending a burst).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, cast

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from frontdesk.softphone.bridge import FRAME_S, RtpBridge

log = logging.getLogger("frontdesk.softphone")
RESYNC_S = 0.2


class _EngineSocket(asyncio.DatagramProtocol):
    def __init__(self, bridge: RtpBridge, now: Callable[[], float]) -> None:
        self.bridge, self.now = bridge, now
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.bridge.from_engine(data, self.now())

    def error_received(self, exc: Exception) -> None:
        log.debug("bridge socket error: %s", exc)  # ICMP port unreachable after a call ends


class EngineTrack(MediaStreamTrack):
    """What the browser hears: the bridge's engine-to-browser frames, one per 20 ms."""

    kind = "audio"

    def __init__(self, bridge: RtpBridge, now: Callable[[], float]) -> None:
        super().__init__()
        self.bridge, self.now = bridge, now
        self._next: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = self.now()
        if self._next is None or now - self._next > RESYNC_S:
            self._next = now
        else:
            await asyncio.sleep(max(0.0, self._next - now))
        self._next += FRAME_S
        return self.bridge.to_browser(self.now())


class MediaPump:
    """Runs one bridge: its socket, its ticker to the engine, and readers of browser tracks."""

    def __init__(self, bridge: RtpBridge, now: Callable[[], float]) -> None:
        self.bridge, self.now = bridge, now
        self._socket: _EngineSocket | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.address: tuple[str, int] = ("", 0)

    async def start(self, host: str) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(
            lambda: _EngineSocket(self.bridge, self.now), local_addr=(host, 0)
        )
        self._socket = protocol
        assert protocol.transport is not None
        self.address = protocol.transport.get_extra_info("sockname")[:2]
        self._ticker = asyncio.create_task(self._tick_forever())
        return self.address

    def read_browser(self, track: MediaStreamTrack) -> None:
        """Feed the browser's (new) track to the bridge; an older reader stops."""
        if self._reader is not None:
            self._reader.cancel()
        self._reader = asyncio.create_task(self._read(track))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, av.AudioFrame):
                    self.bridge.from_browser(frame)

    async def _tick_forever(self) -> None:
        deadline = self.now()
        while True:
            now = self.now()
            if now - deadline > RESYNC_S:
                deadline = now
            elif deadline > now:
                await asyncio.sleep(deadline - now)
            self._send(self.bridge.tick(deadline))
            deadline += FRAME_S

    def _send(self, packets: list[bytes]) -> None:
        media, sock = self.bridge.media, self._socket
        if not packets or media is None or sock is None or sock.transport is None:
            return
        for packet in packets:
            sock.transport.sendto(packet, media.remote)

    async def close(self) -> None:
        for task in (self._ticker, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._socket is not None and self._socket.transport is not None:
            self._socket.transport.close()
