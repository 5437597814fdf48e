"""Every check of the company file, one broken value at a time: each problem names the line of
the value (found in the broken text, not hard-coded) and says what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from company_files import COMPANY, line_with, write_company

from frontdesk.config import ConfigError
from frontdesk.config.loader import Severity, load_setup

# (what is changed, into what, a fragment of the line to be reported, a fragment of the message)
CASES = [
    # company:
    ("timezone: Europe/Paris", "timezone: Mars/Olympus", "Mars", "unknown timezone 'Mars/Olympus'"),
    ("recording: queues", "recording: some", "recording:", "queues, on-demand or none"),
    ('notice: "Calls may be recorded."', 'notice: "  "', "notice", "'recording_notice' is empty"),
    ("flows: flows.yaml", "flows: nowhere.yaml", "nowhere", "flows file 'nowhere.yaml' does not"),
    ("  name: Acme\n", "  name: Acme\n  colour: red\n", "colour", "company: unknown key 'colour'"),
    ("  name: Acme\n", "", "timezone:", "company: 'name' is missing"),
    # company: crm
    (
        "demo_data: false",
        "demo_data: false\n    colour: red",
        "colour",
        "crm: unknown key 'colour'",
    ),
    ("demo_data: false", "demo_data: maybe", "demo_data", "'demo_data' must be true or false"),
    ("https://crm.example", "ftp://crm.example", "url:", "must start with http:// or https://"),
    ("phone={number}", "phone={caller}", "url:", "may use only {number} and {digits}"),
    ("phone={number}", "phone=1", "url:", "url must contain {number} or {digits}"),
    ("timeout_ms: 800", "timeout_ms: 90000", "timeout_ms", "timeout_ms 90000 must be from 10"),
    ("timeout_ms: 800", "timeout: 800", "timeout: 800", "http: unknown key 'timeout'"),
    (
        "contact.first_name: data.first, contact.last_name: data.last",
        "account.tier: data.tier",
        "mapping:",
        "must give contact.first_name or",
    ),
    (
        "contact.last_name:",
        "contact.surname:",
        "mapping:",
        "unknown profile field 'contact.surname'",
    ),
    ("data.last}", "data..last}", "mapping:", "'data..last' is not a JSON path"),
    (
        "X-Api-Key: k3y",
        "X-Api-Key: '${NO_SUCH_CRM_KEY}'",
        "headers",
        "NO_SUCH_CRM_KEY}, which is not",
    ),
    ("demo_data: false\n", "demo_data: false\n    http_url: x\n", "http_url", "is now written"),
    # company: smtp
    ("host: mail.example, ", "", "smtp:", "smtp: 'host' is missing"),
    ("port: 587", "port: 0", "smtp:", "from 1 to 65535"),
    ("username: u, password: p,", "username: u,", "smtp:", "username without the other"),
    ("sender: desk@acme.example", "sender: desk", "smtp:", "sender 'desk' is not an email"),
    ("starttls: true", "starttls: sometimes", "starttls", "'starttls' must be true or false"),
    ("port: 587", "port: 587, tls: on", "smtp:", "smtp: unknown key 'tls'"),
    # teams
    ('"09:00-17:00"', '"9-5"', "weekly", "weekdays: '9-5' is not a time range"),
    ("weekend: closed", "weekent: closed", "weekly", "unknown day 'weekent' (expected weekdays,"),
    ("weekend: closed", "weekend: shut", "weekly", "weekend: 'shut' is not a time range"),
    ("holidays: [2025-12-25]", "holidays: [2025-13-25]", "holidays", "is not a date"),
    ("    hours:\n", "    hours:\n      timezone: Moon/Base\n", "Moon", "unknown timezone"),
    ("    hours:\n", "    hours:\n      days: all\n", "days: all", "hours: unknown field 'days'"),
    ("respond_within_h: 4", "respond_within_h: -1", "respond_within", "from 0.25 to 720"),
    ("email: support@acme", "email: support.acme", "email:", "is not an address like"),
    ('mobile: "+33612345678"', 'mobile: "06 12 34 56 78"', "06 12", "must be in E.164 form"),
    ("  - name: sales\nqueues", "  - name: sales\n    colour: red\nqueues", "colour", "team: unk"),
    ("  - name: sales\nqueues", "  - respond_within_h: 2\nqueues", "respond_within_h: 2", "'name'"),
    # queues
    ("strategy: best-skill", "strategy: fastest", "strategy", "(expected longest-idle, fewest"),
    ("on_max_wait: callback", "on_max_wait: hang-up", "on_max", "voicemail, callback or keep-"),
    ('callback_key: "#"', 'callback_key: "12"', "callback_key", "(expected one key: 0-9, * or #"),
    ('callback_key: "#"', "callback_key: #", "callback_key", "'callback_key' is empty"),
    ("skills: {support: 2}", "skills: {support: 7}", "skills: {support: 7}", "from 1 to 5"),
    ("music: hold.wav", "music: gone.wav", "gone.wav", "music file 'gone.wav' does not exist"),
    ("max_wait_s: 300", "max_wait_s: soon", "max_wait_s", "from 1 to 86400, or none"),
    ("max_wait_s: 300", "max_wait_s: 300\n    max_length: 0", "max_length", "from 1 to 100000"),
    ("max_wait_s: 300", "max_wait_s: 300\n    announce_every_s: 5", "announce", "0 (off) or >= 10"),
    (
        "max_wait_s: 300",
        "max_wait_s: 300\n    wrap_up: 5",
        "wrap_up",
        "queue: unknown key 'wrap_up'",
    ),
    ("record: true", "record: yes please", "record:", "'record' must be true or false"),
    ("    team: support\n    skills", "    skills", "name: support#2", "'team' is missing"),
    # agents
    ('"+33612345679"', '"+3361234"', '+3361234"', "wrong number of digits for its country"),
    ("teams: [support, sales]", "teams: support", "teams: support", "'teams' must be a list"),
    ("extension: ", "colour: red, extension: ", "colour", "agent: unknown key 'colour'"),
    # top level and numbers
    ("numbers:\n", "sip: {digest_algorithms: [MD4]}\nnumbers:\n", "MD4", "expected SHA-256"),
    ("numbers:\n", "queue:\n  - x\nnumbers:\n", "queue:", "unknown key 'queue'"),
    ("flow: main}", "flow: main, ring_s: 500}", "ring_s", "from 0 to 120"),
    # dangling references and duplicate names
    ("    team: support\n    skills", "    team: suport\n    skills", "suport", "team 'suport' do"),
    ("teams: [support, sales]", "teams: [support,\n  sails]", "sails", "team 'sails' does not"),
    ("flow: main}", "flow: mane}", "mane", "flow 'mane' does not exist in "),
    (
        "  - name: sales\nqueues",
        "  - name: support\nqueues",
        "name: support#2",
        "team 'support' is",
    ),
    (
        "  - name: sales\n    team",
        "  - name: support\n    team",
        "name: support#3",
        "queue 'support'",
    ),
    ('aliases: ["200"]', 'aliases: ["200", "200"]', "aliases", "'200' is dialled for two numbers"),
]
AGENT_TWICE = '  - {id: ann, name: Bo, extension: "202", password: pw}\n'


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = write_company(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_setup(path)
    errors = [p for p in info.value.problems if p.severity is Severity.ERROR]
    assert errors, "a refused company has at least one error"
    return [f"{p.file}:{p.line}: {p.message}" for p in errors]


def test_the_unbroken_file_loads_without_warnings(tmp_path: Path) -> None:
    assert load_setup(write_company(tmp_path)).warnings == ()


@pytest.mark.parametrize(
    "weekly",
    [
        '{weekdays: "09:00-17:00", weekend: closed, sat: "10:00-12:00", mon: closed}',
        '{mon: closed, sat: "10:00-12:00", weekend: closed, weekdays: "09:00-17:00"}',
    ],
)
def test_a_day_written_out_wins_over_its_group(tmp_path: Path, weekly: str) -> None:
    old = '{weekdays: "09:00-17:00", weekend: closed, sat: "10:00-12:00"}'
    setup = load_setup(write_company(tmp_path, COMPANY.replace(old, weekly)))
    team = setup.company.team("support")
    assert team is not None and team.hours is not None
    nine_to_five = ((9 * 60, 17 * 60),)
    assert team.hours.weekly == ((), *[nine_to_five] * 4, ((10 * 60, 12 * 60),), ())
    assert team.hours.timezone == "Europe/Paris"  # the company's


@pytest.mark.parametrize(("old", "new", "where", "fragment"), CASES)
def test_each_problem_names_its_line_and_what_was_expected(
    tmp_path: Path, old: str, new: str, where: str, fragment: str
) -> None:
    assert old in COMPANY
    text = COMPANY.replace(old, new, 1)
    fragment_of_line, _, nth = where.partition("#")
    line = line_with(text, fragment_of_line, int(nth or 1))
    problems = _problems(tmp_path, text)
    expected = f"{tmp_path / 'company.yaml'}:{line}: "
    assert any(p.startswith(expected) and fragment in p for p in problems), problems


def test_an_agent_id_used_twice(tmp_path: Path) -> None:
    text = COMPANY + AGENT_TWICE
    problems = _problems(tmp_path, text)
    line = line_with(text, "name: Bo")
    assert any(f":{line}: agent id 'ann' is defined twice (first at line" in p for p in problems)
