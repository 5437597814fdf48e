"""Shared by the history, recordings and reports routes: who may see which calls, and times.

The scope of a search is read from `accounts.policy.RULES` (not restated here), so the SQL
filter and the per-call check can never disagree with the policy: admins reach every call,
supervisors the calls of their teams and the calls they talked on themselves, agents the
calls they talked on. A call's teams are the teams of every queue it went through; its agents
are everyone who talked with the caller.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from frontdesk.accounts import policy
from frontdesk.accounts.model import Principal
from frontdesk.accounts.policy import Action, Reach
from frontdesk.api.context import AppContext
from frontdesk.api.errors import ApiError, forbidden, not_found
from frontdesk.history import CallEntry, CallIndex, Scope


def call_index(context: AppContext) -> CallIndex:
    index: CallIndex | None = context.extras.get("call_index")
    if index is None:
        raise ApiError(503, "not_available", "This server runs without the call history.")
    return index


def scope_of(who: Principal, action: Action = Action.VIEW_CALL) -> Scope:
    reach = policy.RULES[action][who.role]
    teams = who.teams if reach in (Reach.TEAMS, Reach.TEAMS_OR_OWN) else frozenset()
    agent = who.agent_id if reach in (Reach.OWN, Reach.TEAMS_OR_OWN) else None
    return Scope(everything=reach is Reach.ALL, teams=teams, agent=agent)


def may_see(who: Principal, entry: CallEntry, action: Action = Action.VIEW_CALL) -> bool:
    return policy.allowed(who, action, entry.teams, entry.agents)


def visible_entry(context: AppContext, who: Principal, call_id: str,
                  action: Action = Action.VIEW_CALL) -> CallEntry:  # fmt: skip
    """The indexed call, or 404 (not indexed: unknown, or not finished yet) / 403."""
    entry = call_index(context).get(call_id)
    if entry is None:
        raise not_found("call", call_id)
    if not may_see(who, entry, action):
        what = "recording" if action is Action.VIEW_RECORDING else "call"
        raise forbidden(f"This {what} is not yours to see.")
    return entry


def recording_url(call_id: str, n: int) -> str:
    return f"/api/recordings/{quote(call_id, safe='')}/{n}.wav"


def entry_json(entry: CallEntry) -> dict[str, Any]:
    found = entry.as_json()
    for item in found["recordings"]:
        item["url"] = recording_url(entry.call_id, item["n"])
    return found


def moment(text: str | None, tz: ZoneInfo, name: str, whole_day_end: bool = False) -> float | None:
    """Epoch seconds from a number of seconds, an ISO date-time (local to `tz` unless it says
    its offset) or an ISO date (its local midnight; the next one when `whole_day_end`)."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise ApiError(422, "bad_time", f"{name} must be a finite number of seconds.")
        return seconds
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if whole_day_end else 0)
            return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
        when = datetime.fromisoformat(text)
        return (when if when.tzinfo else when.replace(tzinfo=tz)).timestamp()
    except (ValueError, OverflowError):
        raise ApiError(
            422, "bad_time",
            f"{name} must be a date (2024-05-01), a date-time (2024-05-01T09:30) or seconds.",
        ) from None  # fmt: skip
