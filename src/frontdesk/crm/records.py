"""A caller profile as plain data (dicts, lists, text, numbers): what flow expressions read.

The flow language reads the CRM record of a call as plain values (`crm.first_name`,
`crm.account.owner`, `latest_open(crm.cases, 3)`, `find(crm.deliveries, "date", today())`).
`flow_record` gives that shape from a `CallerProfile`, with dates and times of day in the
company's time zone: what a live call's flow reads, and what `frontdesk flow test` reads from
the demo data in the store. `tier` is lower case (`crm.tier == "gold"`) and `services` lists
the product codes (`"freight" in crm.services`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.crm.model import CallerProfile, Case, Fact, Interaction

DELIVERY = "delivery"


def flow_record(profile: CallerProfile, zone: ZoneInfo) -> dict[str, Any]:
    contact, account = profile.contact, profile.account
    record: dict[str, Any] = {
        "number": profile.number,
        "name": contact.display_name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "language": contact.language,
        "email": contact.email,
        "tier": account.tier.lower() if account is not None and account.tier else None,
        "vip": profile.is_vip,
        "owner": profile.owner,
        "account": None,
        "products": [{"code": p.code, "name": p.name} for p in profile.products],
        "services": [p.code for p in profile.products],
        "cases": [_case(case, zone) for case in profile.open_cases],
        "interactions": [_interaction(i, zone) for i in profile.recent_interactions],
        "deliveries": [_delivery(f, zone) for f in profile.facts if f.kind == DELIVERY],
        "facts": [_fact(f) for f in profile.facts if f.kind != DELIVERY],
        "source": profile.source,
    }
    if account is not None:
        record["account"] = {
            "id": account.external_id or (str(account.id) if account.id is not None else None),
            "name": account.name,
            "tier": account.tier,
            "team": account.team,
            "owner": account.owner,
        }
    return record


def _local(epoch: float, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(epoch, zone)


def _case(case: Case, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": case.external_id or (str(case.id) if case.id is not None else None),
        "topic": case.topic,
        "status": case.status.value,
        "opened": _local(case.opened_at, zone).date().isoformat(),
        "updated": _local(case.updated_at, zone).date().isoformat(),
    }


def _interaction(call: Interaction, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "at": _local(call.at, zone).isoformat(timespec="minutes"),
        "direction": call.direction.value,
        "outcome": call.outcome.value,
        "queue": call.queue,
        "agent": call.agent,
        "notes": call.notes,
    }


def _delivery(fact: Fact, zone: ZoneInfo) -> dict[str, Any]:
    """`{date, from, to, status, ...data}`: the window as a local day and times of day."""
    out: dict[str, Any] = {"id": str(fact.id) if fact.id is not None else None, **fact.data}
    out["summary"] = fact.summary
    if fact.starts_at is not None:
        start = _local(fact.starts_at, zone)
        out["date"], out["from"] = start.date().isoformat(), start.strftime("%H:%M")
    if fact.ends_at is not None:
        out["to"] = _local(fact.ends_at, zone).strftime("%H:%M")
    return out


def _fact(fact: Fact) -> dict[str, Any]:
    return {
        "kind": fact.kind,
        "summary": fact.summary,
        "starts_at": fact.starts_at,
        "ends_at": fact.ends_at,
        "data": dict(fact.data),
    }
