"""Opening hours: a weekly schedule in a timezone, with holidays, asked "open at this instant?".

The instant is a Unix wall time from the injected clock; it is converted to the schedule's
local time with `zoneinfo`, so daylight-saving changes are the tz database's business.
Ranges are half-open: "09:00-17:30" is open at 09:00 and closed at 17:30. "24:00" may end a
range to mean the end of the day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
END_OF_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Schedule:
    timezone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # per weekday, (start, end) in minutes
    holidays: frozenset[dt.date] = frozenset()

    def local(self, wall: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(wall, ZoneInfo(self.timezone))

    def is_open(self, wall: float) -> bool:
        moment = self.local(wall)
        if moment.date() in self.holidays:
            return False
        minute = moment.hour * 60 + moment.minute
        return any(start <= minute < end for start, end in self.weekly[moment.weekday()])


def check_timezone(name: str) -> str | None:
    """None when the zone exists, else a sentence saying what is wrong."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone '{name}' (expected an IANA name such as Europe/London)"
    return None


def parse_ranges(text: str) -> tuple[tuple[tuple[int, int], ...], str | None]:
    """Reads "08:00-12:00, 13:00-17:00" or "closed"; gives ranges and a problem sentence."""
    if text.strip().lower() == "closed":
        return (), None
    ranges: list[tuple[int, int]] = []
    for piece in text.split(","):
        match = _RANGE.match(piece.strip())
        if match is None:
            return (), f"'{piece.strip()}' is not a time range (expected like 09:00-17:30)"
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > END_OF_DAY:
            return (), f"'{piece.strip()}' has an impossible time (expected 00:00 to 24:00)"
        if end <= start:
            return (), f"'{piece.strip()}' ends before it starts"
        ranges.append((start, end))
    ranges.sort()
    for (_, end), (start, _) in itertools.pairwise(ranges):
        if start < end:
            return (), f"the ranges in '{text}' overlap"
    return tuple(ranges), None
