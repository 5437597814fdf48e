"""Media capacity: how many simultaneous G.711 streams the engine carries cleanly.

N streams: half are callers hearing a looped prompt (TTS) or music on hold, half are bridged
caller-agent pairs relayed by the engine; 10% of the calls are recorded. The far ends (every
phone) run in separate processes: they send 20 ms packets on a staggered schedule, each packet
carrying the wall-clock time it was really handed to the kernel, and measure what they receive
with kernel arrival times (SO_TIMESTAMPNS; on loopback the stamp is taken as the server sends,
so the far end's own scheduling does not enter it). The same relay load (N/2 bridged pairs)
then goes through rtpengine in userspace, driven by its 'ng' protocol, as the C reference,
measured in exactly the same way.

A step passes with 0 loss, p99 jitter < 3 ms and the server (the engine's worker processes
plus its main process) under 80% of the machine's CPU, and only if the far ends really sent
95% of the nominal load. **The jitter is the jitter the server added**, with the RFC 3550 A.8
estimator, sampled per stream every second (what an RTCP receiver report would carry); p99 is
over all (stream, second) samples:
* played streams: RFC 3550 interarrival jitter against the RTP timestamps, as specified (the
  server is the sender, so all of it is the server's);
* relayed streams: the same estimator over arrival time minus the time the sending far end
  really sent the packet. RFC 3550 jitter against RTP timestamps would also count the sending
  far end's lateness, which any relay faithfully forwards: on this 2-core machine the far ends
  themselves were up to tens of ms late under load, and that was counted against the server.
  RFC 3550 jitter of every stream is still printed, and is in the JSON as
  `p99_rfc3550_jitter_ms`.

Each step also prints where lateness came from: the far ends' own send lateness, how long the
far ends' and the server's threads waited for a CPU (schedstat run delay), how busy the whole
machine was (others' work) and the hypervisor's steal. `--rt PRIORITY` runs both servers under
SCHED_FIFO at that priority (our workers through FRONTDESK_MEDIA_RT_PRIORITY, rtpengine with
chrt) and the far ends one step below.

The far ends (one process per core) batch everything: sendmmsg/recvmmsg through ctypes,
packets and headers as numpy arrays, so that the kernel, not Python, is their cost. A step
reports the CPU per stream carried, which a busy machine biases less than the verdict.

Usage: python bench/media_capacity.py [--quick] [--steps 500,1000,...] [--seconds S] [--rt P]
                                      [--gc-thresholds A,B,C]
       python bench/media_capacity.py --per-packet   (the worker's CPU per packet, in-process)
The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import random
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from scipy.signal import lfilter

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
FAR_SOCKETS = 8  # per far-end process
FAR_PROCS = os.cpu_count() or 1  # one far-end process per core
SLOTS = 10  # far ends spread their sends over 2 ms slots


# -- far ends (separate process) --------------------------------------------------------------
# The far ends must not be the limit, so they never touch a packet in Python: every phone's
# packet lives in one numpy array, a 2 ms slot of sends is one sendmmsg(2) per socket (each
# message with its own destination), and receiving is recvmmsg(2) of just the 12-byte RTP
# headers with their kernel arrival times (SO_TIMESTAMPNS), parsed as numpy columns.
@dataclass(frozen=True)
class Leg:
    dest: tuple[str, int]  # where this phone sends (the engine's or rtpengine's port)
    sock: int  # index of the far-end socket it uses, over all far-end processes
    kind: str = "relayed"  # or "played": what the server sends this phone


# The first 8 payload bytes carry the wall-clock time (ns) just before the packet's sendmmsg:
# a relay forwards the payload untouched, so the receiving far end can tell the delay the relay
# added from the lateness of the sender. Played audio has the prompt there instead.
_RTP = np.dtype([("b0", "u1"), ("b1", "u1"), ("seq", ">u2"), ("ts", ">u4"), ("ssrc", ">u4"),
                 ("sent", "<i8"), ("payload", "u1", (152,))])  # fmt: skip
_HEADER = np.dtype([("b0", "u1"), ("b1", "u1"), ("seq", ">u2"), ("ts", ">u4"), ("ssrc", ">u4"),
                    ("sent", "<i8")])  # fmt: skip
_SOCKADDR_IN = np.dtype([("family", "<u2"), ("port", ">u2"), ("addr", "u1", (4,)),
                         ("zero", "u1", (8,))])  # fmt: skip
_IOVEC = np.dtype([("base", "<u8"), ("len", "<u8")])
_MMSGHDR = np.dtype({  # struct mmsghdr on 64-bit Linux
    "names": ["name", "namelen", "iov", "iovlen", "control", "controllen", "flags", "len"],
    "formats": ["<u8", "<u4", "<u8", "<u8", "<u8", "<u8", "<i4", "<u4"],
    "offsets": [0, 8, 16, 24, 32, 40, 48, 56], "itemsize": 64,
})  # fmt: skip
_CMSG = np.dtype([("len", "<u8"), ("level", "<i4"), ("type", "<i4"), ("sec", "<i8"),
                  ("nsec", "<i8")])  # fmt: skip
_BATCH = 512
_MSG_DONTWAIT = 0x40


def _libc() -> Any:
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    for name in ("sendmmsg", "recvmmsg"):
        getattr(libc, name).argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint,
                                        ctypes.c_int, ctypes.c_void_p][: 4 if name == "sendmmsg"
                                                                       else 5]  # fmt: skip
        getattr(libc, name).restype = ctypes.c_int
    return libc


class _Sender:
    """One prepared sendmmsg vector: the legs of one (slot, socket)."""

    def __init__(self, legs: np.ndarray, packets: np.ndarray, iovs: np.ndarray,
                 dests: np.ndarray) -> None:  # fmt: skip
        self.legs = legs
        self.msgs = np.zeros(len(legs), _MMSGHDR)
        self.msgs["name"] = dests.ctypes.data + legs * _SOCKADDR_IN.itemsize
        self.msgs["namelen"] = _SOCKADDR_IN.itemsize
        self.msgs["iov"] = iovs.ctypes.data + legs * _IOVEC.itemsize
        self.msgs["iovlen"] = 1
        self.packets = packets

    def send(self, libc: Any, fd: int, k: int) -> None:
        legs = self.legs
        self.packets["seq"][legs] = k & 0xFFFF
        self.packets["ts"][legs] = (k * 160) & 0xFFFFFFFF
        self.packets["sent"][legs] = time.time_ns()  # the clock of SO_TIMESTAMPNS
        done, base = 0, self.msgs.ctypes.data
        while done < len(legs):
            sent = libc.sendmmsg(fd, base + done * _MMSGHDR.itemsize, len(legs) - done, 0)
            if sent <= 0:
                return  # a full send buffer: these packets are lost, and measured as lost
            done += sent


class _Receiver:
    """One prepared recvmmsg vector: headers, source addresses and kernel timestamps."""

    def __init__(self) -> None:
        self.headers = np.zeros(_BATCH, _HEADER)
        self.names = np.zeros(_BATCH, _SOCKADDR_IN)
        self.control = np.zeros(_BATCH, _CMSG)
        self.iovs = np.zeros(_BATCH, _IOVEC)
        self.iovs["base"] = self.headers.ctypes.data + np.arange(_BATCH) * _HEADER.itemsize
        self.iovs["len"] = _HEADER.itemsize  # the header and the send time; the rest is cut off
        self.msgs = np.zeros(_BATCH, _MMSGHDR)
        self.msgs["name"] = self.names.ctypes.data + np.arange(_BATCH) * _SOCKADDR_IN.itemsize
        self.msgs["iov"] = self.iovs.ctypes.data + np.arange(_BATCH) * _IOVEC.itemsize
        self.msgs["iovlen"] = 1
        self.msgs["control"] = self.control.ctypes.data + np.arange(_BATCH) * _CMSG.itemsize

    def drain(self, libc: Any, fd: int, leg_of_port: np.ndarray, out: list[np.ndarray]) -> None:
        while True:
            self.msgs["namelen"] = _SOCKADDR_IN.itemsize
            self.msgs["controllen"] = _CMSG.itemsize
            got = libc.recvmmsg(fd, self.msgs.ctypes.data, _BATCH, _MSG_DONTWAIT, None)
            if got <= 0:
                return
            rows = np.empty((got, 5), np.int64)
            rows[:, 0] = leg_of_port[self.names["port"][:got]]
            rows[:, 1] = self.headers["seq"][:got]
            rows[:, 2] = self.headers["ts"][:got]
            stamped = self.msgs["controllen"][:got] >= _CMSG.itemsize
            rows[:, 3] = self.control["sec"][:got] * 1_000_000_000 + self.control["nsec"][:got]
            rows[:, 4] = self.headers["sent"][:got]
            out.append(rows[(rows[:, 0] >= 0) & stamped])  # RTCP and strays have no leg
            if got < _BATCH:
                return


def far_end(conn: Any, index: int, procs: int, rt_priority: int = 0) -> None:
    """One far-end process: FAR_SOCKETS sockets, the legs whose socket index is its own.

    With `rt_priority`, it runs under SCHED_FIFO one step below the server, so that neither
    the other work on the machine nor the normal scheduler starves the instrument, while the
    server under test still preempts it."""
    gc.disable()
    if rt_priority > 1:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(rt_priority - 1))
    libc = _libc()
    socks = []
    for _ in range(FAR_SOCKETS):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        socks.append(s)
    conn.send([s.getsockname()[1] for s in socks])
    # The server has been set up for these sockets; `start` is a monotonic time shared by all
    # far-end processes (one clock for every process on Linux).
    all_legs, start, warmup, seconds = conn.recv()
    legs = [leg for leg in all_legs if leg.sock // FAR_SOCKETS == index]
    n = len(legs)
    packets = np.zeros(n, _RTP)
    packets["b0"] = 0x80
    packets["ssrc"] = 0x1000 + np.arange(n) * procs + index
    packets["payload"] = (0x55 + np.arange(n)[:, None] + np.arange(152)[None, :]) & 0xFF
    dests = np.zeros(n, _SOCKADDR_IN)
    dests["family"] = socket.AF_INET
    dests["addr"] = [127, 0, 0, 1]
    dests["port"] = [leg.dest[1] for leg in legs]
    iovs = np.zeros(n, _IOVEC)
    iovs["base"] = packets.ctypes.data + np.arange(n) * _RTP.itemsize
    iovs["len"] = _RTP.itemsize
    leg_of_port = np.full(65536, -1, np.int64)
    leg_of_port[[leg.dest[1] for leg in legs]] = np.arange(n)
    sock_of = np.array([leg.sock % FAR_SOCKETS for leg in legs], np.int64)
    slot_of = (np.arange(n) * procs + index) % SLOTS  # the processes' legs interleave in time
    senders = [[_Sender(np.flatnonzero((slot_of == slot) & (sock_of == j)), packets, iovs, dests)
                for j in range(FAR_SOCKETS)] for slot in range(SLOTS)]  # fmt: skip
    receiver = _Receiver()
    fds = [s.fileno() for s in socks]
    chunks: list[np.ndarray] = []
    measure_from, end = start + warmup, start + warmup + seconds
    # How late this process itself sends (each slot's start against its deadline, in the
    # measured window) and how long it waited for a CPU: the far ends' own share of jitter.
    lateness = np.zeros(int((seconds + 1) * 50 * SLOTS))
    late_count = 0
    tick, told, waited = 0, False, 0
    while True:
        deadline = start + tick * 0.02 / SLOTS
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        k, slot = divmod(tick, SLOTS)
        if told and late_count < len(lateness):
            lateness[late_count] = time.monotonic() - deadline
            late_count += 1
        for j, fd in enumerate(fds):
            senders[slot][j].send(libc, fd, k)
        tick += 1
        for fd in fds:  # read even when behind: a far end that only sent would drop packets
            receiver.drain(libc, fd, leg_of_port, chunks)
        now = time.monotonic()
        if not told and now >= measure_from:
            conn.send("measuring")
            told, waited = True, run_delay([os.getpid()])
        if now >= end:
            break
    waited = run_delay([os.getpid()]) - waited
    conn.send("done")
    rows = np.concatenate(chunks) if chunks else np.zeros((0, 5), np.int64)
    kinds = [leg.kind for leg in legs]
    wall = time.time() - time.monotonic()  # kernel timestamps are wall-clock
    summary = _summarise(rows, kinds, measure_from + wall, end + wall)
    summary["send_late"] = lateness[:late_count]
    summary["run_delay"] = waited / seconds
    conn.send(summary)


def run_delay(pids: list[int]) -> float:
    """Seconds the processes' threads have spent runnable but waiting for a CPU
    (/proc/PID/task/TID/schedstat, second field); 0 where the kernel does not keep it."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total / 1e9


