"""A company file with no flows file, served for real: a sipp caller dials its number and
reaches its own queue through the flows written for it (not the demo's queues), and a caller
who hangs up at the voicemail is a missed call that says so — and that the team's supervisor
sees on the wallboard in Chromium: offered to the queue, and a call to return."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import chromium, sign_in
from conftest import ServerProcess, free_port, run_sipp, start_server
from playwright.sync_api import expect
from sipp_caller import caller_scenario

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
PASSWORD = "plumbing-supervisor-1"

COMPANY = """\
company: {name: Acme Plumbing, timezone: Europe/Paris}
numbers: [{number: "+33142000000", aliases: ["200"]}]
teams: [{name: plumbing}]
queues: [{name: plumbing, team: plumbing}]
agents: [{id: bob, name: Bob Roy, extension: "2001", password: bob2001}]
"""


def test_a_caller_reaches_the_company_queue_without_a_flows_file(tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(COMPANY)
    server: ServerProcess = start_server(tmp_path, "--config", str(company))
    try:
        scenario = tmp_path / "caller.xml"
        # Long enough to hear the greeting and be queued; then the caller gives up.
        scenario.write_text(
            caller_scenario(
                '  <pause milliseconds="8000"/>\n', caller="+33612345678", dialled="200"
            )
        )
        port = free_port()
        args = ("-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp", str(port - port % 2))
        result = run_sipp(server, tmp_path, *args, timeout=40)
        assert result.returncode == 0, result.screen + server.log()
        # No agent is logged in, so the queue's rule for an empty queue sends the caller to
        # its team's voicemail; the caller hangs up before the tone.
        [closed] = server.wait_for_events("acd.closed", 1)
        assert (closed.data["queue"], closed.data["outcome"]) == ("plumbing", "voicemail")
        [started] = server.wait_for_events("call.voicemail_started", 1)
        assert started.data["team"] == "plumbing" and started.call_id == closed.call_id
        [missed] = server.wait_for_events("call.missed", 1)
        assert (missed.data["queue"], missed.data["why"]) == ("plumbing", "left no message")
        # A new company has no web users: the server said how to add the first one.
        hint = "no web users yet; add the first admin with: frontdesk user add NAME --role admin"
        assert f"{hint} --data-dir {tmp_path / 'data'}" in server.log()
        # The team's supervisor, added while the server runs, opens the wallboard.
        accounts = AccountStore(open_engine(tmp_path / "data"), SystemClock())
        accounts.create_user(NewUser("sue", "Sue", Role.SUPERVISOR, ("plumbing",)), PASSWORD)
        with chromium() as browser:
            page = sign_in(browser, server.http_url, "sue", PASSWORD)
            assert page.url.endswith("/board")
            card = page.locator('[data-queue="plumbing"]')
            # the caller turned away (nobody logged in) is the queue's call, not "no queue's"
            expect(card.locator('[data-figure="offered"] .value')).to_have_text("1")
            expect(card.locator('[data-figure="sl"] .value')).to_have_text("0%")
            missed_figure = page.locator('#totals [data-figure="owed-missed"] .value')
            expect(missed_figure).to_have_text("1", timeout=10000)  # a call-back owed
            assert page.locator('#totals [data-figure="owed-overdue"] .value').inner_text() == "0"
    finally:
        assert server.stop() == 0, server.log()
