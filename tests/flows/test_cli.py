"""`frontdesk flow check | test | graph` through `register` on a parser of our own."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from frontdesk.flows import load_demo_flows
from frontdesk.flows.cli import register

AT = "--at 2025-05-14T10:00"


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_flow_test_prints_what_the_caller_hears_and_where_they_end_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run_cli(["flow", "test", "demo", "--from", "+33612345678", "--keys", "1", *AT.split()])
    out = capsys.readouterr().out
    assert code == 0
    assert "Call from +33612345678 (known: Camille Martin) on Wednesday 2025-05-14 10:00" in out
    assert 'hears (fr): "Bonjour Camille, merci d\'appeler Demo Parcels."' in out
    assert "presses 1" in out
    assert "Ends: queued: parcels (priority 10, language fr, skills parcels>=2" in out
    assert "Path: welcome > look_around > route > open_case > case_queue" in out


def test_flow_test_with_a_crm_file_of_ones_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crm = tmp_path / "crm.json"
    crm.write_text(json.dumps({"contacts": {"+447700900555": {"name": "Ada Lovelace"}}}))
    code = run_cli(
        ["flow", "test", "demo", "--from", "+447700900555", "--crm", str(crm), *AT.split()]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Good morning Ada" in out
    assert "Ends: still in the flow; then waiting for keys at 'main_menu'" in out


def test_flow_test_silence_and_agent_leaving(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["flow", "test", "demo", "--from", "+447700900123", "--keys", "1,,4", *AT.split()]
    assert run_cli([*argv, "--agent-leaves"]) == 0
    out = capsys.readouterr().out
    assert "the agent hangs up" in out
    assert "stays silent (timeout)" in out
    assert "survey survey: rated 4 of 5" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["flow", "test", "demo", "--flow", "night", "--from", "+4420"], "no flow 'night'"),
        (["flow", "test", "demo", "--from", "+4420", "--at", "teatime"], "not a time"),
        (["flow", "test", "demo", "--from", "+4420", "--crm", "/nonexistent.yaml"], "cannot read"),
        (["flow", "graph", "demo", "--out", "flow.pdf"], "expected a .svg or .png"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(argv) == 2
    assert message in capsys.readouterr().err


def test_flow_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["flow", "check", "demo"]) == 0
    assert "demo: OK, main (33 nodes); 0 warning(s)" in capsys.readouterr().out
    broken = tmp_path / "flows.yaml"
    broken.write_text(
        "main:\n  nodes:\n    a: {type: say, text: hi, next: b}\n    c: {type: hangup}\n"
    )
    assert run_cli(["flow", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:3: node 'a': 'next' points to 'b', which is not a node here" in err
    assert f"{broken}:4: warning: node 'c' can never be reached" in err
    assert "1 error(s), 1 warning(s)" in err


def test_flow_graph_writes_an_svg_with_every_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "main.svg"
    assert run_cli(["flow", "graph", "demo", "--out", str(out)]) == 0
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    names = {t.text for t in root.iter(f"{ns}text") if t.get("class") == "id"}
    assert names == set(load_demo_flows().flows["main"].nodes)
    assert len([p for p in root.iter(f"{ns}path") if p.get("class") == "edge"]) >= 40
    assert "wrote" in capsys.readouterr().out


def test_flow_graph_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "main.png"
    assert run_cli(["flow", "graph", "demo", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000  # a drawing, not an empty page
