"""What a delivery sends: the JSON body and the headers that go with it.

    {"id": <delivery id>, "seq": 42, "kind": "acd.answered", "call_id": "...",
     "at": "2025-06-11T09:30:00.250Z", "data": {...}}

The body is built from the stored event, so every attempt of a delivery sends the same bytes;
only the signature's timestamp changes between attempts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from frontdesk.store.eventlog import StoredEvent
from frontdesk.webhooks.signing import sign

USER_AGENT = "Frontdesk-Webhooks/1"


def iso_utc(at: float) -> str:
    """Unix seconds as ISO 8601 in UTC with milliseconds and a Z."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body_of(delivery_id: str, event: StoredEvent) -> bytes:
    document = {
        "id": delivery_id,
        "seq": event.seq,
        "kind": event.kind,
        "call_id": event.call_id,
        "at": iso_utc(event.at),
        "data": dict(event.data),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers_of(
    delivery_id: str, kind: str, secret: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Frontdesk-Event": kind,
        "Frontdesk-Delivery": delivery_id,
        "Frontdesk-Signature": sign(secret, timestamp, body),
    }