def _a8(d: np.ndarray) -> np.ndarray:
    """RFC 3550 A.8: J += (|D| - J) / 16 over successive transit differences, in ms."""
    d = np.abs(d)
    d[d >= 8000] = 0  # a deliberate source change (marker bit) is not jitter
    return lfilter([1 / 16], [1, -15 / 16], d) / 8.0


def _summarise(a: np.ndarray, kinds: list[str], since: float, until: float) -> dict[str, Any]:
    """Loss and jitter of what arrived between `since` and `until` (wall time).

    Two jitters per stream, both the RFC 3550 A.8 estimator, sampled at the end of every second
    of the window (what an RTCP receiver report would carry); p99 is over all (stream, second)
    samples:
    * `rfc3550`: transit = arrival - RTP timestamp, as the RFC specifies. For a relayed stream
      this includes the *sending* far end's own lateness, which the relay faithfully carries.
    * `relay`: transit = arrival - the time the far end really sent the packet (carried in
      the payload), i.e. the delay variation the relay itself added. Relayed streams only:
      for played streams the server is the sender, and `rfc3550` is already its own jitter.
    A stream that received nothing in the window counts all its packets as lost.
    """
    per_stream = round((until - since) * 50)
    legs = len(kinds)
    if not len(a):
        return {"received": 0, "expected": legs * per_stream, "samples": {}}
    arrival = a[:, 3] * 1e-9
    keep = (arrival >= since) & (arrival < until)
    a, arrival = a[keep], arrival[keep]
    order = np.lexsort((arrival, a[:, 0]))  # by leg, then by arrival
    a, arrival = a[order], arrival[order]
    bounds = np.searchsorted(a[:, 0], np.arange(legs + 1))
    received = expected = 0
    samples: dict[str, list[np.ndarray]] = {}
    ends = since + np.arange(1, int(until - since) + 1)
    for leg in range(legs):
        m = slice(bounds[leg], bounds[leg + 1])
        if bounds[leg] == bounds[leg + 1]:
            expected += per_stream
            continue
        seq = np.unwrap(a[m, 1], period=65536).astype(np.int64)
        ts = np.unwrap(a[m, 2], period=1 << 32)
        t, sent_ns, t_ns = arrival[m], a[m, 4], a[m, 3]
        order = np.argsort(seq, kind="stable")
        seq, ts, t, sent_ns, t_ns = seq[order], ts[order], t[order], sent_ns[order], t_ns[order]
        received += len(np.unique(seq))
        expected += int(seq[-1] - seq[0] + 1)
        if len(seq) < 3:
            continue
        at = np.clip(np.searchsorted(t[1:], ends) - 1, 0, len(seq) - 2)
        jitter = _a8(np.diff(t * 8000 - ts))
        samples.setdefault(kinds[leg], []).append(jitter[at])
        if kinds[leg] == "relayed":
            relay = _a8(np.diff(t_ns - sent_ns) * 8e-6)  # ns -> timestamp units
            samples.setdefault("relay", []).append(relay[at])
    by_kind = {kind: np.concatenate(parts) for kind, parts in samples.items()}
    return {"received": received, "expected": expected, "samples": by_kind}


