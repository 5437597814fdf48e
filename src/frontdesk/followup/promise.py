"""The callback promise: by when a team calls back, and how that is said to the caller.

The rule (docs/followup.md): a team promises to call back within `respond_within_h` of its
*opening* hours. Time the team is closed (nights, weekends, holidays) does not count; a team
without hours is always open. The due time is rounded up to a whole quarter hour, because a
promise says "by 11:30", not "by 11:27" -- but never past the closing time of the stretch it
falls in, so a team closing at 17:50 promises "by 5:50 pm" rather than a time it is shut.

Openness is decided exactly as `Schedule.is_open` decides it (the local clock's minute in the
schedule's zone), by walking from one instant where it may change to the next: a range
boundary, a local midnight or a change of UTC offset. zoneinfo says what the local time is, so
daylight-saving days are 23 or 25 real hours long and the hours counted are real hours.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from frontdesk.config.company import Team
from frontdesk.flows.hours import Schedule, check_timezone
from frontdesk.followup.errors import FollowupError

QUARTER_S = 900
DAY_S = 86_400
# A schedule that is not open for the whole promise within this many days cannot make one.
SEARCH_DAYS = 400


def promise_due(now_wall: float, team: Team, default_tz: str) -> float:
    """The wall time by which `team` calls back a caller it missed at `now_wall`.

    `default_tz` is the company's zone, used for teams without opening hours.
    """
    if not math.isfinite(now_wall):
        raise FollowupError(f"the time of the call ({now_wall}) is not a number of seconds")
    hours = team.respond_within_h
    if not math.isfinite(hours) or hours < 0:
        raise FollowupError(f"team {team.name} must respond within zero or more hours, not {hours}")
    # Hours like 1.1 are not exact in binary: 1.1 * 3600 is 3960.0000000000005, which would
    # miss a stretch of exactly 66 minutes and push the promise to the next opening.
    need = round(hours * 3600.0, 3)
    if team.hours is None:
        return round_up_quarter(now_wall + need, zone_of(default_tz), closes=None)
    zone = zone_of(team.hours.timezone)
    due, closes = _spend_open_time(team.hours, zone, now_wall, need, team.name)
    return round_up_quarter(due, zone, closes)


def zone_of(name: str) -> ZoneInfo:
    problem = check_timezone(name)
    if problem is not None:
        raise FollowupError(problem)
    return ZoneInfo(name)


def _offset_s(zone: ZoneInfo, wall: float) -> float:
    offset = dt.datetime.fromtimestamp(wall, zone).utcoffset()
    return 0.0 if offset is None else offset.total_seconds()


def round_up_quarter(wall: float, zone: ZoneInfo, closes: float | None) -> float:
    """`wall` rounded up to the next quarter hour of the local clock, but not past `closes`."""
    offset = _offset_s(zone, wall)
    local = wall + offset
    rounded = math.floor(local / QUARTER_S) * QUARTER_S
    if local - rounded > 1e-6:  # float noise on an exact quarter must not add fifteen minutes
        rounded += QUARTER_S
    result = rounded - offset
    return result if closes is None else max(wall, min(result, closes))


def _spend_open_time(
    schedule: Schedule, zone: ZoneInfo, start: float, need: float, team: str
) -> tuple[float, float]:
    """Walks open stretches from `start` until `need` seconds of them are used up.

    Returns the instant that happens and the instant the team closes after it.
    """
    t = start
    limit = start + SEARCH_DAYS * DAY_S
    while t < limit:
        following = _next_change(schedule, zone, t)
        if schedule.is_open(t):
            if following - t >= need:
                due = t + need
                return due, _open_until(schedule, zone, following, due + QUARTER_S)
            need -= following - t
        t = following
    raise FollowupError(
        f"team {team} is not open long enough within {SEARCH_DAYS} days to keep a promise of "
        "calling back (check its opening hours and holidays)"
    )


def _open_until(schedule: Schedule, zone: ZoneInfo, t: float, horizon: float) -> float:
    """Where the open stretch that reaches `t` ends (looking no further than `horizon`)."""
    while t < horizon and schedule.is_open(t):
        t = _next_change(schedule, zone, t)
    return t


def _next_change(schedule: Schedule, zone: ZoneInfo, t: float) -> float:
    """The next instant after `t` at which the schedule's answer to is_open may change."""
    moment = dt.datetime.fromtimestamp(t, zone)
    second_of_day = (
        moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    )
    edges = [minute * 60 for span in schedule.weekly[moment.weekday()] for minute in span]
    ahead = min(edge for edge in [*edges, DAY_S] if edge > second_of_day)
    # Offsets are whole seconds, so every boundary falls on a whole second of Unix time;
    # rounding keeps float noise from creating slivers of a microsecond.
    candidate = float(round(t + ahead - second_of_day))
    return _first_offset_change(zone, t, candidate)


def _first_offset_change(zone: ZoneInfo, start: float, end: float) -> float:
    """The first instant in (start, end] with another UTC offset than `start`, else `end`.

    Assumes at most one change within a day, which holds for every zone in the tz database
    since clocks have been changed by law rather than by longitude.
    """
    offset = _offset_s(zone, start)
    if _offset_s(zone, end) == offset:
        return end
    low, high = math.floor(start), math.ceil(end)  # changes happen on whole seconds
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_s(zone, middle) == offset:
            low = middle
        else:
            high = middle
    return float(high)


# -- wording ------------------------------------------------------------------------------------

_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_FR_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_FR_MONTHS = (
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
)


def _english(due: dt.datetime, days: int) -> str:
    hour = due.hour % 12 or 12
    half = "am" if due.hour < 12 else "pm"
    clock = f"{hour} {half}" if due.minute == 0 else f"{hour}:{due.minute:02d} {half}"
    if days == 0:
        when = "today"
    elif days == 1:
        when = "tomorrow"
    elif 2 <= days <= 6:
        when = f"on {_EN_WEEKDAYS[due.weekday()]}"
    else:
        when = f"on {due.day} {_EN_MONTHS[due.month - 1]}"
    return f"by {clock} {when}"


def _french(due: dt.datetime, days: int) -> str:
    clock = f"{due.hour} h" if due.minute == 0 else f"{due.hour} h {due.minute:02d}"
    if days == 0:
        when = "aujourd'hui"
    elif days == 1:
        when = "demain"
    elif 2 <= days <= 6:
        when = _FR_WEEKDAYS[due.weekday()]
    else:
        day = "1er" if due.day == 1 else str(due.day)
        when = f"le {day} {_FR_MONTHS[due.month - 1]}"
    return f"avant {clock} {when}"


_WORDINGS = {"en": _english, "fr": _french}


def promise_text(due_wall: float, now_wall: float, timezone: str, language: str) -> str:
    """ "by 11:30 am tomorrow" / "avant 11 h 30 demain": the promise as said at `now_wall`.

    Today, tomorrow, a weekday within the coming week, else the date. `language` is a code
    such as "fr" or "fr-CA"; languages without a wording are spoken to in English.
    """
    zone = zone_of(timezone)
    due = dt.datetime.fromtimestamp(due_wall, zone)
    days = (due.date() - dt.datetime.fromtimestamp(now_wall, zone).date()).days
    base = language.replace("_", "-").split("-", 1)[0].lower()
    return _WORDINGS.get(base, _english)(due, days)
