"""The callback promise: opening hours counted, quarter-hour rounding, DST, and the wording.

Daylight-saving dates are those of the tz database for 2024: Europe/London went from GMT to
BST at 01:00 UTC on 31 March and back at 01:00 UTC on 27 October.
"""

from __future__ import annotations

import datetime as dt

import pytest
from followup_time import DAY, FRIDAY_1730, HOUR, WEEKDAYS_8_TO_18, local, london
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.config.company import Team
from frontdesk.flows.hours import Schedule
from frontdesk.followup import FollowupError, promise_due, promise_text

TZ = "Europe/London"


def team(hours: Schedule | None = WEEKDAYS_8_TO_18, within_h: float = 4.0) -> Team:
    return Team("parcels", hours=hours, respond_within_h=within_h)


def sundays_only(ranges: tuple[tuple[int, int], ...]) -> Schedule:
    return Schedule(TZ, ((),) * 6 + (ranges,))


# -- worked examples (docs/followup.md) -----------------------------------------------------------


def test_friday_evening_voicemail_is_due_monday_late_morning() -> None:
    due = promise_due(FRIDAY_1730, team(), TZ)
    # 30 minutes on Friday, the weekend does not count, 3.5 hours from Monday 08:00.
    assert due == london(2024, 12, 2, 11, 30)
    assert promise_text(due, FRIDAY_1730, TZ, "en") == "by 11:30 am on Monday"
    assert promise_text(due, FRIDAY_1730, TZ, "fr") == "avant 11 h 30 lundi"


def test_a_holiday_does_not_count() -> None:
    hours = Schedule(TZ, WEEKDAYS_8_TO_18.weekly, frozenset({dt.date(2024, 12, 2)}))
    assert promise_due(FRIDAY_1730, team(hours), TZ) == london(2024, 12, 3, 11, 30)


def test_within_the_day_and_across_the_night() -> None:
    assert promise_due(london(2024, 5, 1, 10, 0), team(), TZ) == london(2024, 5, 1, 14, 0)
    # Two hours left on Wednesday, two more from Thursday 08:00.
    assert promise_due(london(2024, 5, 1, 16, 0), team(), TZ) == london(2024, 5, 2, 10, 0)


def test_due_is_rounded_up_to_a_quarter_hour() -> None:
    assert promise_due(london(2024, 5, 1, 10, 3), team(), TZ) == london(2024, 5, 1, 14, 15)
    exact = london(2024, 5, 1, 10, 15)
    assert promise_due(exact, team(), TZ) == london(2024, 5, 1, 14, 15)


def test_hours_not_exact_in_binary_still_fit_a_stretch_of_that_length() -> None:
    # 1.1 h is 3960.0000000000005 s in floating point; the 66 minutes left before closing
    # at 03:06 must be enough, not push the promise to the next opening six days later.
    hours = sundays_only(((0, 186),))
    start = london(2024, 3, 31, 2, 0)  # the first minute of summer time
    assert promise_due(start, team(hours, 1.1), TZ) == start + 66 * 60


def test_rounding_stops_at_a_closing_time_off_the_quarter() -> None:
    hours = Schedule(TZ, (((480, 17 * 60 + 50),),) * 7)
    due = promise_due(london(2024, 5, 1, 13, 47), team(hours), TZ)
    assert due == london(2024, 5, 1, 17, 50)  # 17:47 would round to 18:00, after closing
    assert promise_text(due, london(2024, 5, 1, 13, 47), TZ, "en") == "by 5:50 pm today"


def test_no_hours_means_always_open_and_rounds_in_the_company_zone() -> None:
    now = dt.datetime(2024, 5, 1, 10, 5, tzinfo=dt.UTC).timestamp()
    due = promise_due(now, team(None, 1.0), "Asia/Kathmandu")  # UTC+5:45
    moment = dt.datetime.fromtimestamp(due, dt.UTC).astimezone(
        dt.timezone(dt.timedelta(hours=5, minutes=45))
    )
    assert (moment.hour, moment.minute) == (17, 0)  # 16:50 local, rounded up


def test_zero_hours_while_closed_is_the_next_opening() -> None:
    saturday = london(2024, 11, 30, 12, 0)
    assert promise_due(saturday, team(within_h=0.0), TZ) == london(2024, 12, 2, 8, 0)


def test_refusals() -> None:
    with pytest.raises(FollowupError, match="zero or more hours"):
        promise_due(FRIDAY_1730, team(within_h=-1.0), TZ)
    with pytest.raises(FollowupError, match="not open long enough"):
        promise_due(FRIDAY_1730, team(Schedule(TZ, ((),) * 7)), TZ)
    with pytest.raises(FollowupError, match="unknown timezone"):
        promise_due(FRIDAY_1730, team(None), "Mars/Olympus")


def test_spring_forward_day_has_one_hour_less() -> None:
    # Sunday 31 March 2024, open 00:00-03:00 local: 01:00-02:00 never happens, so 2 real hours.
    hours = sundays_only(((0, 180),))
    start = london(2024, 3, 31, 0, 0)
    assert promise_due(start, team(hours, 2.0), TZ) == start + 2 * HOUR == london(2024, 3, 31, 3)
    # Half an hour more spills to the next Sunday.
    assert promise_due(start, team(hours, 2.5), TZ) == london(2024, 4, 7, 0, 30)


