"""The web side under load: live events fanned out to many WebSocket subscribers, and REST reads.

A real `frontdesk serve` (demo company) takes a steady load of sipp calls. Meanwhile:

1. `--subscribers` WebSocket clients (200 by default, "200 browsers' worth") follow
   `/api/events` signed in with an admin API token; for every event each client receives, the
   delay from the event's own time (`at`, set when the server appended it) to its arrival is
   recorded. Target: p99 under 250 ms.
2. REST reads at a fixed offered rate (500 requests/s by default, open loop: requests are sent
   on schedule whether or not earlier ones have answered) spread over the read endpoints the
   screens poll: the wallboard, the live calls, the desk's session, call history. Target: p99
   under 50 ms.

The server runs in its own process; the REST client in this one; the WebSocket subscribers in a
process of their own. The machine's two cores are shared by the server, its media workers, sipp
and the clients, so the figures are an upper bound of what the server alone would show. The
subscribers and sipp run at nice 10: they stand in for 200 browsers and the phones, which in a
real contact centre are other machines, and without it they take the cores from the server
(and from the REST client timing it) in bursts: each event wakes 200 sockets at once. The
server, its media workers and the REST client keep normal priority. `rest_p99_ms_by_5s` shows
whether the tail grows over the run, and `steal_pct_by_5s` how much of the machine the
hypervisor took in the same windows. The last line printed is one JSON object.

Usage: python bench/web.py [--quick] [--subscribers N] [--rps R] [--cps C] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from frontdesk.accounts.model import NewUser, Role  # noqa: E402
from frontdesk.accounts.store import AccountStore  # noqa: E402
from frontdesk.clock import SystemClock  # noqa: E402
from frontdesk.store.eventlog import open_engine  # noqa: E402

# The simulated browsers and phones yield the CPU to the server and the REST client: on the
# two cores they share, they stand in for machines of their own (see the module docstring).
NICE = 10

READ_PATHS = ("/api/board", "/api/calls/live", "/api/session", "/api/history/calls?limit=20")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def admin_token(data_dir: Path) -> str:
    store = AccountStore(open_engine(data_dir), SystemClock())
    store.create_user(NewUser("bench", "Benchmark", Role.ADMIN), None)
    return store.create_token("bench", "web benchmark").secret


def start_server(data_dir: Path) -> tuple[subprocess.Popen[str], int, str]:
    log = (data_dir / "server.log").open("w")
    command = [sys.executable, "-m", "frontdesk.cli", "serve", "--data-dir", str(data_dir),
               "--sip-port", "0", "--http-port", "0", "--log-level", "WARNING"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = (data_dir / "server.log").read_text()
        sip = re.search(r"listening for SIP on udp\+tcp (\S+):(\d+)", text)
        web = re.search(r"web app on (http://\S+?)/?(?:\s|$)", text)
        if sip and web:
            return proc, int(sip.group(2)), web.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"frontdesk serve did not start:\n{(data_dir / 'server.log').read_text()}")


def start_calls(sip_port: int, cps: float, seconds: float, folder: Path) -> subprocess.Popen[bytes]:
    """sipp's built-in caller: INVITE, 200, ACK, a short pause, BYE (the flow runs meanwhile)."""
    total = max(int(cps * seconds), 1)
    command = ["sipp", f"127.0.0.1:{sip_port}", "-sn", "uac", "-s", "100", "-r", str(cps),
               "-m", str(total), "-d", "2000", "-i", "127.0.0.1", "-p", str(free_port()),
               "-nostdin", "-timeout", f"{int(seconds) + 30}s"]  # fmt: skip
    return subprocess.Popen(["nice", "-n", str(NICE), *command], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


async def subscriber(url: str, token: str, delays: list[float], stop: asyncio.Event) -> int:
    received = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(url, additional_headers=headers, max_queue=None) as ws:
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            now = time.time()
            for event in json.loads(message):
                delays.append(now - float(event["at"]))
                received += 1
    return received


def subscribers_process(url: str, token: str, count: int, ready: Any, stop: Any,
                        out: str) -> None:  # fmt: skip
    """The WebSocket subscribers, in a process of their own (their JSON parsing must not
    slow the REST client down); their delays go to `out` as a numpy array."""

    os.nice(NICE)

    async def follow() -> None:
        delays: list[float] = []
        halt = asyncio.Event()
        clients = [asyncio.create_task(subscriber(url, token, delays, halt)) for _ in range(count)]
        await asyncio.sleep(2.0)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        halt.set()
        results = await asyncio.gather(*clients, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            print(f"  {len(failed)} subscribers failed: {failed[0]!r}", flush=True)
        np.save(out, np.asarray(delays))

    asyncio.run(follow())


async def rest_load(base: str, token: str, rps: float, seconds: float
                    ) -> list[tuple[str, float, float]]:  # fmt: skip
    """Open-loop GETs over 32 keep-alive connections, written as raw HTTP/1.1: a client
    library costs more CPU per request than the server does, on a machine the two share."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[tuple[str, float, float]] = []  # (path, latency, due since the start)
    errors = 0
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(32):
        pool.put_nowait(await asyncio.open_connection(host, int(port)))
    start = time.perf_counter()

    async def one(path: str, due: float) -> None:
        nonlocal errors
        reader, writer = await pool.get()
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                         f"Authorization: Bearer {token}\r\n\r\n".encode())  # fmt: skip
            head = await reader.readuntil(b"\r\n\r\n")
            found = re.search(rb"content-length: *(\d+)", head, re.I)
            await reader.readexactly(int(found.group(1)) if found else 0)
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
            # counted from when the request was due: waiting for a connection counts too
            latencies.append((path, time.perf_counter() - due, due - start))
        finally:
            pool.put_nowait((reader, writer))

    tasks = []
    for i in range(int(rps * seconds)):
        due = start + i / rps
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(READ_PATHS[i % len(READ_PATHS)], due)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        pool.get_nowait()[1].close()
    if errors:
        print(f"  {errors} REST requests did not answer 200", flush=True)
    return latencies


async def steal_by_window(seconds: float, window: float = 5.0) -> list[float]:
    """The hypervisor's steal (% of the machine) in each window: on a shared VM it, not the
    server, is often what a latency tail follows, and no process's own figures show it."""
    shares = []
    for _ in range(int(seconds / window)):
        before = psutil.cpu_times()
        await asyncio.sleep(window)
        after = psutil.cpu_times()
        spent = {k: getattr(after, k) - getattr(before, k) for k in before._fields}
        shares.append(round(100 * spent.get("steal", 0.0) / (sum(spent.values()) or 1.0), 1))
    return shares


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q)) if values else float("nan")


