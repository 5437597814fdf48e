"""Report charts, planning and their pages over HTTP, on the access matrix's two-team company
(test_access_matrix.py: ada admin, sue supervises parcels, tom billing, agents alice, bob and
chloe, one finished call each in parcels, key-accounts and billing, and a stray parcels call
of alice's).

Charts carry their text as SVG text, so a chart's scope can be read off it: tom's agents
chart names chloe only, alice's her own row only. The planning figures are the CLI's: the
same JSON object as `frontdesk plan erlang|cost --json`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from test_access_matrix import Centre, start_company_server

from frontdesk.cli import main
from frontdesk.planning.metrics import Model, Workload
from frontdesk.planning.staffing import Target, required_agents

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    server = start_company_server(tmp_path_factory.mktemp("charts-api"))
    found = Centre(server)
    yield found
    found.close()
    assert server.stop() == 0, server.log()[-3000:]


def svg_text(body: bytes) -> str:
    root = ET.fromstring(body)
    assert root.tag == f"{SVG}svg"
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize(
    ("user", "shown", "hidden"),
    [
        ("ada", {"alice", "bob", "chloe"}, set()),
        ("sue", {"alice", "bob"}, {"chloe"}),
        ("tom", {"chloe"}, {"alice", "bob"}),
        ("alice", {"alice"}, {"bob", "chloe"}),
    ],
)
def test_the_agents_chart_shows_what_the_report_shows(
    centre: Centre, user: str, shown: set[str], hidden: set[str]
) -> None:
    client = centre.clients[user]
    answer = client.get("/api/reports/agents/chart.svg")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/svg+xml"
    text = svg_text(answer.content)
    rows = {r["agent"] for r in client.get("/api/reports/agents").json()["rows"]}
    assert rows == shown
    assert all(f" {a} " in f" {text} " for a in shown)
    assert not any(f" {a} " in f" {text} " for a in hidden)


def test_chart_refusals_are_the_reports(centre: Centre) -> None:
    tom, alice, ada = (centre.clients[n] for n in ("tom", "alice", "ada"))
    assert tom.get("/api/reports/summary/chart.svg?queue=parcels").status_code == 403
    assert alice.get("/api/reports/abandonment/chart.svg").status_code == 403
    assert ada.get("/api/reports/abandonment/chart.svg?target_sl=1.5").status_code == 422
    assert ada.get("/api/reports/nothing/chart.svg").status_code == 422
    bad = ada.get("/api/reports/summary/chart.svg?by=colour")
    assert bad.status_code == 422 and bad.json()["error_id"] == "bad_report_request"
    chart = ada.get("/api/reports/abandonment/chart.svg?by=queue")  # every seeded call answered
    assert "no caller gave up in the window" in svg_text(chart.content)
    assert "Caller patience" in svg_text(ada.get("/api/reports/patience/chart.svg").content)
    missed = ada.get("/api/reports/missed/chart.svg")  # the page's chart of the missed report
    assert missed.status_code == 200 and "no missed calls in the window" in svg_text(missed.content)


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(list(argv)) == 0
    found: dict[str, object] = json.loads(capsys.readouterr().out)
    return found


def test_erlang_figures_are_the_commands(
    centre: Centre, capsys: pytest.CaptureFixture[str]
) -> None:
    sue = centre.clients["sue"]
    for model, extra in (("c", []), ("a", ["--patience-s", "240"]), ("b", [])):
        args = ["--model", model, "--calls-per-hour", "150", "--aht-s", "200", *extra]
        query = {"model": model, "calls_per_hour": 150, "aht_s": 200, "agents": 10}
        if extra:
            query["patience_s"] = 240
        answer = sue.get("/api/planning/erlang", params=query).json()
        more = answer.pop("one_more_agent")
        assert answer == cli_json(capsys, "plan", "erlang", *args, "--agents", "10", "--json")
        assert more == cli_json(capsys, "plan", "erlang", *args, "--agents", "11", "--json")
    csv = sue.get("/api/planning/erlang?calls_per_hour=150&aht_s=200&agents=10&format=csv")
    lines = csv.text.splitlines()
    assert len(lines) == 3 and "service_level.answered_within_t_over_offered" in lines[0]
    refused = sue.get("/api/planning/erlang?model=a&calls_per_hour=1&aht_s=1&agents=1")
    assert refused.status_code == 422 and "patience" in refused.json()["message"]


def test_staffing_and_cost_are_the_commands(
    centre: Centre, capsys: pytest.CaptureFixture[str]
) -> None:
    ada = centre.clients["ada"]
    query = {"calls_per_hour": 300, "aht_s": 240, "target_sl": 0.8, "shrinkage": 0.3}
    staffing = ada.get("/api/planning/staffing", params=query).json()
    assert staffing == cli_json(capsys, "plan", "staffing", "--calls-per-hour", "300",
                                "--aht-s", "240", "--target-sl", "0.8", "--shrinkage", "0.3",
                                "--json")  # fmt: skip
    cost = ada.get("/api/planning/cost", params={
        "model": "a", "calls_per_hour": 300, "aht_s": 240, "patience_s": 200,
        "agent_cost_per_hour": 20, "lost_call_cost": 8}).json()  # fmt: skip
    assert cost == cli_json(capsys, "plan", "cost", "--model", "a", "--calls-per-hour", "300",
                            "--aht-s", "240", "--patience-s", "200", "--agent-cost-per-hour",
                            "20", "--lost-call-cost", "8", "--json")  # fmt: skip
    huge = ada.get("/api/planning/cost?calls_per_hour=100000&aht_s=3600&agent_cost_per_hour=1")
    assert huge.status_code == 422 and "2,000 Erlangs" in huge.json()["message"]
    for path in ("/api/planning/staffing/chart.svg?calls_per_hour=300&aht_s=240",
                 "/api/planning/cost/chart.svg?calls_per_hour=300&aht_s=240"
                 "&agent_cost_per_hour=20"):  # fmt: skip
        answer = ada.get(path)
        assert answer.status_code == 200 and svg_text(answer.content)


def test_history_is_scoped_like_the_reports(centre: Centre) -> None:
    sue, tom, ada = (centre.clients[n] for n in ("sue", "tom", "ada"))
    mine = sue.get("/api/planning/history").json()
    assert mine["settings"]["queues"] == ["key-accounts", "parcels"]
    offered = sum(r["offered"] for r in sue.get("/api/reports/intervals").json()["rows"])
    assert mine["totals"]["offered"] == offered == 3  # p-alice, p-bob, stray: not b-chloe
    assert sum(r["agents_seen"] for r in mine["rows"]) == 3  # one answering agent per call
    assert ada.get("/api/planning/history").json()["totals"]["offered"] == 4
    assert tom.get("/api/planning/history?queue=parcels").status_code == 403
    csv = tom.get("/api/planning/history?format=csv")
    assert csv.text.splitlines()[0].startswith("interval,offered,calls_per_hour")
    assert "Agents per hour" in svg_text(tom.get("/api/planning/history/chart.svg").content)


def test_pages_follow_the_apis_rules(centre: Centre) -> None:
    alice, sue = centre.clients["alice"], centre.clients["sue"]
    page = alice.get("/reports")
    assert page.status_code == 200
    assert 'value="agents"' in page.text and 'value="abandonment"' not in page.text
    assert alice.get("/planning", follow_redirects=False).headers["location"] == "/desk"
    for path in ("/reports", "/planning"):
        shown = sue.get(path)
        assert shown.status_code == 200 and 'aria-current="page"' in shown.text
        assert "<option>parcels</option>" in shown.text and "billing</option>" not in shown.text
    for path in ("/reports", "/planning"):
        anonymous = httpx.get(f"{centre.base}{path}", follow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"


def test_forecast_is_scoped_like_the_reports(centre: Centre) -> None:
    """The seeded calls came on Thursday 9 October 2025, 09:53-10:23 London time, 60 s of
    talk each: the Thursday a week later is forecast from that one whole week (level 1)."""
    sue, tom, ada = (centre.clients[n] for n in ("sue", "tom", "ada"))
    mine = sue.get("/api/planning/forecast?date=2025-10-16").json()
    assert mine["settings"]["queues"] == ["key-accounts", "parcels"]
    assert mine["history"]["same_days"] == ["2025-10-09"] and mine["history"]["level"] == 1.0
    calls = {r["interval"][11:]: r["calls"] for r in mine["rows"] if r["calls"]}
    assert calls == {"09:00": 1.0, "10:00": 2.0}  # p-alice; p-bob and the stray call
    assert mine["model"] == "c"  # nobody gave up: no patience to learn, Erlang C
    ten = next(r for r in mine["rows"] if r["interval"] == "2025-10-16T10:00")
    expected = required_agents(Model.C, Workload(2.0, 60.0), Target.service_level(0.8, 20.0))
    assert ten["aht_s"] == 60.0 and ten["agents"] == expected.agents
    assert ada.get("/api/planning/forecast?date=2025-10-16").json()["totals"]["calls"] == 4.0
    assert tom.get("/api/planning/forecast?date=2025-10-16").json()["totals"]["calls"] == 1.0
    assert tom.get("/api/planning/forecast?date=2025-10-16&queue=parcels").status_code == 403
    early = sue.get("/api/planning/forecast?date=2025-10-12")
    assert early.status_code == 422 and "No whole week" in early.json()["message"]
    assert sue.get("/api/planning/forecast?date=16-10-2025").status_code == 422
    csv = sue.get("/api/planning/forecast?date=2025-10-16&interval=15min&format=csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("interval,calls,calls_per_hour") and len(lines) == 1 + 96
    chart = sue.get("/api/planning/forecast/chart.svg?date=2025-10-16")
    assert chart.headers["content-type"] == "image/svg+xml"
    assert "Forecast for Thursday 2025-10-16: 3 calls" in svg_text(chart.content)