def test_fall_back_day_has_one_hour_more() -> None:
    # Sunday 27 October 2024, open 00:00-03:00 local: 01:00-02:00 happens twice, 4 real hours.
    hours = sundays_only(((0, 180),))
    start = london(2024, 10, 27, 0, 0)
    due = promise_due(start, team(hours, 2.25), TZ)
    assert due == start + 2.25 * HOUR
    assert (local(due).hour, local(due).minute, local(due).fold) == (1, 15, 1)  # second 01:15
    assert promise_due(start, team(hours, 4.0), TZ) == london(2024, 10, 27, 3, 0)


def test_team_without_hours_counts_real_hours_across_dst() -> None:
    start = london(2024, 3, 30, 23, 0)
    assert promise_due(start, team(None, 4.0), TZ) == start + 4 * HOUR


# -- wording --------------------------------------------------------------------------------------

WEDNESDAY_9 = london(2024, 11, 27, 9, 0)


@pytest.mark.parametrize(
    ("due", "english", "french"),
    [
        (london(2024, 11, 27, 11, 30), "by 11:30 am today", "avant 11 h 30 aujourd'hui"),
        (london(2024, 11, 28, 11, 30), "by 11:30 am tomorrow", "avant 11 h 30 demain"),
        (london(2024, 12, 2, 11, 30), "by 11:30 am on Monday", "avant 11 h 30 lundi"),
        (london(2024, 12, 3, 14, 0), "by 2 pm on Tuesday", "avant 14 h mardi"),
        (london(2024, 12, 4, 9, 15), "by 9:15 am on 4 December", "avant 9 h 15 le 4 décembre"),
        (london(2024, 12, 1, 12, 0), "by 12 pm on Sunday", "avant 12 h dimanche"),
        (london(2025, 1, 1, 0, 0), "by 12 am on 1 January", "avant 0 h le 1er janvier"),
    ],
)
def test_promise_wording(due: float, english: str, french: str) -> None:
    assert promise_text(due, WEDNESDAY_9, TZ, "en") == english
    assert promise_text(due, WEDNESDAY_9, TZ, "fr") == french


def test_wording_language_codes() -> None:
    due = london(2024, 11, 28, 11, 30)
    assert promise_text(due, WEDNESDAY_9, TZ, "fr-CA") == "avant 11 h 30 demain"
    assert promise_text(due, WEDNESDAY_9, TZ, "de") == "by 11:30 am tomorrow"


def test_wording_uses_the_given_zone_for_today_and_tomorrow() -> None:
    due = london(2024, 11, 27, 23, 30)  # 00:30 on Thursday in Paris
    assert promise_text(due, WEDNESDAY_9, "Europe/Paris", "en") == "by 12:30 am tomorrow"


# -- invariants -----------------------------------------------------------------------------------

ZONES = ("Europe/London", "Europe/Paris", "America/New_York", "Australia/Sydney", "UTC")
# Local-time clock changes of 2024 in those zones, and ordinary days.
AROUND = [
    london(2024, 3, 31, 1, 0),
    london(2024, 10, 27, 1, 0),
    dt.datetime(2024, 3, 10, 7, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2024, 11, 3, 6, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2024, 4, 6, 16, tzinfo=dt.UTC).timestamp(),
    dt.datetime(2024, 10, 5, 16, tzinfo=dt.UTC).timestamp(),
    london(2024, 6, 12, 12, 0),
]


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    cuts = sorted(draw(st.sets(st.integers(0, 1440), max_size=4)))
    pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    return tuple((start, end) for start, end in pairs if end - start >= 30)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    zone = draw(st.sampled_from(ZONES))
    weekly = tuple(draw(day_ranges()) for _ in range(7))
    if not any(weekly):
        weekly = (((540, 1020),),) * 7
    holidays = draw(st.frozensets(st.dates(dt.date(2024, 3, 1), dt.date(2024, 11, 30)), max_size=3))
    return Schedule(zone, weekly, holidays)


starts = st.builds(
    lambda base, minutes: base + 60 * minutes,
    st.sampled_from(AROUND),
    st.integers(-3 * 1440, 3 * 1440),
)


def open_seconds(schedule: Schedule, start: float, end: float) -> float:
    """Independent oracle: open time sampled minute by minute (boundaries are whole minutes)."""
    return sum(60.0 for t in range(int(start), int(end), 60) if schedule.is_open(t))


@settings(max_examples=120, deadline=None)
@given(schedule=schedules(), now=starts, minutes=st.integers(0, 8 * 60))
def test_promise_invariants(schedule: Schedule, now: float, minutes: int) -> None:
    need = minutes * 60.0
    due = promise_due(now, team(schedule, minutes / 60), TZ)
    assert due >= now + need
    at_closing = schedule.is_open(due - 1) and not schedule.is_open(due)
    assert schedule.is_open(due) or at_closing
    moment = dt.datetime.fromtimestamp(due, dt.UTC)
    if not at_closing:  # else it may be a closing time off the quarter
        assert moment.minute % 15 == 0 and moment.second == 0  # whole quarter in these zones
    if due - now <= 6 * DAY:
        assert open_seconds(schedule, now, due) >= need
        if need > 0:  # rounding adds less than a quarter hour
            assert open_seconds(schedule, now, due - 900) < need
