"""A PBX's own export through the generic CSV importer: H:MM:SS durations, date and time in
two columns, national-format caller numbers, the company's time zone, and importing again
after the mapping was put right."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from frontdesk.analytics.calls_table import calls_table
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.generic_csv import generic_csv_calls, parse_mapping
from frontdesk.cli import main as run
from frontdesk.store.eventlog import events_table, open_engine

EXPORT = """Call ID,Date,Time,From,Queue,Wait,Talk,Status,Agent
1001,23/10/2026,09:01:12,+33612345678,Plumbing,00:00:12,00:03:40,Answered,Bob Roy
1002,23/10/2026,09:05:40,06 12 34 56 79,Plumbing,1:05,,Abandoned,
1003,23/10/2026,14:07:02,0612345679,Plumbing,3,1:02:10,Answered,Bob Roy
"""

COMPANY = """company: {name: Acme Plumbing, timezone: Europe/Paris}
numbers: [{number: "+33142000000", aliases: ["200"]}]
teams: [{name: plumbing}]
queues: [{name: Plumbing, team: plumbing}]
agents: [{id: bob, name: Bob Roy, extension: "2001", password: bob2001}]
"""

MAPPING = """columns: {id: Call ID, arrived: [Date, Time], queue: Queue, wait_s: Wait,
          talk_s: Talk, outcome: Status, agent: Agent, caller: From}
time_format: "%d/%m/%Y %H:%M:%S"
outcomes: {Answered: answered, Abandoned: abandoned}
source: acme
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "calls.csv").write_text(EXPORT)
    (tmp_path / "company.yaml").write_text(COMPANY)
    (tmp_path / "map.yaml").write_text(MAPPING)
    return tmp_path


def _import(folder: Path, *more: str) -> int:
    return run(["import", str(folder / "calls.csv"), "--format", "csv", "--mapping",
                str(folder / "map.yaml"), "--data-dir", str(folder / "data"),
                "--config", str(folder / "company.yaml"), *more])  # fmt: skip


def _report(folder: Path, kind: str, capsys: pytest.CaptureFixture[str], *more: str) -> list[Any]:
    argv = ["report", kind, "--json", "--data-dir", str(folder / "data"),
            "--config", str(folder / "company.yaml"), *more]  # fmt: skip
    assert run(argv) == 0
    return list(json.loads(capsys.readouterr().out)["rows"])


