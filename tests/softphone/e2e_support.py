"""What the softphone's end-to-end tests share: a real `frontdesk serve` with the live test
company of tests/peers, sipp callers, espeak-ng speech, waiting for events and processes."""

from __future__ import annotations

import asyncio
import importlib.util
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from frontdesk.softphone.events import SoftphoneEvent

PEERS = Path(__file__).parents[1] / "peers"
sys.path.insert(0, str(PEERS))
_spec = importlib.util.spec_from_file_location("peers_conftest", PEERS / "conftest.py")
assert _spec is not None and _spec.loader is not None
peers = sys.modules["peers_conftest"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)
from live_company import write_company  # noqa: E402
from sipp_caller import caller_scenario, play  # noqa: E402

__all__ = ["play", "sipp", "speech", "start_centre", "wait_for", "wait_process"]


def start_centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """`frontdesk serve` with the live test company (agents alice 1001, bob 1002...)."""
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 200}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    company = write_company(tmp_path / "company", smtp_port=peers.free_port())
    proc = peers.start_server(tmp_path, "--config", str(company))
    proc.company_path = company
    return proc


def sipp(server: object, tmp_path: Path, number: str, body: str, we_hang_up: bool
          ) -> subprocess.Popen[bytes]:  # fmt: skip
    scenario = tmp_path / f"caller-{time.monotonic_ns()}.xml"
    scenario.write_text(caller_scenario(body, caller=number, we_hang_up=we_hang_up))
    command = ["sipp", f"{server.host}:{server.port}", "-i", "127.0.0.1",  # type: ignore[attr-defined]
               "-p", str(peers.free_port()), "-sf", str(scenario), "-m", "1",
               "-mi", "127.0.0.1", "-mp", str(peers.free_port() // 2 * 2), "-nostdin",
               "-timeout", "40s", "-timeout_error"]  # fmt: skip
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip


def speech(tmp_path: Path) -> Path:
    """The caller talks (looped by sipp): espeak-ng speech as an A-law WAV."""
    path = tmp_path / "speech.wav"
    text = "Hello, I am calling about my parcel. It should have come yesterday, and it did not."
    voice = subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "--stdout", text],
                           capture_output=True, check=True).stdout  # fmt: skip
    subprocess.run(["sox", "-t", "wav", "-", "-r", "8000", "-c", "1", "-e", "a-law", str(path)],
                   input=voice, check=True)  # fmt: skip
    return path


async def wait_for(events: list[SoftphoneEvent], kind: type, timeout: float) -> SoftphoneEvent:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in events:
            if isinstance(event, kind):
                return event
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {kind.__name__} within {timeout} s; events: {events}")


async def wait_process(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
    out = proc.communicate()[0].decode(errors="replace")
    return proc.returncode, out