async def run(args: argparse.Namespace, base: str, sip_port: int, token: str,
              folder: Path) -> dict[str, Any]:  # fmt: skip
    ws_url = base.replace("http://", "ws://") + "/api/events"
    spawn = multiprocessing.get_context("spawn")
    ready, stop = spawn.Event(), spawn.Event()
    out = str(folder / "delays.npy")
    subs = spawn.Process(target=subscribers_process,
                         args=(ws_url, token, args.subscribers, ready, stop, out))  # fmt: skip
    subs.start()
    while not ready.is_set():
        await asyncio.sleep(0.1)
    calls = start_calls(sip_port, args.cps, args.seconds, folder)
    started = time.monotonic()
    await asyncio.sleep(args.seconds / 2)
    steal = asyncio.create_task(steal_by_window(args.seconds / 2))
    rest = await rest_load(base, token, args.rps, args.seconds / 2)
    steal_pct_by_5s = await steal
    await asyncio.sleep(max(args.seconds - (time.monotonic() - started), 0) + 3.0)
    stop.set()
    subs.join(60)
    calls.terminate()
    calls.wait(10)
    delays = [float(d) for d in np.load(out)]
    elapsed = time.monotonic() - started
    return {
        "subscribers": args.subscribers,
        "events_delivered": len(delays),
        "deliveries_per_s": round(len(delays) / elapsed, 1),
        "ws_p50_ms": round(pct(delays, 50), 1),
        "ws_p99_ms": round(pct(delays, 99), 1),
        "ws_max_ms": round(pct(delays, 100), 1),
        "rest_offered_rps": args.rps,
        "rest_requests": len(rest),
        "rest_p50_ms": round(pct([t for _, t, _ in rest], 50), 1),
        "rest_p99_ms": round(pct([t for _, t, _ in rest], 99), 1),
        "rest_p99_ms_by_path": {
            path: round(pct([t for p, t, _ in rest if p == path], 99), 1) for path in READ_PATHS
        },
        "rest_p99_ms_by_5s": [
            round(pct([t for _, t, at in rest if w <= at < w + 5], 99), 1)
            for w in range(0, int(args.seconds / 2), 5)
        ],
        "steal_pct_by_5s": steal_pct_by_5s,
        "calls_per_s": args.cps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rps", type=float, default=500.0, help="REST requests per second")
    parser.add_argument("--cps", type=float, default=5.0, help="calls per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--show-stalls", action="store_true", help="print the server's log")
    args = parser.parse_args()
    if args.quick:
        args.seconds = min(args.seconds, 20.0)
    with tempfile.TemporaryDirectory(prefix="frontdesk-web-bench-") as tmp:
        folder = Path(tmp)
        token = admin_token(folder / "data")
        proc, sip_port, base = start_server(folder / "data")
        try:
            figures = asyncio.run(run(args, base, sip_port, token, folder))
        finally:
            proc.terminate()
            proc.wait(15)
            server_log = (folder / "data" / "server.log").read_text()
    stalls = re.findall(r"event loop stalled for (\d+) ms", server_log)
    slow_gc = re.findall(r"garbage collection of generation (\d) took (\d+) ms", server_log)
    figures["loop_stalls"] = len(stalls)
    figures["loop_worst_stall_ms"] = max((int(ms) for ms in stalls), default=0)
    figures["slow_gc"] = len(slow_gc)
    figures["slow_gc_worst_ms"] = max((int(ms) for _, ms in slow_gc), default=0)
    print(
        f"server: {len(stalls)} event-loop stalls over 250 ms (worst "
        f"{figures['loop_worst_stall_ms']} ms), {len(slow_gc)} garbage collections over 50 ms "
        f"(worst {figures['slow_gc_worst_ms']} ms)"
    )
    if args.show_stalls:
        print(server_log)
    print(
        f"{figures['subscribers']} WebSocket subscribers, {args.cps} calls/s: "
        f"{figures['events_delivered']} events delivered; event → subscriber "
        f"p50 {figures['ws_p50_ms']} ms, p99 {figures['ws_p99_ms']} ms (target < 250 ms)"
    )
    print(
        f"REST reads offered at {args.rps:.0f}/s: {figures['rest_requests']} requests; "
        f"p50 {figures['rest_p50_ms']} ms, p99 {figures['rest_p99_ms']} ms (target < 50 ms)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
