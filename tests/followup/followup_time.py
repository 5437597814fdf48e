"""Fixed moments the follow-up tests run at, in the demo company's zone (Europe/London)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from frontdesk.flows.hours import Schedule

LONDON = ZoneInfo("Europe/London")
HOUR = 3600.0
DAY = 86_400.0
# Friday 29 November 2024, 17:30 in London (GMT): half an hour before closing.
FRIDAY_1730 = datetime(2024, 11, 29, 17, 30, tzinfo=LONDON).timestamp()
# Wednesday 1 May 2024, 10:00 in London (BST, UTC+1): a working morning.
WEDNESDAY_1000 = datetime(2024, 5, 1, 10, 0, tzinfo=LONDON).timestamp()

WEEKDAYS_8_TO_18 = Schedule("Europe/London", (((480, 1080),),) * 5 + ((), ()))


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    """Wall time of a London local date and time: london(2024, 12, 2, 11, 30)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).timestamp()


def local(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, LONDON)
