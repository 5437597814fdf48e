"""The company and its flows file checked together: what a flow names must exist in the
company, the flows file's own problems are reported under its name, its warnings are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from company_files import COMPANY, FLOWS, line_with, write_company

from frontdesk.config import ConfigError
from frontdesk.config.loader import Severity, load_setup, parse_setup

FLOW_CASES = [
    ("queue: support}", "queue: suport}", "queue: suport", "queue 'suport' does not exist"),
    ("team: support,", "team: suport,", "team: suport", "team 'suport' does not exist"),
    (
        "    message:",
        "    transfer: {type: transfer, team: desk}\n    message:",
        "type: transfer",
        "team 'desk' does not exist (known: support, sales)",
    ),
    (
        "    message:",
        "    transfer: {type: transfer, agent: bo}\n    message:",
        "type: transfer",
        "agent 'bo' does not exist (known: ann)",
    ),
    (
        "    message:",
        "    cb: {type: callback, queue: later}\n    message:",
        "type: callback",
        "queue 'later' does not exist",
    ),
    ("type: voicemail,", "type: voicemale,", "voicemale", "voicemale"),
]


def _errors(tmp_path: Path, flows: str) -> list[str]:
    path = write_company(tmp_path, flows=flows)
    with pytest.raises(ConfigError) as info:
        load_setup(path)
    return [str(p) for p in info.value.problems if p.severity is Severity.ERROR]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), FLOW_CASES)
def test_flow_problems_are_reported_in_the_flows_file(
    tmp_path: Path, old: str, new: str, where: str, fragment: str
) -> None:
    assert old in FLOWS
    flows = FLOWS.replace(old, new, 1)
    errors = _errors(tmp_path, flows)
    prefix = f"{tmp_path / 'flows.yaml'}:{line_with(flows, where)}: "
    assert any(e.startswith(prefix) and fragment in e for e in errors), errors


def test_templated_names_are_left_for_the_call(tmp_path: Path) -> None:
    flows = FLOWS.replace("queue: support}", 'queue: "{crm.account.team|nobody}"}')
    assert load_setup(write_company(tmp_path, flows=flows)).flows.flows["main"]


def test_company_and_flows_problems_come_together(tmp_path: Path) -> None:
    company = COMPANY.replace("strategy: best-skill", "strategy: fastest")
    flows = FLOWS.replace("queue: support}", "queue: suport}")
    path = write_company(tmp_path, company, flows)
    with pytest.raises(ConfigError) as info:
        load_setup(path)
    files = [p.file for p in info.value.problems]
    assert files == [str(path), str(tmp_path / "flows.yaml")], info.value.problems


def test_flow_warnings_are_kept_with_the_setup(tmp_path: Path) -> None:
    flows = FLOWS + "    orphan: {type: hangup}\n"
    setup = load_setup(write_company(tmp_path, flows=flows))
    [warning] = setup.warnings
    assert warning.severity is Severity.WARNING
    assert warning.file == str(tmp_path / "flows.yaml")
    assert warning.line == line_with(flows, "orphan")


def test_forwarding_to_an_agent_without_a_mobile(tmp_path: Path) -> None:
    company = COMPANY.replace(', mobile: "+33612345679"', "")
    flows = FLOWS.replace("on_fail: support", "on_fail: mobile").replace(
        "    message:", "    mobile: {type: forward, agent: ann}\n    message:"
    )
    path = write_company(tmp_path, company, flows)
    with pytest.raises(ConfigError) as info:
        load_setup(path)
    assert any("agent 'ann' has no mobile" in str(p) for p in info.value.problems)


MINIMAL = """\
company: {name: Tiny}
numbers: [{number: "+15551230000"}]
"""


def test_flows_demo_runs_the_demo_flows_and_their_gaps_are_warnings() -> None:
    setup = parse_setup(MINIMAL.replace("Tiny}", "Tiny, flows: demo}"), "tiny.yaml")
    assert set(setup.flows.flows) == {"main"}
    gaps = [w for w in setup.warnings if "does not exist" in w.message]
    assert {w.severity for w in gaps} == {Severity.WARNING}
    for name in ("'parcels'", "'freight'", "'billing'"):
        assert any(name in w.message and "built-in demo flows" in w.message for w in gaps)


def test_a_number_whose_flow_the_demo_flows_lack_is_an_error() -> None:
    text = MINIMAL.replace("Tiny}", "Tiny, flows: demo}").replace("}]", ", flow: sales}]")
    with pytest.raises(ConfigError) as info:
        parse_setup(text, "tiny.yaml")
    [error] = [p for p in info.value.problems if p.severity is Severity.ERROR]
    assert error.file == "tiny.yaml" and error.line == 2
    assert "flow 'sales' does not exist in <built-in demo flows> (known: main)" in error.message


def test_a_number_whose_flow_the_written_flows_lack_is_an_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_setup(MINIMAL.replace("}]", ", flow: sales}]"), "tiny.yaml")
    [error] = [p for p in info.value.problems if p.severity is Severity.ERROR]
    assert error.file == "tiny.yaml" and error.line == 2
    assert "flow 'sales' does not exist in <flows written for the company>" in error.message


def test_staffing_warnings(tmp_path: Path) -> None:
    company = COMPANY.replace("skills: {support: 2}", "skills: {support: 2, german: 1}").replace(
        "recording: queues", "recording: none"
    )
    setup = load_setup(write_company(tmp_path, company))
    messages = {(w.line, w.message) for w in setup.warnings}
    assert (
        line_with(company, "- name: support", 2),
        "queue 'support': no agent can answer it (it needs support 2, german 1 and team support)",
    ) in messages
    assert any(
        line == line_with(company, "record: true") and "'record' has no effect" in message
        for line, message in messages
    )
