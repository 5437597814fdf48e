"""CSV import: column mappings, every bad row reported with file:line, idempotent re-import."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from crm_time import LONDON
from sqlalchemy import Engine, select

from frontdesk.crm import CaseEventKind, CaseStatus, CrmError, CrmStore
from frontdesk.crm import schema as t
from frontdesk.crm.cli import register
from frontdesk.crm.csv_import import ImportKind, import_csv, load_mapping, parse_mapping

ACCOUNTS = {
    "kind": "accounts",
    "columns": {
        "external_id": "Acct",
        "name": "Company",
        "tier": "Tier",
        "owner": "Owner",
        "products": "Products",
    },
}
CONTACTS = {
    "kind": "contacts",
    "region": "GB",
    "columns": {
        "external_id": "Customer ID",
        "first_name": "First",
        "last_name": "Last",
        "numbers": ["Phone", "Mobile"],
        "account": "Acct",
        "language": "Lang",
    },
    "allow_unallocated": True,
}
CASES = {
    "kind": "cases",
    "timezone": "Europe/London",
    "columns": {
        "external_id": "Ticket",
        "contact": "Customer ID",
        "topic": "Subject",
        "status": "State",
        "opened_at": "Opened",
        "updated_at": "Updated",
    },
}


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table))]
            for table in t.crm_metadata.sorted_tables
        }


@pytest.fixture
def imported(store: CrmStore, tmp_path: Path) -> CrmStore:
    accounts = write(
        tmp_path,
        "accounts.csv",
        (
            "Acct,Company,Tier,Owner,Products\n"
            "A1,Northwind Traders,VIP,alice,EXP24:Express 24h;SAT\n"
            "A2,Clark household,standard,,\n"
        ),
        bom=True,
    )
    contacts = write(
        tmp_path,
        "contacts.csv",
        (
            "Customer ID,First,Last,Phone,Mobile,Acct,Lang\n"
            "C1,Susan,Clark,020 7946 0555,,A2,en\n"
            "C2,James,Whitaker,01632 960111,07700 900111;07700 900112,A1,en\n"
        ),
    )
    cases = write(
        tmp_path,
        "cases.csv",
        (
            "Ticket,Customer ID,Subject,State,Opened,Updated\n"
            "T1,C1,parcel enquiry,open,2024-04-30 09:15,2024-04-30T11:00:00+01:00\n"
            "T2,C2,invoice,closed,1714000000,\n"
        ),
    )
    for path, mapping, created in (
        (accounts, ACCOUNTS, 2),
        (contacts, CONTACTS, 2),
        (cases, CASES, 2),
    ):
        report = import_csv(store, path, parse_mapping(mapping))
        assert report.problems == ()
        assert (report.created, report.updated) == (created, 0)
    return store


def test_imported_records_make_profiles(imported: CrmStore) -> None:
    james = imported.lookup("+447700900112")
    assert james is not None and james.contact.display_name == "James Whitaker"
    assert james.contact.numbers == ("+441632960111", "+447700900111", "+447700900112")
    assert james.is_vip and james.owner == "alice"
    assert [(p.code, p.name) for p in james.products] == [("EXP24", "Express 24h"), ("SAT", "SAT")]
    assert james.open_cases == ()  # its only case is closed
    susan = imported.lookup("+442079460555")
    assert susan is not None and susan.account is not None
    assert susan.account.tier == "standard" and susan.account.owner is None
    (case,) = susan.open_cases
    assert case.external_id == "T1" and case.status is CaseStatus.OPEN
    # A time without a zone is read in the mapping's zone (London, BST in April).
    assert case.opened_at == datetime(2024, 4, 30, 9, 15, tzinfo=LONDON).timestamp()
    assert case.updated_at == datetime(2024, 4, 30, 11, 0, tzinfo=LONDON).timestamp()


def test_importing_the_same_files_again_changes_nothing(
    imported: CrmStore, engine: Engine, tmp_path: Path
) -> None:
    before = snapshot(engine)
    for name, mapping in (
        ("accounts.csv", ACCOUNTS),
        ("contacts.csv", CONTACTS),
        ("cases.csv", CASES),
    ):
        report = import_csv(imported, tmp_path / name, parse_mapping(mapping))
        assert (report.created, report.updated, report.problems) == (0, 2, ())
    assert snapshot(engine) == before


def test_a_newer_export_updates_and_keeps_history(imported: CrmStore, tmp_path: Path) -> None:
    newer = write(
        tmp_path,
        "cases2.csv",
        (
            "Ticket,Customer ID,Subject,State,Opened,Updated\n"
            "T1,C1,parcel lost,closed,2024-04-30 09:15,2024-05-01 08:00\n"
        ),
    )
    report = import_csv(imported, newer, parse_mapping(CASES))
    assert (report.created, report.updated) == (0, 1)
    susan = imported.lookup("+442079460555")
    assert susan is not None and susan.open_cases == ()
    with imported.writer() as w:
        case_id = w.case_id_for("T1")
    assert case_id is not None
    kinds = [(e.kind, e.status, e.text) for e in imported.case_history(case_id)]
    assert kinds == [
        (CaseEventKind.IMPORTED, CaseStatus.OPEN, None),
        (CaseEventKind.STATUS, CaseStatus.CLOSED, None),
        (CaseEventKind.TOPIC, None, "parcel lost"),
    ]


def test_bad_rows_are_reported_with_line_and_reason(
    imported: CrmStore, engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "more.csv",
        (
            "Customer ID,First,Last,Phone,Mobile,Acct,Lang\n"  # 1
            "C3,Priya,Shah,07700 900123,,,en\n"  # 2 good
            "C4,Ann,Lee,12ab,,,en\n"  # 3 bad number
            "C5,,,020 7946 0001,,,en\n"  # 4 no name
            'C6,Tom,"Baker\n'  # 5 a cell over two lines...
            'Smith",07700 900456,,A9,en\n'  # 6 ...with an unknown account
            "C7,Camille,Laurent,+33612345678,,,French\n"  # 7 bad language
            "C8,Eve,Moss,020 7946 0555,,,en\n"  # 8 Susan's number
            "C3,Priya,Again,07700 900124,,,en\n"  # 9 repeated id
            "C9,Short,Row\n"  # 10 missing cells
            ",Nameless,Id,07700 900125,,,en\n"  # 11 no external id
            "\n"  # 12 blank: skipped
            "C10,Dan,Ode,07700 900126,,A1,en\n"  # 13 good
        ),
    )
    before = snapshot(engine)
    report = import_csv(imported, path, parse_mapping(CONTACTS))
    lines = [(p.line, p.message) for p in report.problems]
    expected = [
        (3, "'12ab' is not a valid phone number"),
        (4, "a contact needs a first name or a last name"),
        (5, "account 'A9' is not known (import the accounts first)"),
        (7, "language 'French' is not a language tag"),
        (8, "the number +442079460555 already belongs to contact"),
        (9, "external id 'C3' appears again (first on line 2)"),
        (10, "the row has 3 cells but the header has 7"),
        (11, "the external id is empty"),
    ]
    assert [line for line, _ in lines] == [line for line, _ in expected]
    for (_, message), (_, fragment) in zip(lines, expected, strict=True):
        assert fragment in message
    assert all(p.file == str(path) and str(p).startswith(f"{path}:") for p in report.problems)
    assert (report.created, report.updated) == (2, 0)
    after = snapshot(engine)
    assert len(after["crm_contacts"]) == len(before["crm_contacts"]) + 2
    assert imported.lookup("07700 900123") is not None
    assert imported.lookup("07700 900126") is not None
    assert imported.lookup("07700 900456") is None


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        ([], "must be a dict"),
        ({"kind": "people", "columns": {"name": "N"}}, "kind 'people' is not known"),
        ({"kind": "accounts", "columns": {}}, "'columns' must map"),
        (
            {"kind": "accounts", "columns": {"external_id": "A", "colour": "C"}},
            "'colour' is not a field of accounts",
        ),
        ({"kind": "accounts", "columns": {"external_id": "A"}}, "must name name"),
        ({"kind": "contacts", "columns": {"external_id": "A"}}, "first_name or last_name"),
        (
            {"kind": "accounts", "columns": {"external_id": "A", "name": ["N", "M"]}},
            "only numbers and products",
        ),
        ({**CASES, "timezone": "Mars/Olympus"}, "unknown time zone"),
        ({**CONTACTS, "region": "ZZ"}, "not a region code"),
        ({**CONTACTS, "delimiter": ";"}, "two different characters"),
        ({**CONTACTS, "sheet": 1}, "unknown mapping keys: sheet"),
    ],
)
def test_bad_mappings_are_refused(mapping: object, fragment: str) -> None:
    with pytest.raises(CrmError, match=fragment):
        parse_mapping(mapping, "map.yaml")


def test_a_header_without_a_mapped_column_imports_nothing(
    store: CrmStore, engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "c.csv", "Customer ID,First,Last,Phone\nC1,Ann,Lee,020 7946 0001\n")
    before = snapshot(engine)
    with pytest.raises(CrmError, match=r"c\.csv:1: column 'Mobile' \(for numbers\)"):
        import_csv(store, path, parse_mapping(CONTACTS))
    with pytest.raises(CrmError, match="empty"):
        import_csv(store, write(tmp_path, "e.csv", ""), parse_mapping(CONTACTS))
    with pytest.raises(CrmError, match="cannot read"):
        import_csv(store, tmp_path / "missing.csv", parse_mapping(CONTACTS))
    assert snapshot(engine) == before


def test_the_crm_import_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = write(
        tmp_path,
        "accounts.yaml",
        ("kind: accounts\ncolumns: {external_id: Acct, name: Company, tier: Tier}\n"),
    )
    assert load_mapping(mapping).kind is ImportKind.ACCOUNTS
    good = write(tmp_path, "a.csv", "Acct,Company,Tier\nA1,Northwind,VIP\n")
    bad = write(tmp_path, "b.csv", "Acct,Company,Tier\nA2,,VIP\nA3,Acme,\n")
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    data = ["--data-dir", str(tmp_path / "data"), "--region", "GB"]

    def run(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        result: int = args.func(args)
        return result

    assert run("crm", "import", str(good), "--mapping", str(mapping), *data) == 0
    assert "1 accounts created, 0 updated, 0 row(s) refused" in capsys.readouterr().out
    assert run("crm", "import", str(bad), "--mapping", str(mapping), *data) == 1
    out, err = capsys.readouterr()
    assert f"{bad}:2: the account name is empty" in err
    assert "1 accounts created" in out
    assert run("crm", "import", str(bad), "--mapping", str(tmp_path / "no.yaml"), *data) == 2
    assert "cannot read the mapping" in capsys.readouterr().err