def test_durations_two_columns_and_national_numbers(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import(folder) == 0
    capsys.readouterr()
    # times are the company's (Paris, UTC+2 in October): 09:01 local is 07:01 UTC
    hours = {r["hour"]: r["offered"] for r in _report(folder, "intervals", capsys)}
    assert hours == {"2026-10-23T09:00": 2, "2026-10-23T14:00": 1}
    summary = _report(folder, "summary", capsys)[0]
    assert summary["asa_s"] == pytest.approx((12 + 3) / 2)  # 00:00:12 and 3
    assert summary["aht_s"] == pytest.approx((220 + 3730) / 2)  # 00:03:40 and 1:02:10
    assert summary["longest_wait_s"] == pytest.approx(65)  # 1:05
    with open_engine(folder / "data").connect() as conn:
        callers = dict(conn.execute(select(calls_table.c.call_id, calls_table.c.caller)).all())
    assert callers == {"acme:1001": "+33612345678", "acme:1002": "+33612345679",
                       "acme:1003": "+33612345679"}  # fmt: skip
    # so the missed call of 09:05 is known to have been returned by the call of 14:07
    missed = _report(folder, "missed", capsys)[0]
    assert (missed["missed"], missed["called_back"]) == (1, 1)


def test_the_command_lines_zone_over_the_mappings(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "map.yaml").write_text(MAPPING + "timezone: Asia/Tokyo\n")
    assert _import(folder) == 0
    assert _import(folder, "--replace", "--tz", "UTC") == 0
    capsys.readouterr()
    hours = {r["hour"] for r in _report(folder, "intervals", capsys, "--tz", "UTC")}
    assert hours == {"2026-10-23T09:00", "2026-10-23T14:00"}


def test_importing_again_after_the_mapping_was_put_right(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # first with the date column only: every call at midnight
    (folder / "map.yaml").write_text(
        MAPPING.replace("[Date, Time]", "Date").replace(" %H:%M:%S", "")
    )
    assert _import(folder) == 0
    capsys.readouterr()
    assert [r["hour"] for r in _report(folder, "intervals", capsys)] == ["2026-10-23T00:00"]
    (folder / "map.yaml").write_text(MAPPING)
    assert _import(folder) == 0  # idempotent: nothing changes, and it says how to change it
    out = capsys.readouterr().out
    assert "0 imported" in out and "--replace" in out
    assert [r["hour"] for r in _report(folder, "intervals", capsys)] == ["2026-10-23T00:00"]
    assert _import(folder, "--replace") == 0
    assert "3 of them replacing earlier imports" in capsys.readouterr().out
    right = {"2026-10-23T09:00": 2, "2026-10-23T14:00": 1}
    assert {r["hour"]: r["offered"] for r in _report(folder, "intervals", capsys)} == right
    assert _report(folder, "summary", capsys)[0]["calls"] == 3  # replaced, not added
    # the earlier events are kept, marked, and a rebuild from the log agrees
    with open_engine(folder / "data").connect() as conn:
        kinds = [r[0] for r in conn.execute(select(events_table.c.kind))]
    withdrawn = kinds.count("import.withdrawn")
    assert withdrawn == len(kinds) - withdrawn > 0  # the same calls, the same events
    rebuilt = _report(folder, "intervals", capsys, "--rebuild")
    assert {r["hour"]: r["offered"] for r in rebuilt} == right


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,23/10/2026,09:01:12,,Q,1m5s,,Abandoned,",
         "column 'Wait' (wait_s): '1m5s' is not a duration"),
        ("1,23/10/2026,09:01:12,,Q,1:75,,Abandoned,", "column 'Wait' (wait_s): '1:75'"),
        ("1,2026-10-23,09:01:12,,Q,5,,Abandoned,",
         "column 'Date + Time' (arrived): '2026-10-23 09:01:12' does not match the time format"),
        ("1,23/10/2026,09:01:12,,Q,5,,Lost,",
         "column 'Status' (outcome): 'Lost' is not one of the mapping's outcomes"),
    ],
)  # fmt: skip
def test_a_bad_cell_is_named_with_its_line_and_column(
    tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(EXPORT.splitlines()[0] + "\n" + EXPORT.splitlines()[1] + "\n" + row + "\n")
    mapping = parse_mapping(yaml.safe_load(MAPPING), default_tz="Europe/Paris", default_region="FR")
    with pytest.raises(AnalyticsError) as caught:
        list(generic_csv_calls(path, mapping))
    assert f"{path}, line 3: {message}" in str(caught.value)


def test_a_mapping_with_a_bad_region_or_column_list_is_refused() -> None:
    with pytest.raises(AnalyticsError, match="unknown region 'XX'"):
        parse_mapping(yaml.safe_load(MAPPING + "region: XX\n"))
    with pytest.raises(AnalyticsError, match="'arrived' must name a column"):
        parse_mapping(yaml.safe_load(MAPPING.replace("[Date, Time]", "[]")))


def test_queues_the_company_lacks_are_named_and_can_be_renamed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lower = COMPANY.replace("queues: [{name: Plumbing,", "queues: [{name: plumbing,")
    (folder / "company.yaml").write_text(lower)
    assert _import(folder) == 0
    out = capsys.readouterr().out
    assert "note: queues not in " in out and ": Plumbing (its queues: plumbing)" in out
    (folder / "map.yaml").write_text(MAPPING + "queues: {Plumbing: plumbing}\n")
    assert _import(folder, "--replace") == 0
    assert "note:" not in capsys.readouterr().out
    rows = _report(folder, "summary", capsys, "--by", "queue")
    assert {r["queue"]: r["offered"] for r in rows} == {"plumbing": 3}


def test_a_broken_company_file_is_refused_even_with_a_zone_given(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "company.yaml").write_text("company: {name: X\n")
    assert _import(folder, "--tz", "UTC") == 2  # the region still comes from the company
    err = capsys.readouterr().err
    assert f"--config {folder / 'company.yaml'}" in err and "company.yaml:2" in err, err
    assert not (folder / "data").exists()