def _p99(values: np.ndarray) -> float | None:
    return float(np.percentile(values, 99)) if len(values) else None


def _combine(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The far-end processes' summaries as one: totals, and p99 over all their samples."""
    received = sum(part["received"] for part in parts)
    expected = sum(part["expected"] for part in parts)
    kinds = sorted({kind for part in parts for kind in part["samples"]})
    by_kind = {k: np.concatenate([p["samples"][k] for p in parts if k in p["samples"]])
               for k in kinds}  # fmt: skip
    empty = np.zeros(0)
    rfc = np.concatenate([by_kind.get("played", empty), by_kind.get("relayed", empty)])
    server = np.concatenate([by_kind.get("played", empty), by_kind.get("relay", empty)])
    late = np.concatenate([p["send_late"] for p in parts]) * 1000
    return {
        "received": received,
        "expected": expected,
        "loss": expected - received,
        # The headline: the jitter the server added (see the module docstring).
        "p99_jitter_ms": _p99(server),
        "max_jitter_ms": float(server.max()) if len(server) else None,
        "p99_rfc3550_jitter_ms": _p99(rfc),
        "p99_by_kind": {k: round(float(np.percentile(v, 99)), 2) for k, v in by_kind.items()},
        "far_send_late_ms": {
            "p50": round(float(np.median(late)), 2) if len(late) else None,
            "p99": _round(_p99(late), 2),
            "max": round(float(late.max()), 2) if len(late) else None,
        },
        # ms per second each far-end process spent runnable but waiting for a CPU
        "far_waited_ms_per_s": round(1000 * sum(p["run_delay"] for p in parts) / len(parts), 1),
    }


# -- one measured step ------------------------------------------------------------------------
@dataclass
class Step:
    streams: int
    loss: int | None
    p99_jitter_ms: float | None
    cpu_pct: float  # of the whole machine
    far_cpu_pct: float
    offered: float  # packets the far ends really sent in the window, over 50/s per stream
    cpu_per_stream: float  # % of a core per stream really carried (robust to a busy machine)
    rfc3550_p99_ms: float | None = None  # RFC 3550 jitter of every stream (not the headline)
    steal_pct: float = 0.0  # of the machine, taken by the hypervisor in the window
    gc_per_s: float = 0.0  # the workers' collections a second during the step (Frontdesk)
    gc_longest_ms: float | None = None  # their longest collection since the engine started

    @property
    def clean(self) -> bool:
        # A far end starved of CPU sends late and less: such a step did not test the load.
        return (self.loss == 0 and self.p99_jitter_ms is not None and self.offered >= 0.95
                and self.p99_jitter_ms < 3.0 and self.cpu_pct < 80.0)  # fmt: skip


def make_step(streams: int, summary: dict[str, Any], seconds: float) -> Step:
    carried = summary["received"] / 50 / seconds  # streams' worth of packets per second
    per_stream = 100 * summary["server_core_share"] / carried if carried else float("nan")
    return Step(streams, summary["loss"], summary["p99_jitter_ms"], summary["cpu_pct"],
                summary["far_cpu_pct"], summary["expected"] / (streams * 50 * seconds),
                per_stream, summary["p99_rfc3550_jitter_ms"], summary["steal_pct"],
                summary.get("gc_per_s", 0.0), summary.get("gc_longest_ms"))  # fmt: skip


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


async def measure(
    setup: Any, pids: Any, warmup: float, seconds: float, rt_priority: int = 0
) -> dict[str, Any]:
    """Start the far ends, let `setup(far_ports)` prepare the server and return the legs,
    then measure loss, jitter and the CPU of `pids()` (the server) while the far ends run."""
    ctx = multiprocessing.get_context("spawn")
    links, procs = [], []
    for index in range(FAR_PROCS):
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=far_end, args=(theirs, index, FAR_PROCS, rt_priority),
                           daemon=True)  # fmt: skip
        proc.start()
        links.append(ours)
        procs.append(proc)
    far_ports = [port for link in links for port in await asyncio.to_thread(link.recv)]
    legs = await setup(far_ports)
    start = time.monotonic() + 0.2
    for link in links:
        link.send((legs, start, warmup, seconds))
    far_pids = [proc.pid or 0 for proc in procs]
    for link in links:
        assert await asyncio.to_thread(link.recv) == "measuring"
    c0, f0, w0 = cpu_of(pids()), cpu_of(far_pids), time.monotonic()
    r0, m0 = run_delay(pids()), psutil.cpu_times()
    for link in links:
        assert await asyncio.to_thread(link.recv) == "done"
    c1, f1, w1 = cpu_of(pids()), cpu_of(far_pids), time.monotonic()
    r1, m1 = run_delay(pids()), psutil.cpu_times()
    summary = _combine([await asyncio.to_thread(link.recv) for link in links])
    for proc in procs:
        proc.join(5)
    cores = os.cpu_count() or 1
    summary["server_core_share"] = (c1 - c0) / (w1 - w0)  # cores' worth of CPU
    summary["cpu_pct"] = 100 * (c1 - c0) / (w1 - w0) / cores
    summary["far_cpu_pct"] = 100 * (f1 - f0) / (w1 - w0) / cores
    # ms per second the server's threads (all of them together) waited for a CPU
    summary["server_waited_ms_per_s"] = round(1000 * (r1 - r0) / (w1 - w0), 1)
    # The whole machine in the window: everyone's CPU, and the time the hypervisor took the
    # virtual CPUs away (steal), which no process sees but every deadline feels.
    spent = {k: getattr(m1, k) - getattr(m0, k) for k in m0._fields}
    total = sum(spent.values()) or 1.0
    busy = total - spent["idle"] - spent.get("iowait", 0.0) - spent.get("steal", 0.0)
    summary["machine_busy_pct"] = round(100 * busy / total, 1)
    # A process's CPU time here includes what the hypervisor stole while it ran, /proc/stat
    # counts that as steal: others are what is left of busy + steal.
    ours = summary["cpu_pct"] + summary["far_cpu_pct"]
    summary["others_pct"] = round(
        max(0.0, 100 * (busy + spent.get("steal", 0.0)) / total - ours), 1
    )
    summary["steal_pct"] = round(100 * spent.get("steal", 0.0) / total, 1)
    return summary


