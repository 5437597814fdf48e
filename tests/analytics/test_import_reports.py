"""Importing history and reporting on it: the real August 1999 log, a generic CSV, the CLI.

The Anonymous Bank file (Technion SEE lab, A. Mandelbaum) is imported once; its report totals
are reconciled with counts taken straight from the CSV with the csv module: AGENT rows are
answered, HANG rows are abandoned in queue or ended in the VRU, PHANTOM rows phantom.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from frontdesk.analytics.calls_table import (
    calls_table,
    derived_state,
    ensure_rollup,
    rebuild_calls,
    refresh_calls,
)
from frontdesk.analytics.cli import register
from frontdesk.analytics.importers import anonymous_bank_calls, import_calls
from frontdesk.analytics.metrics import MetricSettings
from frontdesk.analytics.queries import Window
from frontdesk.analytics.records import OUTCOME_CODES, CallOutcome
from frontdesk.analytics.reports import ReportRequest, build
from frontdesk.store.eventlog import EventLog, events_table, open_engine

BANK = Path(
    os.environ.get("FRONTDESK_BANK_CSV", "/work/shared/data/anonymous_bank_1999_08_calls.csv")
)
needs_bank = pytest.mark.skipif(not BANK.is_file(), reason="the Anonymous Bank file is absent")


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture(scope="module")
def bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("bank")
    assert (
        run(["import", str(BANK), "--format", "anonymous-bank", "--data-dir", str(data_dir)]) == 0
    )
    return data_dir


@needs_bank
def test_bank_totals_reconcile_with_the_raw_file(
    bank_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open(BANK, newline="") as handle:
        rows = list(csv.DictReader(handle))
    outcome = Counter(r["outcome"] for r in rows)
    queued_hang = sum(1 for r in rows if r["outcome"] == "HANG" and r["q_start"] != "0:00:00")
    capsys.readouterr()
    assert run(["report", "summary", "--json", "--data-dir", str(bank_dir)]) == 0
    total = json.loads(capsys.readouterr().out)["rows"][0]
    assert total["calls"] == len(rows)
    assert total["answered"] == outcome["AGENT"]
    assert total["abandoned"] == queued_hang
    assert total["abandoned"] + total["ivr"] == outcome["HANG"]
    assert total["phantom"] == outcome["PHANTOM"]
    assert total["answered"] + total["abandoned"] + total["ivr"] + total["phantom"] == len(rows)
    assert total["offered"] == total["answered"] + total["abandoned"]


@needs_bank
def test_bank_slices_add_up_and_match_the_file(
    bank_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open(BANK, newline="") as handle:
        rows = list(csv.DictReader(handle))
    capsys.readouterr()
    assert (
        run(["report", "summary", "--by", "queue,day", "--json", "--data-dir", str(bank_dir)]) == 0
    )
    sliced = json.loads(capsys.readouterr().out)["rows"]
    answered_by_type = Counter(r["type"] for r in rows if r["outcome"] == "AGENT")
    got = Counter()
    for row in sliced:
        got[row["queue"]] += row["answered"]
    assert {k: v for k, v in got.items() if v} == dict(answered_by_type)
    days = {row["day"] for row in sliced}
    assert days == {r["date"] for r in rows}


@needs_bank
def test_bank_reimport_adds_nothing(bank_dir: Path) -> None:
    engine = open_engine(bank_dir)
    before = _count(engine)
    result = import_calls(engine, anonymous_bank_calls(BANK, ZoneInfo("UTC")))
    assert (result.imported, result.skipped, _count(engine)) == (0, result.rows, before)


@needs_bank
def test_bank_patience_and_abandonment_reports(bank_dir: Path) -> None:
    engine = open_engine(bank_dir)
    patience = build(engine, ReportRequest("patience"))
    by_wait = {row["wait_s"]: row["survival"] for row in patience.rows}
    # docs/planning.md: Kaplan-Meier S(60 s) = 0.813, S(300 s) = 0.546 on this file
    assert by_wait[60] == pytest.approx(0.813, abs=0.003)
    assert by_wait[300] == pytest.approx(0.546, abs=0.003)
    abandonment = build(engine, ReportRequest("abandonment", window=Window(queues=("PS",))))
    assert sum(row["abandoned"] for row in abandonment.rows) == sum(
        1
        for c in _bank_rows()
        if c["type"] == "PS" and c["outcome"] == "HANG" and c["q_start"] != "0:00:00"
    )


def _bank_rows() -> list[dict[str, str]]:
    with open(BANK, newline="") as handle:
        return list(csv.DictReader(handle))


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(events_table)).scalar() or 0)


GENERIC = """CallID,Start,Skill,Wait,Talk,Result,Agent,Segment
1,2024-03-01 09:00:05,sales,12,100,ANS,ann,gold
2,2024-03-01 09:10:00,sales,40,0,ABN,,
3,2024-03-01 09:20:00,support,2,0,ABN,,gold
4,2024-03-01 10:05:00,support,25,300,ANS,bob,
5,2024-03-01 10:06:00,support,0,0,IVR,,
"""
MAPPING = """columns:
  id: CallID
  arrived: Start
  queue: Skill
  wait_s: Wait
  talk_s: Talk
  outcome: Result
  agent: Agent
  tier: Segment
