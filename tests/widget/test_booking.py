"""A visitor's callback request: which numbers may be called, which times may be booked, the
window kept and the promise shown. The team is open on weekdays 08:00-18:00, London time;
the reference instant is Wednesday 5 March 2025, 10:00 in London (GMT, 10:00 UTC)."""

from __future__ import annotations

import datetime as dt

import pytest

from frontdesk.config import Company, Number
from frontdesk.config.company import Queue, Team
from frontdesk.flows.hours import Schedule
from frontdesk.widget import InvalidCallback, WidgetUnavailable
from frontdesk.widget.booking import CallbackRequest, offered_slots, plan_callback
from frontdesk.widget.settings import WidgetConfig, WidgetSettings

WEEKDAYS = Schedule("Europe/London", (((480, 1080),),) * 5 + ((), ()))
COMPANY = Company(
    "Test Parcels", "frontdesk.test", (Number("+442079460100", ("100",)),), (),
    timezone="Europe/London", teams=(Team("parcels", WEEKDAYS, respond_within_h=4.0),),
    queues=(Queue("parcels", "parcels"),),
)  # fmt: skip
WIDGET = WidgetConfig("shop", "+442079460100", "parcels")
SETTINGS = WidgetSettings(widgets=(WIDGET,))
WEDNESDAY_10 = dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.UTC).timestamp()
SATURDAY_10 = dt.datetime(2025, 3, 8, 10, 0, tzinfo=dt.UTC).timestamp()


def london(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()  # GMT in March


def plan(when: str, now: float = WEDNESDAY_10, number: str = "020 7946 0555",
         language: str = "en", widget: WidgetConfig = WIDGET):  # type: ignore[no-untyped-def]  # fmt: skip
    request = CallbackRequest(number, when, "Ada", "About my order", language)
    return plan_callback(request, widget, COMPANY, SETTINGS, "GB", now)


def test_as_soon_as_possible_while_open_starts_now_with_the_teams_promise() -> None:
    booked = plan("asap")
    assert booked.number == "+442079460555" and (booked.queue, booked.team) == ("parcels",) * 2
    assert booked.at == WEDNESDAY_10 and booked.window is None
    assert booked.due == london("2025-03-05T14:00")  # 4 opening hours
    assert booked.promise == "We will call you back as soon as we can, by 2 pm today."


def test_as_soon_as_possible_on_a_weekend_waits_for_monday_morning() -> None:
    booked = plan("asap", now=SATURDAY_10, language="fr")
    assert booked.at == london("2025-03-10T08:00")
    assert booked.due == london("2025-03-10T12:00")
    assert booked.promise == "Nous vous rappellerons dès que possible, avant 12 h lundi."


def test_a_chosen_time_books_a_window_in_the_teams_local_time() -> None:
    booked = plan("2025-03-06T14:30")
    assert booked.window == (london("2025-03-06T14:30"), london("2025-03-06T15:00"))
    assert booked.at == london("2025-03-06T14:30") and booked.due == booked.window[1]
    assert booked.promise == "We will call you at about 2:30 pm tomorrow."
    assert plan("2025-03-06T14:30", language="fr").promise == (
        "Nous vous appellerons vers 14 h 30 demain."
    )
    # The same instant with an explicit offset, and a later day named by its weekday.
    assert plan("2025-03-06T15:30+01:00").window == booked.window
    assert plan("2025-03-10T09:00").promise == "We will call you at about 9 am on Monday 10."


def test_a_window_ends_when_the_team_closes() -> None:
    booked = plan("2025-03-05T17:45")
    assert booked.window == (london("2025-03-05T17:45"), london("2025-03-05T18:00"))


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("2025-03-05T19:00", "closed at that time"),
        ("2025-03-08T11:00", "closed at that time"),  # a Saturday
        ("2025-03-05T08:00", "already passed"),
        ("2025-03-20T09:00", "at most 14 days ahead"),
        ("tomorrow at noon", "is not a time"),
    ],
)
def test_times_the_team_cannot_keep_are_refused(when: str, why: str) -> None:
    with pytest.raises(InvalidCallback, match=why):
        plan(when)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("+44 909 090 1234", "premium-rate"),
        ("+44 70 0012 3456", "personal"),
        ("+33 1 42 68 53 00", "only call back numbers in GB"),
        ("+44 20 7946 0100", "our own number"),
        ("12345", "not a valid phone number"),
        ("07700 900123", "not an allocated number"),  # Ofcom's drama range: nobody's phone
    ],
)
def test_numbers_that_must_not_be_called_back_are_refused(number: str, why: str) -> None:
    with pytest.raises(InvalidCallback, match=why):
        plan("asap", number=number)


def test_a_widget_may_allow_other_countries() -> None:
    widget = WidgetConfig("shop", "+442079460100", "parcels", callback_regions=("GB", "FR"))
    assert plan("asap", number="+33 1 42 68 53 00", widget=widget).number == "+33142685300"


def test_a_widget_whose_queue_the_company_lacks_is_unavailable() -> None:
    with pytest.raises(WidgetUnavailable, match="'sales'"):
        plan("asap", widget=WidgetConfig("shop", "+442079460100", "sales"))


def test_long_names_and_notes_are_refused_and_line_breaks_dropped() -> None:
    request = CallbackRequest("020 7946 0555", "asap", "Ada\nLovelace", "x" * 501)
    with pytest.raises(InvalidCallback, match="note"):
        plan_callback(request, WIDGET, COMPANY, SETTINGS, "GB", WEDNESDAY_10)
    request = CallbackRequest("020 7946 0555", "asap", "Ada\nLovelace")
    assert plan_callback(request, WIDGET, COMPANY, SETTINGS, "GB", WEDNESDAY_10).name == (
        "Ada Lovelace"
    )


def test_offered_slots_are_open_half_hours_over_the_next_fourteen_days() -> None:
    slots = offered_slots(WEEKDAYS, "Europe/London", WEDNESDAY_10, SETTINGS)
    # From 10:30 (15 minutes ahead, on the half-hour grid): 15 slots that Wednesday, 20 on
    # each of the 9 weekdays after it within the fortnight, and 5 on Wednesday 19 March up to
    # 10:00, the end of the fortnight.
    assert slots[0] == "2025-03-05T10:30+00:00" and slots[-1] == "2025-03-19T10:00+00:00"
    assert len(slots) == 15 + 9 * 20 + 5
    for slot in slots:
        at = dt.datetime.fromisoformat(slot).timestamp()
        assert WEEKDAYS.is_open(at) and at % 1800 == 0
    always = offered_slots(None, "Europe/London", WEDNESDAY_10, SETTINGS)
    assert len(always) == 14 * 48  # a team without hours: every half hour of the fortnight
