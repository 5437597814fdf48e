"""Forecast of a day's calls per interval from history: weekday profile times recent level.

For a target day D and a history cut C (the first day not used; C <= D), the history is cut
into whole weeks ending at C: week k = days [C - 7k, C - 7(k-1)), k = 1 (latest) ... N, left
out when it starts before the first day with data. Each week holds one day of D's weekday,
d_k. For each clock interval i of the day (15 minutes or an hour, local time):

    profile_i = mean over k of calls offered in interval i of d_k
    level     = W_1 / mean over k of W_k          (W_k = calls offered in week k)
    forecast_i = level * profile_i

The profile is the same-weekday mean the issue asks for (it carries the weekday's volume and
its shape through the day); the level scales it to the most recent week, so a history that
grows or shrinks week by week is followed without a lag of (N-1)/2 weeks. With one week,
level = 1 and the forecast is that week's same day. Handling time per interval is the mean of
the same intervals' handled calls (talk + hold + wrap-up), or the whole history's AHT where
they hold fewer than `MIN_HANDLED` calls.

`backtest` measures the error on held-out history: each day of the week before the cut is
forecast from the weeks before it and compared interval by interval (WAPE, MAPE), day by day,
and against two simpler forecasts (the same interval a week earlier; the profile without the
level). Pure: counts in, figures out; reading the calls table is forecast_history.py's job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.analytics.slices import QUARTER_S, interval_label
from frontdesk.planning.errors import PlanningError

INTERVALS = ("15min", "hour")
INTERVAL_S = {"15min": 900.0, "hour": 3600.0}
MIN_HANDLED = 5  # fewer handled calls in an interval's history: use the history's AHT
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class IntervalHistory:
    """What history holds for one local interval: calls offered, handled and their time."""

    offered: int = 0
    handled: int = 0
    handle_s: float = 0.0  # talk + hold + wrap-up of the handled calls


@dataclass(frozen=True, slots=True)
class History:
    """Calls per local interval, keyed by ISO label as `slices.interval_label` writes them
    (`1999-08-01T09:15`), in the time zone `tz`; `first_day` is the first day with data."""

    interval: str
    tz: ZoneInfo
    counts: Mapping[str, IntervalHistory]
    first_day: date
    _daily: dict[date, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.interval not in INTERVALS:
            raise PlanningError(f"the interval must be 15min or hour, not {self.interval!r}")
        daily: dict[date, int] = {}
        for label, c in self.counts.items():
            day = date.fromisoformat(label[:10])
            daily[day] = daily.get(day, 0) + c.offered
        object.__setattr__(self, "_daily", daily)

    def at(self, day: date, clock: str) -> IntervalHistory:
        return self.counts.get(f"{day.isoformat()}T{clock}", _NOTHING)

    def day_total(self, day: date) -> int:
        return self._daily.get(day, 0)


_NOTHING = IntervalHistory()


@dataclass(frozen=True, slots=True)
class DayInterval:
    """One local interval of a day: its label and its time from the day's local midnight."""

    label: str
    start_s: float
    end_s: float

    @property
    def clock(self) -> str:
        return self.label[11:16]

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / 3600.0


