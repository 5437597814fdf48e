"""`MediaEngine`: the main process's handle on the media worker processes.

It binds each stream's UDP socket itself (so the port is known at once and can go straight
into an SDP answer), hands the socket to a worker with the `OpenStream` command, and from then
on only sends commands and receives events. Streams of one call share a `group`, which keeps
them on one worker so they can be relayed without leaving it. A worker that dies is noticed
through its process sentinel: each of its streams gets a `MediaLost` event, and a replacement
worker is started for new streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import multiprocessing
import socket
from collections.abc import Callable
from multiprocessing.process import BaseProcess

from frontdesk.media import MediaError
from frontdesk.media.engine import protocol as p
from frontdesk.media.engine.channel import Channel, ChannelClosed, channel_pair
from frontdesk.media.engine.realtime import priority_from_env
from frontdesk.media.engine.worker import worker_main
from frontdesk.media.recorder import RecordMode

log = logging.getLogger("frontdesk.media")
EventHandler = Callable[[p.Event], None]


class EngineError(MediaError):
    """The media engine cannot do what was asked (no free port, unknown stream, not running)."""


class _Worker:
    def __init__(self, index: int, process: BaseProcess, channel: Channel) -> None:
        self.index, self.process, self.channel = index, process, channel
        self.streams: set[str] = set()
        self.alive = True
        self.ready = False
        self.load: p.WorkerLoad | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid


class MediaEngine:
    def __init__(
        self,
        on_event: EventHandler,
        workers: int = 2,
        host: str = "127.0.0.1",
        ports: tuple[int, int] = (20000, 39999),
        rt_priority: int | None = None,
    ) -> None:
        """`rt_priority`: run the workers under SCHED_FIFO at this priority (1-99; 0 is off,
        None takes FRONTDESK_MEDIA_RT_PRIORITY, off when unset). See `engine.realtime`."""
        if workers < 1:
            raise EngineError("the media engine needs at least one worker")
        if ports[0] >= ports[1]:
            raise EngineError(f"RTP port range {ports[0]}-{ports[1]} is empty")
        self.on_event = on_event
        self.worker_count = workers
        self.rt_priority = priority_from_env() if rt_priority is None else rt_priority
        self.host = host
        first = ports[0] + ports[0] % 2  # RTP on even ports, RTCP on the odd one above
        self._ports = range(first, ports[1], 2)
        self._cursor = 0
        self.workers: list[_Worker] = []
        self._where: dict[str, _Worker] = {}
        self._groups: dict[str, _Worker] = {}
        self._group_of: dict[str, str] = {}
        self._port_of: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context = multiprocessing.get_context("spawn")
        self.running = False

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self, timeout: float = 20.0) -> None:
        """Start the workers and wait until each one's loop runs (imports take a moment)."""
        self._loop = asyncio.get_running_loop()
        self.running = True
        for index in range(self.worker_count):
            self.workers.append(self._spawn(index))
        deadline = self._loop.time() + timeout
        while not all(w.ready for w in self.workers):
            if self._loop.time() > deadline:
                await self.stop()
                raise EngineError(f"the media workers did not start within {timeout:.0f} s")
            await asyncio.sleep(0.01)

    def _spawn(self, index: int) -> _Worker:
        ours, theirs = channel_pair()
        process = self._context.Process(
            target=worker_main,
            args=(theirs, self.rt_priority),
            name=f"frontdesk-media-{index}",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(index, process, Channel(ours))
        assert self._loop is not None
        self._loop.add_reader(worker.channel.fileno(), self._on_readable, worker)
        self._loop.add_reader(process.sentinel, self._on_exit, worker)
        log.info("media worker %d started (pid %s)", index, process.pid)
        return worker

    async def stop(self, timeout: float = 3.0) -> None:
        """Close every stream (recordings are finished), then end the workers."""
        self.running = False
        for worker in self.workers:
            if worker.alive:
                with contextlib.suppress(ChannelClosed):
                    worker.channel.send(p.Shutdown())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(w.alive and w.process.is_alive() for w in self.workers):
            if loop.time() > deadline:
                break
            await asyncio.sleep(0.02)
        for worker in self.workers:
            self._drain(worker)
            self._retire(worker)
            if worker.process.is_alive():
                worker.process.kill()
            worker.process.join(1.0)

    # -- streams ------------------------------------------------------------------------------
    def open_stream(self, stream: str, group: str | None = None) -> int:
        """Bind a UDP port for `stream`, give it to a worker, return the port (for SDP)."""
        if not self.running:
            raise EngineError("the media engine is not running")
        if stream in self._where:
            raise EngineError(f"media stream {stream!r} is already open")
        worker = self._worker_for(group or stream)
        socks, port = self._bind()
        try:
            worker.channel.send(p.OpenStream(stream, port), attach=socks)
        except ChannelClosed:
            for sock in socks:
                sock.close()
            raise EngineError("the media worker for this call has stopped") from None
        self._watch_writable(worker)
        worker.streams.add(stream)
        self._where[stream] = worker
        self._group_of[stream] = group or stream
        self._port_of[stream] = port
        self._groups.setdefault(group or stream, worker)
        return port

    def configure(self, command: p.Configure) -> None:
        self._send(command.stream, command)

    def play(self, stream: str, path: str | None = None, tone: str | None = None,
             loop: bool = False) -> None:  # fmt: skip
        self._send(stream, p.Play(stream, path, tone, loop))

    def stop_play(self, stream: str) -> None:
        self._send(stream, p.StopPlay(stream))

    def record(self, stream: str, action: p.RecordAction, path: str | None = None,
               mode: RecordMode = RecordMode.STEREO,
               when_media: bool = False) -> None:  # fmt: skip
        self._send(stream, p.Record(stream, action, path, mode, when_media))

    def bridge(self, a: str, b: str) -> None:
        if self._where.get(a) is not self._where.get(b):
            raise EngineError(f"streams {a!r} and {b!r} are on different workers: open them "
                              "with the same group to bridge them")  # fmt: skip
        self._send(a, p.Bridge(a, b))

    def unbridge(self, stream: str) -> None:
        self._send(stream, p.Unbridge(stream))

    def mix(self, group: str, roles: dict[str, p.MixRole], agent: str | None = None) -> None:
        workers = {self._where.get(s) for s in roles}
        if len(workers) != 1 or None in workers:
            raise EngineError("every stream of a conference must be open on the same worker")
        self._send(next(iter(roles)), p.Mix(group, tuple(roles.items()), agent))

    def leave_mix(self, stream: str) -> None:
        self._send(stream, p.LeaveMix(stream))

    def query_stats(self, stream: str) -> None:
        """Ask for the stream's statistics now; they come back as a `StreamStats` event."""
        self._send(stream, p.QueryStats(stream))

    def close_stream(self, stream: str) -> None:
        worker = self._where.pop(stream, None)
        if worker is None:
            return
        worker.streams.discard(stream)
        self._port_of.pop(stream, None)
        group = self._group_of.pop(stream, stream)
        if not any(g == group for g in self._group_of.values()):
            self._groups.pop(group, None)
        if worker.alive:
            with contextlib.suppress(ChannelClosed):
                worker.channel.send(p.Close(stream))
                self._watch_writable(worker)

    def port_of(self, stream: str) -> int:
        port = self._port_of.get(stream)
        if port is None:
            raise EngineError(f"there is no open media stream {stream!r}")
        return port

    def worker_of(self, stream: str) -> int | None:
        """The pid of the worker carrying `stream` (for logs and tests)."""
        worker = self._where.get(stream)
        return worker.pid if worker is not None else None

    @property
    def streams(self) -> int:
        return len(self._where)

    # -- internals ----------------------------------------------------------------------------
    def _send(self, stream: str, command: p.Command) -> None:
        worker = self._where.get(stream)
        if worker is None:
            raise EngineError(f"there is no open media stream {stream!r}")
        try:
            worker.channel.send(command)
        except ChannelClosed:
            return  # the worker died; its MediaLost events are on their way
        self._watch_writable(worker)

    def _worker_for(self, group: str) -> _Worker:
        worker = self._groups.get(group)
        if worker is not None and worker.alive:
            return worker
        alive = [w for w in self.workers if w.alive]
        if not alive:
            raise EngineError("no media worker is running")
        return min(alive, key=lambda w: len(w.streams))

    def _bind(self) -> tuple[tuple[socket.socket, socket.socket], int]:
        """An RTP socket on an even port and its RTCP socket on the next (RFC 3550 §11); a pair
        with either port taken is skipped."""
        for _ in range(len(self._ports)):
            port = self._ports[self._cursor]
            self._cursor = (self._cursor + 1) % len(self._ports)
            rtp = self._bind_one(port)
            if rtp is None:
                continue
            rtcp = self._bind_one(port + 1)
            if rtcp is None:
                rtp.close()
                continue
            with contextlib.suppress(OSError):
                rtp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
            return (rtp, rtcp), port
        raise EngineError(f"no free RTP port left in {self._ports.start}-{self._ports.stop}")

    def _bind_one(self, port: int) -> socket.socket | None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, port))
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return None
            raise EngineError(f"cannot bind an RTP port on {self.host}: {exc}") from None
        return sock

    def _watch_writable(self, worker: _Worker) -> None:
        if worker.channel.pending and self._loop is not None:
            self._loop.add_writer(worker.channel.fileno(), self._on_writable, worker)

    def _on_writable(self, worker: _Worker) -> None:
        with contextlib.suppress(ChannelClosed):
            worker.channel.flush()
        if not worker.channel.pending and self._loop is not None:
            self._loop.remove_writer(worker.channel.fileno())

    def _on_readable(self, worker: _Worker) -> None:
        if not self._drain(worker) and worker.alive and self._loop is not None:
            # The channel reached EOF: the process is exiting. Its sentinel reports the exit
            # with the status, so only stop listening here.
            self._loop.remove_reader(worker.channel.fileno())

    def _drain(self, worker: _Worker) -> bool:
        if not worker.alive:
            return False
        try:
            messages = worker.channel.receive()
        except ChannelClosed:
            return False
        for event, _fds in messages:
            if isinstance(event, p.WorkerLoad):
                _note_slow_collection(worker, event)
                worker.load = event
            elif isinstance(event, p.WorkerReady):
                worker.ready = True
                level = logging.WARNING if "refused" in event.scheduling else logging.INFO
                log.log(level, "media worker %d (pid %d) runs with %s", worker.index, event.pid,
                        event.scheduling)  # fmt: skip
                continue
            self.on_event(event)
        return True

    def _on_exit(self, worker: _Worker) -> None:
        # The sentinel fires as the process exits; reaping it takes a moment more.
        worker.process.join(0.5)
        code = worker.process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else (
            f"exited with status {code}")  # fmt: skip
        self._drain(worker)  # events it managed to send before it died
        self._lost(worker, how)

    def _lost(self, worker: _Worker, how: str) -> None:
        if not worker.alive:
            return
        self._retire(worker)
        if not self.running:
            return
        message = f"media worker {worker.index} (pid {worker.pid}) {how}"
        log.error("%s; %d stream(s) lost", message, len(worker.streams))
        for stream in sorted(worker.streams):
            self._where.pop(stream, None)
            self._group_of.pop(stream, None)
            self._port_of.pop(stream, None)
            self.on_event(p.MediaLost(stream, message))
        worker.streams.clear()
        self._groups = {g: w for g, w in self._groups.items() if w is not worker}
        self.workers[self.workers.index(worker)] = self._spawn(worker.index)

    def _retire(self, worker: _Worker) -> None:
        if not worker.alive:
            return
        worker.alive = False
        if self._loop is not None:
            self._loop.remove_reader(worker.channel.fileno())
            self._loop.remove_reader(worker.process.sentinel)
            self._loop.remove_writer(worker.channel.fileno())
        worker.channel.close()


SLOW_COLLECTION_S = 0.005  # a quarter of a packet's 20 ms: jitter a listener could notice


def _note_slow_collection(worker: _Worker, load: p.WorkerLoad) -> None:
    """Logs a worker's longest collector pause each time it grows past SLOW_COLLECTION_S."""
    before = worker.load.gc_longest if worker.load is not None else 0.0
    if load.gc_longest > max(before, SLOW_COLLECTION_S):
        log.info(
            "media worker %d: a garbage collection took %.1f ms, its longest so far "
            "(%d collections)",
            worker.index,
            1000 * load.gc_longest,
            load.gc_runs,
        )
