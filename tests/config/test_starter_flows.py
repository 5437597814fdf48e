"""A company file without `flows:` runs flows written for it: its name, its queues, its teams'
hours and voicemail; walked as a caller would be, and printed by `frontdesk flow starter`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.clock import ManualClock
from frontdesk.config.loader import parse_setup
from frontdesk.flows import actions as a
from frontdesk.flows.model import Flow
from frontdesk.flows.walk import walk

PLUMBING = """\
company: {name: "Acme {Plumbing}", timezone: Europe/Paris}
numbers: [{number: "+33142000000", aliases: ["200"], language: fr}]
teams:
  - name: plumbing
    hours: {weekly: {weekdays: "08:00-18:00", sat: "09:00-12:30"}, holidays: [2026-12-25]}
  - name: sales
queues:
  - {name: plumbing, team: plumbing}
QUEUES
agents:
  - {id: bob, name: Bob Roy, extension: "2001", password: bob2001}
"""
ONE_QUEUE = PLUMBING.replace("QUEUES\n", "")
TWO_QUEUES = PLUMBING.replace("QUEUES", "  - {name: new-sales, team: sales}")
PARIS = ZoneInfo("Europe/Paris")


class NobodyKnown:
    """A CRM that knows nobody: the walk's callers are all new."""

    def record(self, number: str) -> Mapping[str, Any] | None:
        return None

    def find(self, key: str) -> Mapping[str, Any] | None:
        return None


def main_flow(text: str) -> Flow:
    setup = parse_setup(text, "company.yaml")
    assert setup.warnings == ()
    return setup.flows.flows["main"]


def call(flow: Flow, when: dt.datetime, keys: tuple[str, ...] = ()) -> Any:
    clock = ManualClock(wall_offset=when.timestamp())
    return walk(flow, "+33612345678", list(keys), NobodyKnown(), clock)


def test_one_queue_open_goes_straight_to_it_with_the_company_named() -> None:
    flow = main_flow(ONE_QUEUE)
    assert flow.languages[0] == "fr"  # the number's language first
    result = call(flow, dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))  # a Monday
    said = [x.text for x in result.actions if isinstance(x, a.Say)]
    assert said == ["Bonjour, merci d'appeler Acme {Plumbing}."]  # braces said as written
    assert isinstance(result.outcome, a.Enqueue) and result.outcome.queue == "plumbing"


def test_one_queue_closed_takes_a_voicemail_for_its_team() -> None:
    flow = main_flow(ONE_QUEUE)
    for closed in (
        dt.datetime(2026, 11, 23, 18, 0),  # Monday, at closing time
        dt.datetime(2026, 11, 28, 12, 30),  # Saturday, after the morning
        dt.datetime(2026, 12, 25, 10, 0),  # a holiday
    ):
        result = call(flow, closed.replace(tzinfo=PARIS))
        assert isinstance(result.outcome, a.Voicemail), closed
        assert result.outcome.team == "plumbing"
        assert "Nous sommes fermés pour le moment." in [
            x.text for x in result.actions if isinstance(x, a.Say)
        ]
    saturday = call(flow, dt.datetime(2026, 11, 28, 12, 29, tzinfo=PARIS))
    assert isinstance(saturday.outcome, a.Enqueue)


def test_several_queues_get_a_menu_in_file_order() -> None:
    flow = main_flow(TWO_QUEUES)
    monday = dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    second = call(flow, monday, ("2",))
    assert isinstance(second.outcome, a.Enqueue) and second.outcome.queue == "new-sales"
    said = " ".join(x.text for x in second.actions if isinstance(x, a.Say))
    assert "Pour plumbing, tapez 1. Pour new sales, tapez 2." in said, said
    first = call(flow, monday, ("1",))
    assert isinstance(first.outcome, a.Enqueue) and first.outcome.queue == "plumbing"
    # sales has no hours: always open, even on a Sunday night when plumbing is closed
    sunday = dt.datetime(2026, 11, 29, 23, 0, tzinfo=PARIS)
    assert isinstance(call(flow, sunday, ("2",)).outcome, a.Enqueue)
    assert isinstance(call(flow, sunday, ("1",)).outcome, a.Voicemail)
    # silence: the first queue, like a caller who waits for someone
    silent = call(flow, monday, ("", "", ""))
    assert isinstance(silent.outcome, a.Enqueue) and silent.outcome.queue == "plumbing"


def test_without_queues_a_voicemail_for_the_first_team_or_a_goodbye() -> None:
    no_queues = ONE_QUEUE.replace("  - {name: plumbing, team: plumbing}\n", "queues: []\n")
    no_queues = no_queues.replace("queues:\nqueues: []", "queues: []")
    result = call(main_flow(no_queues), dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    assert isinstance(result.outcome, a.Voicemail) and result.outcome.team == "plumbing"
    bare = 'company: {name: Bare}\nnumbers: [{number: "+15551230000"}]\n'
    result = call(main_flow(bare), dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    assert isinstance(result.outcome, a.Hangup)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "frontdesk.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_flow_starter_prints_a_flows_file_that_checks_and_runs_the_same(tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(TWO_QUEUES)
    printed = run_cli("flow", "starter", str(company))
    assert printed.returncode == 0, printed.stderr
    (tmp_path / "flows.yaml").write_text(printed.stdout)
    checked = run_cli("flow", "check", str(tmp_path / "flows.yaml"))
    assert checked.returncode == 0 and "main (" in checked.stdout, checked.stderr
    # The company file itself can be walked: the flows it runs.
    walked = run_cli("flow", "test", str(company), "--from", "+33612345678",
                     "--keys", "2", "--at", "2026-11-23T10:00")  # fmt: skip
    assert walked.returncode == 0, walked.stderr
    assert "queued: new-sales" in walked.stdout
    # Saved and named in the company, the same flows run: the walk ends the same way.
    company.write_text(TWO_QUEUES.replace("timezone: Europe/Paris}", "timezone: Europe/Paris,"
                                          " flows: flows.yaml}"))  # fmt: skip
    again = run_cli("flow", "test", str(company), "--from", "+33612345678",
                    "--keys", "2", "--at", "2026-11-23T10:00")  # fmt: skip
    assert again.stdout.splitlines()[2:] == walked.stdout.splitlines()[2:]


def test_flow_starter_refuses_a_broken_company_file(tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(ONE_QUEUE.replace("team: plumbing}", "team: plumbin}"))
    result = run_cli("flow", "starter", str(company))
    assert result.returncode == 1 and result.stdout == ""
    assert "company.yaml:8:" in result.stderr and "plumbin" in result.stderr
