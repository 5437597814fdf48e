"""The browser phone stays on once switched on: through a page reload (the server's grace
period keeps the registration, so the agent is never logged out) and through a server killed
and started again (the page notices when its event stream comes back, connects the phone
again by itself, and the next call rings it)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser import chromium, sign_in
from conftest import WEB_PASSWORD, free_port, start_server, start_web_centre
from test_e2e_transfer import calling

pytestmark = pytest.mark.peer
CONNECTED = "document.getElementById('phone-status').textContent === 'on (connected)'"


def alices(events: list) -> list:  # type: ignore[type-arg]
    return [e for e in events if e.data.get("agent_id") == "alice"]


def test_the_browser_phone_comes_back_after_a_reload_and_a_server_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    http_port = free_port()  # the restarted server must be where the page looks for it
    first = start_web_centre(tmp_path, monkeypatch, None, "--http-port", str(http_port))
    second = None
    try:
        base = first.http_url
        with chromium() as browser:
            page = sign_in(browser, base, "alice", WEB_PASSWORD)
            page.goto(f"{base}/desk")
            page.click("#phone-toggle")
            page.wait_for_function(CONNECTED, timeout=20000)
            first.wait_for_events("softphone.registered", 1, timeout=10)

            page.reload()  # the tab remembers: the phone comes back within the grace period
            page.wait_for_function(CONNECTED, timeout=20000)
            assert page.text_content("#phone-toggle") == "Turn off"
            time.sleep(11)  # past the server's grace period: had the page not come back, the
            # session would have ended and the agent been logged out
            assert alices(first.events("softphone.unregistered")) == []
            assert len(alices(first.events("softphone.registered"))) == 1

            first.process.kill()  # SIGKILL: the page's event stream breaks at once
            first.process.wait()
            first.log_file.close()
            page.wait_for_function("document.getElementById('phone-status').textContent"
                                   ".includes('reconnecting')", timeout=30000)  # fmt: skip
            company = tmp_path / "company" / "company.yaml"
            second = start_server(tmp_path, "--config", str(company),
                                  "--http-port", str(http_port))  # fmt: skip
            page.wait_for_function(CONNECTED, timeout=60000)
            registered = alices(second.wait_for_events("softphone.registered", 2, timeout=20))
            assert len(registered) == 2, registered

            # A call for alice rings the browser again (the VIP caller is hers).
            with calling(second, tmp_path):
                incoming = second.wait_for_events("softphone.incoming", 1, timeout=30)
                assert alices(incoming), second.log()[-3000:]
                page.wait_for_function("!document.getElementById('answer').disabled",
                                       timeout=15000)  # fmt: skip
            # Switched off by the agent, it stays off after a reload.
            page.click("#phone-toggle")
            page.wait_for_function("document.getElementById('phone-status').textContent"
                                   ".startsWith('off')", timeout=10000)  # fmt: skip
            page.reload()
            page.wait_for_load_state("networkidle")
            assert page.text_content("#phone-status").startswith("off")
    finally:
        if first.process.poll() is None:
            first.stop()
        if second is not None:
            assert second.stop() == 0, second.log()[-3000:]
