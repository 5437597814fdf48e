"""asyncio adapter: UDP and TCP sockets (IPv4 and IPv6) for the sans-IO user agent.

The only module of `sip/` that touches sockets. Each received datagram or framed message is
fed to the `UserAgent`, the application handles the resulting events, and everything the UA
wants to send is written out; one `call_at` handle drives the UA's timers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
from collections.abc import Callable
from typing import Any, cast

from frontdesk.sip import SipParseError
from frontdesk.sip.events import SipEvent
from frontdesk.sip.stream import KeepAlivePing, StreamFramer
from frontdesk.sip.transaction import Peer
from frontdesk.sip.useragent import UserAgent

log = logging.getLogger("frontdesk.sip")
TIMER_GRID = 0.01

EventHandler = Callable[[list[SipEvent], float], None]


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # On Python 3.11 the selector datagram transport does not subclass DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if data in (b"\r\n\r\n", b"\r\n", b"\x00\x00\x00\x00"):
            return  # UDP keep-alives from phones behind NAT carry no message
        self.owner.deliver(data, Peer("udp", addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)


class _Tcp(asyncio.Protocol):
    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner
        self.framer = StreamFramer()
        self.transport: asyncio.Transport | None = None
        self.conn_id = 0
        self.remote: tuple[str, int] = ("", 0)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it
        host, port = transport.get_extra_info("peername")[:2]
        self.remote = (host, port)
        self.conn_id = self.owner.register_connection(self)

    def data_received(self, data: bytes) -> None:
        try:
            items = self.framer.feed(data)
        except SipParseError as exc:
            log.info("closing TCP connection from %s: %s", self.remote, exc)
            assert self.transport is not None
            self.transport.close()
            return
        peer = Peer("tcp", self.remote[0], self.remote[1], self.conn_id)
        for item in items:
            if isinstance(item, KeepAlivePing):
                assert self.transport is not None
                self.transport.write(b"\r\n")
            else:
                self.owner.deliver(item, peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.forget_connection(self.conn_id)


class SipTransport:
    """Listens on one or more addresses (UDP and TCP on each) and serves one UserAgent."""

    def __init__(self, ua: UserAgent, on_events: EventHandler, now: Callable[[], float]) -> None:
        self.ua = ua
        self.on_events = on_events
        self.now = now
        self._udp: dict[bool, _Udp] = {}
        self._servers: list[asyncio.Server] = []
        self._connections: dict[int, _Tcp] = {}
        self._next_conn = 1
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")
        self._resolved: dict[str, str] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self.sent = 0
        self.received = 0

    async def listen(self, host: str, port: int) -> tuple[str, int]:
        """Listens on UDP and TCP on the same port; port 0 picks one free for both (the
        kernel's free UDP port may be taken for TCP: then another is tried)."""
        for attempt in range(20 if port == 0 else 1):
            try:
                return await self._listen(host, port)
            except OSError:
                if port != 0 or attempt == 19:
                    raise
        raise AssertionError("unreachable")

    async def _listen(self, host: str, port: int) -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        _, protocol = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=(host, port), family=family
        )
        assert protocol.transport is not None
        bound = protocol.transport.get_extra_info("sockname")
        sock = protocol.transport.get_extra_info("socket")
        # A bigger receive buffer rides out bursts (a sipp ramp) without kernel drops.
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        try:
            server = await loop.create_server(lambda: _Tcp(self), host, bound[1], family=family)
        except OSError:
            protocol.transport.close()
            raise
        self._udp[family == socket.AF_INET6] = protocol
        self._servers.append(server)
        return bound[0], bound[1]

    def register_connection(self, conn: _Tcp) -> int:
        conn_id = self._next_conn
        self._next_conn += 1
        self._connections[conn_id] = conn
        return conn_id

    def forget_connection(self, conn_id: int) -> None:
        self._connections.pop(conn_id, None)

    def deliver(self, data: bytes, peer: Peer) -> None:
        self.received += 1
        now = self.now()
        ua = self.ua
        ua.receive(data, peer, now)
        self._drain(now)

    def pump(self) -> None:
        """Hands on what the UA queued outside a SIP callback (after awaited work, a media
        event, an application timer) and writes it out."""
        self._drain(self.now())

    def _drain(self, now: float) -> None:
        ua = self.ua
        while ua.events:
            events = list(ua.events)
            ua.events.clear()
            try:
                self.on_events(events, now)
            except Exception:
                # A bug in one call's handling must not take every other call down with it.
                log.exception("the application failed to handle %d SIP event(s)", len(events))
        self.flush()

    def flush(self) -> None:
        """Writes what the UA queued and re-arms the timer; call after driving the UA."""
        ua = self.ua
        if ua.outgoing:
            out = list(ua.outgoing)
            ua.outgoing.clear()
            for data, peer in out:
                self._send(data, peer)
        deadline = ua.next_timer()
        if deadline is not None and deadline < self._timer_at:
            # Deadlines are rounded up to a 10 ms grid so that the timers of many calls fire
            # in one wake-up: SIP timers are hundreds of milliseconds, 10 ms later is harmless.
            deadline = math.ceil(deadline / TIMER_GRID) * TIMER_GRID
            if deadline >= self._timer_at:
                return
            if self._timer is not None:
                self._timer.cancel()
            loop = asyncio.get_running_loop()
            delay = max(0.0, deadline - self.now())
            self._timer = loop.call_at(loop.time() + delay, self._on_timer)
            self._timer_at = deadline

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = float("inf")
        now = self.now()
        self.ua.handle_timer(now)
        self._drain(now)

    def _send(self, data: bytes, peer: Peer) -> None:
        self.sent += 1
        if peer.transport == "udp":
            protocol = self._udp.get(":" in peer.host) or next(iter(self._udp.values()))
            if protocol.transport is not None:
                protocol.transport.sendto(data, (self._resolve(peer.host), peer.port))
            return
        conn = self._connections.get(peer.conn) if peer.conn is not None else None
        if conn is None:
            conn = self._find_connection(peer)
        if conn is not None and conn.transport is not None:
            conn.transport.write(data)
        else:
            task = asyncio.ensure_future(self._connect_and_send(data, peer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _find_connection(self, peer: Peer) -> _Tcp | None:
        for conn in self._connections.values():
            if conn.remote == (peer.host, peer.port):
                return conn
        return None

    async def _connect_and_send(self, data: bytes, peer: Peer) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(lambda: _Tcp(self), peer.host, peer.port)
        except OSError as exc:
            log.warning("cannot connect to %s:%s over TCP: %s", peer.host, peer.port, exc)
            return
        assert conn.transport is not None
        conn.transport.write(data)

    def _resolve(self, host: str) -> str:
        host = host.strip("[]")
        found = self._resolved.get(host)
        if found is None:
            # Names come from configuration (trunks) and are resolved once, then cached.
            found = str(socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)[0][4][0])
            self._resolved[host] = found
        return found

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for server in self._servers:
            server.close()
        for conn in list(self._connections.values()):
            if conn.transport is not None:
                conn.transport.close()
        for protocol in self._udp.values():
            if protocol.transport is not None:
                protocol.transport.close()
