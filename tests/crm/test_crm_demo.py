"""The demo data set: its in-memory store, its times relative to the moment it is loaded,
and how a data set in its format is refused (with the record named, and nothing loaded)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from crm_time import LONDON, START
from hypothesis import example, given, settings
from hypothesis import strategies as st

from frontdesk.clock import ManualClock
from frontdesk.config import load_demo_company
from frontdesk.crm import CrmError, CrmStore
from frontdesk.crm.demo import DEMO_CALLERS, demo_document, demo_store, load_demo, read_demo_file


def test_the_in_memory_store_knows_every_demo_caller() -> None:
    store = demo_store(ManualClock(wall_offset=START))
    try:
        assert store.region == "GB"  # the country of the data's numbers
        for scenario, number in DEMO_CALLERS.items():
            profile = store.lookup(number)
            assert profile is not None, scenario
            assert profile.source == "local"
        assert store.lookup("07700 900123") == store.lookup(DEMO_CALLERS["open_parcel_case"])
    finally:
        store.engine.dispose()


def test_account_owners_are_agents_of_the_demo_company() -> None:
    owners = {acc["owner"] for acc in demo_document()["accounts"] if acc.get("owner")}
    assert owners and owners <= {agent.id for agent in load_demo_company().agents}


# Any minute of 2024-2026, in London: around both clock changes a day is 23 or 25 hours long.
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)
).map(lambda m: m.replace(second=0, microsecond=0, tzinfo=LONDON))


@settings(max_examples=40, deadline=None)
@given(moments)
# Just after each clock change, 24 hours back is two calendar days back (spring) or the same
# day (autumn): "yesterday" must be counted in local days.
@example(datetime(2025, 3, 31, 0, 30, tzinfo=LONDON))
@example(datetime(2025, 10, 26, 23, 30, tzinfo=LONDON))
def test_yesterday_and_today_are_relative_to_the_loading_moment(moment: datetime) -> None:
    store = demo_store(ManualClock(wall_offset=moment.timestamp()))
    try:
        today = datetime.fromtimestamp(moment.timestamp(), LONDON).date()
        case_profile = store.lookup(DEMO_CALLERS["open_parcel_case"])
        delivery_profile = store.lookup(DEMO_CALLERS["delivery_today"])
    finally:
        store.engine.dispose()
    assert case_profile is not None and delivery_profile is not None
    (case,) = case_profile.open_cases
    assert _local_day(case.opened_at) == today - timedelta(days=1)
    (delivery,) = delivery_profile.facts
    assert delivery.starts_at is not None and _local_day(delivery.starts_at) == today


def _local_day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, LONDON).date()


def _person(**fields: Any) -> dict[str, Any]:
    return {"id": "p", "first_name": "Pat", "numbers": ["+447700900555"], **fields}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (["not", "a", "mapping"], "expected a mapping with 'accounts' and 'contacts'"),
        ({"contacts": {"+447700900555": {"name": "Pat"}}}, "'contacts' must be a list"),
        ({"accounts": [{"id": "a"}]}, "accounts entry 1: 'name' is missing"),
        ({"accounts": [{"id": "a", "name": "A", "products": ["x"]}]}, "'products' must map"),
        ({"contacts": [_person(numbers="+447700900555")]}, "'numbers' must be a list"),
        ({"contacts": [_person(cases=[{"id": "c"}])]}, "cases entry 1: 'topic' is missing"),
        ({"contacts": [_person(account="gone")]}, "contact 'p': its account 'gone' is not"),
        ({"contacts": [_person(interactions=[{"days_ago": "two"}])]}, "days_ago must be"),
        ({"contacts": [_person(numbers=["not a number"])]}, "contact 'p': "),
        ({"timezone": "Mars/Olympus", "contacts": []}, "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_bad_data_is_refused_and_nothing_changes(
    document: Any, message: str, store: CrmStore
) -> None:
    load_demo(store)
    before = {number: store.lookup(number) for number in DEMO_CALLERS.values()}
    with pytest.raises(CrmError) as refused:
        load_demo(store, document, "mine.yaml")
    assert str(refused.value).startswith("mine.yaml: ") and message in str(refused.value)
    store.clear_cache()
    assert {number: store.lookup(number) for number in DEMO_CALLERS.values()} == before


def test_a_refusal_half_way_rolls_back_what_the_data_set_replaced(store: CrmStore) -> None:
    load_demo(store)
    # The same contacts, but the last one is broken: the earlier ones must not be replaced.
    document = demo_document()
    document["contacts"][-1]["interactions"] = [{"days_ago": "soon"}]
    document["contacts"][0]["first_name"] = "Renamed"
    with pytest.raises(CrmError, match="days_ago must be a number"):
        load_demo(store, document)
    store.clear_cache()
    profile = store.lookup(DEMO_CALLERS["known_caller"])
    assert profile is not None and profile.contact.first_name == "Susan"


def test_data_sets_are_read_from_yaml_or_json(tmp_path: Path) -> None:
    document = {"timezone": "Europe/London", "contacts": [_person(language="fr")]}
    as_json, as_yaml = tmp_path / "crm.json", tmp_path / "crm.yaml"
    as_json.write_text(json.dumps(document), encoding="utf-8")
    as_yaml.write_text(
        "timezone: Europe/London\n"
        "contacts:\n"
        '  - {id: p, first_name: Pat, numbers: ["+447700900555"], language: fr}\n',
        encoding="utf-8",
    )
    assert read_demo_file(as_json) == read_demo_file(as_yaml) == document
    store = demo_store(ManualClock(wall_offset=START), read_demo_file(as_yaml))
    try:
        profile = store.lookup("+447700900555")
        assert profile is not None and profile.language == "fr"
        assert store.lookup(DEMO_CALLERS["known_caller"]) is None  # the file replaces the demo
    finally:
        store.engine.dispose()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the file"),
        (b"\xff\xfe not text", "cannot read the file: it is not UTF-8 text"),
        (b"contacts: [", "cannot read the CRM data"),
    ],
)
def test_unreadable_files_are_refused(content: bytes | None, message: str, tmp_path: Path) -> None:
    path = tmp_path / "crm.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CrmError, match=message):
        read_demo_file(path)
