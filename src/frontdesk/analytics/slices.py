"""Slicing call records: by queue, agent, team, number dialled, interval and customer data.

A slice key is a tuple of strings, one per dimension asked for. Intervals are local to a
time zone (`zoneinfo` name, default UTC) and written as ISO text: `1999-08-01T09:15` for
15-minute and hourly intervals, `1999-08-01` for days. Every UTC offset in use is a multiple
of 15 minutes, so a 15-minute interval in UTC lies in exactly one local interval; the SQL
reports group by UTC quarter-hours and map them here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import MetricSettings, Tally
from frontdesk.analytics.records import CallRecord

QUARTER_S = 900
TIME_DIMENSIONS = ("15min", "hour", "day")
RECORD_DIMENSIONS = (
    *("queue", "final_queue", "agent", "team", "number", "outcome"),
    *("tier", "country", "language", "open_case", "customer"),
)
DIMENSIONS = (*RECORD_DIMENSIONS, *TIME_DIMENSIONS)

Key = tuple[str, ...]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _customer(value: bool | None) -> str:
    return "" if value is None else ("known" if value else "new")


_RECORD_KEYS: dict[str, Callable[[CallRecord], str]] = {
    "queue": lambda r: r.queue,
    "final_queue": lambda r: r.final_queue,
    "agent": lambda r: r.agent,
    "team": lambda r: r.team,
    "number": lambda r: r.number,
    "outcome": lambda r: r.outcome.value,
    "tier": lambda r: r.tier,
    "country": lambda r: r.country,
    "language": lambda r: r.language,
    "open_case": lambda r: _yes_no(r.open_case),
    "customer": lambda r: _customer(r.known),
}


def record_value(record: CallRecord, dimension: str) -> str:
    """The slice value of a record in one record dimension (not an interval)."""
    return _RECORD_KEYS[dimension](record)


def check_dimensions(by: Sequence[str]) -> None:
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise AnalyticsError(
            f"cannot slice by {', '.join(unknown)}; dimensions are {', '.join(DIMENSIONS)}"
        )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise AnalyticsError(f"unknown time zone {name!r} (use a name like Europe/Paris)") from None


def interval_label(epoch_s: float, size: str, tz: ZoneInfo) -> str:
    """The local interval (15min, hour or day) that a moment falls in, as ISO text.

    The moment is first put at the start of its UTC quarter-hour, exactly as the SQL side
    groups it, so both agree even on a float a hair below a boundary.
    """
    local = datetime.fromtimestamp((epoch_s // QUARTER_S) * QUARTER_S, tz)
    if size == "day":
        return local.date().isoformat()
    if size == "hour":
        return local.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    return quarter.strftime("%Y-%m-%dT%H:%M")


def quarter_label(quarter: int, size: str, tz: ZoneInfo) -> str:
    """The local interval of the UTC quarter-hour number `quarter` (epoch seconds // 900)."""
    return interval_label(float(quarter * QUARTER_S), size, tz)


def record_key(record: CallRecord, by: Sequence[str], tz: ZoneInfo) -> Key:
    return tuple(
        interval_label(record.offered_at, d, tz)
        if d in TIME_DIMENSIONS
        else _RECORD_KEYS[d](record)
        for d in by
    )


def tally_by(
    records: Iterable[CallRecord],
    by: Sequence[str],
    settings: MetricSettings,
    tz: ZoneInfo | None = None,
) -> dict[Key, Tally]:
    """One tally per slice, keys in first-seen order (sort them for a report)."""
    check_dimensions(by)
    zone_info = tz or ZoneInfo("UTC")
    tallies: dict[Key, Tally] = {}
    for record in records:
        key = record_key(record, by, zone_info)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Tally(settings)
        tally.add(record)
    return tallies


def local_day_start(day: str, tz: ZoneInfo) -> float:
    """Epoch seconds of local midnight starting an ISO date (or date-time) given as text."""
    try:
        moment = datetime.fromisoformat(day)
    except ValueError:
        raise AnalyticsError(
            f"not a date or date-time: {day!r} (use 1999-08-01 or 1999-08-01T09:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()
