"""Media capacity: how many simultaneous G.711 streams the engine carries cleanly.

N streams: half are callers hearing a looped prompt (TTS) or music on hold, half are bridged
caller-agent pairs relayed by the engine; 10% of the calls are recorded. The far ends (every
phone) run in a separate process: they send 20 ms packets on a staggered schedule and measure
what they receive, with kernel arrival times (SO_TIMESTAMPNS): loss from sequence numbers and
RFC 3550 A.8 interarrival jitter, sampled per stream every second (as an RTCP receiver report
would carry it). A step passes with 0 loss, p99 jitter < 3 ms over those samples and
the server (the engine's worker processes plus its main process) under 80% of the machine's
CPU. The same relay load (N/2 bridged pairs) then goes through rtpengine in userspace, driven
by its 'ng' protocol, as the C reference.

Usage: python bench/media_capacity.py [--quick] [--steps 500,1000,...] [--seconds S]
The far ends share the machine, so a step also reports their CPU; the last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import random
import select
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
FAR_SOCKETS = 8
SLOTS = 10  # far ends spread their sends over 2 ms slots


# -- far ends (separate process) --------------------------------------------------------------
@dataclass(frozen=True)
class Leg:
    dest: tuple[str, int]  # where this phone sends (the engine's or rtpengine's port)
    sock: int  # index of the far-end socket it uses


def far_end(conn: Any, warmup: float, seconds: float) -> None:
    gc.disable()  # the rows list grows by 100k tuples a second: no collector pauses, please
    socks = []
    for _ in range(FAR_SOCKETS):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        socks.append(s)
    conn.send([s.getsockname()[1] for s in socks])
    legs: list[Leg] = conn.recv()  # the server has been set up for these sockets
    by_port = {leg.dest[1]: i for i, leg in enumerate(legs)}
    packets = [bytearray(struct.pack("!BBHII", 0x80, 0, 0, 0, 0x1000 + i) + bytes(160))
               for i in range(len(legs))]  # fmt: skip
    for i, pkt in enumerate(packets):
        pkt[12:] = bytes((0x55 + i + k) & 0xFF for k in range(160))
    slot_of = [i % SLOTS for i in range(len(legs))]
    by_slot = [[i for i in range(len(legs)) if slot_of[i] == s] for s in range(SLOTS)]
    ep = select.epoll()
    for s in socks:
        ep.register(s.fileno(), select.EPOLLIN)
    fd_sock = {s.fileno(): s for s in socks}
    rows: list[tuple[int, int, int, int, int]] = []  # leg, seq, ts, sec, nsec
    start = time.monotonic() + 0.05
    measure_from, end = start + warmup, start + warmup + seconds
    tick, told = 0, False
    header = struct.Struct("!HI")
    stamp = struct.Struct("qq")
    while True:
        deadline = start + tick * 0.02 / SLOTS
        now = time.monotonic()
        if now >= deadline:
            k, slot = divmod(tick, SLOTS)
            for i in by_slot[slot]:
                pkt = packets[i]
                header.pack_into(pkt, 2, k & 0xFFFF, (k * 160) & 0xFFFFFFFF)
                socks[legs[i].sock].sendto(pkt, legs[i].dest)
            tick += 1
            if not told and now >= measure_from:
                conn.send("measuring")
                told = True
            if now >= end:
                break
            deadline = start + tick * 0.02 / SLOTS
        # Read even when behind schedule: a far end that only sends would drop what it gets.
        for fd, _mask in ep.poll(max(0.0, deadline - time.monotonic())):
            sock = fd_sock[fd]
            while True:
                try:
                    data, anc, _flags, addr = sock.recvmsg(2048, 64)
                except BlockingIOError:
                    break
                leg = by_port.get(addr[1])
                if leg is None or not anc:
                    continue
                sec, nsec = stamp.unpack_from(anc[0][2])
                seq, ts = header.unpack_from(data, 2)
                rows.append((leg, seq, ts, sec, nsec))
    conn.send("done")
    wall = time.time() - time.monotonic()  # kernel timestamps are wall-clock
    conn.send(_summarise(rows, len(legs), measure_from + wall, end + wall))


def _summarise(rows: list[tuple[int, int, int, int, int]], legs: int, since: float,
               until: float) -> dict[str, Any]:  # fmt: skip
    """Loss and RFC 3550 A.8 jitter of what arrived between `since` and `until` (wall time).

    Jitter is sampled per stream at the end of every second of the window, which is what an
    RTCP receiver report would carry; p99 is over all (stream, second) samples. A stream that
    received nothing in the window counts all its packets as lost.
    """
    per_stream = round((until - since) * 50)
    if not rows:
        return {"received": 0, "expected": legs * per_stream, "loss": legs * per_stream,
                "p99_jitter_ms": None}  # fmt: skip
    a = np.array(rows, dtype=np.int64)
    arrival = a[:, 3] + a[:, 4] * 1e-9
    keep = (arrival >= since) & (arrival < until)
    received = expected = 0
    samples = []
    for leg in range(legs):
        m = keep & (a[:, 0] == leg)
        if not m.any():
            expected += per_stream
            continue
        seq = np.unwrap(a[m, 1], period=65536).astype(np.int64)
        ts = np.unwrap(a[m, 2], period=1 << 32)
        t = arrival[m]
        order = np.argsort(seq, kind="stable")
        seq, ts, t = seq[order], ts[order], t[order]
        received += len(np.unique(seq))
        expected += int(seq[-1] - seq[0] + 1)
        d = np.abs(np.diff(t * 8000 - ts))
        d[d >= 8000] = 0  # a deliberate source change (marker bit) is not jitter
        if len(d) < 2:
            continue
        jitter = lfilter([1 / 16], [1, -15 / 16], d) / 8.0  # RFC 3550 A.8, in ms
        seconds = np.searchsorted(t[1:], since + np.arange(1, int(until - since) + 1)) - 1
        samples.append(jitter[np.clip(seconds, 0, len(jitter) - 1)])
    sampled = np.concatenate(samples) if samples else np.zeros(1)
    return {
        "received": received,
        "expected": expected,
        "loss": expected - received,
        "p99_jitter_ms": float(np.percentile(sampled, 99)),
        "max_jitter_ms": float(sampled.max()),
    }


# -- one measured step ------------------------------------------------------------------------
@dataclass
class Step:
    streams: int
    loss: int | None
    p99_jitter_ms: float | None
    cpu_pct: float  # of the whole machine
    far_cpu_pct: float

    @property
    def clean(self) -> bool:
        return (self.loss == 0 and self.p99_jitter_ms is not None
                and self.p99_jitter_ms < 3.0 and self.cpu_pct < 80.0)  # fmt: skip


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


async def measure(setup: Any, pids: list[int], warmup: float,
                  seconds: float) -> tuple[dict[str, Any], float, float]:  # fmt: skip
    """Start the far ends, let `setup(far_ports)` prepare the server and return the legs,
    then measure loss, jitter and the CPU of `pids` (the server) while the far ends run."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=far_end, args=(theirs, warmup, seconds), daemon=True)
    proc.start()
    far_ports = await asyncio.to_thread(ours.recv)
    legs = await setup(far_ports)
    ours.send(legs)
    assert await asyncio.to_thread(ours.recv) == "measuring"
    c0, f0, w0 = cpu_of(pids()), cpu_of([proc.pid or 0]), time.monotonic()
    assert await asyncio.to_thread(ours.recv) == "done"
    c1, f1, w1 = cpu_of(pids()), cpu_of([proc.pid or 0]), time.monotonic()
    summary = await asyncio.to_thread(ours.recv)
    proc.join(5)
    cores = os.cpu_count() or 1
    return summary, 100 * (c1 - c0) / (w1 - w0) / cores, 100 * (f1 - f0) / (w1 - w0) / cores


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
    steps: list[int], warmup: float, seconds: float, workdir: Path
) -> list[Step]:
    from frontdesk.media.engine import Configure, MediaEngine, RecordAction
    from frontdesk.media.tts import TtsCache

    text = "Thank you for calling Demo Parcels. Press 1 for deliveries, 2 for billing."
    prompt = str(TtsCache(workdir / "tts").prepare(text))
    moh = workdir / "moh.wav"
    _music(moh)
    recordings = workdir / "rec"
    base = random.randrange(20000, 40000, 2)
    engine = MediaEngine(lambda event: None, os.cpu_count() or 1, ports=(base, base + 20000))
    await engine.start()
    results: list[Step] = []

    def pids() -> list[int]:
        return [os.getpid(), *(w.pid or 0 for w in engine.workers)]

    try:
        for n in steps:
            names: list[str] = []

            async def setup(
                far_ports: list[int], n: int = n, names: list[str] = names
            ) -> list[Leg]:
                legs: list[Leg] = []

                def add(name: str, group: str | None) -> None:
                    sock = len(legs) % FAR_SOCKETS
                    port = engine.open_stream(name, group)
                    remote = ("127.0.0.1", far_ports[sock])
                    engine.configure(
                        Configure(name, remote, "PCMU", 0, 101, inactivity_timeout=None)
                    )
                    legs.append(Leg(("127.0.0.1", port), sock))
                    names.append(name)

                listeners = n // 2
                for i in range(listeners):  # callers hearing a prompt or music on hold
                    add(f"p{i}", None)
                    engine.play(f"p{i}", path=prompt if i % 2 else str(moh), loop=True)
                    if i % 10 == 0:
                        engine.record(f"p{i}", RecordAction.START, str(recordings / f"p{i}.wav"))
                for j in range((n - listeners) // 2):  # caller-agent pairs, relayed
                    add(f"a{j}", f"g{j}")
                    add(f"b{j}", f"g{j}")
                    engine.bridge(f"a{j}", f"b{j}")
                    if j % 10 == 0:
                        engine.record(f"a{j}", RecordAction.START, str(recordings / f"a{j}.wav"))
                await asyncio.sleep(0.3)  # let the workers adopt their sockets
                return legs

            summary, cpu, far = await measure(setup, pids, warmup, seconds)
            for stream in names:
                engine.close_stream(stream)
            step = Step(len(names), summary["loss"], summary["p99_jitter_ms"], cpu, far)
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


def start_rtpengine(workdir: Path) -> tuple[subprocess.Popen[bytes], Ng] | None:
    binary = shutil.which("rtpengine")
    if binary is None:
        print("rtpengine is not installed (Debian: rtpengine-daemon); skipped", flush=True)
        return None
    ng_port = random.randrange(30000, 40000)
    base = random.randrange(40000, 50000, 2)
    with (workdir / "rtpengine.log").open("w") as log:
        daemon = subprocess.Popen(
            [binary, "--config-file=none", "-f", "-E", "-i", "127.0.0.1",
             "-n", f"127.0.0.1:{ng_port}", "-m", str(base), "-M", str(base + 12000),
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
    steps: list[int], warmup: float, seconds: float, workdir: Path
) -> list[Step] | None:
    started = start_rtpengine(workdir)
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
                    sa, sb = (2 * j) % FAR_SOCKETS, (2 * j + 1) % FAR_SOCKETS
                    ids = {"call-id": call_id, "from-tag": "a"}
                    offer = ng(command="offer", sdp=_sdp(far_ports[sa]), **ids)
                    answer = ng(command="answer", sdp=_sdp(far_ports[sb]), **ids, **{"to-tag": "b"})
                    calls.append(call_id)
                    legs.append(Leg(("127.0.0.1", _sdp_port(answer["sdp"])), sa))
                    legs.append(Leg(("127.0.0.1", _sdp_port(offer["sdp"])), sb))
                return legs

            summary, cpu, far = await measure(setup, lambda: [daemon.pid], warmup, seconds)
            for call_id in calls:
                ng(command="delete", **{"call-id": call_id, "from-tag": "a"})
            step = Step(2 * len(calls), summary["loss"], summary["p99_jitter_ms"], cpu, far)
            results.append(step)
            report("rtpengine", step, summary)
            if not step.clean:
                break
    finally:
        daemon.terminate()
        daemon.wait(5)
    return results


# -- main -------------------------------------------------------------------------------------
def report(who: str, step: Step, summary: dict[str, Any]) -> None:
    jitter = "-" if step.p99_jitter_ms is None else f"{step.p99_jitter_ms:.2f}"
    verdict = "ok" if step.clean else "FAILS"
    print(
        f"{who:>10} {step.streams:>5} streams: lost {step.loss} of {summary['expected']}, "
        f"p99 jitter {jitter} ms, server CPU {step.cpu_pct:.1f}% of the machine "
        f"(far ends {step.far_cpu_pct:.1f}%): {verdict}",
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
    with tempfile.TemporaryDirectory(prefix="media-bench-") as tmp:
        ours = await engine_ladder(steps, warmup, seconds, Path(tmp))
        theirs = None
        if not args.no_rtpengine:
            theirs = await rtpengine_ladder(steps, warmup, seconds, Path(tmp))
    top, ref = best(ours), best(theirs)
    cores = os.cpu_count() or 1
    return {
        "streams": top.streams if top else 0,
        "p99_jitter_ms": _round(top.p99_jitter_ms if top else None, 3),
        "loss": top.loss if top else None,
        "cpu_pct": _round(top.cpu_pct if top else None, 1),
        "cpu_per_stream_pct_of_core": _round(top.cpu_pct * cores / top.streams, 4) if top else None,
        "far_end_cpu_pct": _round(top.far_cpu_pct if top else None, 1),
        "tested_up_to": max((s.streams for s in ours), default=0),
        "rtpengine_streams": ref.streams if ref else None,
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
    args = parser.parse_args()
    if args.steps is None:
        full = ",".join(str(n) for n in range(500, 4001, 250))
        args.steps = "500,1000,1500,2000" if args.quick else full
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
