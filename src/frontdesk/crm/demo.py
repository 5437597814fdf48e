"""The demo company's CRM records (demo_data.yaml), loaded into a store on demand.

`load_demo(store)` replaces any earlier demo records, in one transaction, and stamps relative
times ("days_ago", "today 13:00-17:00") against the store's clock in the file's time zone.
`demo_store(clock)` gives a fresh in-memory store holding them (what `frontdesk flow test`
walks the demo flows against); `read_demo_file(path)` reads another data set in the same format.
`DEMO_CALLERS` names the number of each IVR scenario, for flows and tests that use them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from frontdesk.clock import Clock
from frontdesk.crm.errors import CrmError
from frontdesk.crm.numbers import region_of
from frontdesk.crm.store import CrmStore
from frontdesk.crm.writes import CrmWriter

# One caller per personalisation scenario of the demo flows (config/flows_demo.yaml).
DEMO_CALLERS: Mapping[str, str] = {
    "known_caller": "+442079460555",  # Susan Clark: greeted by name
    "vip_account": "+441632960111",  # James Whitaker, Northwind Traders: team key-accounts, alice
    "open_parcel_case": "+447700900123",  # Priya Shah, parcel enquiry opened yesterday
    "french_caller": "+33612345678",  # Camille Laurent, language fr
    "delivery_today": "+447700900456",  # Tom Baker, delivery today 13:00-17:00
    "gold_freight": "+441632960222",  # Marcus Webb, Webb Haulage: gold, ships freight, owner bob
}

# What each entry of a demo data file must have, by section (and by list within a contact).
_REQUIRED = {"accounts": ("id", "name"), "contacts": ("id",)}
_CONTACT_LISTS = {
    "interactions": ("days_ago",),
    "cases": ("id", "topic"),
    "facts": ("kind", "summary"),
}


def demo_document() -> dict[str, Any]:
    text = resources.files("frontdesk.crm").joinpath("demo_data.yaml").read_text("utf-8")
    return check_document(yaml.safe_load(text), "demo_data.yaml")


def read_demo_file(path: Path) -> dict[str, Any]:
    """A data set in the format of demo_data.yaml, from a YAML or JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise CrmError(f"{path}: cannot read the file: {reason}") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise CrmError(f"{path}: cannot read the CRM data: {exc}") from None
    return check_document(document, str(path))


def check_document(document: Any, source: str) -> dict[str, Any]:
    """`document` if it has the shape of demo_data.yaml, else a CrmError saying what is off."""
    if not isinstance(document, dict):
        raise CrmError(f"{source}: expected a mapping with 'accounts' and 'contacts' lists")
    for section, required in _REQUIRED.items():
        entries = document.get(section) or []
        if not isinstance(entries, list):
            raise CrmError(f"{source}: '{section}' must be a list (see crm/demo_data.yaml)")
        for position, entry in enumerate(entries, 1):
            where = f"{source}: {section} entry {position}"
            _require(entry, required, where)
            if section == "accounts" and not isinstance(entry.get("products") or {}, dict):
                raise CrmError(f"{where}: 'products' must map product codes to names")
            if section == "contacts":
                _check_contact(entry, where)
    return document


def _check_contact(person: Mapping[str, Any], where: str) -> None:
    if not isinstance(person.get("numbers") or [], list):
        raise CrmError(f"{where}: 'numbers' must be a list of phone numbers")
    for name, required in _CONTACT_LISTS.items():
        items = person.get(name) or []
        if not isinstance(items, list):
            raise CrmError(f"{where}: '{name}' must be a list")
        for position, item in enumerate(items, 1):
            _require(item, required, f"{where}, {name} entry {position}")


