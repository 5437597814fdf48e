"""The screen pop: everything an agent should see while a call rings them.

Built from the call's own flow record (the CRM lookup made when the call was answered, so the
pop shows exactly what the flow knew), the whisper the agent is about to hear, and the routing
engine's own explanation of why this agent was chosen.
"""

from __future__ import annotations

from typing import Any

from frontdesk.acd.errors import AcdError
from frontdesk.telephony.announcements import whisper
from frontdesk.telephony.contact_centre import ContactCentre


def screen_pop(centre: ContactCentre, contact_id: str, now: float) -> dict[str, Any] | None:
    """The pop for a live contact, or None when Frontdesk holds no such call."""
    call = centre.calls.get(contact_id) or centre.live.get(contact_id)
    if call is None:
        return None
    crm = call.crm
    queue = call.queue or ""
    callback = contact_id in centre.callbacks
    try:
        why = centre.engine.explain(contact_id)
    except AcdError:
        why = ""
    contact = centre.engine.contacts.get(contact_id)
    waited = round(now - contact.entered_at, 1) if contact is not None else None
    account = crm.get("account") or {}
    return {
        "call_id": contact_id,
        "number": call.caller or call.caller_raw,
        "country": call.country,
        "known": bool(crm),
        "name": crm.get("name") or call.caller or "Unknown caller",
        "language": crm.get("language") or call.language,
        "account": account.get("name"),
        "account_id": account.get("id"),
        "tier": crm.get("tier"),
        "vip": bool(crm.get("vip")),
        "owner": crm.get("owner"),
        "open_cases": list(crm.get("cases") or []),
        "recent": list(crm.get("interactions") or [])[:5],
        "deliveries": list(crm.get("deliveries") or []),
        "queue": queue,
        "team": centre.team_of(queue or None),
        "callback": callback,
        "waited_s": waited,
        "whisper": whisper(crm, call.language, queue, callback),
        "why": why,
    }