def day_intervals(day: date, interval: str, tz: ZoneInfo) -> list[DayInterval]:
    """The local intervals of a day in order (23 or 25 hours on a clock-change day)."""
    start = datetime.combine(day, time(), tz).timestamp()
    end = datetime.combine(day + timedelta(days=1), time(), tz).timestamp()
    longest = INTERVAL_S[interval]
    found: list[DayInterval] = []
    for quarter in range(int((end - start) // QUARTER_S)):
        at = start + quarter * QUARTER_S
        label = interval_label(at, interval, tz)
        offset = at - start
        last = found[-1] if found else None
        # the hour repeated when clocks go back is two intervals with the same label
        if last and last.label == label and offset - last.start_s < longest:
            found[-1] = DayInterval(label, last.start_s, offset + QUARTER_S)
        else:
            found.append(DayInterval(label, offset, offset + QUARTER_S))
    return found


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    interval: DayInterval
    calls: float  # expected calls offered: level * profile
    profile: float  # mean of the same weekday's interval over the weeks used
    aht_s: float
    aht_own: bool  # False: the interval's history had too few handled calls; history's AHT

    @property
    def calls_per_hour(self) -> float:
        return self.calls / self.interval.hours


@dataclass(frozen=True, slots=True)
class ArrivalForecast:
    day: date
    interval: str
    cut: date  # history used: whole weeks before this day
    same_days: tuple[date, ...]  # the target's weekday in each week used, latest first
    weekly_calls: tuple[int, ...]  # W_1 (latest) ... W_N
    level: float
    aht_s: float  # the history's AHT (every handled call of the weeks used)
    intervals: tuple[IntervalForecast, ...]
    tz: ZoneInfo

    @property
    def weeks(self) -> int:
        return len(self.same_days)

    @property
    def total(self) -> float:
        return math.fsum(i.calls for i in self.intervals)


def whole_weeks(history: History, cut: date, weeks: int) -> list[date]:
    """First days of the whole weeks before `cut` (latest first) that history covers."""
    if weeks < 1:
        raise PlanningError(f"the forecast needs at least 1 week of history, not {weeks}")
    starts = [cut - WEEK * k for k in range(1, weeks + 1)]
    return [s for s in starts if s >= history.first_day]


def forecast_day(history: History, day: date, cut: date, weeks: int) -> ArrivalForecast:
    """Calls per interval of `day` from the whole weeks of history before `cut`."""
    if cut > day:
        raise PlanningError(f"the history used must end by the forecast day ({day}), not {cut}")
    starts = whole_weeks(history, cut, weeks)
    if not starts:
        raise PlanningError(
            f"no whole week of history before {cut} (the history starts on {history.first_day})"
        )
    same = tuple(s + timedelta(days=(day - s).days % 7) for s in starts)
    weekly = tuple(sum(history.day_total(s + timedelta(days=j)) for j in range(7)) for s in starts)
    mean_week = math.fsum(weekly) / len(weekly)
    level = weekly[0] / mean_week if mean_week > 0 else 1.0
    aht = _history_aht(history, starts)
    found = []
    for slot in day_intervals(day, history.interval, history.tz):
        seen = [history.at(d, slot.clock) for d in same]
        profile = math.fsum(c.offered for c in seen) / len(seen)
        handled = sum(c.handled for c in seen)
        own = handled >= MIN_HANDLED
        interval_aht = math.fsum(c.handle_s for c in seen) / handled if own else aht
        found.append(IntervalForecast(slot, level * profile, profile, interval_aht, own))
    return ArrivalForecast(
        day, history.interval, cut, same, weekly, level, aht, tuple(found), history.tz
    )


def _history_aht(history: History, starts: Sequence[date]) -> float:
    first, end = min(starts), max(starts) + WEEK
    handled = 0
    seconds = 0.0
    for label, c in history.counts.items():
        if first <= date.fromisoformat(label[:10]) < end:
            handled += c.handled
            seconds += c.handle_s
    if handled == 0:
        raise PlanningError(
            f"no handled call between {first} and {end} to learn the handling time from"
        )
    return seconds / handled


# -- error on held-out history -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backtest:
    """The week before `held_from + 7 days`, forecast from the whole weeks before `held_from`."""

    held_from: date
    weeks: int
    forecast: tuple[float, ...]  # per interval of the seven days, in order
    actual: tuple[int, ...]
    same_interval_last_week: tuple[int, ...]  # the seasonal naive forecast
    profile_only: tuple[float, ...]  # the weekday profile without the level
    daily_forecast: tuple[float, ...]
    daily_actual: tuple[int, ...]

    @property
    def wape(self) -> float:
        return wape(self.forecast, self.actual)

    @property
    def mape(self) -> float | None:
        return mape(self.forecast, self.actual)

    @property
    def daily_wape(self) -> float:
        return wape(self.daily_forecast, self.daily_actual)

    @property
    def naive_wape(self) -> float:
        return wape(self.same_interval_last_week, self.actual)

    @property
    def profile_wape(self) -> float:
        return wape(self.profile_only, self.actual)


def backtest(history: History, held_from: date, weeks: int) -> Backtest:
    """Forecasts each day of [held_from, held_from + 7) from the weeks before `held_from`."""
    forecast: list[float] = []
    profile: list[float] = []
    actual: list[int] = []
    naive: list[int] = []
    daily_forecast: list[float] = []
    daily_actual: list[int] = []
    used = 0
    for j in range(7):
        day = held_from + timedelta(days=j)
        found = forecast_day(history, day, held_from, weeks)
        used = found.weeks
        for f in found.intervals:
            forecast.append(f.calls)
            profile.append(f.profile)
            actual.append(history.at(day, f.interval.clock).offered)
            naive.append(history.at(day - WEEK, f.interval.clock).offered)
        daily_forecast.append(found.total)
        daily_actual.append(history.day_total(day))
    return Backtest(
        held_from,
        used,
        tuple(forecast),
        tuple(actual),
        tuple(naive),
        tuple(profile),
        tuple(daily_forecast),
        tuple(daily_actual),
    )


def wape(forecast: Sequence[float], actual: Sequence[float]) -> float:
    """Weighted absolute percentage error: sum |forecast - actual| / sum actual."""
    total = math.fsum(actual)
    if total <= 0:
        raise PlanningError("no calls in the held-out history to measure the error against")
    return math.fsum(abs(f - a) for f, a in zip(forecast, actual, strict=True)) / total


def mape(forecast: Sequence[float], actual: Sequence[float]) -> float | None:
    """Mean absolute percentage error over the intervals that had calls (None if none did)."""
    errors = [abs(f - a) / a for f, a in zip(forecast, actual, strict=True) if a > 0]
    return math.fsum(errors) / len(errors) if errors else None
