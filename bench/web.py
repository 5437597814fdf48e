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

The server runs in its own process; clients in this one (one event loop). The machine's two
cores are shared by the server, its media worker, sipp and the clients, so the figures are an
upper bound of what the server alone would show. The last line printed is one JSON object.

Usage: python bench/web.py [--quick] [--subscribers N] [--rps R] [--cps C] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from frontdesk.accounts.model import NewUser, Role  # noqa: E402
from frontdesk.accounts.store import AccountStore  # noqa: E402
from frontdesk.clock import SystemClock  # noqa: E402
from frontdesk.store.eventlog import open_engine  # noqa: E402

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
    return subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


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


async def rest_load(base: str, token: str, rps: float, seconds: float) -> list[float]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=10) as client:  # fmt: skip

        async def one(path: str) -> None:
            nonlocal errors
            started = time.perf_counter()
            response = await client.get(path)
            if response.status_code != 200:
                errors += 1
            latencies.append(time.perf_counter() - started)

        tasks = []
        start = time.perf_counter()
        for i in range(int(rps * seconds)):
            due = start + i / rps
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(READ_PATHS[i % len(READ_PATHS)])))
        await asyncio.gather(*tasks)
    if errors:
        print(f"  {errors} REST requests did not answer 200", flush=True)
    return latencies


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q)) if values else float("nan")


async def run(args: argparse.Namespace, base: str, sip_port: int, token: str,
              folder: Path) -> dict[str, float]:  # fmt: skip
    ws_url = base.replace("http://", "ws://") + "/api/events"
    delays: list[float] = []
    stop = asyncio.Event()
    clients = [asyncio.create_task(subscriber(ws_url, token, delays, stop))
               for _ in range(args.subscribers)]  # fmt: skip
    await asyncio.sleep(2.0)  # every client connected and idle
    calls = start_calls(sip_port, args.cps, args.seconds, folder)
    started = time.monotonic()
    await asyncio.sleep(args.seconds / 2)
    rest = await rest_load(base, token, args.rps, args.seconds / 2)
    await asyncio.sleep(max(args.seconds - (time.monotonic() - started), 0) + 3.0)
    stop.set()
    received = sum(await asyncio.gather(*clients))
    calls.terminate()
    calls.wait(10)
    elapsed = time.monotonic() - started
    return {
        "subscribers": args.subscribers,
        "events_delivered": received,
        "deliveries_per_s": round(received / elapsed, 1),
        "ws_p50_ms": round(pct(delays, 50), 1),
        "ws_p99_ms": round(pct(delays, 99), 1),
        "ws_max_ms": round(pct(delays, 100), 1),
        "rest_offered_rps": args.rps,
        "rest_requests": len(rest),
        "rest_p50_ms": round(pct(rest, 50), 1),
        "rest_p99_ms": round(pct(rest, 99), 1),
        "calls_per_s": args.cps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rps", type=float, default=500.0, help="REST requests per second")
    parser.add_argument("--cps", type=float, default=5.0, help="calls per second")
    parser.add_argument("--seconds", type=float, default=60.0)
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