def _require(entry: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(entry, dict):
        raise CrmError(f"{where}: expected a mapping")
    missing = [key for key in keys if entry.get(key) in (None, "")]
    if missing:
        raise CrmError(f"{where}: '{missing[0]}' is missing")


def demo_store(
    clock: Clock,
    document: Mapping[str, Any] | None = None,
    region: str | None = None,
    source: str = "demo data",
) -> CrmStore:
    """A fresh in-memory SQLite store holding the demo records (or `document`, from `source`),
    stamped at the clock's wall time. `region` reads national-format numbers; by default the
    data's country. Dispose of `store.engine` when done."""
    doc = demo_document() if document is None else check_document(document, source)
    if region is None:
        region = region_of(str(n) for p in doc.get("contacts") or [] for n in p.get("numbers", []))
    # One shared connection: an in-memory database lives as long as its connection.
    engine = create_engine("sqlite://", poolclass=StaticPool)
    store = CrmStore(engine, clock, region=region, cache_size=0)
    try:
        load_demo(store, doc, source)
    except BaseException:
        engine.dispose()
        raise
    return store


def load_demo(
    store: CrmStore, document: Mapping[str, Any] | None = None, source: str = "demo data"
) -> dict[str, int]:
    """Loads the demo records (or `document`, in their format, from `source`); returns the
    database id of each, by its demo id. Bad data raises CrmError and loads nothing."""
    doc = demo_document() if document is None else check_document(document, source)
    try:
        zone = ZoneInfo(str(doc.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise CrmError(f"{source}: unknown time zone '{doc.get('timezone')}'") from None
    ids: dict[str, int] = {}
    with store.writer() as w:
        _remove_earlier(w, doc)
        now = w.now
        for acc in doc.get("accounts") or []:
            with _entry(f"{source}: account '{acc['id']}'"):
                ids[acc["id"]] = _load_account(w, acc)
        for person in doc.get("contacts") or []:
            with _entry(f"{source}: contact '{person['id']}'"):
                ids |= _load_contact(w, person, ids, zone)
            w.now = now
    return ids


@contextmanager
def _entry(where: str) -> Iterator[None]:
    """Says which record a refusal is about; the writer's transaction is rolled back."""
    try:
        yield
    except (TypeError, ValueError) as exc:  # CrmError is a ValueError too
        raise CrmError(f"{where}: {exc}") from None


def _load_account(w: CrmWriter, acc: Mapping[str, Any]) -> int:
    account = w.add_account(
        acc["name"],
        tier=acc.get("tier"),
        owner=acc.get("owner"),
        team=acc.get("team"),
        external_id=acc["id"],
    )
    assert account.id is not None
    w.set_products(account.id, list((acc.get("products") or {}).items()))
    return account.id


def _load_contact(
    w: CrmWriter, person: Mapping[str, Any], ids: Mapping[str, int], zone: ZoneInfo
) -> dict[str, int]:
    now = w.now
    account = person.get("account")
    if account is not None and account not in ids:
        raise CrmError(f"its account '{account}' is not in the data")
    contact = w.add_contact(
        person.get("first_name", ""),
        person.get("last_name", ""),
        numbers=person.get("numbers") or [],
        account_id=ids.get(account) if account else None,
        language=person.get("language"),
        email=person.get("email"),
        external_id=person["id"],
        allow_unallocated=True,  # drama ranges are unallocated
    )
    assert contact.id is not None
    made = {person["id"]: contact.id}
    for item in person.get("interactions") or []:
        fields = {k: v for k, v in item.items() if k != "days_ago"}
        w.record_interaction(
            f"{person['id']}-call-{item['days_ago']}d",
            at=_days_before(now, item["days_ago"], zone),
            contact_id=contact.id,
            number=contact.numbers[0] if contact.numbers else None,
            **fields,
        )
    for item in person.get("cases") or []:
        w.now = _days_before(now, item.get("days_ago", 0), zone)  # back-dates case and note
        case = w.open_case(
            item["topic"], contact_id=contact.id, note=item.get("note"), by=item.get("by")
        )
        assert case.id is not None
        made[item["id"]] = case.id
        w.now = now
    for item in person.get("facts") or []:
        starts_at, ends_at = _window(item, now, zone)
        w.add_fact(
            item["kind"],
            item["summary"],
            contact_id=contact.id,
            starts_at=starts_at,
            ends_at=ends_at,
            data=item.get("data"),
        )
    return made


def _days_before(now: float, days: Any, zone: ZoneInfo) -> float:
    """The same local time of day `days` calendar days before `now`: across a clock change a
    day is 23 or 25 hours, and "yesterday" must stay yesterday."""
    if isinstance(days, bool) or not isinstance(days, int | float):
        raise CrmError(f"days_ago must be a number of days, not {days!r}")
    return (datetime.fromtimestamp(now, zone) - timedelta(days=days)).timestamp()


def _window(item: Mapping[str, Any], now: float, zone: ZoneInfo) -> tuple[float, float]:
    """A "day: today|tomorrow, from: HH:MM, to: HH:MM" window as epoch seconds."""
    offsets = {"today": 0, "tomorrow": 1, "yesterday": -1}
    day_name = item.get("day", "today")
    if day_name not in offsets:
        raise CrmError(f"a fact's day is '{day_name}' (expected today, tomorrow or yesterday)")
    local_day = datetime.fromtimestamp(now, zone).date() + timedelta(days=offsets[day_name])
    try:
        start, end = (time.fromisoformat(str(item[key])) for key in ("from", "to"))
    except (KeyError, ValueError):
        raise CrmError("a fact window needs 'from' and 'to' as HH:MM") from None
    begin = datetime.combine(local_day, start, zone).timestamp()
    return begin, datetime.combine(local_day, end, zone).timestamp()


def _remove_earlier(w: CrmWriter, doc: Mapping[str, Any]) -> None:
    for person in doc.get("contacts") or []:
        contact_id = w.contact_id_for(person["id"])
        if contact_id is not None:
            w.delete_contact(contact_id)
    for acc in doc.get("accounts") or []:
        account_id = w.account_id_for(acc["id"])
        if account_id is not None:
            w.delete_account(account_id)
