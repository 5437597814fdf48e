"""Live calls and recordings in Chromium, end to end: a supervisor of the parcels team has the
live calls page open; a sipp caller (the demo CRM's VIP, James Whitaker) is answered by alice's
baresip phone and recorded (the company records every call). The call appears on the page as
it happens (talking, VIP, queue, agent, with its empty monitor cell) and leaves it when it
ends. Once the call is indexed, the supervisor searches the history page by the end of the
caller's number (typed in national form), finds the call with its contact name, and plays the
recording in the page: the <audio> element reads a duration close to the file's, and plays
(its currentTime advances).
"""

from __future__ import annotations

import random
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import chromium, sign_in
from conftest import ServerProcess, free_port, start_server
from live_company import write_company
from sipp_caller import play
from test_calls_end_to_end import Phones, _caller, _finish

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
PASSWORD = "correct horse battery"


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 200}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    company = write_company(tmp_path / "company", smtp_port=free_port())
    accounts = AccountStore(open_engine(tmp_path / "data"), SystemClock())
    accounts.create_user(NewUser("sue", "Sue", Role.SUPERVISOR, ("parcels",)), PASSWORD)
    proc = start_server(tmp_path, "--config", str(company))
    yield proc
    assert proc.stop() == 0, proc.log()


def indexed(server: ServerProcess, call_id: str, timeout: float = 15.0) -> dict[str, object]:
    """The call as the history API shows it to sue, once the index has it with a recording."""
    with httpx.Client(base_url=server.http_url) as client:
        client.post("/api/session", json={"username": "sue", "password": PASSWORD})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = client.get(f"/api/history/calls/{call_id}")
            if answer.status_code == 200 and answer.json()["recordings"]:
                found: dict[str, object] = answer.json()
                return found
            time.sleep(0.3)
    raise AssertionError(f"call {call_id} was not indexed with its recording: {answer.text}")


def test_a_supervisor_sees_the_call_live_then_finds_its_recording_and_plays_it(
    centre: ServerProcess, tmp_path: Path
) -> None:
    phones = Phones(centre, tmp_path)
    with chromium() as browser:
        page = sign_in(browser, centre.http_url, "sue", PASSWORD)
        page.goto(f"{centre.http_url}/calls")
        try:
            phones.register("1001")
            vip = DEMO_CALLERS["vip_account"]  # +441632960111: key-accounts, owner alice
            caller = _caller(centre, tmp_path, vip, "100", play("g711a.pcap", 8000))
            # the live calls page follows the event stream: the call shows up talking to alice
            live = page.locator('#live-calls tr:has(.chip[data-state="on-call"])')
            live.wait_for(timeout=20000)
            text = live.inner_text()
            assert "James Whitaker" in text and "VIP" in text and "key-accounts" in text
            assert "\tAlice\t" in text  # the agent by the company file's name
            call_id = live.get_attribute("data-call")
            assert live.locator(f'td[data-monitor="{call_id}"]').count() == 1
            _finish(caller, centre)
        finally:
            phones.close()
        page.locator("#live-calls tr").first.wait_for(state="detached", timeout=15000)
        assert page.is_visible("#live-empty")

        entry = indexed(centre, str(call_id))
        [recording] = [e for e in centre.events("call.recording") if e.call_id == call_id]
        with wave.open(str(recording.data["path"])) as wav:
            seconds = wav.getnframes() / wav.getframerate()
        assert entry["agents"] == ["alice"] and entry["name"] == "James Whitaker"

        page.goto(f"{centre.http_url}/recordings")
        page.fill("#q-number", "01632 960111")  # national form: the index matches the end
        page.click("#search button[type=submit]")
        row = page.locator(f'#results tr[data-call="{call_id}"]')
        row.wait_for(timeout=10000)
        assert page.locator("#results tr").count() == 1
        assert "James Whitaker" in row.inner_text() and "VIP" in row.inner_text()
        row.locator("button.play").click()
        page.wait_for_function(
            "() => { const a = document.getElementById('player');"
            " return a.duration > 0 && a.currentTime > 0.5; }",
            timeout=15000,
        )  # fmt: skip
        duration = page.evaluate("document.getElementById('player').duration")
        before = page.evaluate("document.getElementById('player').currentTime")
        page.wait_for_timeout(800)
        after = page.evaluate("document.getElementById('player').currentTime")
        page.screenshot(path=str(tmp_path / "recordings.png"), full_page=True)
    assert abs(duration - seconds) < 0.5, (duration, seconds)
    assert after > before