# -- Frontdesk's engine ----------------------------------------------------------------------
def _music(path: Path) -> None:
    from frontdesk.media.wav import WavWriter

    t = np.arange(8000 * 6) / 8000
    swell = 1 + np.sin(2 * np.pi * 0.5 * t)
    chord = sum(np.sin(2 * np.pi * f * t) for f in (262.0, 330.0, 392.0)) * swell
    with path.open("wb") as f:
        writer = WavWriter(f, 1)
        writer.write((2500 * chord).astype(np.int16))
        writer.patch()


async def engine_ladder(
    steps: list[int], warmup: float, seconds: float, workdir: Path, rt_priority: int = 0
) -> list[Step]:
    from frontdesk.media.engine import Configure, MediaEngine, RecordAction
    from frontdesk.media.tts import TtsCache

    text = "Thank you for calling Demo Parcels. Press 1 for deliveries, 2 for billing."
    prompt = str(TtsCache(workdir / "tts").prepare(text))
    moh = workdir / "moh.wav"
    _music(moh)
    recordings = workdir / "rec"
    base = random.randrange(20000, 40000, 2)
    engine = MediaEngine(lambda event: None, os.cpu_count() or 1, ports=(base, base + 20000),
                         rt_priority=rt_priority)  # fmt: skip
    await engine.start()
    results: list[Step] = []

    def pids() -> list[int]:
        return [os.getpid(), *(w.pid or 0 for w in engine.workers)]

    def late_ticks() -> int:  # ticks serviced > 5 ms late, from the workers' WorkerLoad
        return sum(w.load.late_ticks for w in engine.workers if w.load is not None)

    def collector() -> tuple[int, float, float]:  # runs, seconds, longest: since start
        loads = [w.load for w in engine.workers if w.load is not None]
        return (sum(x.gc_runs for x in loads), sum(x.gc_seconds for x in loads),
                max((x.gc_longest for x in loads), default=0.0))  # fmt: skip

    try:
        for n in steps:
            names: list[str] = []

            async def setup(
                far_ports: list[int], n: int = n, names: list[str] = names
            ) -> list[Leg]:
                legs: list[Leg] = []

                def add(name: str, group: str | None, kind: str) -> None:
                    sock = len(legs) % len(far_ports)
                    port = engine.open_stream(name, group)
                    remote = ("127.0.0.1", far_ports[sock])
                    # RTCP as in a real call; it lands on the far socket from port + 1,
                    # which is no leg's port, so the far end drops it.
                    engine.configure(Configure(name, remote, "PCMU", 0, 101,
                                               inactivity_timeout=None, rtcp=remote))  # fmt: skip
                    legs.append(Leg(("127.0.0.1", port), sock, kind))
                    names.append(name)

                listeners = n // 2
                for i in range(listeners):  # callers hearing a prompt or music on hold
                    add(f"p{i}", None, "played")
                    engine.play(f"p{i}", path=prompt if i % 2 else str(moh), loop=True)
                    if i % 10 == 0:
                        engine.record(f"p{i}", RecordAction.START, str(recordings / f"p{i}.wav"))
                for j in range((n - listeners) // 2):  # caller-agent pairs, relayed
                    add(f"a{j}", f"g{j}", "relayed")
                    add(f"b{j}", f"g{j}", "relayed")
                    engine.bridge(f"a{j}", f"b{j}")
                    if j % 10 == 0:
                        engine.record(f"a{j}", RecordAction.START, str(recordings / f"a{j}.wav"))
                await asyncio.sleep(0.3)  # let the workers adopt their sockets
                return legs

            late_before, gc_before, gc_from = late_ticks(), collector(), time.monotonic()
            summary = await measure(setup, pids, warmup, seconds, rt_priority)
            summary["late_ticks"] = late_ticks() - late_before
            gc_after = collector()
            summary["gc_runs"] = gc_after[0] - gc_before[0]
            summary["gc_ms"] = round(1000 * (gc_after[1] - gc_before[1]), 2)
            summary["gc_longest_ms"] = round(1000 * gc_after[2], 2)  # since the engine started
            summary["gc_per_s"] = round(summary["gc_runs"] / (time.monotonic() - gc_from), 2)
            for stream in names:
                engine.close_stream(stream)
            step = make_step(len(names), summary, seconds)
            results.append(step)
            report("frontdesk", step, summary)
            await asyncio.sleep(0.5)
            shutil.rmtree(recordings, ignore_errors=True)
            if not step.clean:
                break
    finally:
        await engine.stop()
    return results


# -- rtpengine (the C reference) --------------------------------------------------------------
def bencode(value: Any) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in sorted(value.items())) + b"e"


