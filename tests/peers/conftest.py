"""Fixtures for tests against real peers: a `frontdesk serve` process and sipp runs."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import EventLog, StoredEvent, open_engine

SCENARIOS = Path(__file__).parent / "scenarios"
READY = re.compile(r"listening for SIP on udp\+tcp (\S+):(\d+)")
WEB_READY = re.compile(r"web app on (http://\S+?)/?(?:\s|$)")


# Ports handed to peers (sipp, baresip, SMTP) come from above the kernel's ephemeral range:
# a port the kernel gave us and we released could be handed to any other socket (an HTTP
# client, an RTP stream) before the peer binds it; these ones are never handed out by the
# kernel, so only another test's explicit choice can collide, and the check below sees that.
PEER_PORTS = (61000, 64998)


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP now (SIP peers listen on both)."""
    low, high = PEER_PORTS
    for _ in range(200):
        port = random.randrange(low, high, 2)
        try:
            with (
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
            ):
                udp.bind(("127.0.0.1", port))
                tcp.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    raise RuntimeError(f"no free port in {low}-{high}")


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    host: str
    port: int
    data_dir: Path
    log_path: Path
    log_file: IO[str]

    def events(self, kind: str | None = None) -> list[StoredEvent]:
        return list(EventLog(open_engine(self.data_dir)).read(kind=kind))

    def wait_for_events(self, kind: str, count: int, timeout: float = 10.0) -> list[StoredEvent]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.events(kind)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text()

    @property
    def tts_dir(self) -> Path:
        """Where the server keeps its spoken prompts (a run of the suite may share one)."""
        return Path(os.environ.get("FRONTDESK_TTS_CACHE") or self.data_dir / "tts")

    @property
    def http_url(self) -> str:
        """The web app's base URL (the server picks a free port)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            match = WEB_READY.search(self.log())
            if match:
                return match.group(1)
            time.sleep(0.05)
        raise RuntimeError(f"the web app did not start:\n{self.log()}")

    def stop(self) -> int:
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    return self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
            return self.process.wait()
        finally:
            self.log_file.close()


def start_server(tmp_path: Path, *extra: str) -> ServerProcess:
    data_dir = tmp_path / "data"
    log_path = tmp_path / "server.log"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdesk.cli",
            "serve",
            "--sip-port",
            "0",
            "--data-dir",
            str(data_dir),
            "--http-port",
            "0",
            *extra,
        ],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 90  # a loaded 2-core machine has taken over 20 s
    while time.monotonic() < deadline:
        match = READY.search(log_path.read_text())
        if match:
            host, port = match.group(1), int(match.group(2))
            return ServerProcess(process, host, port, data_dir, log_path, log_file)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    log_file.close()
    raise RuntimeError(f"frontdesk serve did not start:\n{log_path.read_text()}")


WEB_PASSWORD = "correct horse battery"


def make_web_users(data_dir: Path) -> None:
    """alice and bob (agents) and sue (their supervisor), all with WEB_PASSWORD."""
    store = AccountStore(open_engine(data_dir), SystemClock())
    store.create_user(NewUser("alice", "Alice", Role.AGENT, ("parcels",), "alice"), WEB_PASSWORD)
    store.create_user(NewUser("bob", "Bob", Role.AGENT, ("parcels",), "bob"), WEB_PASSWORD)
    store.create_user(NewUser("sue", "Sue", Role.SUPERVISOR, ("parcels",)), WEB_PASSWORD)


def start_web_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     prepare: Callable[[Path], None] | None = None,
                     *extra: str) -> ServerProcess:  # fmt: skip
    """`frontdesk serve` with live_company.py's company (one media worker, RTP ports of its own)
    and the web users; `prepare(company_file)` may change things before the start; `extra`
    options go to `frontdesk serve`."""
    from live_company import write_company

    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 200}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    company = write_company(tmp_path / "company", smtp_port=free_port())
    make_web_users(tmp_path / "data")
    if prepare is not None:
        prepare(company)
    return start_server(tmp_path, "--config", str(company), *extra)


@pytest.fixture
def web_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    proc = start_web_centre(tmp_path, monkeypatch)
    yield proc
    assert proc.stop() == 0, proc.log()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = start_server(tmp_path)
    yield proc
    assert proc.stop() == 0, proc.log()


@dataclass
class SippResult:
    returncode: int
    output: str
    screen: str


def run_sipp(
    server: ServerProcess, tmp_path: Path, *args: str, timeout: float = 60.0
) -> SippResult:
    if shutil.which("sipp") is None:
        pytest.fail("sipp is not installed (Debian package sip-tester); run scripts/setup.sh")
    screen = tmp_path / f"sipp-{time.monotonic_ns()}.screen"
    host = f"[{server.host}]" if ":" in server.host else server.host
    command = [
        "sipp",
        f"{host}:{server.port}",
        "-i",
        "::1" if ":" in server.host else "127.0.0.1",
        "-p",
        str(free_port()),
        "-nostdin",
        "-timeout",
        f"{int(timeout)}s",
        "-timeout_error",
        "-trace_screen",
        "-screen_file",
        str(screen),
        *args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout + 15, cwd=tmp_path
    )
    text = screen.read_text() if screen.exists() else ""
    return SippResult(done.returncode, done.stdout + done.stderr, text)
