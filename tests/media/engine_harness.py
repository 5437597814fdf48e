"""Helpers for media engine tests: a far-end RTP peer in the test process and an engine run.

The engine spawns real worker processes, so every test is a real loopback exchange: packets
leave a socket here, cross the worker, and come back to another socket here.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from frontdesk.media.engine import Event, MediaEngine

HEADER = struct.Struct("!BBHII")
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux


@dataclass(frozen=True)
class Received:
    at: float  # kernel arrival time (wall clock)
    pt: int
    marker: bool
    seq: int
    ts: int
    ssrc: int
    payload: bytes
    source: tuple[str, int]


class FarEnd:
    """A phone's RTP socket: sends to an engine port and keeps everything it receives."""

    opened: list[FarEnd] = []  # closed by `run` at the end of each test

    def __init__(self) -> None:
        FarEnd.opened.append(self)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        # Kernel arrival times, so jitter measures the network path, not this test's loop.
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.address: tuple[str, int] = self.sock.getsockname()
        self.received: list[Received] = []

    def send(self, port: int, pt: int, seq: int, ts: int, ssrc: int, payload: bytes,
             marker: bool = False) -> None:  # fmt: skip
        second = pt | (0x80 if marker else 0)
        packet = HEADER.pack(0x80, second, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload
        self.sock.sendto(packet, ("127.0.0.1", port))

    def drain(self) -> list[Received]:
        new = []
        while True:
            try:
                data, ancillary, _flags, source = self.sock.recvmsg(4096, 64)
            except BlockingIOError:
                break
            at = time.time()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    seconds, nanos = struct.unpack("qq", value[:16])
                    at = seconds + nanos * 1e-9
            _b0, b1, seq, ts, ssrc = HEADER.unpack_from(data)
            new.append(Received(at, b1 & 0x7F, bool(b1 & 0x80), seq, ts, ssrc,
                                data[12:], source))  # fmt: skip
        self.received.extend(new)
        return new

    def count(self) -> int:
        """Packets received so far (after reading what is waiting)."""
        self.drain()
        return len(self.received)

    def close(self) -> None:
        self.sock.close()


async def stream_audio(
    far: FarEnd, port: int, frames: list[bytes], pt: int = 0, ssrc: int = 0x1234
) -> None:
    """Send frames every 20 ms on an absolute schedule (like a phone), draining as we go."""
    start = time.monotonic()
    for k, payload in enumerate(frames):
        far.send(port, pt, 1000 + k, 5000 + 160 * k, ssrc, payload, marker=k == 0)
        far.drain()
        await asyncio.sleep(max(0.0, start + (k + 1) * 0.02 - time.monotonic()))


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the engine")
        await asyncio.sleep(0.02)


def rfc3550_jitter_ms(packets: list[Received], rate: int = 8000) -> float:
    """RFC 3550 A.8 interarrival jitter at the end of the packets, in milliseconds."""
    jitter, previous = 0.0, None
    for packet in packets:
        transit = packet.at * rate - packet.ts
        if previous is not None:
            jitter += (abs(transit - previous) - jitter) / 16.0
        previous = transit
    return jitter / rate * 1000.0


def run(body: Callable[[MediaEngine, list[Event]], Awaitable[None]], workers: int = 1) -> None:
    async def main() -> None:
        events: list[Event] = []
        base = random.randrange(40000, 58000, 2)
        engine = MediaEngine(events.append, workers=workers, ports=(base, base + 400))
        await engine.start()
        try:
            await body(engine, events)
        finally:
            await engine.stop()
            while FarEnd.opened:
                FarEnd.opened.pop().close()

    asyncio.run(main())
