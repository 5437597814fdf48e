"""`frontdesk crm demo | lookup`: through the parser, as the main command will run them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from frontdesk.crm.cli import register
from frontdesk.crm.demo import DEMO_CALLERS


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def test_demo_then_lookup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path)]
    # before the demo is loaded, the CRM is empty and the answer says how to fill it
    assert run("crm", "lookup", "07700 900123", *data) == 1
    assert capsys.readouterr().out == (
        f"07700 900123: not known (the CRM in {tmp_path} is empty: "
        "`frontdesk crm demo` loads the demo's)\n"
    )
    assert run("crm", "demo", *data) == 0
    assert "demo CRM loaded" in capsys.readouterr().out
    # National format, read in the demo company's country (GB, from its numbers).
    assert run("crm", "lookup", "07700 900123", *data) == 0
    out = capsys.readouterr().out
    assert out.startswith("+447700900123: Priya Shah (language en)")
    assert "parcel enquiry (open" in out
    assert run("crm", "lookup", DEMO_CALLERS["vip_account"], "--json", *data) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["account"]["tier"] == "VIP" and profile["account"]["owner"] == "alice"
    assert run("crm", "lookup", "+442079460999", *data) == 1
    assert capsys.readouterr().out == "+442079460999: not known\n"  # no hint: it has callers


def test_the_region_comes_from_the_company_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(
        "company: {name: Colis Express}\n"
        'numbers: [{number: "+33142868200"}]\n'
        'agents: [{id: a, name: A, extension: "201", password: pw}]\n',
        encoding="utf-8",
    )
    data = ["--data-dir", str(tmp_path / "data"), "--config", str(company)]
    assert run("crm", "demo", *data) == 0
    capsys.readouterr()
    assert run("crm", "lookup", "06 12 34 56 78", *data) == 0  # French national format
    assert "Camille Laurent (language fr)" in capsys.readouterr().out
    assert run("crm", "lookup", "x", "--region", "QQ", *data) == 2
    assert "not a region code" in capsys.readouterr().err
