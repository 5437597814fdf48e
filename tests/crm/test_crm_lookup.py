"""Lookups by caller number: the demo company's IVR scenarios, history windows, the cache."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pytest
import yaml
from crm_time import DAY, LONDON, START
from sqlalchemy import Engine, create_engine, func, select, text

from frontdesk.clock import ManualClock
from frontdesk.config import load_demo_company
from frontdesk.crm import CaseEventKind, CaseStatus, CrmStore, ProfilePolicy
from frontdesk.crm import schema as t
from frontdesk.crm.demo import DEMO_CALLERS, load_demo


def _local_day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, LONDON).date()


@pytest.fixture
def demo(store: CrmStore) -> CrmStore:
    load_demo(store)
    return store


def test_known_caller_is_greeted_by_name(demo: CrmStore) -> None:
    profile = demo.lookup("+442079460555")
    assert profile is not None
    assert (profile.contact.first_name, profile.contact.last_name) == ("Susan", "Clark")
    assert profile.language == "en"
    assert not profile.is_vip
    assert profile.open_cases == ()
    last = profile.recent_interactions[0]
    assert last.agent == "bob" and "redelivery" in last.notes
    assert _local_day(last.at) == date(2024, 4, 19)  # twelve days before 1 May


def test_vip_account_names_its_owner(demo: CrmStore) -> None:
    for number in ("+441632960111", "01632 960111", "+447700900111"):
        profile = demo.lookup(number)
        assert profile is not None, number
        assert profile.is_vip
        assert profile.owner == "alice"
        assert profile.account is not None and profile.account.name == "Northwind Traders"
        assert {p.code for p in profile.products} == {"express", "saturday"}
    # The owner is a real agent of the demo company.
    assert "alice" in {agent.id for agent in load_demo_company().agents}


def test_open_parcel_case_from_yesterday(demo: CrmStore) -> None:
    profile = demo.lookup("07700 900123")
    assert profile is not None and profile.contact.first_name == "Priya"
    (case,) = profile.open_cases
    assert case.topic == "parcel enquiry"
    assert case.status is CaseStatus.OPEN
    assert _local_day(case.opened_at) == date(2024, 4, 30)
    assert case.id is not None
    (opened,) = demo.case_history(case.id)
    assert opened.kind is CaseEventKind.OPENED and opened.by == "bob"
    assert opened.text is not None and "FD123456" in opened.text


def test_french_caller_speaks_french(demo: CrmStore) -> None:
    profile = demo.lookup("+33 6 12 34 56 78")
    assert profile is not None
    assert profile.language == "fr"
    assert profile.contact.display_name == "Camille Laurent"


def test_delivery_booked_for_today_afternoon(demo: CrmStore) -> None:
    profile = demo.lookup("+447700900456")
    assert profile is not None
    (delivery,) = profile.facts
    assert delivery.kind == "delivery"
    assert delivery.data["parcel"] == "FD778899"
    assert delivery.starts_at == datetime(2024, 5, 1, 13, 0, tzinfo=LONDON).timestamp()
    assert delivery.ends_at == datetime(2024, 5, 1, 17, 0, tzinfo=LONDON).timestamp()


def test_demo_callers_match_the_data_file() -> None:
    document = yaml.safe_load(
        resources.files("frontdesk.crm").joinpath("demo_data.yaml").read_text("utf-8")
    )
    in_file = {n for person in document["contacts"] for n in person["numbers"]}
    assert set(DEMO_CALLERS.values()) <= in_file


def test_loading_the_demo_again_replaces_it(
    demo: CrmStore, engine: Engine, clock: ManualClock
) -> None:
    def count(table: t.Table) -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    before = {table.name: count(table) for table in t.crm_metadata.sorted_tables}
    clock.advance(2 * DAY)
    load_demo(demo)
    assert {table.name: count(table) for table in t.crm_metadata.sorted_tables} == before
    profile = demo.lookup(DEMO_CALLERS["open_parcel_case"])
    assert profile is not None
    assert _local_day(profile.open_cases[0].opened_at) == date(2024, 5, 2)  # still "yesterday"


def test_unknown_and_anonymous_callers_get_none(demo: CrmStore) -> None:
    assert demo.lookup("+442079460999") is None
    assert demo.lookup("anonymous") is None
    assert demo.lookup("") is None


def test_history_windows_and_order(engine: Engine, clock: ManualClock) -> None:
    policy = ProfilePolicy(case_days=30, max_cases=5, max_interactions=3, fact_grace_s=3600)
    store = CrmStore(engine, clock, policy=policy, cache_size=0)
    with store.writer() as w:
        who = w.add_contact("Ann", numbers=["+442079460001"])
        assert who.id is not None
        stale = w.open_case("old complaint", contact_id=who.id)
        closed = w.open_case("closed one", contact_id=who.id)
        w.close_case(closed.id or 0)
        waiting = w.open_case("waiting for photos", contact_id=who.id)
        w.update_case(waiting.id or 0, status="pending")
        for i in range(5):
            w.record_interaction(
                f"c{i}",
                direction="inbound",
                outcome="answered",
                at=START - (5 - i) * DAY,
                contact_id=who.id,
            )
        now = START + 31 * DAY
        w.add_fact("delivery", "gone", contact_id=who.id, starts_at=now - 7200, ends_at=now - 3601)
        w.add_fact("delivery", "later", contact_id=who.id, starts_at=now + 7200, ends_at=now + 9000)
        w.add_fact("loyalty", "gold member", contact_id=who.id)
        w.add_fact("delivery", "soon", contact_id=who.id, starts_at=now + 60, ends_at=now + 600)
    with store.writer() as w:  # 31 days later the waiting case is touched again
        w.now = START + 31 * DAY
        w.update_case(waiting.id or 0, note="photos received")
    clock.advance(31 * DAY)
    profile = store.lookup("+442079460001")
    assert profile is not None
    assert [c.topic for c in profile.open_cases] == ["waiting for photos"]
    assert profile.open_cases[0].status is CaseStatus.PENDING
    assert stale.id not in {c.id for c in profile.open_cases}
    assert [i.call_id for i in profile.recent_interactions] == ["c4", "c3", "c2"]
    assert [f.summary for f in profile.facts] == ["gold member", "soon", "later"]


def test_cache_sees_writes_made_through_the_store(store: CrmStore) -> None:
    assert store.lookup("+442079460555") is None  # a remembered miss...
    with store.writer() as w:
        susan = w.add_contact("Susan", "Clark", numbers=["+442079460555"])
    profile = store.lookup("+442079460555")  # ...is forgotten when the number appears
    assert profile is not None and profile.recent_interactions == ()
    with store.writer() as w:
        w.record_interaction(
            "call-1",
            direction="inbound",
            outcome="answered",
            number="020 7946 0555",
            notes="asked about a parcel",
        )
    profile = store.lookup("+442079460555")
    assert profile is not None
    assert [i.call_id for i in profile.recent_interactions] == ["call-1"]
    assert profile.recent_interactions[0].contact_id == susan.id


def test_cache_sees_other_writers_after_its_time_to_live(
    engine: Engine, clock: ManualClock
) -> None:
    store = CrmStore(engine, clock, cache_ttl_s=30.0)
    with store.writer() as w:
        w.add_contact("Susan", "Clark", numbers=["+442079460555"], language="en")
    assert store.lookup("+442079460555").language == "en"  # type: ignore[union-attr]
    with engine.begin() as conn:  # another process changes the language behind our back
        conn.execute(text("UPDATE crm_contacts SET language = 'fr'"))
    clock.advance(29.0)
    assert store.lookup("+442079460555").language == "en"  # type: ignore[union-attr]
    clock.advance(2.0)
    assert store.lookup("+442079460555").language == "fr"  # type: ignore[union-attr]


def test_profiles_read_the_same_with_named_parameters(
    tmp_path: Path, store: CrmStore, clock: ManualClock
) -> None:
    """The hot path runs its compiled statements positionally (SQLite's qmark style) or by
    name (the style of PostgreSQL's drivers); SQLite speaks both, so both are checked here."""
    named_engine = create_engine(f"sqlite:///{tmp_path / 'named.db'}", paramstyle="named")
    assert not named_engine.dialect.positional
    named = CrmStore(named_engine, clock, cache_size=0)
    for each in (store, named):
        load_demo(each)
    try:
        for number in DEMO_CALLERS.values():
            ours, theirs = store.lookup(number), named.lookup(number)
            assert ours is not None and theirs is not None
            assert ours == theirs
        assert named.lookup("+442079460999") is None
    finally:
        named_engine.dispose()
