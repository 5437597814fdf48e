"""A media worker process: one epoll loop, one 20 ms ticker, every stream of the worker.

Each stream has its own UDP socket (SDP needs a port per stream), but no stream has a timer or
a task of its own: all sockets are registered with one epoll and drained when readable, and
one `Ticker` split into slots wakes the loop for generated audio, recordings, conferences and
housekeeping. Deadlines come from the ticker's start and tick number, so a late wake-up never
makes the schedule drift. Commands arrive, and events leave, on one `Channel`; when the main
process goes away the channel reaches EOF and the worker exits.
"""

from __future__ import annotations

import gc
import logging
import os
import select
import socket
import time
from collections.abc import Callable
from typing import Any

from frontdesk.media import MediaError
from frontdesk.media.engine import protocol as p
from frontdesk.media.engine.channel import Channel, ChannelClosed
from frontdesk.media.engine.conference import Conference
from frontdesk.media.engine.realtime import go_realtime
from frontdesk.media.engine.sources import AudioLibrary
from frontdesk.media.engine.stream import Stream
from frontdesk.media.engine.tick_timer import SlotTimer, slot_timer
from frontdesk.media.engine.worker_health import CollectorWatch, RunDelay, thresholds_from_env
from frontdesk.media.ticker import SlotAssigner, Ticker

log = logging.getLogger("frontdesk.media")
SLOTS = 4
HOUSEKEEPING_TICKS = 10  # every 200 ms per slot: DTMF staleness, inactivity
LOAD_TICKS = 50  # report WorkerLoad once a second
MAX_DRAIN = 32  # RTCP datagrams read from one socket per wake-up
# After a short round of work, wait this long before polling again, so that a poll returns a
# batch of datagrams instead of waking the process for each one: at most 2,000 wake-ups a
# second, for at most 0.5 ms more delay (about 0.2 ms of RFC 3550 jitter) on relayed packets.
COALESCE = 0.0005
# Ready sockets handled between two looks at the clock (about 0.3 ms of relaying).
CHUNK = 32
# With the slot timer, the poll timeout is only a safety net in case the timer stops.
TIMER_GRACE = 0.002
_IN = select.EPOLLIN


