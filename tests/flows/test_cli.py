"""`frontdesk flow check | test | graph` through `register` on a parser of our own."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from frontdesk.clock import SystemClock
from frontdesk.crm import CrmStore
from frontdesk.crm.demo import DEMO_CALLERS, demo_document
from frontdesk.flows import load_demo_flows
from frontdesk.flows.cli import register
from frontdesk.store.eventlog import open_engine

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
    number = DEMO_CALLERS["open_parcel_case"]
    code = run_cli(["flow", "test", "demo", "--from", number, "--keys", "1", *AT.split()])
    out = capsys.readouterr().out
    assert code == 0
    assert f"Call from {number} (known: Priya Shah) on Wednesday 2025-05-14 10:00" in out
    assert 'hears (en): "Good morning Priya, thank you for calling Demo Parcels."' in out
    assert "presses 1" in out
    assert "Ends: queued: parcels (priority 10, language en, skills parcels>=2" in out
    assert "Path: welcome > look_around > route > open_case > case_queue" in out


def lines_of(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines()]


def demo_person(number: str) -> dict[str, Any]:
    return next(p for p in demo_document()["contacts"] if number in p["numbers"])


def demo_account(number: str) -> dict[str, Any]:
    wanted = demo_person(number)["account"]
    return next(acc for acc in demo_document()["accounts"] if acc["id"] == wanted)


def walk_scenario(
    scenario: str, keys: str, at: str, capsys: pytest.CaptureFixture[str]
) -> tuple[str, list[str]]:
    """`flow test demo` for a scenario's caller: (number, the printed lines)."""
    number = DEMO_CALLERS[scenario]
    assert run_cli(["flow", "test", "demo", "--from", number, "--keys", keys, "--at", at]) == 0
    out = lines_of(capsys.readouterr().out)
    name = " ".join((demo_person(number)["first_name"], demo_person(number)["last_name"]))
    assert out[0].startswith(f"Call from {number} (known: {name}) on ")
    return number, out


def test_scenario_known_caller_is_greeted_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    number, out = walk_scenario("known_caller", "", "2025-05-14T10:00", capsys)
    first = demo_person(number)["first_name"]
    assert out[2] == f'hears (en): "Good morning {first}, thank you for calling Demo Parcels."'
    assert out[-2] == "Ends: still in the flow; then waiting for keys at 'main_menu'"


def test_scenario_account_team_with_its_owner_first(capsys: pytest.CaptureFixture[str]) -> None:
    number, out = walk_scenario("vip_account", "", "2025-05-14T10:00", capsys)
    account = demo_account(number)
    queued = (
        f"queued: {account['team']} (priority 30, language en, skills none, "
        f"preferred agent {account['owner']})"
    )
    assert out[-2] == f"Ends: {queued}"
    assert not any(line.startswith("presses") or "waits for keys" in line for line in out)
    assert out[-1].endswith("route > account_team_intro > account_team")


def test_scenario_open_case_is_the_first_menu(capsys: pytest.CaptureFixture[str]) -> None:
    # Yesterday is the day before --at, whatever the day: the store is loaded at that moment.
    for at in ("2025-05-14T10:00", "2025-03-31T00:30"):
        number, out = walk_scenario("open_parcel_case", "1", at, capsys)
        (case,) = demo_person(number)["cases"]
        menus = [line for line in out if "press 1" in line]
        assert f"We see your {case['topic']} from yesterday is still open." in menus[0]
        assert out[out.index(menus[0]) + 1] == "presses 1"
        assert out[-2].startswith("Ends: queued: parcels (priority 10, language en")


def test_scenario_french_caller_gets_the_french_menu(capsys: pytest.CaptureFixture[str]) -> None:
    number, out = walk_scenario("french_caller", "4", "2025-05-14T10:00", capsys)
    heard = [line for line in out if line.startswith("hears")]
    assert heard and all(line.startswith("hears (fr)") for line in heard)
    first = demo_person(number)["first_name"]
    assert heard[0] == f'hears (fr): "Bonjour {first}, merci d\'appeler Demo Parcels."'
    assert heard[1].startswith('hears (fr): "Comment pouvons-nous vous aider ?')
    assert out[-2].startswith("Ends: queued: parcels (priority 0, language fr")


