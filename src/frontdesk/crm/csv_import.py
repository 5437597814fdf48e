"""CSV import of accounts, contacts and cases, with a column mapping and a report of bad rows.

A mapping (YAML or a dict) names the kind of record and which CSV column holds each field:

    kind: contacts
    region: GB                      # reads national-format numbers; default: the store's
    columns:
      external_id: Customer ID      # required: re-importing updates instead of duplicating
      first_name: First name
      last_name: Surname
      numbers: [Phone, Mobile]      # several columns, and/or several numbers per cell (;)
      account: Account ID           # the account's external id (import accounts first)

Every row is checked; each bad one is reported as `file:line: reason` and skipped, and all
the good ones are written in one transaction. Rows are matched by external id, so importing
the same file again changes nothing, and importing a newer export updates what changed.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from frontdesk.config import Problem
from frontdesk.crm import validate
from frontdesk.crm.errors import CrmError
from frontdesk.crm.numbers import check_region
from frontdesk.crm.store import CrmStore
from frontdesk.crm.writes import CrmWriter


class ImportKind(enum.StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    CASES = "cases"


_LIST_FIELDS = {"numbers", "products"}
FIELDS: Mapping[ImportKind, frozenset[str]] = {
    ImportKind.ACCOUNTS: frozenset({"external_id", "name", "tier", "owner", "team", "products"}),
    ImportKind.CONTACTS: frozenset(
        {"external_id", "first_name", "last_name", "account", "language", "email", "numbers"}
    ),
    ImportKind.CASES: frozenset(
        {"external_id", "topic", "status", "contact", "account", "opened_at", "updated_at"}
    ),
}
_REQUIRED: Mapping[ImportKind, tuple[str, ...]] = {
    ImportKind.ACCOUNTS: ("external_id", "name"),
    ImportKind.CONTACTS: ("external_id",),
    ImportKind.CASES: ("external_id", "topic"),
}


@dataclass(frozen=True, slots=True)
class CsvMapping:
    kind: ImportKind
    columns: Mapping[str, tuple[str, ...]]  # field -> CSV column(s)
    region: str | None = None
    timezone: str = "UTC"  # for times written without a zone
    delimiter: str = ","
    list_separator: str = ";"  # several numbers or products in one cell
    allow_unallocated: bool = False


@dataclass(frozen=True, slots=True)
class ImportReport:
    file: str
    kind: ImportKind
    created: int
    updated: int
    problems: tuple[Problem, ...]

    @property
    def rows_ok(self) -> int:
        return self.created + self.updated


def parse_mapping(data: object, source: str = "<mapping>") -> CsvMapping:
    """Checks a mapping given as a dict (e.g. loaded from YAML); CrmError says what is wrong."""
    if not isinstance(data, Mapping):
        raise CrmError(f"{source}: a mapping must be a dict with 'kind' and 'columns'")
    unknown = set(data) - {
        "kind",
        "columns",
        "region",
        "timezone",
        "delimiter",
        "list_separator",
        "allow_unallocated",
    }
    if unknown:
        raise CrmError(f"{source}: unknown mapping keys: {', '.join(sorted(map(str, unknown)))}")
    kind = validate.choice(ImportKind, data.get("kind"), f"{source}: kind")
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, Mapping) or not raw_columns:
        raise CrmError(f"{source}: 'columns' must map fields to CSV column names")
    columns: dict[str, tuple[str, ...]] = {}
    for field, spec in raw_columns.items():
        if field not in FIELDS[kind]:
            allowed = ", ".join(sorted(FIELDS[kind]))
            raise CrmError(f"{source}: '{field}' is not a field of {kind} (expected: {allowed})")
        names = (spec,) if isinstance(spec, str) else tuple(spec) if isinstance(spec, list) else ()
        if not names or not all(isinstance(n, str) and n for n in names):
            raise CrmError(f"{source}: field '{field}' must name a CSV column (or a list)")
        if len(names) > 1 and field not in _LIST_FIELDS:
            raise CrmError(f"{source}: only numbers and products may take several columns")
        columns[str(field)] = names
    missing = [f for f in _REQUIRED[kind] if f not in columns]
    if kind is ImportKind.CONTACTS and not {"first_name", "last_name"} & set(columns):
        missing.append("first_name or last_name")
    if missing:
        raise CrmError(f"{source}: the mapping for {kind} must name {', '.join(missing)}")
    region = data.get("region")
    zone = str(data.get("timezone", "UTC"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CrmError(f"{source}: unknown time zone '{zone}' (e.g. Europe/London)") from None
    delimiter = str(data.get("delimiter", ","))
    separator = str(data.get("list_separator", ";"))
    if len(delimiter) != 1 or len(separator) != 1 or delimiter == separator:
        raise CrmError(f"{source}: delimiter and list_separator must be two different characters")
    return CsvMapping(
        kind=kind,
        columns=columns,
        region=check_region(str(region)) if region is not None else None,
        timezone=zone,
        delimiter=delimiter,
        list_separator=separator,
        allow_unallocated=bool(data.get("allow_unallocated", False)),
    )


def load_mapping(path: Path) -> CsvMapping:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CrmError(f"{path}: cannot read the mapping: {exc}") from None
    return parse_mapping(data, str(path))


def import_csv(store: CrmStore, path: Path, mapping: CsvMapping) -> ImportReport:
    """Imports the file's good rows in one transaction; the report lists every bad row."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return import_lines(store, handle, mapping, str(path))
    except OSError as exc:
        raise CrmError(f"{path}: cannot read the file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CrmError(f"{path}: the file is not UTF-8 text") from None


def import_lines(
    store: CrmStore, lines: Iterable[str], mapping: CsvMapping, file: str = "<csv>"
) -> ImportReport:
    reader = csv.reader(lines, delimiter=mapping.delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise CrmError(f"{file}:1: the file is empty (expected a header row)") from None
    except csv.Error as exc:
        raise CrmError(f"{file}:1: {exc}") from None
    for field, names in mapping.columns.items():
        for name in names:
            if name not in header:
                raise CrmError(
                    f"{file}:1: column '{name}' (for {field}) is not in the header "
                    f"(found: {', '.join(header)})"
                )
    row_writer = _ROW_WRITERS[mapping.kind]
    problems: list[Problem] = []
    created = updated = 0
    first_line: dict[str, int] = {}
    with store.writer() as w:
        if mapping.region is not None:
            w.region = mapping.region
        line = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.append(Problem(file, line, f"not valid CSV: {exc}"))
                break
            if any(cell.strip() for cell in cells):
                try:
                    fields = _fields(cells, header, mapping)
                    ext = _not_repeated(fields, first_line)
                    if row_writer(w, fields, mapping):
                        created += 1
                    else:
                        updated += 1
                    first_line[ext] = line
                except CrmError as exc:
                    problems.append(Problem(file, line, str(exc)))
            line = reader.line_num + 1
    return ImportReport(file, mapping.kind, created, updated, tuple(problems))


def _fields(cells: list[str], header: list[str], mapping: CsvMapping) -> dict[str, Any]:
    if len(cells) != len(header):
        raise CrmError(f"the row has {len(cells)} cells but the header has {len(header)}")
    by_name = dict(zip(header, cells, strict=True))
    fields: dict[str, Any] = {}
    for field, names in mapping.columns.items():
        if field in _LIST_FIELDS:
            items = [
                part.strip() for n in names for part in by_name[n].split(mapping.list_separator)
            ]
            fields[field] = [item for item in items if item]
        else:
            fields[field] = by_name[names[0]].strip() or None
    return fields


def _not_repeated(fields: Mapping[str, Any], first_line: Mapping[str, int]) -> str:
    ext = validate.text(fields.get("external_id"), "external id", 128)
    if ext in first_line:
        raise CrmError(f"external id '{ext}' appears again (first on line {first_line[ext]})")
    return ext


def _account_row(w: CrmWriter, f: Mapping[str, Any], _mapping: CsvMapping) -> bool:
    products = [_product(item) for item in f.get("products", [])]
    for code, name in products:  # checked before anything is written for this row
        validate.text(code, "product code", 64)
        validate.text(name, "product name", 200)
    account, created = w.upsert_account(
        f["external_id"],
        f.get("name") or "",
        tier=f.get("tier"),
        owner=f.get("owner"),
        team=f.get("team"),
    )
    if "products" in f:
        assert account.id is not None
        w.set_products(account.id, products)
    return created


def _product(cell: str) -> tuple[str, str]:
    code, _, name = cell.partition(":")
    return code.strip(), (name.strip() or code.strip())


def _contact_row(w: CrmWriter, f: Mapping[str, Any], mapping: CsvMapping) -> bool:
    _, created = w.upsert_contact(
        f["external_id"],
        f.get("first_name") or "",
        f.get("last_name") or "",
        numbers=f.get("numbers", []),
        account_id=_reference(w, f, "account"),
        language=f.get("language"),
        email=f.get("email"),
        allow_unallocated=mapping.allow_unallocated,
    )
    return created


def _case_row(w: CrmWriter, f: Mapping[str, Any], mapping: CsvMapping) -> bool:
    zone = ZoneInfo(mapping.timezone)
    times = {
        key: validate.timestamp(_number_or_text(f[key]), key.replace("_", " "), zone)
        for key in ("opened_at", "updated_at")
        if f.get(key)
    }
    _, created = w.upsert_case(
        f["external_id"],
        f.get("topic") or "",
        status=f.get("status") or "open",
        contact_id=_reference(w, f, "contact"),
        account_id=_reference(w, f, "account"),
        opened_at=times.get("opened_at"),
        updated_at=times.get("updated_at"),
    )
    return created


def _reference(w: CrmWriter, f: Mapping[str, Any], what: str) -> int | None:
    ext = f.get(what)
    if ext is None:
        return None
    found = w.account_id_for(ext) if what == "account" else w.contact_id_for(ext)
    if found is None:
        raise CrmError(f"{what} '{ext}' is not known (import the {what}s first)")
    return found


def _number_or_text(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value


_ROW_WRITERS: Mapping[ImportKind, Callable[[CrmWriter, Mapping[str, Any], CsvMapping], bool]] = {
    ImportKind.ACCOUNTS: _account_row,
    ImportKind.CONTACTS: _contact_row,
    ImportKind.CASES: _case_row,
}
