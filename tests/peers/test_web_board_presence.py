"""A supervisor changes an agent's presence from the wallboard in Chromium: alice's desk phone
(baresip) is registered, so she is logged in; sue puts her on a break for a meeting from the
board, alice's desk shows the break and who made it, then sue makes her ready again."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import chromium, sign_in
from conftest import WEB_PASSWORD, start_web_centre
from test_e2e_transfer import phones

pytestmark = pytest.mark.peer


def state_is(state: str) -> str:
    return f"document.getElementById('state').textContent === '{state}'"


def test_a_supervisor_puts_an_agent_on_a_break_and_back_from_the_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centre = start_web_centre(tmp_path, monkeypatch)
    try:
        with phones(centre, tmp_path, **{"1001": 440}), chromium() as browser:
            base = centre.http_url
            desk = sign_in(browser, base, "alice", WEB_PASSWORD)
            desk.goto(f"{base}/desk")
            desk.wait_for_function(state_is("available"), timeout=15000)
            board = sign_in(browser, base, "sue", WEB_PASSWORD)
            board.goto(f"{base}/board")
            board.wait_for_selector("#presence-agent option[value=alice]", state="attached",
                                    timeout=15000)  # fmt: skip
            board.select_option("#presence-agent", "alice")
            board.select_option("#presence-to", "break:meeting")
            board.click("#presence-form button[type=submit]")
            desk.wait_for_function(state_is("on-break"), timeout=10000)
            desk.wait_for_function("document.getElementById('toast').textContent"
                                   ".includes('sue put you on a break (meeting)')",
                                   timeout=10000)  # fmt: skip
            assert desk.input_value("#presence") == "break:meeting"
            board.wait_for_selector('tr[data-agent=alice] .chip[data-state="on-break"]',
                                    timeout=10000)  # fmt: skip
            assert "meeting" in board.inner_text("tr[data-agent=alice]")

            board.select_option("#presence-to", "ready")
            board.click("#presence-form button[type=submit]")
            desk.wait_for_function(state_is("available"), timeout=10000)
        changes = centre.wait_for_events("presence.set", 2, timeout=5)
        assert [(e.data["by"], e.data["ready"], e.data["reason"]) for e in changes] == [
            ("sue", False, "meeting"), ("sue", True, "")]  # fmt: skip
    finally:
        assert centre.stop() == 0, centre.log()[-3000:]