def test_scenario_delivery_today_is_self_service(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = walk_scenario("delivery_today", "1", "2025-05-14T10:00", capsys)
    assert any("Your delivery is booked for today between 1 pm and 5 pm." in line for line in out)
    assert out[-2] == "Ends: hang up (resolved by self-service)"
    assert not any(line.startswith(("queued", "transferred", "forwarded")) for line in out)


def test_scenario_gold_after_hours_rings_the_owner(capsys: pytest.CaptureFixture[str]) -> None:
    number, out = walk_scenario("gold_freight", "", "2025-05-17T19:00", capsys)  # Saturday
    owner = demo_account(number)["owner"]
    assert out[-2] == f"Ends: forwarded to the mobile of {owner} (rings 20 s)"
    assert out[-1].endswith("opening_hours > closed > owner_mobile")


def test_flow_test_with_crm_data_of_ones_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {
        "timezone": "Europe/London",
        "contacts": [
            {
                "id": "ada",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "numbers": ["+447700900555"],
                "cases": [{"id": "c1", "topic": "lost parcel", "days_ago": 2}],
            }
        ],
    }
    crm = tmp_path / "crm.json"
    crm.write_text(json.dumps(data))
    argv = ["flow", "test", "demo", "--from", "+447700900555", "--crm", str(crm), *AT.split()]
    assert run_cli(argv) == 0
    out = capsys.readouterr().out
    assert "(known: Ada Lovelace)" in out
    assert "Good morning Ada" in out
    assert "We see your lost parcel from Monday 12 May is still open." in out  # 2 days before
    # The file replaces the demo data: the demo's callers are strangers now.
    argv[4] = DEMO_CALLERS["known_caller"]
    assert run_cli(argv) == 0
    assert "(not in the CRM)" in capsys.readouterr().out


def test_flow_test_with_http_answers_of_ones_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://tracking.demo.invalid/parcels/0000000000"  # a valid Luhn check digit
    answers = tmp_path / "http.yaml"
    answers.write_text(f'"{url}": {{status: held at the depot}}\n')
    argv = ["flow", "test", "demo", "--from", "+447700900000", "--keys", "1,0000000000"]
    assert run_cli([*argv, "--http", str(answers), *AT.split()]) == 0
    assert "Parcel 0 0 0 0 0 0 0 0 0 0 is held at the depot." in capsys.readouterr().out
    assert run_cli([*argv, *AT.split()]) == 0  # the demo's answers know nothing of it
    assert "no HTTP answer in this test walk" in capsys.readouterr().out


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
        (["flow", "test", "demo", "--from", "+4420", "--http", "/nonexistent.yaml"], "cannot read"),
        (["flow", "graph", "demo", "--out", "flow.pdf"], "expected a .svg or .png"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("crm", "http", "message"),
    [
        ('{"contacts": {"+447700900555": {"name": "Ada"}}}', None, "'contacts' must be a list"),
        ("contacts: [{first_name: Ada}]", None, "contacts entry 1: 'id' is missing"),
        (
            "contacts: [{id: a, first_name: A, cases: [{id: c, topic: t, days_ago: soon}]}]",
            None,
            "contact 'a': days_ago must be",
        ),
        ("accounts: [{id: a}]", None, "accounts entry 1: 'name' is missing"),
        (
            "contacts: [{id: a, account: nowhere}]",
            None,
            "contact 'a': its account 'nowhere' is not in the data",
        ),
        (None, "[1, 2]", "expected a mapping of URL to answer"),
        (None, '"https://x.invalid/": done', "the answer for 'https://x.invalid/' must be"),
    ],
)
def test_unusable_walk_data_is_refused_with_a_sentence(
    crm: str | None,
    http: str | None,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["flow", "test", "demo", "--from", "+447700900555", *AT.split()]
    for option, text in (("--crm", crm), ("--http", http)):
        if text is not None:
            (tmp_path / "data.yaml").write_text(text)
            argv += [option, str(tmp_path / "data.yaml")]
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


ACME = """company: {name: Acme Plumbing, timezone: Europe/Paris}
numbers: [{number: "+33142000000", aliases: ["200"]}]
teams: [{name: plumbing}]
queues: [{name: plumbing, team: plumbing}]
agents: [{id: bob, name: Bob Roy, extension: "2001", password: bob2001}]
"""


def test_a_company_files_flows_meet_its_own_crm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    company, data = tmp_path / "company.yaml", tmp_path / "data"
    company.write_text(ACME)
    walk = ["flow", "test", str(company), "--from", "06 12 34 56 78", "--data-dir", str(data),
            "--at", "2026-11-23T10:00"]  # fmt: skip
    # no server data yet: every caller is unknown, it says so, and nothing is created
    assert run_cli(walk) == 0
    captured = capsys.readouterr()
    assert "(not in the CRM)" in captured.out and "no callers in the CRM" in captured.err
    assert not data.exists()
    # the demo's callers are not this company's
    assert run_cli([*walk[:4], DEMO_CALLERS["known_caller"], *walk[5:]]) == 0
    assert "(not in the CRM)" in capsys.readouterr().out
    # the server's CRM, with the number written nationally (France, from the company's number)
    store = CrmStore(open_engine(data), SystemClock(), region="FR")
    with store.writer() as writer:
        writer.upsert_contact("C1", "Marie", "Durand", numbers=["+33612345678"], language="fr")
    store.engine.dispose()
    before = (data / "frontdesk.db").stat().st_mtime_ns
    assert run_cli(walk) == 0
    out = capsys.readouterr().out
    assert "(known: Marie Durand)" in out and "Bonjour Marie" in out, out
    assert (data / "frontdesk.db").stat().st_mtime_ns == before  # read, not written
    # `--crm FILE` still replaces it, and `demo` still walks the demo's data
    assert run_cli(["flow", "test", "demo", "--from", DEMO_CALLERS["known_caller"], *AT.split(),
                    "--data-dir", str(data)]) == 0  # fmt: skip
    assert "(known: " in capsys.readouterr().out