def bdecode(data: bytes, pos: int = 0) -> tuple[Any, int]:
    kind = data[pos : pos + 1]
    if kind == b"i":
        end = data.index(b"e", pos)
        return int(data[pos + 1 : end]), end + 1
    if kind in (b"l", b"d"):
        pos, items = pos + 1, []
        while data[pos : pos + 1] != b"e":
            item, pos = bdecode(data, pos)
            items.append(item)
        if kind == b"l":
            return items, pos + 1
        return {items[i].decode(): items[i + 1] for i in range(0, len(items), 2)}, pos + 1
    colon = data.index(b":", pos)
    size = int(data[pos:colon])
    return data[colon + 1 : colon + 1 + size], colon + 1 + size


class Ng:
    """rtpengine's control protocol: "cookie bencoded-dictionary" datagrams over UDP."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(1.0)
        self.addr = ("127.0.0.1", port)

    def __call__(self, **command: Any) -> dict[str, Any]:
        cookie = os.urandom(6).hex().encode()
        for _ in range(5):
            self.sock.sendto(cookie + b" " + bencode(command), self.addr)
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, ConnectionRefusedError):
                continue
            if data.startswith(cookie + b" "):
                reply, _ = bdecode(data, len(cookie) + 1)
                if reply.get("result") not in (b"ok", b"pong"):
                    raise RuntimeError(f"rtpengine refused {command['command']}: {reply}")
                return dict(reply)
        raise RuntimeError("rtpengine does not answer on its ng port")


def _sdp(port: int) -> str:
    return (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    )


def _sdp_port(sdp: bytes) -> int:
    for line in sdp.decode().splitlines():
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise RuntimeError("rtpengine's SDP has no audio port")


def start_rtpengine(
    workdir: Path, rt_priority: int = 0
) -> tuple[subprocess.Popen[bytes], Ng] | None:
    binary = shutil.which("rtpengine")
    if binary is None:
        print("rtpengine is not installed (Debian: rtpengine-daemon); skipped", flush=True)
        return None
    ng_port = random.randrange(30000, 35000)
    # A 12,000-port range ran out at 2,500 streams (2026-11-23); 22,000 leaves room to 4,000.
    base = random.randrange(36000, 42000, 2)
    with (workdir / "rtpengine.log").open("w") as log:
        # The same real-time priority as our workers, for all its threads (chrt is inherited).
        chrt = ["chrt", "-f", str(rt_priority)] if rt_priority else []
        daemon = subprocess.Popen(
            [*chrt, binary, "--config-file=none", "-f", "-E", "-i", "127.0.0.1",
             "-n", f"127.0.0.1:{ng_port}", "-m", str(base), "-M", str(base + 22000),
             "--table=-1", "--log-level=4"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    ng = Ng(ng_port)
    for _ in range(50):
        try:
            ng(command="ping")
            return daemon, ng
        except (RuntimeError, OSError):
            time.sleep(0.1)
    daemon.kill()
    print("rtpengine did not start:", (workdir / "rtpengine.log").read_text()[-500:], flush=True)
    return None


async def rtpengine_ladder(
    steps: list[int], warmup: float, seconds: float, workdir: Path, rt_priority: int = 0
) -> list[Step] | None:
    started = start_rtpengine(workdir, rt_priority)
    if started is None:
        return None
    daemon, ng = started
    results: list[Step] = []
    try:
        for n in steps:
            calls: list[str] = []

            async def setup(
                far_ports: list[int], n: int = n, calls: list[str] = calls
            ) -> list[Leg]:
                legs: list[Leg] = []
                for j in range(n // 2):
                    call_id = f"bench-{n}-{j}"
                    sa, sb = (2 * j) % len(far_ports), (2 * j + 1) % len(far_ports)
                    ids = {"call-id": call_id, "from-tag": "a"}
                    offer = ng(command="offer", sdp=_sdp(far_ports[sa]), **ids)
                    answer = ng(command="answer", sdp=_sdp(far_ports[sb]), **ids, **{"to-tag": "b"})
                    calls.append(call_id)
                    legs.append(Leg(("127.0.0.1", _sdp_port(answer["sdp"])), sa))
                    legs.append(Leg(("127.0.0.1", _sdp_port(offer["sdp"])), sb))
                return legs

            summary = await measure(setup, lambda: [daemon.pid], warmup, seconds, rt_priority)
            for call_id in calls:
                ng(command="delete", **{"call-id": call_id, "from-tag": "a"})
            step = make_step(2 * len(calls), summary, seconds)
            results.append(step)
            report("rtpengine", step, summary)
            if not step.clean:
                break
    finally:
        daemon.terminate()
        daemon.wait(5)
    return results


# -- CPU per packet, in-process (--per-packet) ------------------------------------------------
def _udp(rcvbuf: int = 1 << 20) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    return sock


def _drain(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            sock.recv(2048)
        except BlockingIOError:
            return count
        count += 1


def per_packet(pairs: int = 40, rounds: int = 250, played: int = 400) -> dict[str, float]:
    """CPU time (user + system, so the machine's load matters little) of a `MediaWorker`
    driven in this process with real loopback sockets: per relayed packet (one packet per
    socket per round, the regime of a 20 ms period) and per played packet (slot ticks)."""
    from frontdesk.media.engine import protocol as p
    from frontdesk.media.engine.channel import Channel, channel_pair
    from frontdesk.media.engine.worker import MediaWorker

    _ours, theirs = channel_pair()
    worker = MediaWorker(Channel(theirs))
    fars, ports = [], []

    def open_stream(name: str, far: socket.socket) -> int:
        sock = _udp()
        port = sock.getsockname()[1]
        worker._dispatch(p.OpenStream(name, port), [sock.detach()], 0.0)
        worker._dispatch(p.Configure(name, far.getsockname(), "PCMU", 0, 101,
                                     inactivity_timeout=None), [], 0.0)  # fmt: skip
        return port

    for j in range(pairs):
        for name in (f"a{j}", f"b{j}"):
            fars.append(_udp(8 << 20))
            ports.append(open_stream(name, fars[-1]))
        worker._dispatch(p.Bridge(f"a{j}", f"b{j}"), [], 0.0)
    callers = [worker.streams[f"a{j}"] for j in range(pairs)]
    packet = bytearray(struct.pack("!BBHII", 0x80, 0, 0, 0, 0x1234) + bytes(160))
    target, spent = 0, 0.0
    monotonic = time.monotonic

    def clock() -> float:  # stops the loop once the round has been relayed
        if sum(s.received for s in callers) >= target:
            worker.running = False
        return monotonic()

    worker.clock = clock
    for k in range(rounds):
        struct.pack_into("!HI", packet, 2, k, k * 160)
        for j in range(pairs):
            fars[2 * j].sendto(packet, ("127.0.0.1", ports[2 * j]))
        target += pairs
        worker.running = True
        t0 = time.process_time()
        worker.run()
        spent += time.process_time() - t0
        if k % 50 == 49:
            for far in fars:
                _drain(far)
    relay_us = spent / sum(s.received for s in callers) * 1e6
    listener = _udp(16 << 20)
    for i in range(played):
        port = open_stream(f"p{i}", listener)
        worker._dispatch(p.Play(f"p{i}", tone="ringback:gb", loop=True), [], 0.0)
        listener.sendto(packet, ("127.0.0.1", port))  # so that the stream latches
    callers[:] = [worker.streams[f"p{i}"] for i in range(played)]
    target = played
    worker.running = True
    worker.run()  # until every played stream has its packet (and has latched)
    worker.clock = monotonic
    _drain(listener)
    sent, spent = 0, 0.0
    for t in range(200):
        t0 = time.process_time()
        worker._service(t // 4 + 1, t % 4, monotonic())
        spent += time.process_time() - t0
        sent += _drain(listener)
    sent += _drain(listener)
    return {"relayed_us": round(relay_us, 2), "played_us": round(spent / sent * 1e6, 2)}


# -- main -------------------------------------------------------------------------------------
def report(who: str, step: Step, summary: dict[str, Any]) -> None:
    jitter = "-" if step.p99_jitter_ms is None else f"{step.p99_jitter_ms:.2f}"
    verdict = "ok" if step.clean else "FAILS"
    print(
        f"{who:>10} {step.streams:>5} streams: lost {step.loss} of {summary['expected']} "
        f"({100 * step.offered:.0f}% of the nominal load sent), p99 jitter added {jitter} ms, "
        f"server CPU {step.cpu_pct:.1f}% of the machine, {step.cpu_per_stream:.4f}% of a core "
        f"per stream carried (far ends {step.far_cpu_pct:.1f}%): {verdict}; "
        f"p99 jitter by kind {summary.get('p99_by_kind')}"
        + (
            f", worker ticks > 5 ms late: {summary['late_ticks']}; collector: "
            f"{summary['gc_runs']} collections ({summary['gc_per_s']}/s), {summary['gc_ms']} ms "
            f"in all, longest {summary['gc_longest_ms']} ms so far"
            if "late_ticks" in summary
            else ""
        ),
        flush=True,
    )
    rfc = summary.get("p99_rfc3550_jitter_ms")
    print(
        f"{'':>10} where the jitter comes from: p99 of RFC 3550 jitter against RTP timestamps "
        f"on every stream {'-' if rfc is None else f'{rfc:.2f}'} ms (relayed streams carry the "
        f"sending far end's lateness); far ends sent late by {summary['far_send_late_ms']} ms and "
        f"waited for a CPU {summary['far_waited_ms_per_s']} ms/s each; the server's threads "
        f"waited {summary['server_waited_ms_per_s']} ms/s; the machine was busy "
        f"{summary['machine_busy_pct']}% (others {summary['others_pct']}%), steal "
        f"{summary['steal_pct']}%"
        + (f"; worker ticks {summary['ticks']}" if "ticks" in summary else ""),
        flush=True,
    )


def best(steps: list[Step] | None) -> Step | None:
    clean = [s for s in steps or [] if s.clean]
    return max(clean, key=lambda s: s.streams) if clean else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    steps = [int(x) for x in args.steps.split(",")]
    warmup, seconds = (1.0, 3.0) if args.quick else (2.0, args.seconds)
    print("load average before the run: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    if args.gc_thresholds:
        from frontdesk.media.engine.worker_health import ENV as GC_ENV

        os.environ[GC_ENV] = args.gc_thresholds  # the spawned workers inherit it
    with tempfile.TemporaryDirectory(prefix="media-bench-") as tmp:
        ours = await engine_ladder(steps, warmup, seconds, Path(tmp), args.rt)
        theirs = None
        if not args.no_rtpengine:
            theirs = await rtpengine_ladder(steps, warmup, seconds, Path(tmp), args.rt)
    top, ref = best(ours), best(theirs)
    cores = os.cpu_count() or 1
    last = ours[-1] if ours else None
    return {
        "streams": top.streams if top else 0,
        "p99_jitter_ms": _round(top.p99_jitter_ms if top else None, 3),  # what the server added
        "p99_rfc3550_jitter_ms": _round(top.rfc3550_p99_ms if top else None, 3),
        "loss": top.loss if top else None,
        "cpu_pct": _round(top.cpu_pct if top else None, 1),
        "cpu_per_stream_pct_of_core": _round(top.cpu_pct * cores / top.streams, 4) if top else None,
        "far_end_cpu_pct": _round(top.far_cpu_pct if top else None, 1),
        "tested_up_to": max((s.streams for s in ours), default=0),
        # Measured on what was really carried, so a busy machine biases it less.
        "cpu_per_carried_stream_pct_of_core": _round(last.cpu_per_stream if last else None, 4),
        "load_average": os.getloadavg()[0],
        "steal_pct_max": max((s.steal_pct for s in [*ours, *(theirs or [])]), default=None),
        "rt_priority": args.rt,
        "gc_thresholds": args.gc_thresholds or "default",
        "gc_longest_ms": _round(max((s.gc_longest_ms for s in ours), default=None), 2),
        "gc_per_s_max": max((s.gc_per_s for s in ours), default=None),
        "rtpengine_streams": ref.streams if ref else None,
        "rtpengine_p99_jitter_ms": _round(ref.p99_jitter_ms if ref else None, 3),
        "rtpengine_cpu_pct": _round(ref.cpu_pct if ref else None, 1),
        "rtpengine_cpu_per_stream_pct_of_core": _round(ref.cpu_pct * cores / ref.streams, 4)
        if ref
        else None,
        "ratio": round(top.streams / ref.streams, 3) if top and ref else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short steps (within a minute)")
    parser.add_argument("--steps", default=None, help="stream counts to try, e.g. 500,1000")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds a step")
    parser.add_argument("--no-rtpengine", action="store_true", help="skip the C reference")
    parser.add_argument("--rt", type=int, default=0, metavar="PRIORITY",
                        help="both servers under SCHED_FIFO at this priority, the far ends "
                             "one below (0: off)")  # fmt: skip
    parser.add_argument("--gc-thresholds", metavar="A,B,C",
                        help="the media workers' collector thresholds (FRONTDESK_MEDIA_GC_"
                             "THRESHOLDS; 700,10,10 is Python's own)")  # fmt: skip
    parser.add_argument("--per-packet", action="store_true",
                        help="only the worker's CPU per relayed and per played packet")  # fmt: skip
    args = parser.parse_args()
    if args.per_packet:
        print(json.dumps({**per_packet(), "load_average": os.getloadavg()[0]}))
        return
    if args.steps is None:
        full = ",".join(str(n) for n in range(500, 4001, 250))
        args.steps = "500,1000,1500,2000" if args.quick else full
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
