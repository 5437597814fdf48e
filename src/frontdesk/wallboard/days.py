"""The wallboard's "today": one local calendar day of the company's time zone, as epoch bounds.

The day of a call is the local date of its `offered_at`, exactly as analytics labels days
(`slices.interval_label(t, "day", tz)`), so today's live figures and the day's row of a batch
report are over the same calls. Days are 23 or 25 hours long across clock changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from frontdesk.analytics.slices import interval_label, local_day_start


@dataclass(frozen=True, slots=True)
class LocalDay:
    label: str  # ISO date, e.g. 2024-03-31
    start: float  # epoch seconds of local midnight
    end: float  # epoch seconds of the next local midnight

    def holds(self, t: float) -> bool:
        return self.start <= t < self.end

    def as_json(self) -> dict[str, object]:
        return {"date": self.label, "start": self.start, "end": self.end}


def day_of(t: float, tz: ZoneInfo) -> LocalDay:
    """The local day holding the moment `t` (epoch seconds)."""
    label = interval_label(t, "day", tz)
    following = (date.fromisoformat(label) + timedelta(days=1)).isoformat()
    return LocalDay(label, local_day_start(label, tz), local_day_start(following, tz))
