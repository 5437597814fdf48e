"""A supervisor listens in and then barges into a live call from Chromium.

A sipp caller talks (espeak-ng speech), a baresip agent answers by itself and plays a 440 Hz
tone, the supervisor's fake microphone plays 1 kHz. While the supervisor listens, nobody
hears the 1 kHz tone; once they barge, the caller hears it (the call recording's second
channel: what the caller hears) and the agent hears it (baresip writes what it hears to a
WAV); the supervisor's page hears the call all along.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from agent_phone import recording_agent, what_the_agent_heard
from browser import chromium, meter, sign_in, write_loud_tone
from conftest import WEB_PASSWORD, ServerProcess
from test_web_desk import talking_caller, tone_level

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav

pytestmark = pytest.mark.peer
SUPERVISOR_HZ = 1000.0


@pytest.fixture
def agent_phone(web_centre: ServerProcess, tmp_path: Path) -> Iterator[Path]:
    with recording_agent(web_centre, tmp_path) as heard:
        yield heard


def test_supervisor_listens_then_barges_and_both_parties_hear_them(
    web_centre: ServerProcess, agent_phone: Path, tmp_path: Path
) -> None:
    centre = web_centre
    caller = talking_caller(centre, tmp_path, DEMO_CALLERS["known_caller"], 30000)
    [connected] = centre.wait_for_events("call.connected", 1, timeout=30)
    call_id = str(connected.call_id)
    with chromium(write_loud_tone(tmp_path / "sup.wav", SUPERVISOR_HZ)) as browser:
        page = sign_in(browser, centre.http_url, "sue", WEB_PASSWORD)
        # A steady tone is what noise suppression removes: this browser's microphone is raw.
        page.evaluate("""() => localStorage.setItem('frontdesk.audio', JSON.stringify(
            {noiseSuppression: false, echoCancellation: false, autoGainControl: false}))""")
        page.goto(f"{centre.http_url}/calls")  # the live calls, each with its buttons
        page.wait_for_selector(f'[data-monitor="{call_id}"] button[data-mode="listen"]')
        row = page.locator(f'[data-monitor="{call_id}"]').locator("xpath=ancestor-or-self::tr")
        assert "\tAlice\t" in row.inner_text()  # the agent by name (their id is alice)
        page.click(f'[data-monitor="{call_id}"] button[data-mode="listen"]')
        try:
            page.wait_for_selector("#monitor-bar:not([hidden])", timeout=15000)
        except Exception:
            toast = page.evaluate("() => document.getElementById('toast').textContent")
            raise AssertionError(f"{toast} {centre.log()[-3000:]}") from None
        [started] = centre.wait_for_events("call.monitor_started", 1, timeout=10)
        page.wait_for_function("document.getElementById('monitor-audio').srcObject !== null")
        page.evaluate(meter("monitor-audio"))
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
    agent_heard = what_the_agent_heard(agent_phone)
    assert tone_level(agent_heard[-8000 * 12 :], SUPERVISOR_HZ) > 0.02  # and so does the agent


def test_a_call_with_no_agent_on_the_line_cannot_be_joined(
    web_centre: ServerProcess, tmp_path: Path
) -> None:
    # No agent is signed in: the caller stays in the menu or the queue, with nobody to hear.
    caller = talking_caller(web_centre, tmp_path, DEMO_CALLERS["known_caller"], 20000)
    try:
        [answered] = web_centre.wait_for_events("call.answered", 1, timeout=30)
        call_id = str(answered.call_id)
        with chromium() as browser:
            page = sign_in(browser, web_centre.http_url, "sue", WEB_PASSWORD)
            page.goto(f"{web_centre.http_url}/calls")
            button = f'[data-monitor="{call_id}"] button[data-mode="listen"]'
            listen = page.wait_for_selector(button)
            assert listen is not None
            assert listen.is_disabled()
            assert listen.get_attribute("title") == "No agent is talking with this caller now"
            # the server refuses the same thing the page no longer offers
            refused = page.evaluate(
                """async (id) => {
                    const csrf = document.querySelector('meta[name="csrf-token"]').content;
                    const r = await fetch('/api/monitor', {method: 'POST',
                        headers: {'content-type': 'application/json', 'x-csrf-token': csrf},
                        body: JSON.stringify({call_id: id, mode: 'listen', sdp: 'v=0 an offer'})});
                    return [r.status, (await r.json()).error_id];
                }""",
                call_id,
            )
            assert refused == [409, "no_agent_yet"], refused
    finally:
        caller.kill()
        caller.communicate(timeout=10)
