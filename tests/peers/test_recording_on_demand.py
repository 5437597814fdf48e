"""Recording on demand, live: the company records only what agents choose; the agent starts the
recording from the desk page mid-call, pauses it (card details), resumes and stops it. The file
holds exactly the recorded stretches, with the agent's audio in it; what the policy does not
allow is refused with a reason and changes nothing."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from agent_phone import recording_agent
from browser import chromium, sign_in
from conftest import WEB_PASSWORD, ServerProcess, free_port, start_web_centre
from sipp_caller import caller_scenario, play

from frontdesk.media.wav import read_wav

pytestmark = pytest.mark.peer


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    def on_demand(company: Path) -> None:
        text = company.read_text()
        assert "recording: all" in text
        company.write_text(text.replace("recording: all", "recording: on-demand"))

    proc = start_web_centre(tmp_path, monkeypatch, on_demand)
    yield proc
    assert proc.stop() == 0, proc.log()


def _desk(server: ServerProcess) -> httpx.Client:
    client = httpx.Client(base_url=server.http_url, timeout=20)
    answer = client.post("/api/session", json={"username": "alice", "password": WEB_PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def _status_is(text: str) -> str:
    return f"document.querySelector('#recording-status').textContent === {text!r}"


def _recording(client: httpx.Client, action: str) -> httpx.Response:
    return client.post("/api/desk/recording", json={"action": action})


def test_the_agent_records_part_of_a_call_and_leaves_a_part_out(
    centre: ServerProcess, tmp_path: Path
) -> None:
    with recording_agent(centre, tmp_path), chromium() as browser:
        page = sign_in(browser, centre.http_url, "alice", WEB_PASSWORD)
        scenario = tmp_path / "caller.xml"
        scenario.write_text(caller_scenario(play("g711a.pcap", 16000), caller="+447700900888"))
        media = str(free_port() // 2 * 2)
        caller = subprocess.Popen(
            ["sipp", f"{centre.host}:{centre.port}", "-i", "127.0.0.1", "-p", str(free_port()),
             "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp", media, "-nostdin",
             "-timeout", "60s", "-timeout_error"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        desk = _desk(centre)
        try:
            assert centre.wait_for_events("call.connected", 1, timeout=30), centre.log()[-2000:]
            assert desk.get("/api/desk").json()["recording"] == {
                "state": "off", "policy": "on-demand"}  # fmt: skip
            refused = _recording(desk, "pause")
            assert refused.status_code == 409
            assert refused.json()["error_id"] == "recording_refused"
            # Start, pause and resume with the desk page's buttons, as the agent would.
            page.wait_for_selector("#rec-start:not([hidden])", timeout=15000)
            page.click("#rec-start")
            page.wait_for_function(_status_is("● Recording"), timeout=10000)
            time.sleep(2.0)
            page.click("#rec-pause")
            page.wait_for_function(_status_is("Recording paused"), timeout=10000)
            assert desk.get("/api/desk").json()["recording"]["state"] == "paused"
            time.sleep(2.0)
            page.click("#rec-resume")
            page.wait_for_function(_status_is("● Recording"), timeout=10000)
            time.sleep(1.5)
            assert _recording(desk, "stop").json() == {"state": "off"}
            again = _recording(desk, "start")
            assert again.status_code == 409 and "stopped" in again.json()["message"]
        finally:
            desk.close()
        out, _ = caller.communicate(timeout=60)
        assert caller.returncode == 0, out.decode(errors="replace")[-2000:]

    changes = {e.kind: e for e in centre.events() if e.kind.startswith("call.recording_")}
    assert set(changes) == {f"call.recording_{k}" for k in ("started", "paused", "resumed",
                                                              "stopped")}  # fmt: skip
    assert all(e.data["agent"] == "alice" for e in changes.values())
    [done] = centre.wait_for_events("call.recording", 1, timeout=15)
    paused_s = changes["call.recording_resumed"].at - changes["call.recording_paused"].at
    kept_s = changes["call.recording_stopped"].at - changes["call.recording_started"].at - paused_s
    [(pause_from, pause_to)] = done.data["paused"]
    assert abs((pause_to - pause_from) - paused_s) < 0.5
    audio = read_wav(str(done.data["path"]))
    seconds = len(audio.samples) / 8000
    assert abs(seconds - kept_s) < 0.6, (seconds, kept_s)
    # The agent's side (baresip's tone) is there in the kept stretches, with no silent gap
    # where the pause was: the paused part is left out, not blanked.
    agent = audio.samples[:, 1]
    quarter = len(agent) // 4
    for part in range(1, 4):
        window = agent[(part - 1) * quarter + 800 : part * quarter - 800]
        assert float(np.sqrt((window**2).mean())) > 0.01, part
