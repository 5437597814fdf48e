"""Checks for values written to the CRM; each failure is a CrmError saying what is wrong."""

from __future__ import annotations

import enum
import math
import re
from datetime import UTC, datetime, tzinfo
from typing import TypeVar

from frontdesk.crm.errors import CrmError

E = TypeVar("E", bound=enum.Enum)

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Times before 2000 or after 2200 are typos (or milliseconds passed as seconds).
_EARLIEST, _LATEST = 946_684_800.0, 7_258_118_400.0


def text(value: object, what: str, max_len: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CrmError(f"the {what} is empty (expected some text)")
    cleaned = value.strip()
    if len(cleaned) > max_len:
        raise CrmError(f"the {what} is {len(cleaned)} characters long (at most {max_len})")
    return cleaned


def optional_text(value: object, what: str, max_len: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return text(value, what, max_len)


def language(value: object) -> str | None:
    code = optional_text(value, "language", 20)
    if code is None:
        return None
    if not _LANGUAGE.match(code):
        raise CrmError(f"language '{code}' is not a language tag (expected e.g. en, fr, pt-BR)")
    return code


def email(value: object) -> str | None:
    address = optional_text(value, "email address", 254)
    if address is not None and not _EMAIL.match(address):
        raise CrmError(f"'{address}' is not an email address (expected name@domain)")
    return address


def timestamp(value: object, what: str, zone: tzinfo = UTC) -> float:
    """Seconds since the epoch, from a number or an ISO 8601 text (in `zone` unless it says)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CrmError(
                f"the {what} '{value}' is not a time (expected ISO 8601, e.g. "
                "2024-05-01T09:30:00+01:00, or seconds since 1970)"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        seconds = parsed.timestamp()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise CrmError(f"the {what} is missing or not a time")
    if not math.isfinite(seconds) or not _EARLIEST <= seconds <= _LATEST:
        raise CrmError(f"the {what} {value!r} is not between the years 2000 and 2200")
    return seconds


def duration(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CrmError("the duration must be a number of seconds")
    if not math.isfinite(value) or value < 0:
        raise CrmError(f"the duration {value!r} must be zero or more seconds")
    return float(value)


def choice(kind: type[E], value: object, what: str) -> E:
    if isinstance(value, kind):
        return value
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise CrmError(f"{what} '{value}' is not known (expected one of: {allowed})") from None
