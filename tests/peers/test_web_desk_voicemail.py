"""A voicemail on the agent's desk in Chromium, from a real call: the demo CRM's caller leaves a
message after hours (sipp playing speech), and the agent's desk lists the task by the caller's
name, with its due time on the company's clocks (the browser is in another zone), and plays
the message in the list; the player survives the list's redraw, and the play is logged."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser import chromium, sign_in
from conftest import WEB_PASSWORD, start_web_centre
from sipp_caller import play
from test_calls_end_to_end import _caller, _finish

from frontdesk.clock import SystemClock
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.followup import FollowupStore
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
COMPANY_ZONE = "Europe/London"  # live_company.py's
BROWSER_ZONE = "America/New_York"


def clock(at: datetime) -> str:
    """A pattern of '9:05 AM' as en-US browsers write a time (some with a narrow space)."""
    return rf"{at.hour % 12 or 12}:{at.minute:02d}\s{'AM' if at.hour < 12 else 'PM'}"


def test_the_desk_names_the_caller_and_plays_their_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = start_web_centre(tmp_path, monkeypatch)
    try:
        number = DEMO_CALLERS["known_caller"]  # Susan Clark in the demo CRM
        _finish(_caller(centre, tmp_path, number, "101", play("g711a.pcap", 8000)), centre)
        [message] = centre.wait_for_events("call.voicemail", 1, timeout=15)
        deadline = time.monotonic() + 10
        store = FollowupStore(open_engine(centre.data_dir), SystemClock())
        while not (tasks := store.open_tasks(kind="voicemail")) and time.monotonic() < deadline:
            time.sleep(0.2)
        [task] = tasks
        due = datetime.fromtimestamp(task.due_at, ZoneInfo(COMPANY_ZONE))
        with chromium() as browser:
            page = sign_in(browser, centre.http_url, "alice", WEB_PASSWORD,
                           timezone_id=BROWSER_ZONE, locale="en-US")  # fmt: skip
            page.goto(f"{centre.http_url}/desk")
            item = f'#callbacks li[data-task="{task.id}"]'
            page.wait_for_selector(item, timeout=15000)
            line = page.inner_text(item)
            assert "Susan Clark" in line and number in line and "voicemail · due" in line, line
            # due as London's clocks read (with the zone's name), not New York's
            assert re.search(rf"due .*{clock(due)}\s(GMT\+1|GMT|BST)", line), (line, due)

            page.click(f"{item} button.listen")
            playing = f"document.querySelector('{item} audio')"
            page.wait_for_function(f"{playing} && {playing}.currentTime > 0.5", timeout=15000)
            # Playing logs task.voicemail_played, a task event that redraws the list; the
            # player is carried into the new list and keeps playing.
            played = centre.wait_for_events("task.voicemail_played", 1, timeout=10)
            page.wait_for_timeout(1000)
            assert page.evaluate(f"!{playing}.paused && {playing}.currentTime > 1.0")
            assert page.inner_text(f"{item} button.listen") == "Close"
            page.click(f"{item} button.listen")
            assert page.evaluate(f"{playing} === null")
        assert played[0].data == {"task": task.id, "by": "alice"}
        assert played[0].call_id == message.call_id
    finally:
        assert centre.stop() == 0, centre.log()[-3000:]
