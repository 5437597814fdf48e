"""The built-in demo company: loads clean, and agrees with the demo flows and CRM data."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from zoneinfo import ZoneInfo

import yaml

from frontdesk.config import load_demo_company
from frontdesk.config.company import QueueExit, RecordingPolicy
from frontdesk.config.loader import load_demo_setup
from frontdesk.flows import model as m


def test_the_demo_loads_without_warnings() -> None:
    setup = load_demo_setup()
    assert setup.warnings == ()
    assert setup.company.flows_file is None and "main" in setup.flows.flows
    assert load_demo_company() == setup.company


def test_company_settings() -> None:
    c = load_demo_company()
    assert c.timezone == "Europe/London"
    assert c.recording is RecordingPolicy.ALL
    assert c.recording_notice == "This call may be recorded for training."
    assert c.crm.demo_data and c.crm.http is None
    assert c.smtp is None


def test_parcels_keeps_the_hours_the_demo_flow_announces() -> None:
    setup = load_demo_setup()
    node = setup.flows.flows["main"].nodes["opening_hours"]
    assert isinstance(node, m.Hours)
    parcels = setup.company.team("parcels")
    assert parcels is not None and parcels.hours == node.schedule
    london = ZoneInfo("Europe/London")
    saturday_10 = dt.datetime(2025, 6, 7, 10, 0, tzinfo=london).timestamp()
    sunday_10 = dt.datetime(2025, 6, 8, 10, 0, tzinfo=london).timestamp()
    christmas = dt.datetime(2025, 12, 25, 10, 0, tzinfo=london).timestamp()
    assert parcels.hours.is_open(saturday_10)
    assert not parcels.hours.is_open(sunday_10)
    assert not parcels.hours.is_open(christmas)
    billing = setup.company.team("billing")
    assert billing is not None and billing.hours is not None
    assert not billing.hours.is_open(saturday_10)  # `weekend: closed`


def test_queues_and_who_serves_them() -> None:
    c = load_demo_company()
    assert [q.name for q in c.queues] == ["parcels", "freight", "billing", "key-accounts"]
    parcels = c.queue("parcels")
    assert parcels is not None
    assert (parcels.callback_key, parcels.max_wait_s) == ("*", 600.0)
    assert parcels.on_max_wait is QueueExit.VOICEMAIL
    key_accounts = c.queue("key-accounts")
    assert key_accounts is not None and key_accounts.record
    team = c.team("key-accounts")
    assert team is not None and team.respond_within_h == 2
    agents = {a.id: a for a in c.agents}
    assert set(c.queues_of(agents["chloe"])) == {"parcels", "freight"}
    assert set(c.queues_of(agents["alice"])) == {q.name for q in c.queues}
    assert dict(agents["alice"].skills)["freight"] == 3


def test_the_crm_demo_data_names_agents_and_teams_of_the_demo() -> None:
    text = resources.files("frontdesk.crm").joinpath("demo_data.yaml").read_text("utf-8")
    accounts = yaml.safe_load(text)["accounts"]
    c = load_demo_company()
    for account in accounts:
        if "owner" in account:
            owner = c.agent(account["owner"])
            assert owner is not None and owner.mobile, account  # closed-hours forwarding
        if "team" in account:
            assert c.team(account["team"]) is not None and c.queue(account["team"]) is not None
