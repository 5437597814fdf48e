"""Searching the call index: filters, who may see what, newest first, page by page.

Pages use keyset pagination on `(started_at, call_id)`, newest first: the cursor is the last
row's key (opaque to clients: base64 of JSON), so a page costs the same however deep it is
and calls indexed meanwhile do not shift the pages being read.

Filters (all optional, combined with AND): a time range on the call's start, the caller's
number (matched on its end: "7700 900123", "07700900123" and "+447700900123" all find
+447700900123), the contact's name (case-insensitive, anywhere in the name), an agent who
talked, a queue the call went through, a team, the disposition, the outcome, long calls, and
calls with recordings. `Scope` says which calls the asker may see at all.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, Select, and_, false, or_, select, true

from frontdesk.history.entry import CallEntry
from frontdesk.history.errors import HistoryError
from frontdesk.history.rows import caller_key, digits, row_entry
from frontdesk.history.schema import calls, tags

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class CallSearch:
    since: float | None = None  # started at or after (epoch seconds)
    until: float | None = None  # started before
    number: str = ""
    contact: str = ""
    agent: str = ""
    queue: str = ""
    team: str = ""
    disposition: str = ""
    outcome: str = ""
    long: bool | None = None
    has_recording: bool | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    """Which calls someone may see: every call, or those of `teams`, or those `agent` talked
    on (either of the last two). The API builds it from `accounts.policy`."""

    everything: bool = False
    teams: frozenset[str] = frozenset()
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[CallEntry]
    next_cursor: str | None


def _tagged(kind: str, values: list[str]) -> ColumnElement[bool]:
    inner = select(tags.c.call_id).where(tags.c.kind == kind, tags.c.value.in_(values))
    return calls.c.call_id.in_(inner)


def scope_clause(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    parts = []
    if scope.teams:
        parts.append(_tagged("team", sorted(scope.teams)))
    if scope.agent:
        parts.append(_tagged("agent", [scope.agent]))
    return or_(*parts) if parts else false()


def number_clause(number: str) -> ColumnElement[bool]:
    wanted = digits(number).lstrip("0")
    if not wanted:
        raise HistoryError(f"The number {number!r} has no digits to search for.")
    key = caller_key(wanted)
    after = key[:-1] + chr(ord(key[-1]) + 1)
    return and_(calls.c.caller_key >= key, calls.c.caller_key < after)


def filter_clauses(query: CallSearch) -> list[ColumnElement[bool]]:
    c = calls.c
    where: list[ColumnElement[bool]] = []
    for bound in (query.since, query.until):
        if bound is not None and not math.isfinite(bound):
            raise HistoryError("A time bound must be a finite number of seconds.")
    if query.since is not None:
        where.append(c.started_at >= query.since)
    if query.until is not None:
        where.append(c.started_at < query.until)
    if query.number.strip():
        where.append(number_clause(query.number))
    if query.contact.strip():
        where.append(c.name_key.contains(query.contact.strip().casefold(), autoescape=True))
    for kind, value in (("agent", query.agent), ("queue", query.queue), ("team", query.team)):
        if value:
            where.append(_tagged(kind, [value]))
    if query.disposition:
        where.append(c.disposition == query.disposition)
    if query.outcome:
        where.append(c.outcome == query.outcome)
    if query.long is not None:
        where.append(c.long == 1 if query.long else or_(c.long.is_(None), c.long == 0))
    if query.has_recording is not None:
        where.append(c.recording_count > 0 if query.has_recording else c.recording_count == 0)
    return where


def encode_cursor(entry: CallEntry) -> str:
    raw = json.dumps([entry.started_at, entry.call_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started_at, call_id = json.loads(raw)
        if (
            isinstance(started_at, int | float)
            and isinstance(call_id, str)
            and math.isfinite(started_at)
        ):
            return float(started_at), call_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        pass
    raise HistoryError("The cursor is not one this server gave out; start from the first page.")


def _after(cursor: str) -> ColumnElement[bool]:
    started_at, call_id = decode_cursor(cursor)
    c = calls.c
    return or_(c.started_at < started_at, and_(c.started_at == started_at, c.call_id < call_id))


def search_query(query: CallSearch, scope: Scope, limit: int, cursor: str | None) -> Select:  # type: ignore[type-arg]
    if not 1 <= limit <= MAX_LIMIT:
        raise HistoryError(f"The limit must be between 1 and {MAX_LIMIT}.")
    where = [scope_clause(scope), *filter_clauses(query)]
    if cursor:
        where.append(_after(cursor))
    c = calls.c
    return (
        select(calls).where(*where).order_by(c.started_at.desc(), c.call_id.desc()).limit(limit + 1)
    )


def search(
    engine: Engine, query: CallSearch, scope: Scope, limit: int = 50, cursor: str | None = None
) -> Page:
    """One page of the calls `scope` may see that match `query`, newest first."""
    statement = search_query(query, scope, limit, cursor)
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    entries = [row_entry(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(entries, encode_cursor(entries[-1]) if more and entries else None)
