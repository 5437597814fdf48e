"""The demo company's flow: the five personalisations of the issue, walked with the demo CRM.

1 greet a known caller by name; 2 an account's caller goes straight to their account team;
3 an unresolved case from the last days is offered first; 4 country and language from the
number, answered in that language with that language's skill; 5 self-service from data that
ends the call without an agent. Times are fixed so opening hours are known.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flowcase import LONDON, WEDNESDAY_10AM, clock_at

from frontdesk.flows import actions as a
from frontdesk.flows import load_demo_flows
from frontdesk.flows.walk import Walk, load_crm, walk

SUSAN, RAJ, TOM, CAMILLE, GRACE = (
    "+447700900123",
    "+447700900456",
    "+447700900789",
    "+33612345678",
    "+447700900999",
)
SATURDAY_EVENING = dt.datetime(2025, 5, 17, 19, 0, tzinfo=LONDON)


def demo_walk(number: str, keys: list[str], at: dt.datetime = WEDNESDAY_10AM) -> Walk:
    flow = load_demo_flows().flows["main"]
    return walk(flow, number, keys, load_crm(None, at.date()), clock_at(at), agent_leaves=True)


def heard(result: Walk) -> list[str]:
    return [x.text for x in result.actions if isinstance(x, a.Say)]


def test_demo_flows_load_without_warnings() -> None:
    flows = load_demo_flows()
    assert flows.warnings == ()
    assert set(flows.flows["main"].languages) == {"en", "fr"}


def test_1_a_known_caller_is_greeted_by_name() -> None:
    assert (
        heard(demo_walk(SUSAN, []))[0] == "Good morning Susan, thank you for calling Demo Parcels."
    )
    stranger = demo_walk("+447700900000", [])
    assert heard(stranger)[0] == "Good morning, thank you for calling Demo Parcels."


def test_2_an_accounts_caller_goes_straight_to_the_account_team() -> None:
    result = demo_walk(RAJ, [])
    enqueue = next(x for x in result.actions if isinstance(x, a.Enqueue))
    assert enqueue == a.Enqueue("key-accounts", (), 30, "bob", "en")
    assert not any(
        isinstance(x, a.CollectDigits) for x in result.actions[: result.actions.index(enqueue)]
    )


def test_3_the_open_case_is_offered_first() -> None:
    result = demo_walk(SUSAN, ["1"])
    assert heard(result)[1] == (
        "We see your parcel enquiry from yesterday is still open. "
        "To talk about it, press 1. For something else, press 2."
    )
    assert result.outcome == a.Enqueue("parcels", (("parcels", 2),), 10, None, "en")


def test_3_a_case_closed_or_older_than_three_days_is_not_offered() -> None:
    # Susan's other case (billing, 30 days ago, closed) never shows; a week on, nor does this one.
    later = WEDNESDAY_10AM + dt.timedelta(days=7)
    flow = load_demo_flows().flows["main"]
    crm = load_crm(None, WEDNESDAY_10AM.date())  # the case was opened on the 13th
    result = walk(flow, SUSAN, [], crm, clock_at(later))
    assert "still open" not in " ".join(heard(result))
    assert result.waiting_at == "main_menu"


def test_4_a_french_number_hears_french_and_needs_a_french_speaker() -> None:
    result = demo_walk("+33698765432", ["5"])  # not in the CRM: the number alone decides
    assert heard(result)[:2] == [
        "Bonjour, merci d'appeler Demo Parcels.",
        "Comment pouvons-nous vous aider ? Pour suivre un colis, tapez 1. Pour la facturation, "
        "tapez 2. Pour être rappelé, tapez 3. Pour parler à quelqu'un, tapez 4.",
    ]
    assert all(
        x.language == "fr" and x.voice == "fr-fr" for x in result.actions if isinstance(x, a.Say)
    )
    # four options for this caller (no freight), so 5 is refused and asked again
    assert heard(result)[2] == "Désolé, ce choix n'est pas proposé."


def test_4_french_caller_with_an_open_case_is_queued_with_the_french_skill() -> None:
    result = demo_walk(CAMILLE, ["1"])
    assert heard(result)[1].startswith("Votre demande de remboursement, ouverte le lundi 12 mai,")
    assert result.outcome == a.Enqueue("parcels", (("parcels", 2),), 10, None, "fr")


def test_5_self_service_confirms_todays_delivery_without_an_agent() -> None:
    result = demo_walk(TOM, ["1"])
    assert heard(result)[1] == (
        "Your delivery is booked for today between 1 pm and 5 pm. To accept, press 1. "
        "To reschedule, press 2. To speak to someone, press 0."
    )
    assert a.SetVar("delivery_answer", "accepted") in result.actions
    assert result.outcome == a.Hangup("resolved by self-service")
    assert not any(isinstance(x, a.Enqueue | a.Transfer) for x in result.actions)


def test_5_self_service_reschedules() -> None:
    result = demo_walk(TOM, ["2", "2"])
    assert heard(result)[-1] == "Done: your delivery is moved to tomorrow afternoon. Goodbye."
    assert result.outcome == a.Hangup("resolved by self-service")


def test_menu_shows_freight_only_to_callers_who_ship_it() -> None:
    result = demo_walk(GRACE, ["2"])
    assert "For freight and pallets, press 2." in heard(result)[1]
    assert result.outcome == a.Enqueue("freight", (("freight", 2),), 10, None, "en")


def test_tracking_gathers_validates_and_looks_up_with_a_fallback() -> None:
    found = demo_walk("+447700900000", ["1", "1234567890", "1234567897", "2"])
    assert "Sorry, that is not a tracking number of ours." in heard(found)
    assert "Parcel 1 2 3 4 5 6 7 8 9 7 is out for delivery." in heard(found)
    assert found.outcome == a.Hangup("caller served")
    unknown = demo_walk("+447700900000", ["1", "0000000000"])  # valid Luhn, no HTTP answer
    assert unknown.outcome == a.Enqueue("parcels", (("parcels", 1),), 0, None, "en")


@pytest.mark.parametrize(
    ("number", "keys", "outcome"),
    [
        (GRACE, [], a.Forward(None, "alice", 20)),  # gold: the owner's mobile
        ("+447700900000", ["1"], a.Voicemail("parcels", "", 120)),
        ("+447700900000", ["2", "2", "1"], a.BookCallback("parcels", "+447700900000", "en")),
    ],
)
def test_when_closed(number: str, keys: list[str], outcome: a.Action) -> None:
    result = demo_walk(number, keys, SATURDAY_EVENING)
    assert type(result.outcome) is type(outcome)
    if isinstance(outcome, a.BookCallback):
        booked = result.outcome
        assert isinstance(booked, a.BookCallback) and booked.not_before is not None
        start = dt.datetime.fromtimestamp(booked.not_before, LONDON)
        assert (start.date(), start.hour) == (dt.date(2025, 5, 18), 9)  # tomorrow morning
    elif isinstance(outcome, a.Forward):
        assert result.outcome == outcome


def test_survey_after_the_agent() -> None:
    result = demo_walk(SUSAN, ["1", "5"])
    assert a.SurveyRating("survey", 5, 5) in result.actions
    assert result.outcome == a.Enqueue("parcels", (("parcels", 2),), 10, None, "en")
    assert result.actions[-1] == a.Hangup("caller served")
