"""A supervisor listens in and then barges into a live call from Chromium.

A sipp caller talks (espeak-ng speech), a baresip agent answers by itself and plays a 440 Hz
tone, the supervisor's fake microphone plays 1 kHz. While the supervisor listens, nobody
hears the 1 kHz tone; once they barge, the caller hears it (the call recording's second
channel: what the caller hears) and the agent hears it (baresip writes what it hears to a
WAV); the supervisor's page hears the call all along.
"""

from __future__ import annotations

import random
import subprocess
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from browser import chromium, sign_in, write_loud_tone
from conftest import ServerProcess, free_port, start_server
from live_company import write_company
from test_baresip import baresip_dir, write_tone
from test_web_desk import PASSWORD, make_users, talking_caller, tone_level

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav

pytestmark = pytest.mark.peer
SUPERVISOR_HZ = 1000.0

MONITOR_METER = """() => {
  const audio = document.getElementById('monitor-audio');
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  ctx.createMediaStreamSource(audio.srcObject).connect(analyser);
  const data = new Float32Array(2048);
  window.__heard = [];
  setInterval(() => {
    analyser.getFloatTimeDomainData(data);
    let sum = 0; for (const x of data) sum += x * x;
    window.__heard.push(Math.sqrt(sum / data.length));
  }, 50);
}"""


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 200}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    company = write_company(tmp_path / "company", smtp_port=free_port())
    make_users(tmp_path / "data")
    proc = start_server(tmp_path, "--config", str(company))
    yield proc
    assert proc.stop() == 0, proc.log()


@pytest.fixture
def agent_phone(centre: ServerProcess, tmp_path: Path) -> Iterator[Path]:
    """alice's desk phone: baresip answering by itself; yields the folder where it writes
    what it hears (sndfile's `*-dec.wav`)."""
    account = (f"<sip:1001@{centre.host}:{centre.port}>;auth_pass=alice1001;answermode=auto"
               ";regint=60")  # fmt: skip
    (tmp_path / "alice").mkdir()
    folder = baresip_dir(tmp_path / "alice", centre, account)
    write_tone(folder / "tone.wav", 60.0)
    heard = tmp_path / "alice" / "heard"
    heard.mkdir()
    with (folder / "config").open("a") as config:  # sndfile: what the phone hears, as WAV
        config.write(f"module sndfile.so\nsnd_path {heard}\n")
    proc = subprocess.Popen(["baresip", "-4", "-f", str(folder)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
    centre.wait_for_events("endpoint.registered", 1, timeout=20)
    time.sleep(0.6)
    yield heard
    proc.terminate()
    proc.wait(5)


def _wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as f:
        rate, frames = f.getframerate(), f.readframes(f.getnframes())
        data = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
        if f.getnchannels() > 1:
            data = data.reshape(-1, f.getnchannels())[:, 0]
    return data if rate == 8000 else data[:: max(rate // 8000, 1)]


def test_supervisor_listens_then_barges_and_both_parties_hear_them(
    centre: ServerProcess, agent_phone: Path, tmp_path: Path
) -> None:
    caller = talking_caller(centre, tmp_path, DEMO_CALLERS["known_caller"], 30000)
    [connected] = centre.wait_for_events("call.connected", 1, timeout=30)
    call_id = str(connected.call_id)
    with chromium(write_loud_tone(tmp_path / "sup.wav", SUPERVISOR_HZ)) as browser:
        page = sign_in(browser, centre.http_url, "sue", PASSWORD)
        # A steady tone is what noise suppression removes: this browser's microphone is raw.
        page.evaluate("""() => localStorage.setItem('frontdesk.audio', JSON.stringify(
            {noiseSuppression: false, echoCancellation: false, autoGainControl: false}))""")
        page.goto(f"{centre.http_url}/calls")  # the live calls, each with its buttons
        page.wait_for_selector(f'[data-monitor="{call_id}"] button[data-mode="listen"]')
        page.click(f'[data-monitor="{call_id}"] button[data-mode="listen"]')
        try:
            page.wait_for_selector("#monitor-bar:not([hidden])", timeout=15000)
        except Exception:
            toast = page.evaluate("() => document.getElementById('toast').textContent")
            raise AssertionError(f"{toast} {centre.log()[-3000:]}") from None
        [started] = centre.wait_for_events("call.monitor_started", 1, timeout=10)
        page.wait_for_function("document.getElementById('monitor-audio').srcObject !== null")
        page.evaluate(MONITOR_METER)
        page.wait_for_timeout(3000)
        barge_at = time.time()
        page.click(f'[data-monitor="{call_id}"] button[data-mode="barge"]')
        centre.wait_for_events("call.monitor_mode", 1, timeout=10)
        page.wait_for_timeout(4000)
        heard = page.evaluate("window.__heard")
        page.click("#monitor-bar button.danger")
        centre.wait_for_events("call.monitor_ended", 1, timeout=10)
    out, _ = caller.communicate(timeout=60)
    assert caller.returncode == 0, out.decode(errors="replace")[-2000:]

    assert started.data["mode"] == "listen" and started.data["supervisor"] == "sue"
    assert max(heard) > 0.02, heard  # the supervisor heard the call
    recordings = [e for e in centre.wait_for_events("call.recording", 1, timeout=20)
                  if e.call_id == call_id]  # fmt: skip
    assert recordings, centre.log()[-2000:]
    event = recordings[0]
    audio = read_wav(str(event.data["path"])).samples[:, 1]  # what the caller heard
    end_at = event.at
    seconds = len(audio) / 8000
    start_at = end_at - seconds

    def window(t0: float, t1: float) -> np.ndarray:
        a, b = int((t0 - start_at) * 8000), int((t1 - start_at) * 8000)
        return audio[max(a, 0) : max(b, 0)]

    listening = window(barge_at - 2.5, barge_at - 0.2)
    barging = window(barge_at + 1.0, barge_at + 3.5)
    assert len(listening) > 8000 and len(barging) > 8000
    assert tone_level(listening, SUPERVISOR_HZ) < 0.05  # listen: the caller did not hear them
    assert tone_level(barging, SUPERVISOR_HZ) > 0.2  # barge: the caller hears the supervisor
    deadline = time.monotonic() + 10
    while not (found := sorted(agent_phone.glob("*dec*.wav"))) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, list(agent_phone.iterdir())
    agent_heard = _wav(found[-1])
    assert tone_level(agent_heard[-8000 * 12 :], SUPERVISOR_HZ) > 0.02  # and so does the agent
