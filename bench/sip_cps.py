"""Calls per second: sipp's `uac` against `frontdesk serve` and against the Sippy B2BUA.

For each server, sipp (pinned to its own core) places calls (INVITE, 200, ACK, BYE, 200) at
increasing rates; a rate is *sustained* when every call succeeds and fewer than 1% of the
messages are retransmissions. The server is pinned to one core, and its CPU time (user +
system, from /proc) divided by the calls gives CPU milliseconds per call. The highest sustained
rate of each server and their ratio are printed; the last line is one JSON object. Frontdesk's
own warnings of garbage collections over 50 ms and of event-loop stalls (loopwatch.py) are
counted from its log, with the longest of each.

Usage: python bench/sip_cps.py [--quick] [--duration S] [--rates R,R...] [--no-sippy]

A steady load long enough for finished transactions to start expiring (Timers J and L, 32 s),
where the collector's pauses show: `--no-sippy --rates 800 --duration 90`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pinned(core: int, command: list[str]) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(core), *command]
    return command


@dataclass
class Step:
    rate: int
    calls: int
    successful: int
    failed: int
    messages: int
    retransmissions: int
    cpu_ms_per_call: float

    @property
    def retrans_ratio(self) -> float:
        return self.retransmissions / max(1, self.messages)

    @property
    def sustained(self) -> bool:
        return self.failed == 0 and self.successful == self.calls and self.retrans_ratio < 0.01


class Server:
    def __init__(self, name: str, command: list[str], ready: str, port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log
        self.process = subprocess.Popen(
            pinned(0, command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if ready in line:
                break
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"{name} did not start")
        self._media_to_other_core()
        # Keep draining output so the server never blocks on a full pipe.
        with log.open("w") as sink:
            self._drain = subprocess.Popen(["cat"], stdin=self.process.stdout, stdout=sink)

    def _media_to_other_core(self) -> None:
        """Frontdesk's media workers (child processes) go to core 1: the figure is for the
        signalling process on one core, which is what Sippy (no media at all) is measured on."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if not children.exists() or (os.cpu_count() or 1) < 2:
            return
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(pid), {1})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._drain.wait()


def pauses(log: str) -> dict[str, float]:
    """Slow collections and stalls the server warned of (loopwatch.py), counted, longest first."""
    collections = [
        float(m) for m in re.findall(r"garbage collection of generation \d took (\d+) ms", log)
    ]
    stalls = [float(m) for m in re.findall(r"event loop stalled for (\d+) ms", log)]
    return {
        "gc_over_50ms": len(collections),
        "gc_worst_ms": max(collections, default=0.0),
        "stalls": len(stalls),
        "stall_worst_ms": max(stalls, default=0.0),
    }


def start_frontdesk(data_dir: Path) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "frontdesk.cli",
        "serve",
        "--sip-port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "WARNING",
        "--http-port",
        "-1",
    ]
    return Server(
        "frontdesk", command, "listening for SIP", port, data_dir.parent / "frontdesk.log"
    )


def start_sippy(work: Path) -> Server:
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "sippy_uas.py"), "127.0.0.1", str(port)]
    return Server("sippy", command, "ready", port, work / "sippy.log")


def parse_screen(text: str) -> tuple[int, int, int, int]:
    def count(label: str) -> int:
        match = re.search(rf"{label}\s*\|\s*\d+\s*\|\s*(\d+)", text)
        return int(match.group(1)) if match else 0

    messages = retrans = 0
    for line in text.splitlines():
        row = re.match(r"\s+(INVITE|ACK|BYE|\d{3})\s+(-+>|<-+)\s+(\d+)\s+(\d+)?", line)
        if row:
            messages += int(row.group(3))
            retrans += int(row.group(4) or 0)
    return count("Successful call"), count("Failed call"), messages, retrans


def run_step(server: Server, rate: int, duration: float, work: Path) -> Step:
    calls = int(rate * duration)
    screen = work / f"{server.name}-{rate}.screen"
    before = cpu_seconds(server.process.pid)
    command = pinned(
        1,
        [
            "sipp",
            "-sn",
            "uac",
            f"127.0.0.1:{server.port}",
            "-s",
            "100",
            "-i",
            "127.0.0.1",
            "-p",
            str(free_port()),
            "-r",
            str(rate),
            "-m",
            str(calls),
            "-l",
            str(max(100, rate * 4)),
            "-nostdin",
            "-timeout",
            f"{int(duration) + 40}s",
            "-max_recv_loops",
            "10000",
            # Sippy sometimes sends its 100 Trying after the 200 OK; a stray provisional is
            # harmless, so sipp is told not to abort a call for it (the same for both servers).
            "-default_behaviors",
            "all,-abortunexp",
            "-trace_screen",
            "-screen_file",
            str(screen),
            "-trace_err",
            "-error_file",
            str(work / f"{server.name}-{rate}.errors"),
        ],
    )
    subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=duration + 90,
        cwd=work,
        check=False,
    )
    time.sleep(0.5)  # let the server finish its last transactions before reading its CPU
    used = cpu_seconds(server.process.pid) - before
    ok, failed, messages, retrans = parse_screen(screen.read_text() if screen.exists() else "")
    return Step(rate, calls, ok, failed, messages, retrans, 1000 * used / max(1, ok))