class MediaWorker:
    def __init__(self, channel: Channel, clock: Callable[[], float] = time.monotonic) -> None:
        self.channel = channel
        self.clock = clock
        self.streams: dict[str, Stream] = {}
        self.by_fd: dict[int, Stream] = {}
        self.rtcp_by_fd: dict[int, Stream] = {}
        # NTP timestamps in RTCP are wall-clock: one offset, so reports never jump with NTP.
        self.wall_offset = time.time() - clock()
        self.slots: list[dict[str, Stream]] = [{} for _ in range(SLOTS)]
        self.assigner = SlotAssigner(SLOTS)
        self.conferences: dict[str, Conference] = {}
        self.library = AudioLibrary()
        self.ticker = Ticker(clock(), slots=SLOTS)
        self.epoll = select.epoll()
        self.epoll.register(channel.fileno(), _IN)
        # The timerfd runs on the real monotonic clock: with an injected clock, poll timeouts.
        step = self.ticker.period / SLOTS
        self.timer: SlotTimer | None = None
        if clock is time.monotonic:
            self.timer = slot_timer(self.ticker.start + step, step)
        if self.timer is not None:
            self.epoll.register(self.timer.fileno(), _IN)
        self._watching_out = False
        self.running = True
        self.events: list[p.Event] = []
        self.recv_buf = bytearray(2048)
        self.recv_view = memoryview(self.recv_buf)
        self.send_buf = bytearray(2048)
        self.send_view = memoryview(self.send_buf)
        self.busy = 0.0
        self.collector: CollectorWatch | None = None  # set by worker_main
        self.late_ticks = 0
        self.max_late = 0.0
        self._sched_stat = RunDelay()
        self._handlers: dict[type, Callable[[Any, list[int], float], None]] = {
            p.OpenStream: self._open, p.Configure: self._configure, p.Play: self._play,
            p.StopPlay: self._stop_play, p.Record: self._record, p.Bridge: self._bridge,
            p.Unbridge: self._unbridge, p.Mix: self._mix, p.LeaveMix: self._leave_mix,
            p.Close: self._close, p.QueryStats: self._query_stats, p.Shutdown: self._shutdown,
        }  # fmt: skip

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> None:
        clock, ticker, poll = self.clock, self.ticker, self.epoll.poll
        channel_fd = self.channel.fileno()
        by_fd, buf, view = self.by_fd, self.recv_buf, self.recv_view
        events = self.events
        sleep = time.sleep
        timer = self.timer
        timer_fd = timer.fileno() if timer is not None else -1
        grace = TIMER_GRACE if timer is not None else 0.0
        while self.running:
            now = clock()
            ready = poll(max(0.0, ticker.next_deadline() - now) + grace)
            woke = now = clock()
            for start in range(0, len(ready), CHUNK):
                if start:
                    # A big batch (a burst from the far ends) must not hold up a slot that
                    # fell due while it was being read: at most one chunk of work delays it.
                    now = clock()
                    if now >= ticker.next_deadline():
                        self._service_due(now)
                for fd, mask in ready[start : start + CHUNK]:
                    stream = by_fd.get(fd)
                    if stream is not None:
                        stream.readable(buf, view, now, events)
                    elif fd == timer_fd:
                        timer.clear()  # type: ignore[union-attr]
                    elif fd == channel_fd:
                        self._channel_ready(mask, now)
                    else:
                        self._rtcp_ready(fd, now)
            self._service_due(clock())
            if events:
                self._send_events()
            done = clock()
            self.busy += done - woke
            rest = min(woke + COALESCE, ticker.next_deadline()) - done
            if rest > 0:
                sleep(rest)

    def _service_due(self, now: float) -> None:
        for due in self.ticker.due(now):
            self._service(due.tick, due.slot, due.deadline)

    def _service(self, tick: int, slot: int, deadline: float) -> None:
        now = self.clock()
        late = now - deadline
        if late > 0.005:
            self.late_ticks += 1
        if late > self.max_late:
            self.max_late = late
        out, buf, view = self.events, self.send_buf, self.send_view
        streams = self.slots[slot]
        for stream in streams.values():
            if stream.playback is not None or stream.recorder is not None:
                stream.tick(buf, view, now, out)
        if slot == 0:
            for conference in self.conferences.values():
                conference.tick(buf, view, now, out)
        if tick % HOUSEKEEPING_TICKS == 0:
            for stream in streams.values():
                stream.housekeeping(now, out)
        if slot == 0 and tick % LOAD_TICKS == 0 and tick:
            self._report_load(now)

    def _rtcp_ready(self, fd: int, now: float) -> None:
        stream = self.rtcp_by_fd.get(fd)
        if stream is None or stream.rtcp_sock is None:
            return
        sock = stream.rtcp_sock
        for _ in range(MAX_DRAIN):
            try:
                data, addr = sock.recvfrom(2048)
            except BlockingIOError:
                return
            except OSError:
                continue  # an ICMP error from our own reports to a peer without RTCP
            stream.receive_rtcp(data, addr, now)

    def _report_load(self, now: float) -> None:
        period = LOAD_TICKS * self.ticker.period
        gc_figures = (0, 0.0, 0.0)
        if (watch := self.collector) is not None:
            gc_figures = (watch.runs, watch.total_s, watch.longest_s)
        load = p.WorkerLoad(len(self.streams), min(self.busy / period, 1.0), self.late_ticks,
                            self.ticker.skipped, self.max_late,
                            self._sched_stat.waited_since_last(), *gc_figures)  # fmt: skip
        self.busy = self.max_late = 0.0
        self.events.append(load)

    def _channel_ready(self, mask: int, now: float) -> None:
        if mask & select.EPOLLOUT:
            self._flush()
        if not mask & (_IN | select.EPOLLHUP | select.EPOLLERR):
            return
        try:
            messages = self.channel.receive()
        except ChannelClosed:
            self.running = False  # the main process is gone: nothing left to serve
            return
        for message, fds in messages:
            self._dispatch(message, fds, now)

    def _dispatch(self, command: Any, fds: list[int], now: float) -> None:
        handler = self._handlers.get(type(command))
        name = getattr(command, "stream", getattr(command, "group", ""))
        try:
            if handler is None:
                raise MediaError(f"unknown media command {type(command).__name__}")
            handler(command, fds, now)
        except (MediaError, OSError) as exc:
            for fd in fds if not isinstance(command, p.OpenStream) else ():
                os.close(fd)
            self.events.append(p.CommandFailed(str(name), type(command).__name__, str(exc)))

    def _send_events(self) -> None:
        try:
            for event in self.events:
                self.channel.send(event)
        except ChannelClosed:
            self.running = False
        self.events.clear()
        self._flush()

    def _flush(self) -> None:
        try:
            self.channel.flush()
        except ChannelClosed:
            self.running = False
            return
        want_out = self.channel.pending
        if want_out != self._watching_out:
            mask = _IN | (select.EPOLLOUT if want_out else 0)
            self.epoll.modify(self.channel.fileno(), mask)
            self._watching_out = want_out

    # -- commands -----------------------------------------------------------------------------
    def _stream(self, name: str) -> Stream:
        stream = self.streams.get(name)
        if stream is None:
            raise MediaError(f"there is no media stream {name!r} on this worker")
        return stream

    def _open(self, cmd: p.OpenStream, fds: list[int], now: float) -> None:
        if len(fds) not in (1, 2):
            for fd in fds:
                os.close(fd)
            raise MediaError("OpenStream must carry an RTP socket and at most an RTCP socket")
        socks = [socket.socket(fileno=fd) for fd in fds]
        if cmd.stream in self.streams:
            for sock in socks:
                sock.close()
            raise MediaError(f"media stream {cmd.stream!r} is already open")
        slot = self.assigner.assign(cmd.stream)
        rtcp_sock = socks[1] if len(socks) == 2 else None
        stream = Stream(cmd.stream, socks[0], cmd.local_port, slot, rtcp_sock, self.wall_offset)
        self.streams[cmd.stream] = stream
        self.by_fd[stream.fd] = stream
        self.slots[slot][cmd.stream] = stream
        self.epoll.register(stream.fd, _IN)
        if rtcp_sock is not None:
            self.rtcp_by_fd[rtcp_sock.fileno()] = stream
            self.epoll.register(rtcp_sock.fileno(), _IN)

    def _configure(self, cmd: p.Configure, fds: list[int], now: float) -> None:
        self._stream(cmd.stream).configure(cmd, now)

    def _query_stats(self, cmd: p.QueryStats, fds: list[int], now: float) -> None:
        self.events.append(self._stream(cmd.stream).stats(final=False))

    def _play(self, cmd: p.Play, fds: list[int], now: float) -> None:
        stream = self._stream(cmd.stream)
        playback = self.library.playback(stream.codec, cmd.path, cmd.tone, cmd.loop)
        if stream.playback is not None:
            self.events.append(p.PlaybackDone(stream.name, stream.playback.seconds_sent, True))
        stream.start_playback(playback)

    def _stop_play(self, cmd: p.StopPlay, fds: list[int], now: float) -> None:
        stream = self._stream(cmd.stream)
        if stream.playback is not None:
            self.events.append(p.PlaybackDone(stream.name, stream.playback.seconds_sent, True))
            stream.playback = None

    def _record(self, cmd: p.Record, fds: list[int], now: float) -> None:
        self._stream(cmd.stream).record(cmd, now, self.events)

    def _bridge(self, cmd: p.Bridge, fds: list[int], now: float) -> None:
        a, b = self._stream(cmd.a), self._stream(cmd.b)
        if a is b:
            raise MediaError("a stream cannot be bridged to itself")
        for stream in (a, b):
            self._unbridge(p.Unbridge(stream.name), [], now)
            if stream.mixing is not None:
                self._leave_mix(p.LeaveMix(stream.name), [], now)
        a.peer, b.peer = b, a

    def _unbridge(self, cmd: p.Unbridge, fds: list[int], now: float) -> None:
        stream = self._stream(cmd.stream)
        if stream.peer is not None:
            stream.peer.peer = None
            stream.peer = None

    def _mix(self, cmd: p.Mix, fds: list[int], now: float) -> None:
        roles = dict(cmd.roles)
        members = {name: self._stream(name) for name in roles}
        for stream in members.values():
            if stream.peer is not None:
                self._unbridge(p.Unbridge(stream.name), [], now)
            if stream.mixing is not None and stream.mixing != cmd.group:
                self._leave_mix(p.LeaveMix(stream.name), [], now)
        conference = self.conferences.setdefault(cmd.group, Conference(cmd.group))
        conference.arrange(members, roles, cmd.agent)

    def _leave_mix(self, cmd: p.LeaveMix, fds: list[int], now: float) -> None:
        stream = self._stream(cmd.stream)
        group = stream.mixing
        if group is None:
            return
        conference = self.conferences[group]
        conference.remove(stream.name)
        if not conference.members:
            del self.conferences[group]

    def _close(self, cmd: p.Close, fds: list[int], now: float) -> None:
        stream = self.streams.pop(cmd.stream, None)
        if stream is None:
            return  # closing twice is harmless: the call may end from both sides at once
        if stream.mixing is not None:
            self.streams[stream.name] = stream
            self._leave_mix(p.LeaveMix(stream.name), [], now)
            del self.streams[stream.name]
        if stream.peer is not None:
            stream.peer.peer = None
        stream.stop_recording(now, self.events)
        if stream.playback is not None:
            self.events.append(p.PlaybackDone(stream.name, stream.playback.seconds_sent, True))
        stream.say_bye(now)
        self.events.append(stream.stats(final=True))
        self.epoll.unregister(stream.fd)
        del self.by_fd[stream.fd]
        if stream.rtcp_sock is not None:
            self.epoll.unregister(stream.rtcp_sock.fileno())
            del self.rtcp_by_fd[stream.rtcp_sock.fileno()]
        del self.slots[stream.slot][stream.name]
        self.assigner.release(stream.name)
        stream.close_sockets()

    def _shutdown(self, cmd: p.Shutdown, fds: list[int], now: float) -> None:
        for name in list(self.streams):
            self._close(p.Close(name), [], now)
        self.running = False


def worker_main(sock: socket.socket, rt_priority: int = 0) -> None:
    """Entry point of the worker process (spawned, so nothing is inherited but the socket)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _raise_fd_limit()
    scheduling = go_realtime(rt_priority)
    channel = Channel(sock)
    worker = MediaWorker(channel)
    # Freezing what exists at start-up (imports, tables) keeps it out of every collection;
    # the thresholds (worker_health.py) keep the collections rare.
    thresholds, refused = thresholds_from_env()
    if refused:
        log.warning("%s", refused)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
    worker.collector = CollectorWatch()
    worker.events.append(p.WorkerReady(os.getpid(), scheduling))
    try:
        worker.run()
    finally:
        if not channel.closed:
            worker._send_events()
            channel.close()


def _raise_fd_limit() -> None:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass
