"""Index rows to entries and back, and the search keys kept beside them."""

from __future__ import annotations

import json
from typing import Any

from frontdesk.history.entry import CallEntry, Recording


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def caller_key(number: str) -> str:
    """The caller's digits reversed: the end of a number becomes a prefix (see schema.py)."""
    return digits(number)[::-1]


def entry_row(entry: CallEntry) -> dict[str, Any]:
    return {
        "call_id": entry.call_id, "started_at": entry.started_at, "ended_at": entry.ended_at,
        "caller": entry.caller[:64], "caller_key": caller_key(entry.caller)[:64],
        "name": entry.name[:200], "name_key": entry.name.casefold()[:200],
        "vip": int(entry.vip), "tier": entry.tier[:64],
        "open_case": None if entry.open_case is None else int(entry.open_case),
        "language": entry.language[:16], "country": entry.country[:8],
        "dialled": entry.dialled[:64], "queue": entry.queue, "team": entry.team,
        "queues": json.dumps(list(entry.queues)), "teams": json.dumps(list(entry.teams)),
        "agents": json.dumps(list(entry.agents)), "wait_s": entry.wait_s,
        "talk_s": entry.talk_s, "hold_s": entry.hold_s, "outcome": entry.outcome,
        "handled": int(entry.handled), "disposition": entry.disposition[:64],
        "notes_chars": entry.notes_chars,
        "recordings": json.dumps([[r.path, r.duration_s, r.channels, r.kind]
                                  for r in entry.recordings]),
        "recording_count": len(entry.recordings), "voicemail": int(entry.voicemail),
        "long": None if entry.long is None else int(entry.long),
        "long_after_s": entry.long_after_s,
    }  # fmt: skip


def tag_rows(entry: CallEntry) -> list[dict[str, str]]:
    found = {("agent", a) for a in entry.agents} | {("queue", q) for q in entry.queues}
    found |= {("team", t) for t in entry.teams}
    return [{"kind": k, "value": v, "call_id": entry.call_id} for k, v in sorted(found)]


def row_entry(row: Any) -> CallEntry:
    return CallEntry(
        call_id=row.call_id, started_at=row.started_at, ended_at=row.ended_at,
        caller=row.caller, name=row.name, vip=bool(row.vip), tier=row.tier,
        open_case=None if row.open_case is None else bool(row.open_case),
        language=row.language, country=row.country, dialled=row.dialled,
        queues=tuple(json.loads(row.queues)), queue=row.queue, team=row.team,
        teams=tuple(json.loads(row.teams)), agents=tuple(json.loads(row.agents)),
        wait_s=row.wait_s, talk_s=row.talk_s, hold_s=row.hold_s, outcome=row.outcome,
        handled=bool(row.handled), disposition=row.disposition, notes_chars=row.notes_chars,
        recordings=tuple(Recording(str(p), float(d), int(c), str(k))
                         for p, d, c, k in json.loads(row.recordings)),
        voicemail=bool(row.voicemail), long=None if row.long is None else bool(row.long),
        long_after_s=row.long_after_s,
    )  # fmt: skip
