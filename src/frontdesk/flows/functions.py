"""Helper functions callable from flow expressions and templates, with their arities.

They read caller and CRM data that may be missing or oddly shaped, so none of them raises:
missing or unusable input gives `None` (falsy), which a flow can test or template fallbacks
can cover. Time-dependent helpers read the wall time handed in through `Now`, never the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontdesk.flows import phrases

CLOSED_STATUSES = frozenset({"closed", "resolved", "done", "cancelled"})


@dataclass(frozen=True, slots=True)
class Now:
    """The caller's moment: local wall time in the flow's timezone and the language spoken."""

    local: dt.datetime
    language: str


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def as_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and 0 <= value <= 23:
        return dt.time(value)
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _days_since(now: Now, value: Any) -> int | None:
    day = as_date(value)
    return None if day is None else (now.local.date() - day).days


def _latest_open(now: Now, cases: Any, days: Any) -> Mapping[str, Any] | None:
    """The newest case not closed and opened at most `days` days ago."""
    if not isinstance(cases, Sequence) or isinstance(cases, str) or not isinstance(days, int):
        return None
    best: tuple[dt.date, Mapping[str, Any]] | None = None
    for case in cases:
        if not isinstance(case, Mapping):
            continue
        if str(case.get("status", "open")).lower() in CLOSED_STATUSES:
            continue
        opened = as_date(case.get("opened"))
        if opened is None or (now.local.date() - opened).days > days:
            continue
        if best is None or opened > best[0]:
            best = (opened, case)
    return None if best is None else best[1]


def _find(_now: Now, items: Any, field: Any, value: Any) -> Any:
    if not isinstance(items, Sequence) or isinstance(items, str):
        return None
    for item in items:
        if isinstance(item, Mapping) and item.get(field) == value:
            return item
    return None


def _length(_now: Now, value: Any) -> int | None:
    if isinstance(value, str | Sequence | Mapping):
        return len(value)
    return None


def _luhn(_now: Now, value: Any) -> bool:
    """The Luhn (mod 10) check digit test used on account and card numbers (ISO/IEC 7812-1)."""
    text = str(value) if isinstance(value, str | int) else ""
    if not text.isdigit() or len(text) < 2:
        return False
    total = 0
    for index, char in enumerate(reversed(text)):
        digit = int(char)
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _today(now: Now) -> str:
    return now.local.date().isoformat()


def _hour(now: Now) -> int:
    return now.local.hour


def _greeting(now: Now) -> str:
    return phrases.greeting(now.language, now.local.hour)


def _time_text(now: Now, value: Any) -> str | None:
    moment = as_time(value)
    return None if moment is None else phrases.time_text(now.language, moment)


def _date_text(now: Now, value: Any) -> str | None:
    day = as_date(value)
    return None if day is None else phrases.date_text(now.language, day, now.local.date())


def _digits_text(_now: Now, value: Any) -> str | None:
    text = str(value) if isinstance(value, str | int) else ""
    return " ".join(text) if text else None


def _starts_with(_now: Now, value: Any, prefix: Any) -> bool:
    return isinstance(value, str) and isinstance(prefix, str) and value.startswith(prefix)


Function = Callable[..., Any]

# name -> (implementation, number of arguments)
FUNCTIONS: dict[str, tuple[Function, int]] = {
    "days_since": (_days_since, 1),
    "latest_open": (_latest_open, 2),
    "find": (_find, 3),
    "len": (_length, 1),
    "luhn": (_luhn, 1),
    "today": (_today, 0),
    "hour": (_hour, 0),
    "greeting": (_greeting, 0),
    "time_text": (_time_text, 1),
    "date_text": (_date_text, 1),
    "digits_text": (_digits_text, 1),
    "starts_with": (_starts_with, 2),
}

ARITY: dict[str, int] = {name: arity for name, (_, arity) in FUNCTIONS.items()}
