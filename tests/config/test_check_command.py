"""`frontdesk check`: every error and warning of a company file and its flows, at once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from company_files import COMPANY, FLOWS, line_with, write_company

from frontdesk.cli import main
from frontdesk.config.check import run_check
from frontdesk.config.loader import check_company

BROKEN = (
    COMPANY.replace("timezone: Europe/Paris", "timezone: Mars/Olympus")
    .replace("strategy: best-skill", "strategy: fastest")
    .replace("teams: [support, sales]", "teams: [support, sails]")
)
BROKEN_FLOWS = FLOWS.replace("team: support,", "team: suport,") + "    orphan: {type: hangup}\n"


def _expected(tmp_path: Path) -> list[str]:
    company, flows = tmp_path / "company.yaml", tmp_path / "flows.yaml"
    return [
        f"{company}:{line_with(BROKEN, 'Mars')}: company: unknown timezone 'Mars/Olympus'",
        f"{company}:{line_with(BROKEN, 'fastest')}: queue 'support': strategy 'fastest'",
        f"{company}:{line_with(BROKEN, 'name: sales', 2)}: warning: queue 'sales': no agent can",
        f"{company}:{line_with(BROKEN, 'sails')}: agent 'ann': team 'sails' does not exist",
        f"{flows}:{line_with(BROKEN_FLOWS, 'suport')}: flow 'main', node 'message': team 'suport'",
        f"{flows}:{line_with(BROKEN_FLOWS, 'orphan')}: warning: node 'orphan'",
    ]


def test_every_problem_is_listed_in_file_order(tmp_path: Path) -> None:
    path = write_company(tmp_path, BROKEN, BROKEN_FLOWS)
    out, err = io.StringIO(), io.StringIO()
    assert run_check(path, out, err) == 1
    lines = err.getvalue().splitlines()
    expected = _expected(tmp_path)
    assert len(lines) == len(expected) + 1, lines
    for line, start in zip(lines, expected, strict=False):
        assert line.startswith(start), (line, start)
    assert lines[-1] == "4 error(s), 2 warning(s): the company is refused"
    assert out.getvalue() == ""
    assert [str(p) for p in check_company(path)] == lines[:-1]


def test_a_good_file_with_warnings(tmp_path: Path) -> None:
    path = write_company(tmp_path, flows=BROKEN_FLOWS.replace("suport", "support"))
    out, err = io.StringIO(), io.StringIO()
    assert run_check(path, out, err) == 0
    [warning] = err.getvalue().splitlines()
    assert "warning: node 'orphan'" in warning
    assert out.getvalue() == (
        f"{path}: OK (Acme: 1 number(s), 1 agent(s), 2 team(s), 2 queue(s), 0 trunk(s);"
        f" 1 flow(s) from {tmp_path / 'flows.yaml'}); 1 warning(s)\n"
    )


def test_the_frontdesk_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_company(tmp_path, BROKEN, BROKEN_FLOWS)
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    for start in _expected(tmp_path):
        assert start in err
