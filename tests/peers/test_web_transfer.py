"""Attended transfer from the agent desk in Chromium: alice (baresip desk phone, 440 Hz) talks
with a sipp caller, types bob in the transfer box and presses Consult; the caller hears music
while bob's phone (baresip, 660 Hz) rings and alice talks with him; Complete transfer hands
the caller to bob, alice's desk goes to wrap-up, and the call's recording shows what the
caller heard: alice, music, then bob."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser import chromium, sign_in
from conftest import WEB_PASSWORD, start_web_centre
from test_e2e_transfer import (
    calling,
    finish,
    heard,
    heard_in_order,
    one,
    phones,
    what_was_heard,
)

pytestmark = pytest.mark.peer


def test_consult_then_complete_from_the_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = start_web_centre(tmp_path, monkeypatch)
    try:
        with phones(centre, tmp_path, **{"1001": 440, "1002": 660}) as ph, chromium() as browser:
            page = sign_in(browser, centre.http_url, "alice", WEB_PASSWORD)
            page.goto(f"{centre.http_url}/desk")
            page.wait_for_function("document.getElementById('state').textContent !== '…'")
            # no consultation yet: its controls are hidden, not merely disabled
            assert not page.is_visible("#consult-cancel")
            assert not page.is_visible("#consult-complete")
            with calling(centre, tmp_path) as caller:
                connected = one(centre, "call.connected")
                page.wait_for_function(
                    "document.getElementById('call-title').textContent === 'On a call'",
                    timeout=15000,
                )
                time.sleep(1.0)
                page.fill("#transfer-to", "bob")
                page.click("#consult")
                started = one(centre, "call.consult_started", timeout=10)
                page.wait_for_function("!document.getElementById('consult-complete').disabled",
                                       timeout=15000)  # fmt: skip
                assert "Bob" in page.text_content("#consult-status")
                assert page.is_visible("#consult-cancel")
                time.sleep(1.5)  # alice and bob talk; the caller hears music
                page.click("#consult-complete")
                transferred = one(centre, "call.transferred", timeout=10)
                page.wait_for_function("!document.getElementById('wrap').hidden", timeout=15000)
                time.sleep(2.8)
                ph["1002"].command("hangup")
                finish(caller, centre)
        assert connected["agent"] == "alice"
        assert transferred["transfer"] == "attended" and transferred["via"] == "desk"
        assert transferred["to"] == "bob"
        ended = one(centre, "call.consult_ended")
        assert ended["outcome"] == "completed"
        assert started["call_id"] == connected["call_id"]
        # alice, the music while she consults (1.5 s and more), then bob (2.8 s).
        runs = what_was_heard(heard(centre, str(connected["call_id"])))
        assert heard_in_order(runs, ("alice", 1), ("music", 2), ("bob", 3)), runs
    finally:
        assert centre.stop() == 0, centre.log()[-3000:]
