"""Checks on what callers of the follow-up store pass in, each refusing with a clear sentence.

They run before any write, so refused input changes nothing.
"""

from __future__ import annotations

import math

from frontdesk.followup.errors import FollowupError
from frontdesk.followup.model import MissReason


def text(value: object, what: str, longest: int) -> str:
    """A non-empty string of at most `longest` characters, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise FollowupError(f"the {what} is empty: it must be given")
    value = value.strip()
    if len(value) > longest:
        raise FollowupError(f"the {what} is {len(value)} characters long (at most {longest})")
    return value


def optional_text(value: object, what: str, longest: int) -> str | None:
    return None if value is None else text(value, what, longest)


def instant(value: object, what: str) -> float:
    """A finite number of seconds since the Unix epoch."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FollowupError(f"the {what} ({value!r}) is not a time in seconds since the epoch")
    return float(value)


def duration(value: object, what: str) -> float:
    seconds = instant(value, what)
    if seconds < 0:
        raise FollowupError(f"the {what} is negative ({seconds} s)")
    return seconds


def reason(value: str) -> MissReason:
    try:
        return MissReason(value)
    except ValueError:
        known = ", ".join(r.value for r in MissReason)
        raise FollowupError(
            f"'{value}' is not a reason a call goes unanswered (expected one of {known})"
        ) from None


def window(value: tuple[float, float], now: float) -> tuple[float, float]:
    """A booked callback window: starts before it ends, and is not over already."""
    start, end = instant(value[0], "window start"), instant(value[1], "window end")
    if end <= start:
        raise FollowupError("the callback window ends before it starts")
    if end <= now:
        raise FollowupError("the callback window is already over")
    return start, end
