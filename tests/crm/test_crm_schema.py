"""The CRM schema: beside the event log in one file, created idempotently, lookups indexed."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from frontdesk.clock import ManualClock
from frontdesk.crm import CrmStore, create_schema, reads
from frontdesk.store.eventlog import EventLog

CRM_TABLES = {
    "crm_accounts",
    "crm_contacts",
    "crm_numbers",
    "crm_products",
    "crm_cases",
    "crm_case_events",
    "crm_interactions",
    "crm_facts",
}


def test_tables_live_beside_the_event_log(store: CrmStore, engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert names >= CRM_TABLES
    assert "events" in names
    log = EventLog(engine)
    log.append(1.0, "call.offered", "c1")
    assert log.flush() == 1
    with store.writer() as w:
        w.add_contact("Susan", "Clark", numbers=["020 7946 0555"])
    assert store.lookup("+442079460555") is not None
    assert [e.kind for e in log.read()] == ["call.offered"]


def test_creating_again_keeps_data(store: CrmStore, engine: Engine, clock: ManualClock) -> None:
    with store.writer() as w:
        w.add_contact("Susan", "Clark", numbers=["+442079460555"])
    create_schema(engine)
    again = CrmStore(engine, clock)
    profile = again.lookup("+442079460555")
    assert profile is not None and profile.contact.first_name == "Susan"


def test_a_number_belongs_to_one_contact_at_database_level(store: CrmStore, engine: Engine) -> None:
    with store.writer() as w:
        a = w.add_contact("A", numbers=["+442079460555"])
        b = w.add_contact("B")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text("INSERT INTO crm_numbers (number, contact_id, position) VALUES (:n, :c, 0)"),
            {"n": "+442079460555", "c": b.id},
        )
    assert a.id != b.id


def _plans(engine: Engine, statement: object, params: dict[str, object]) -> list[str]:
    compiled = statement.compile(engine)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(compiled.construct_params(params).values()),
        ).all()
    return [row[-1] for row in rows]


@pytest.mark.parametrize(
    ("statement", "params"),
    [
        (reads._CONTACT_BY_NUMBER, {"number": "+442079460555"}),
        (reads._NUMBERS_OF, {"cid": 1}),
        (reads._PRODUCTS_OF, {"aid": 1}),
        (reads._OPEN_CASES_OF, {"cid": 1, "since": 0.0, "n": 5}),
        (reads._INTERACTIONS_OF, {"cid": 1, "n": 5}),
        (reads._FACTS_OF, {"cid": 1, "since": 0.0}),
    ],
    ids=["number", "numbers", "products", "cases", "interactions", "facts"],
)
def test_every_profile_query_searches_an_index(
    store: CrmStore, engine: Engine, statement: object, params: dict[str, object]
) -> None:
    """SQLite's query plan must SEARCH an index for every table read, never SCAN a table."""
    plan = _plans(engine, statement, params)
    assert plan, "no query plan"
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any(step.startswith("SEARCH") for step in plan), plan
