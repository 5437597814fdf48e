"""Writes: interactions, cases with history, notes; bad data refused with nothing changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from crm_time import DAY, START
from sqlalchemy import Engine, select

from frontdesk.clock import ManualClock
from frontdesk.crm import CaseEventKind, CaseStatus, CrmError, CrmStore, CrmWriter, Outcome
from frontdesk.crm import schema as t


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table))]
            for table in t.crm_metadata.sorted_tables
        }


@pytest.fixture
def seeded(store: CrmStore) -> dict[str, int]:
    with store.writer() as w:
        account = w.add_account("Northwind Traders", tier="VIP", owner="alice")
        assert account.id is not None
        susan = w.add_contact("Susan", "Clark", numbers=["020 7946 0555"], account_id=account.id)
        other = w.add_contact("Omar", numbers=["+442079460556"])
        assert susan.id is not None and other.id is not None
        case = w.open_case("parcel enquiry", contact_id=susan.id)
        closed = w.open_case("old", contact_id=susan.id)
        w.close_case(closed.id or 0)
        call = w.record_interaction(
            "call-0", direction="inbound", outcome="answered", contact_id=susan.id
        )
    return {
        "account": account.id,
        "susan": susan.id,
        "other": other.id,
        "case": case.id or 0,
        "closed": closed.id or 0,
        "call": call.id or 0,
    }


BAD_WRITES: list[tuple[str, Callable[[CrmWriter, dict[str, int]], object], str]] = [
    ("no name", lambda w, s: w.add_contact("", " "), "first name or a last name"),
    ("bad number", lambda w, s: w.add_contact("A", numbers=["12ab"]), "not a valid phone number"),
    (
        "taken number",
        lambda w, s: w.add_contact("A", numbers=["+442079460555"]),
        "already belongs to contact",
    ),
    (
        "one text as numbers",
        lambda w, s: w.add_contact("A", numbers="+442079460557"),  # type: ignore[arg-type]
        "a list of phone numbers",
    ),
    ("language", lambda w, s: w.add_contact("A", language="English"), "not a language tag"),
    ("email", lambda w, s: w.add_contact("A", email="susan at home"), "not an email address"),
    ("missing account", lambda w, s: w.add_contact("A", account_id=999), "no account with id 999"),
    (
        "duplicate external id",
        lambda w, s: (w.add_account("X", external_id="E1"), w.add_account("Y", external_id="E1")),
        "external id 'E1' already exists",
    ),
    (
        "direction",
        lambda w, s: w.record_interaction("c", direction="sideways", outcome="answered"),
        "direction 'sideways' is not known",
    ),
    (
        "outcome",
        lambda w, s: w.record_interaction("c", direction="inbound", outcome="great"),
        "outcome 'great' is not known",
    ),
    (
        "duration",
        lambda w, s: w.record_interaction(
            "c", direction="inbound", outcome="answered", duration_s=-1
        ),
        "zero or more seconds",
    ),
    (
        "call id",
        lambda w, s: w.record_interaction(" ", direction="inbound", outcome="answered"),
        "call id is empty",
    ),
    (
        "milliseconds",
        lambda w, s: w.record_interaction(
            "c", direction="inbound", outcome="answered", at=START * 1000
        ),
        "between the years 2000 and 2200",
    ),
    ("case about nobody", lambda w, s: w.open_case("topic"), "about a contact or an account"),
    ("case topic", lambda w, s: w.open_case("", contact_id=s["susan"]), "case topic is empty"),
    ("nothing to change", lambda w, s: w.update_case(s["case"]), "nothing to change"),
    (
        "closed to pending",
        lambda w, s: w.update_case(s["closed"], status="pending"),
        "is closed and cannot become pending",
    ),
    (
        "open to open",
        lambda w, s: w.update_case(s["case"], status="open"),
        "is open and cannot become open",
    ),
    ("status", lambda w, s: w.update_case(s["case"], status="done"), "status 'done' is not known"),
    ("no such case", lambda w, s: w.close_case(4242), "no case with id 4242"),
    (
        "fact window",
        lambda w, s: w.add_fact(
            "delivery", "x", contact_id=s["susan"], starts_at=START, ends_at=START - 1
        ),
        "ends before",
    ),
    (
        "fact data",
        lambda w, s: w.add_fact("delivery", "x", contact_id=s["susan"], data={"when": object()}),
        "cannot be stored as JSON",
    ),
    ("fact owner", lambda w, s: w.add_fact("delivery", "x"), "a contact or an account"),
    ("empty note", lambda w, s: w.add_contact_note(s["susan"], "  "), "note is empty"),
    (
        "note on nothing",
        lambda w, s: w.add_interaction_note(777, "hello"),
        "no interaction with id 777",
    ),
    ("long name", lambda w, s: w.add_account("N" * 201), "201 characters long (at most 200)"),
]


@pytest.mark.parametrize(("name", "write", "fragment"), BAD_WRITES, ids=[b[0] for b in BAD_WRITES])
def test_bad_writes_are_refused_and_change_nothing(
    store: CrmStore,
    engine: Engine,
    seeded: dict[str, int],
    name: str,
    write: Callable[[CrmWriter, dict[str, int]], object],
    fragment: str,
) -> None:
    before = snapshot(engine)
    with pytest.raises(CrmError, match=re.escape(fragment)), store.writer() as w:
        write(w, seeded)
    assert snapshot(engine) == before


def test_an_error_undoes_the_whole_block(store: CrmStore, engine: Engine) -> None:
    before = snapshot(engine)
    with pytest.raises(CrmError), store.writer() as w:
        w.add_contact("Ann", numbers=["+442079460001"])
        w.add_contact("Bob", numbers=["+442079460001"])  # the same number: refused
    assert snapshot(engine) == before
    assert store.lookup("+442079460001") is None


def test_case_lifecycle_keeps_its_history(
    store: CrmStore, clock: ManualClock, seeded: dict[str, int]
) -> None:
    case_id = seeded["case"]
    steps: list[dict[str, Any]] = [
        {"status": "pending", "note": "waiting for a photo", "by": "bob"},
        {"status": CaseStatus.OPEN, "by": "bob"},
        {"topic": "damaged parcel", "by": "alice"},
        {"status": "closed", "note": "refund sent", "by": "alice"},
        {"status": "open"},  # reopened by the system
    ]
    for step in steps:
        clock.advance(3600)
        with store.writer() as w:
            case = w.update_case(case_id, **step)
        assert case.updated_at == START + clock.now()
        assert case.closed_at == (case.updated_at if case.status is CaseStatus.CLOSED else None)
    assert case.status is CaseStatus.OPEN and case.topic == "damaged parcel"
    history = store.case_history(case_id)
    assert [(e.kind, e.status, e.text, e.by) for e in history] == [
        (CaseEventKind.OPENED, CaseStatus.OPEN, None, None),
        (CaseEventKind.STATUS, CaseStatus.PENDING, None, "bob"),
        (CaseEventKind.NOTE, None, "waiting for a photo", "bob"),
        (CaseEventKind.STATUS, CaseStatus.OPEN, None, "bob"),
        (CaseEventKind.TOPIC, None, "damaged parcel", "alice"),
        (CaseEventKind.STATUS, CaseStatus.CLOSED, None, "alice"),
        (CaseEventKind.NOTE, None, "refund sent", "alice"),
        (CaseEventKind.STATUS, CaseStatus.OPEN, None, None),
    ]
    assert [e.at for e in history] == sorted(e.at for e in history)


def test_a_case_takes_its_contacts_account(store: CrmStore, seeded: dict[str, int]) -> None:
    case = store.case(seeded["case"])
    assert case is not None and case.account_id == seeded["account"]
    with store.writer() as w:
        own = w.open_case("billing", account_id=seeded["account"])
    assert own.contact_id is None and own.account_id == seeded["account"]


def test_interactions_find_their_contact_by_number(store: CrmStore, seeded: dict[str, int]) -> None:
    with store.writer() as w:
        known = w.record_interaction(
            "call-1",
            direction="inbound",
            outcome=Outcome.CALLBACK,
            number="020 7946 0555",
            queue="parcels",
            duration_s=42.5,
            recording="recordings/call-1.wav",
        )
        stranger = w.record_interaction(
            "call-2", direction="inbound", outcome="abandoned", number="+447700900999"
        )
    assert known.contact_id == seeded["susan"] and known.number == "+442079460555"
    assert (known.queue, known.duration_s, known.recording) == (
        "parcels",
        42.5,
        "recordings/call-1.wav",
    )
    assert stranger.contact_id is None and stranger.number == "+447700900999"
    with store.writer() as w:
        withheld = w.record_interaction(
            "call-3", direction="inbound", outcome="voicemail", number="anonymous"
        )
    assert withheld.number is None and withheld.contact_id is None
    assert store.interactions_of_call("call-1") == (known,)


def test_notes_are_appended_dated_and_signed(
    store: CrmStore, clock: ManualClock, seeded: dict[str, int]
) -> None:
    with store.writer() as w:
        w.add_contact_note(seeded["susan"], "Prefers email.", by="alice")
    clock.advance(DAY)
    with store.writer() as w:
        contact = w.add_contact_note(seeded["susan"], "Moved house.")
        call = w.add_interaction_note(seeded["call"], "Promised a call back.", by="bob")
    assert contact.notes.splitlines() == [
        "[2024-05-01 09:00 UTC alice] Prefers email.",
        "[2024-05-02 09:00 UTC] Moved house.",
    ]
    assert call.notes == "[2024-05-02 09:00 UTC bob] Promised a call back."


def test_numbers_are_added_and_upserts_replace_them(
    store: CrmStore, seeded: dict[str, int]
) -> None:
    with store.writer() as w:
        assert w.add_number(seeded["susan"], "07700 900555", allow_unallocated=True) == (
            "+447700900555"
        )
        w.add_number(seeded["susan"], "+447700900555", allow_unallocated=True)  # no-op
        with pytest.raises(CrmError, match="already belongs"):
            w.add_number(seeded["susan"], "+442079460556")
    contact = store.contact(seeded["susan"])
    assert contact is not None and contact.numbers == ("+442079460555", "+447700900555")
    for _ in range(2):
        with store.writer() as w:
            upserted, created = w.upsert_contact("EXT-7", "Jo", numbers=["+442079460557"])
    assert not created and upserted.numbers == ("+442079460557",)
    with store.writer() as w:
        moved, _ = w.upsert_contact("EXT-7", "Jo", numbers=["+442079460558"])
    assert moved.numbers == ("+442079460558",)
    assert store.lookup("+442079460557") is None
    assert store.lookup("+442079460558") is not None


def test_deleting_a_contact_forgets_everything_about_them(
    store: CrmStore, engine: Engine, seeded: dict[str, int]
) -> None:
    assert store.lookup("+442079460555") is not None
    with store.writer() as w:
        w.add_fact("delivery", "booked", contact_id=seeded["susan"])
        w.delete_contact(seeded["susan"])
    assert store.lookup("+442079460555") is None
    rows = snapshot(engine)
    assert all(row[1:3] != (None, seeded["susan"]) for row in rows["crm_numbers"])
    for table in ("crm_cases", "crm_interactions", "crm_facts"):
        column = [c.name for c in t.crm_metadata.tables[table].columns].index("contact_id")
        assert all(row[column] != seeded["susan"] for row in rows[table]), table
    assert rows["crm_case_events"] == []
    assert store.lookup("+442079460556") is not None  # others are untouched
