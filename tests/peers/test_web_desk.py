"""The agent desk in Chromium, end to end: an agent signs in, switches the browser phone on,
a sipp caller from the demo CRM dials in, the screen pop names the customer and their account,
the agent answers with the keyboard shortcut, audio flows both ways, the agent hangs up in
the page and saves a disposition and notes.

Audio is checked on both sides: in the page, an AnalyserNode on the remote stream must hear
the caller (espeak-ng speech streamed by sipp); in the call recording, the agent's channel
must carry the 1 kHz tone Chromium's fake microphone plays.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
from browser import HEARING_METER, chromium, sign_in, write_loud_tone
from conftest import WEB_PASSWORD, ServerProcess, free_port
from sipp_caller import caller_scenario

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav

pytestmark = pytest.mark.peer
MIC_HZ = 1000.0


def speech(tmp_path: Path) -> Path:
    """What the caller says (looped by sipp): espeak-ng speech as an A-law WAV."""
    path = tmp_path / "speech.wav"
    text = "Hello, I am calling about my parcel. It should have come yesterday, and it did not."
    voice = subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "--stdout", text],
                           capture_output=True, check=True).stdout  # fmt: skip
    subprocess.run(["sox", "-t", "wav", "-", "-r", "8000", "-c", "1", "-e", "a-law", str(path)],
                   input=voice, check=True)  # fmt: skip
    return path


def talking_caller(server: ServerProcess, tmp_path: Path, number: str,
                   hang_up_after_ms: int | None = None) -> subprocess.Popen[bytes]:  # fmt: skip
    """A sipp caller that talks until Frontdesk hangs up on them (BYE within 40 s), or that
    hangs up itself after `hang_up_after_ms`."""
    body = f'  <nop><action><exec rtp_stream="{speech(tmp_path)},-1,8"/></action></nop>\n'
    if hang_up_after_ms is not None:
        body += f'  <pause milliseconds="{hang_up_after_ms}"/>\n'
    scenario = tmp_path / "caller.xml"
    we_hang_up = hang_up_after_ms is not None
    scenario.write_text(caller_scenario(body, caller=number, we_hang_up=we_hang_up)
                        .replace('timeout="20000"', 'timeout="40000"'))  # fmt: skip
    command = ["sipp", f"{server.host}:{server.port}", "-i", "127.0.0.1", "-p", str(free_port()),
               "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp",
               str(free_port() // 2 * 2), "-nostdin", "-timeout", "60s",
               "-timeout_error"]  # fmt: skip
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip


def tone_level(samples: np.ndarray, hz: float, rate: int = 8000) -> float:
    """Share of a signal's energy at `hz` (±30 Hz)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = (freqs > hz - 30) & (freqs < hz + 30)
    return float(spectrum[band].sum() / max(spectrum.sum(), 1e-12))


def test_agent_takes_a_call_in_the_browser_with_audio_both_ways(
    web_centre: ServerProcess, tmp_path: Path
) -> None:
    centre = web_centre
    vip = DEMO_CALLERS["vip_account"]  # Northwind Traders, key-accounts, owner alice
    with chromium(write_loud_tone(tmp_path / "mic.wav", MIC_HZ)) as browser:
        page = sign_in(browser, centre.http_url, "alice", WEB_PASSWORD)
        assert page.url.endswith("/desk")
        # no phone registered yet: logged out, no status to choose, and the page says why
        page.wait_for_selector('#state[data-state="logged-out"]', timeout=10000)
        assert page.is_disabled("#presence") and page.is_visible("#state-hint")
        page.click("#phone-toggle")
        page.wait_for_function(
            "document.getElementById('phone-status').textContent.includes('connected')",
            timeout=15000)  # fmt: skip
        page.wait_for_selector('#state[data-state="available"]', timeout=10000)
        assert page.is_enabled("#presence") and not page.is_visible("#state-hint")
        page.evaluate(HEARING_METER)

        caller = talking_caller(centre, tmp_path, vip)
        page.wait_for_selector("#pop-name", timeout=20000)
        assert page.inner_text("#pop-name") == "James Whitaker"
        assert page.inner_text("#pop-account") == "Northwind Traders"
        assert "VIP" in page.inner_text("#pop")
        page.wait_for_selector("#answer:not([disabled])", timeout=10000)
        heard_before = len(page.evaluate("window.__heard"))
        page.keyboard.press("a")
        [connected] = centre.wait_for_events("call.connected", 1, timeout=20)
        page.wait_for_timeout(4000)  # the caller talks to the agent
        heard = page.evaluate("window.__heard")[heard_before:]
        page.keyboard.press("h")
        page.wait_for_selector("#wrap:not([hidden])", timeout=10000)
        page.select_option("#disposition", "resolved")
        page.fill("#notes", "Parcel re-sent by courier.")
        page.keyboard.press("Control+Enter")
        page.wait_for_function("document.getElementById('toast').textContent === 'Saved'")
        out, _ = caller.communicate(timeout=60)
        assert caller.returncode == 0, out.decode(errors="replace")[-2000:] + centre.log()[-3000:]
        page.screenshot(path=str(tmp_path / "desk.png"), full_page=True)

    # The agent heard the caller: speech energy in the page, well above silence.
    assert max(heard) > 0.02, heard[-40:]
    call_id = connected.call_id
    # The caller heard the agent: the recording's agent channel carries the microphone's tone.
    recordings = [e for e in centre.wait_for_events("call.recording", 1, timeout=15)
                  if e.call_id == call_id]  # fmt: skip
    audio = read_wav(str(recordings[0].data["path"])).samples
    agent_side = audio[-8000 * 4 :, 1]
    assert float(np.sqrt((agent_side**2).mean())) > 0.01
    assert tone_level(agent_side, MIC_HZ) > 0.5
    # The disposition and notes were saved, in the desk's table and in the CRM.
    [wrapped] = centre.wait_for_events("call.wrapped", 1, timeout=5)
    assert wrapped.call_id == call_id and wrapped.data["disposition"] == "resolved"
    db = sqlite3.connect(centre.data_dir / "frontdesk.db")
    notes = db.execute("select notes, agent from crm_interactions where call_id = ?",
                       (call_id,)).fetchall()  # fmt: skip
    assert notes == [("[resolved] Parcel re-sent by courier.", "alice")]
