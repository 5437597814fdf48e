"""The demo company's CRM records (demo_data.yaml), loaded into a store on demand.

`load_demo(store)` replaces any earlier demo records, in one transaction, and stamps relative
times ("days_ago", "today 13:00-17:00") against the store's clock in the file's time zone.
`DEMO_CALLERS` names the number of each IVR scenario, for flows and tests that use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from frontdesk.crm.errors import CrmError
from frontdesk.crm.store import CrmStore
from frontdesk.crm.writes import CrmWriter

DEMO_CALLERS: Mapping[str, str] = {
    "known_caller": "+442079460555",  # Susan Clark
    "vip_account": "+441632960111",  # James Whitaker, Northwind Traders (VIP, owner alice)
    "open_parcel_case": "+447700900123",  # Priya Shah, parcel enquiry opened yesterday
    "french_caller": "+33612345678",  # Camille Laurent, language fr
    "delivery_today": "+447700900456",  # Tom Baker, delivery today 13:00-17:00
}

_DAY = 86_400.0


def demo_document() -> dict[str, Any]:
    text = resources.files("frontdesk.crm").joinpath("demo_data.yaml").read_text("utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise CrmError("demo_data.yaml must be a mapping with accounts and contacts")
    return document


def load_demo(store: CrmStore, document: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Loads the demo records; returns the database id of each, by its demo id."""
    doc = demo_document() if document is None else document
    try:
        zone = ZoneInfo(str(doc.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise CrmError(f"demo data: unknown time zone '{doc.get('timezone')}'") from None
    ids: dict[str, int] = {}
    with store.writer() as w:
        _remove_earlier(w, doc)
        now = w.now
        for acc in doc.get("accounts", []):
            account = w.add_account(
                acc["name"],
                tier=acc.get("tier"),
                owner=acc.get("owner"),
                team=acc.get("team"),
                external_id=acc["id"],
            )
            assert account.id is not None
            w.set_products(account.id, list(acc.get("products", {}).items()))
            ids[acc["id"]] = account.id
        for person in doc.get("contacts", []):
            ids |= _load_contact(w, person, ids, zone)
            w.now = now
    return ids


def _load_contact(
    w: CrmWriter, person: Mapping[str, Any], ids: Mapping[str, int], zone: ZoneInfo
) -> dict[str, int]:
    now = w.now
    account = person.get("account")
    if account is not None and account not in ids:
        raise CrmError(f"demo data: contact {person['id']} names unknown account '{account}'")
    contact = w.add_contact(
        person.get("first_name", ""),
        person.get("last_name", ""),
        numbers=person.get("numbers", []),
        account_id=ids.get(account) if account else None,
        language=person.get("language"),
        email=person.get("email"),
        external_id=person["id"],
        allow_unallocated=True,  # drama ranges are unallocated
    )
    assert contact.id is not None
    made = {person["id"]: contact.id}
    for item in person.get("interactions", []):
        fields = {k: v for k, v in item.items() if k != "days_ago"}
        w.record_interaction(
            f"{person['id']}-call-{item['days_ago']}d",
            at=now - float(item["days_ago"]) * _DAY,
            contact_id=contact.id,
            number=contact.numbers[0] if contact.numbers else None,
            **fields,
        )
    for item in person.get("cases", []):
        w.now = now - float(item.get("days_ago", 0)) * _DAY  # back-dates the case and its note
        case = w.open_case(
            item["topic"], contact_id=contact.id, note=item.get("note"), by=item.get("by")
        )
        assert case.id is not None
        made[item["id"]] = case.id
        w.now = now
    for item in person.get("facts", []):
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


def _window(item: Mapping[str, Any], now: float, zone: ZoneInfo) -> tuple[float, float]:
    """A "day: today|tomorrow, from: HH:MM, to: HH:MM" window as epoch seconds."""
    offsets = {"today": 0, "tomorrow": 1, "yesterday": -1}
    day_name = item.get("day", "today")
    if day_name not in offsets:
        raise CrmError(f"demo data: day '{day_name}' (expected today, tomorrow or yesterday)")
    local_day = datetime.fromtimestamp(now, zone).date() + timedelta(days=offsets[day_name])
    try:
        start, end = (time.fromisoformat(str(item[key])) for key in ("from", "to"))
    except (KeyError, ValueError):
        raise CrmError("demo data: a fact window needs 'from' and 'to' as HH:MM") from None
    begin = datetime.combine(local_day, start, zone).timestamp()
    return begin, datetime.combine(local_day, end, zone).timestamp()


def _remove_earlier(w: CrmWriter, doc: Mapping[str, Any]) -> None:
    for person in doc.get("contacts", []):
        contact_id = w.contact_id_for(person["id"])
        if contact_id is not None:
            w.delete_contact(contact_id)
    for acc in doc.get("accounts", []):
        account_id = w.account_id_for(acc["id"])
        if account_id is not None:
            w.delete_account(account_id)