def climb(server: Server, rates: list[int], duration: float, work: Path) -> list[Step]:
    steps: list[Step] = []
    for rate in rates:
        step = run_step(server, rate, duration, work)
        for _ in range(2):  # two more tries, so that a single stray loss ends no climb
            if step.sustained:
                break
            step = run_step(server, rate, duration, work)
        steps.append(step)
        verdict = "sustained" if step.sustained else "NOT sustained"
        print(
            f"  {server.name:9} {rate:5} calls/s: {step.successful}/{step.calls} ok, "
            f"{step.failed} failed, retrans {100 * step.retrans_ratio:.2f}%, "
            f"{step.cpu_ms_per_call:.3f} ms CPU/call -> {verdict}",
            flush=True,
        )
        if not step.sustained:
            break
    return steps


def best(steps: list[Step]) -> Step | None:
    good = [s for s in steps if s.sustained]
    return max(good, key=lambda s: s.rate) if good else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short steps (under a minute)")
    parser.add_argument("--duration", type=float, help="seconds per rate step (default 30)")
    parser.add_argument("--no-sippy", action="store_true", help="measure Frontdesk only")
    parser.add_argument("--rates", help="Frontdesk's rates to climb, comma-separated")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian package sip-tester)")
    duration = args.duration or (4.0 if args.quick else 30.0)
    if args.quick:
        frontdesk_rates = [300, 600, 900, 1200]
        sippy_rates = [150, 300, 450]
    else:
        frontdesk_rates = [
            200,
            400,
            600,
            700,
            800,
            900,
            1000,
            1100,
            1200,
            1300,
            1400,
            1600,
            1800,
            2000,
            2200,
            2500,
        ]
        sippy_rates = [100, 200, 300, 350, 400, 450, 500, 550, 600, 700, 800]
    if args.rates:
        frontdesk_rates = [int(rate) for rate in args.rates.split(",")]
    print(
        f"sip_cps: {duration:.0f} s per step; server on core 0; sipp and Frontdesk's media "
        "workers on core 1",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="sip_cps-") as tmp:
        work = Path(tmp)
        frontdesk = start_frontdesk(work / "data")
        try:
            fd_steps = climb(frontdesk, frontdesk_rates, duration, work)
        finally:
            frontdesk.stop()
        fd_pauses = pauses(frontdesk.log.read_text(errors="replace"))
        sippy_steps: list[Step] = []
        if not args.no_sippy:
            sippy = start_sippy(work)
            try:
                sippy_steps = climb(sippy, sippy_rates, duration, work)
            finally:
                sippy.stop()
    fd_best, sippy_best = best(fd_steps), best(sippy_steps)
    fd_cps = fd_best.rate if fd_best else 0
    sippy_cps = sippy_best.rate if sippy_best else 0
    result = {
        "frontdesk_cps": fd_cps,
        "frontdesk_cpu_ms_per_call": round(fd_best.cpu_ms_per_call, 3) if fd_best else None,
        "sippy_cps": sippy_cps,
        "sippy_cpu_ms_per_call": round(sippy_best.cpu_ms_per_call, 3) if sippy_best else None,
        "ratio": round(fd_cps / sippy_cps, 2) if sippy_cps else None,
        **{f"frontdesk_{name}": value for name, value in fd_pauses.items()},
        "step_seconds": duration,
        "quick": args.quick,
    }
    print(
        f"Frontdesk sustained {fd_cps} calls/s; Sippy {sippy_cps} calls/s; ratio {result['ratio']}"
    )
    print(
        f"Frontdesk's pauses: {fd_pauses['gc_over_50ms']:.0f} garbage collections over 50 ms "
        f"(longest {fd_pauses['gc_worst_ms']:.0f} ms), {fd_pauses['stalls']:.0f} loop stalls "
        f"(longest {fd_pauses['stall_worst_ms']:.0f} ms)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
