"""A visitor's callback request checked and turned into a plan, sans-IO (`now` passed in).

The number must be a real, allocated number (crm/numbers.py) in a country the widget may call
(the company's own by default: a public form must not make the company dial abroad on a
stranger's say-so), and not a premium-rate, shared-cost, personal or pager number (calling
those costs the company money and is the classic way to abuse a callback form), nor one of the
company's own numbers. The time is "asap" or the start of a window: within the team's opening
hours and at most `callback_days` ahead. The plan says when the routing engine starts trying,
the window the follow-up task keeps, when the promise falls due and the sentence to show.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from frontdesk.config import Company
from frontdesk.config.company import Team
from frontdesk.crm.errors import CrmError
from frontdesk.crm.numbers import normalise
from frontdesk.flows.hours import Schedule
from frontdesk.followup.promise import promise_due, zone_of
from frontdesk.widget import InvalidCallback, WidgetUnavailable
from frontdesk.widget.settings import WidgetConfig, WidgetSettings
from frontdesk.widget.wording import asap_promise, window_promise

MINUTE = 60.0
DAY = 86400.0
SLOT_LEAD_S = 15 * MINUTE  # the first slot offered starts at least this far ahead
MAX_SLOTS = 1500  # bounds the work for a team without hours over a long horizon
_REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (follow-me) number",
    PhoneNumberType.PAGER: "a pager",
    PhoneNumberType.VOICEMAIL: "a voicemail access number",
}


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    number: str
    when: str  # "asap", or the start of a window as ISO 8601 (naive: the team's local time)
    name: str = ""
    note: str = ""
    language: str = "en"


@dataclass(frozen=True, slots=True)
class CallbackPlan:
    number: str  # E.164
    name: str
    note: str
    queue: str
    team: str
    language: str
    at: float  # when the routing engine starts trying (wall time)
    window: tuple[float, float] | None  # the chosen window; None for "as soon as possible"
    due: float  # when the promise falls due
    promise: str  # what the visitor reads


def plan_callback(
    request: CallbackRequest,
    widget: WidgetConfig,
    company: Company,
    settings: WidgetSettings,
    region: str,
    now: float,
) -> CallbackPlan:
    """Checks `request` and plans it, or raises InvalidCallback saying what is wrong."""
    queue, team = callback_team(widget, company)
    number = check_number(request.number, region, widget.callback_regions or (region,), company)
    name, note = _text(request.name, "name", 80), _text(request.note, "note", 500)
    timezone = team.hours.timezone if team.hours is not None else company.timezone
    window_s = settings.callback_window_min * MINUTE
    horizon = now + settings.callback_days * DAY
    if request.when.strip().lower() == "asap":
        at = next_open(team.hours, now, horizon)
        if at is None:
            raise InvalidCallback(
                f"team {team.name} has no opening hours in the next {settings.callback_days} days"
            )
        due = promise_due(now, team, company.timezone)
        text = asap_promise(due, now, timezone, request.language)
        return CallbackPlan(number, name, note, queue, team.name, request.language, at, None,
                            due, text)  # fmt: skip
    start = parse_when(request.when, timezone)
    if start + window_s <= now:
        raise InvalidCallback("that time has already passed: please choose a later one")
    if start > horizon:
        raise InvalidCallback(
            f"callbacks can be booked at most {settings.callback_days} days ahead"
        )
    if team.hours is not None and not team.hours.is_open(start):
        raise InvalidCallback("we are closed at that time: please choose a time we are open")
    end = open_until(team.hours, start, start + window_s)
    text = window_promise(start, now, timezone, request.language)
    return CallbackPlan(number, name, note, queue, team.name, request.language, max(start, now),
                        (start, end), end, text)  # fmt: skip


def callback_team(widget: WidgetConfig, company: Company) -> tuple[str, Team]:
    """The widget's callback queue and the team that owns it."""
    name = widget.callback_queue
    queue = company.queue(name) if name else None
    if queue is None:
        raise WidgetUnavailable(
            f"widget {widget.key} books callbacks into queue {name!r}, which the company lacks"
        )
    team = company.team(queue.team) or Team(queue.team)
    return queue.name, team


def check_number(raw: str, region: str, allowed: tuple[str, ...], company: Company) -> str:
    """The number in E.164 if Frontdesk may call it back, else InvalidCallback."""
    try:
        number = normalise(raw, region)
    except CrmError as exc:
        raise InvalidCallback(str(exc)) from None
    parsed = phonenumbers.parse(number, None)
    country = phonenumbers.region_code_for_number(parsed)
    if country not in allowed:
        raise InvalidCallback(
            f"we can only call back numbers in {', '.join(allowed)}, and {number} is not"
        )
    refused = _REFUSED_TYPES.get(phonenumbers.number_type(parsed))
    if refused is not None:
        raise InvalidCallback(f"{number} is {refused}, which we do not call back")
    if any(n.number == number for n in company.numbers):
        raise InvalidCallback(f"{number} is our own number")
    return number


def parse_when(text: str, timezone: str) -> float:
    """An ISO 8601 time as wall seconds; without an offset it is the team's local time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidCallback(
            f"{text!r} is not a time: send 'asap' or an ISO 8601 time such as "
            "2025-03-04T14:30+00:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_of(timezone))
    return moment.timestamp()


def next_open(hours: Schedule | None, start: float, horizon: float) -> float | None:
    """The first minute from `start` (itself if open) at which `hours` are open. Steps of
    five minutes find the opening (ranges shorter than that are not seen), then the exact
    minute is found walking back."""
    if hours is None or hours.is_open(start):
        return start
    t = math.floor(start / MINUTE) * MINUTE + MINUTE
    while t <= horizon:
        if hours.is_open(t):
            while t - MINUTE > start and hours.is_open(t - MINUTE):
                t -= MINUTE
            return t
        t += 5 * MINUTE
    return None


def open_until(hours: Schedule | None, start: float, limit: float) -> float:
    """Where the open stretch from `start` ends, looking no further than `limit`."""
    if hours is None:
        return limit
    t = start
    while t < limit and hours.is_open(t):
        t = min(limit, math.floor(t / MINUTE) * MINUTE + MINUTE)
    return max(t, start + MINUTE)


def offered_slots(
    hours: Schedule | None, timezone: str, now: float, settings: WidgetSettings
) -> list[str]:
    """Window starts to offer (ISO 8601 with the team's offset): every window length from
    `SLOT_LEAD_S` ahead, while the team is open, over `callback_days`."""
    step = settings.callback_window_min * MINUTE
    zone = zone_of(timezone)
    first = now + SLOT_LEAD_S
    local = dt.datetime.fromtimestamp(first, zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    since = (local - midnight).total_seconds()
    t = first + (math.ceil(since / step) * step - since)
    horizon = now + settings.callback_days * DAY
    found: list[str] = []
    while t <= horizon and len(found) < MAX_SLOTS:
        if hours is None or hours.is_open(t):
            found.append(dt.datetime.fromtimestamp(t, zone).isoformat(timespec="minutes"))
        t += step
    return found


def _text(value: str, what: str, longest: int) -> str:
    text = " ".join(value.split())  # no line breaks or control characters in a name
    if len(text) > longest:
        raise InvalidCallback(f"the {what} is {len(text)} characters long (at most {longest})")
    return text
