"""Profiles as plain records for flow expressions: local dates and times of day, plain values."""

from __future__ import annotations

import json

from crm_time import LONDON

from frontdesk.crm import CrmStore
from frontdesk.crm.demo import DEMO_CALLERS, load_demo
from frontdesk.crm.records import flow_record


def record(store: CrmStore, scenario: str) -> dict[str, object]:
    profile = store.lookup(DEMO_CALLERS[scenario])
    assert profile is not None
    out = flow_record(profile, LONDON)
    assert json.loads(json.dumps(out)) == out  # plain data only
    return out


def test_demo_scenarios_as_flow_records(store: CrmStore) -> None:
    load_demo(store)  # the clock reads Wednesday 1 May 2024, 10:00 in London
    susan = record(store, "known_caller")
    assert (susan["first_name"], susan["name"], susan["tier"]) == (
        "Susan",
        "Susan Clark",
        "standard",
    )
    vip = record(store, "vip_account")
    assert vip["vip"] is True and vip["tier"] == "vip" and vip["owner"] == "alice"
    assert vip["account"] == {
        "id": "demo-northwind",
        "name": "Northwind Traders",
        "tier": "VIP",
        "team": "key-accounts",
        "owner": "alice",
    }
    assert vip["services"] == ["express", "saturday"]
    priya = record(store, "open_parcel_case")
    assert priya["cases"] == [
        {
            "id": priya["cases"][0]["id"],  # type: ignore[index]
            "topic": "parcel enquiry",
            "status": "open",
            "opened": "2024-04-30",
            "updated": "2024-04-30",
        }
    ]
    assert record(store, "french_caller")["language"] == "fr"
    (delivery,) = record(store, "delivery_today")["deliveries"]  # type: ignore[misc]
    assert (delivery["date"], delivery["from"], delivery["to"]) == ("2024-05-01", "13:00", "17:00")
    assert (delivery["parcel"], delivery["status"]) == ("FD778899", "booked")
    gold = record(store, "gold_freight")
    # What the demo flow's after-hours branch reads: crm.tier == "gold" and crm.owner.
    assert (gold["tier"], gold["owner"], gold["vip"]) == ("gold", "bob", False)
    assert "freight" in gold["services"]  # '"freight" in crm.services' offers the freight option
    assert gold["account"]["team"] is None  # type: ignore[index]  # no team: not queued to one