time_format: "%Y-%m-%d %H:%M:%S"
timezone: Europe/London
outcomes: {ANS: answered, ABN: abandoned, IVR: ivr}
source: acme
"""


def test_generic_csv_import_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "calls.csv").write_text(GENERIC)
    (tmp_path / "map.yaml").write_text(MAPPING)
    argv = [
        "import",
        str(tmp_path / "calls.csv"),
        "--format",
        "csv",
        "--mapping",
        str(tmp_path / "map.yaml"),
        "--data-dir",
        str(tmp_path),
    ]
    assert run(argv) == 0 and run(argv) == 0  # the second import finds them all there
    assert "0 imported" in capsys.readouterr().out.splitlines()[-2]
    common = ["--json", "--data-dir", str(tmp_path), "--tz", "Europe/London"]
    assert run(["report", "service-level", "--by", "queue", "--short-abandon-s", "5", *common]) == 0
    found = json.loads(capsys.readouterr().out)
    rows = {r["queue"]: r for r in found["rows"]}
    assert rows["sales"]["answered_within_t_over_offered"] == pytest.approx(1 / 2)
    # support: answered 25 s (late), abandoned at 2 s (short): 0 of 2 offered, 0 of 1 counted
    assert rows["support"]["answered_within_t_over_offered_minus_short_abandons"] == 0.0
    # the JSON names the share columns, so a page can show 0.0 and 1.0 as percentages
    definitions = [c for c in rows["sales"] if "_over_" in c]
    assert len(definitions) == 5 and found["shares"] == definitions
    assert run(["report", "intervals", "--interval", "hour", *common]) == 0
    hours = {r["hour"]: r["offered"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert hours == {"2024-03-01T09:00": 3, "2024-03-01T10:00": 1}
    assert run(["report", "summary", "--by", "tier", *common]) == 0
    found = json.loads(capsys.readouterr().out)
    tiers = {r["tier"]: r["calls"] for r in found["rows"]}
    assert tiers == {"gold": 2, "": 3}
    shares = set(found["shares"])
    assert {"service_level", "abandonment_rate"} <= shares
    assert "service_level_by_definition.answered_within_t_over_offered" in shares
    assert not {"callbacks_kept", "answered_within_t", "calls", "asa_s", "tier"} & shares
    assert run(["report", "agents", "--csv", "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("agent,handled") and len(lines) == 3


def test_report_refuses_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["report", "summary", "--by", "planet", "--data-dir", str(tmp_path)]) == 2
    assert "cannot slice by planet" in capsys.readouterr().err
    assert run(["report", "summary", "--definition", "best", "--data-dir", str(tmp_path)]) == 2
    assert (
        run(["import", str(tmp_path / "nope.csv"), "--format", "csv", "--data-dir", str(tmp_path)])
        == 2
    )


def test_live_events_are_derived_on_refresh(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    log = EventLog(engine)
    t0 = 1_700_000_000.0
    log.append(t0, "call.received", "x1", number="200")
    log.append(t0, "acd.queued", "x1", queue="q")
    log.flush()
    assert refresh_calls(engine) == 0  # not complete yet
    log.append(t0 + 4, "acd.abandoned", "x1", queue="q", wait=4.0)
    log.append(t0 + 4, "acd.closed", "x1", outcome="abandoned")
    log.append(t0 + 4, "call.ended", "x1", reason="hangup")
    log.flush()
    assert refresh_calls(engine) == 1
    summary = build(engine, ReportRequest("summary", settings=MetricSettings(short_abandon_s=5)))
    assert (summary.rows[0]["abandoned"], summary.rows[0]["short_abandoned"]) == (1, 1)
    assert rebuild_calls(engine) == 1


def test_a_table_derived_by_another_version_is_derived_again(tmp_path: Path) -> None:
    """A calls table made by an older derivation (here: a booked callback taken for an IVR
    call, as version 1 did) is derived again from the events at the next refresh, once."""
    engine = open_engine(tmp_path)
    log = EventLog(engine)
    t0 = 1_700_000_000.0
    cid = "callback:x2"
    log.append(t0, "acd.callback_requested", cid, queue="q", number="+447700900123",
               promised_at=t0 + 60, wait=0.0)  # fmt: skip
    log.append(t0 + 60, "acd.queued", cid, queue="q")
    log.append(t0 + 70, "acd.callback_connected", cid, queue="q", agent_id="ann")
    log.append(t0 + 70, "acd.closed", cid, queue="q", outcome="callback-connected")
    log.append(t0 + 130, "acd.call_ended", cid, queue="q", agent_id="ann", talk_time=60.0)
    log.flush()
    assert refresh_calls(engine) == 1
    with engine.begin() as conn:  # as version 1 left it
        conn.execute(calls_table.update().values(outcome=OUTCOME_CODES[CallOutcome.IVR]))
        versions = ("derivation_version", "rollup_version")  # the rollup is summed again
        conn.execute(derived_state.delete().where(derived_state.c.name.in_(versions)))
    ensure_rollup(engine)
    summary = ReportRequest("summary")
    assert build(engine, summary).rows[0]["ivr"] == 1
    assert refresh_calls(engine) == 1  # derived again, though no event is new
    row = build(engine, summary).rows[0]
    assert (row["ivr"], row["callbacks"], row["callbacks_kept"]) == (0, 1, 1)
    assert refresh_calls(engine) == 0  # and only once


def test_days_and_hours_are_the_companys_unless_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The web app shows the company's time zone; the command line does too by default: the
    # demo company's (London, which is UTC in March), or that of the company file given.
    (tmp_path / "calls.csv").write_text(GENERIC)
    (tmp_path / "map.yaml").write_text(MAPPING)
    data = ["--data-dir", str(tmp_path)]
    assert run(["import", str(tmp_path / "calls.csv"), "--format", "csv", "--mapping",
                str(tmp_path / "map.yaml"), *data]) == 0  # fmt: skip
    capsys.readouterr()
    tokyo = tmp_path / "tokyo.yaml"
    tokyo.write_text(
        "company: {name: Tokyo Desk, timezone: Asia/Tokyo}\n"
        'numbers: [{number: "+81312345678"}]\n'
        'agents: [{id: a, name: A, extension: "201", password: pw}]\n'
    )

    def first_hour(*more: str) -> str:
        assert run(["report", "intervals", "--json", *data, *more]) == 0
        return str(json.loads(capsys.readouterr().out)["rows"][0]["hour"])

    assert first_hour() == "2024-03-01T09:00"
    assert first_hour("--config", str(tokyo)) == "2024-03-01T18:00"
    assert first_hour("--config", str(tokyo), "--tz", "America/New_York") == "2024-03-01T04:00"
    broken = tmp_path / "broken.yaml"
    broken.write_text("company: {name: X\n")
    assert run(["report", "intervals", *data, "--config", str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"--config {broken}" in err and "broken.yaml:" in err, err
