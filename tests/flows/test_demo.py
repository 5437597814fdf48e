"""The demo company's flow walked against the demo CRM in the real store, one test per
personalisation: 1 a known caller greeted by name; 2 an account's caller straight to their
account team; 3 an unresolved case from the last days offered first; 4 a French number answered
in French, with the French skill; 5 self-service from data, ending without an agent; 6 a gold
customer who ships freight, forwarded to the account owner's mobile after hours.

Each walk loads crm/demo_data.yaml into a fresh in-memory `CrmStore` at the walk's moment and
reads callers through `flow_record`, as `frontdesk flow test` does. Names, teams and owners are
read from the demo data, not copied here. Times are fixed so opening hours are known.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flowcase import LONDON, WEDNESDAY_10AM, clock_at

from frontdesk.clock import ManualClock
from frontdesk.crm.demo import DEMO_CALLERS, demo_document, demo_store
from frontdesk.flows import actions as a
from frontdesk.flows import load_demo_flows
from frontdesk.flows.walk import Walk, walk
from frontdesk.flows.walk_data import DEMO_HTTP_ANSWERS, StoreCrm, walk_crm

FLOW = load_demo_flows().flows["main"]
SATURDAY_EVENING = dt.datetime(2025, 5, 17, 19, 0, tzinfo=LONDON)
STRANGER = "+447700900000"


def person(scenario: str) -> dict[str, Any]:
    """The demo data's contact behind a scenario's number."""
    number = DEMO_CALLERS[scenario]
    return next(p for p in demo_document()["contacts"] if number in p["numbers"])


def account_of(scenario: str) -> dict[str, Any]:
    wanted = person(scenario)["account"]
    return next(acc for acc in demo_document()["accounts"] if acc["id"] == wanted)


def demo_walk(number: str, keys: list[str], at: dt.datetime = WEDNESDAY_10AM) -> Walk:
    with walk_crm(at, LONDON) as crm:
        return walk(FLOW, number, keys, crm, clock_at(at), True, DEMO_HTTP_ANSWERS)


def heard(result: Walk) -> list[str]:
    return [x.text for x in result.actions if isinstance(x, a.Say)]


def asked_before(result: Walk, action: a.Action) -> bool:
    """Whether the caller was asked for keys before `action`."""
    before = result.actions[: result.actions.index(action)]
    return any(isinstance(x, a.CollectDigits) for x in before)


def test_demo_flows_load_without_warnings() -> None:
    flows = load_demo_flows()
    assert flows.warnings == ()
    assert set(flows.flows["main"].languages) == {"en", "fr"}


def test_1_a_known_caller_is_greeted_by_name() -> None:
    first = person("known_caller")["first_name"]
    result = demo_walk(DEMO_CALLERS["known_caller"], [])
    assert heard(result)[0] == f"Good morning {first}, thank you for calling Demo Parcels."
    assert result.waiting_at == "main_menu"  # nothing else known: the menu
    stranger = demo_walk(STRANGER, [])
    assert heard(stranger)[0] == "Good morning, thank you for calling Demo Parcels."


def test_2_an_accounts_caller_goes_straight_to_the_account_team() -> None:
    account = account_of("vip_account")
    assert account["team"] == "key-accounts" and account["owner"] in {"alice", "bob"}
    result = demo_walk(DEMO_CALLERS["vip_account"], [])
    assert f"the {account['name']} team" in heard(result)[1]
    enqueue = a.Enqueue(account["team"], (), 30, account["owner"], "en")
    assert result.outcome == enqueue
    assert not asked_before(result, enqueue)


def test_3_the_open_case_is_offered_first() -> None:
    (case,) = person("open_parcel_case")["cases"]
    assert case["days_ago"] == 1
    result = demo_walk(DEMO_CALLERS["open_parcel_case"], ["1"])
    assert (
        result.vars["case"]["opened"] == (WEDNESDAY_10AM.date() - dt.timedelta(days=1)).isoformat()
    )
    assert heard(result)[1] == (
        f"We see your {case['topic']} from yesterday is still open. "
        "To talk about it, press 1. For something else, press 2."
    )
    assert result.path[:4] == ["welcome", "look_around", "route", "open_case"]
    assert result.outcome == a.Enqueue("parcels", (("parcels", 2),), 10, None, "en")


def test_3_a_case_older_than_three_days_is_not_offered() -> None:
    # The store still lists the case a week on (it keeps open cases for 30 days); the flow's
    # latest_open(crm.cases, 3) is what leaves it out.
    number = DEMO_CALLERS["open_parcel_case"]
    clock = ManualClock(wall_offset=WEDNESDAY_10AM.timestamp())
    later = WEDNESDAY_10AM + dt.timedelta(days=7)
    with StoreCrm(demo_store(clock), LONDON) as crm:
        clock.advance(later.timestamp() - WEDNESDAY_10AM.timestamp())
        record = crm.record(number)
        assert record is not None and [c["topic"] for c in record["cases"]] == ["parcel enquiry"]
        result = walk(FLOW, number, [], crm, clock_at(later))
    assert "still open" not in " ".join(heard(result))
    assert result.waiting_at == "main_menu"


def test_4_a_french_caller_hears_french_and_needs_a_french_speaker() -> None:
    first = person("french_caller")["first_name"]
    result = demo_walk(DEMO_CALLERS["french_caller"], ["4"])
    assert heard(result)[:2] == [
        f"Bonjour {first}, merci d'appeler Demo Parcels.",
        "Comment pouvons-nous vous aider ? Pour suivre un colis, tapez 1. Pour la facturation, "
        "tapez 2. Pour être rappelé, tapez 3. Pour parler à quelqu'un, tapez 4.",
    ]
    says = [x for x in result.actions if isinstance(x, a.Say)]
    assert says and all(x.language == "fr" and x.voice == "fr-fr" for x in says)
    assert result.outcome == a.Enqueue("parcels", (("parcels", 1),), 0, None, "fr")


def test_4_a_french_number_alone_decides_the_language() -> None:
    result = demo_walk("+33698765432", ["5"])  # not in the CRM
    assert heard(result)[0] == "Bonjour, merci d'appeler Demo Parcels."
    # four options for this caller (no freight), so 5 is refused and asked again
    assert heard(result)[2] == "Désolé, ce choix n'est pas proposé."


def test_5_self_service_confirms_todays_delivery_without_an_agent() -> None:
    (fact,) = person("delivery_today")["facts"]
    result = demo_walk(DEMO_CALLERS["delivery_today"], ["1"])
    assert result.vars["delivery"]["date"] == WEDNESDAY_10AM.date().isoformat()
    assert (result.vars["delivery"]["from"], result.vars["delivery"]["to"]) == (
        fact["from"],
        fact["to"],
    )
    assert heard(result)[1].startswith("Your delivery is booked for today between 1 pm and 5 pm.")
    assert a.SetVar("delivery_answer", "accepted") in result.actions
    assert result.outcome == a.Hangup("resolved by self-service")
    assert not any(isinstance(x, a.Enqueue | a.Transfer | a.Forward) for x in result.actions)


def test_5_self_service_reschedules() -> None:
    result = demo_walk(DEMO_CALLERS["delivery_today"], ["2", "2"])
    assert heard(result)[-1] == "Done: your delivery is moved to tomorrow afternoon. Goodbye."
    assert result.outcome == a.Hangup("resolved by self-service")


def test_6_a_gold_customer_reaches_the_owners_mobile_after_hours() -> None:
    account = account_of("gold_freight")
    assert str(account["tier"]).lower() == "gold" and "freight" in account["products"]
    result = demo_walk(DEMO_CALLERS["gold_freight"], [], SATURDAY_EVENING)
    assert result.outcome == a.Forward(None, account["owner"], 20)
    assert result.path[-2:] == ["closed", "owner_mobile"]
    assert not any(isinstance(x, a.CollectDigits) for x in result.actions)


def test_6_others_get_the_closed_menu_after_hours() -> None:
    result = demo_walk(DEMO_CALLERS["known_caller"], [], SATURDAY_EVENING)
    assert result.waiting_at == "closed_menu"
    assert not any(isinstance(x, a.Forward) for x in result.actions)


def test_menu_shows_freight_only_to_callers_who_ship_it() -> None:
    gold = demo_walk(DEMO_CALLERS["gold_freight"], ["2"])
    assert "For freight and pallets, press 2." in heard(gold)[1]
    assert gold.outcome == a.Enqueue("freight", (("freight", 2),), 10, None, "en")
    other = demo_walk(DEMO_CALLERS["known_caller"], [])
    assert "freight" not in heard(other)[1]


def test_tracking_gathers_validates_and_looks_up_with_a_fallback() -> None:
    found = demo_walk(STRANGER, ["1", "1234567890", "1234567897", "2"])
    assert "Sorry, that is not a tracking number of ours." in heard(found)
    assert "Parcel 1 2 3 4 5 6 7 8 9 7 is out for delivery." in heard(found)
    assert found.outcome == a.Hangup("caller served")
    unknown = demo_walk(STRANGER, ["1", "0000000000"])  # valid Luhn, no canned answer
    assert any(text.startswith("Sorry, tracking is not available") for text in heard(unknown))
    assert unknown.outcome == a.Enqueue("parcels", (("parcels", 1),), 0, None, "en")


def test_a_crm_lookup_node_finds_records_by_number_or_external_id() -> None:
    with walk_crm(WEDNESDAY_10AM, LONDON) as crm:
        by_number = crm.find(DEMO_CALLERS["vip_account"])
        by_account = crm.find(account_of("vip_account")["id"])
        by_contact = crm.find(person("french_caller")["id"])
        assert crm.find("demo-nobody") is None
    assert by_number is not None and by_number == by_account
    assert by_contact is not None and by_contact["language"] == "fr"


@pytest.mark.parametrize(
    ("keys", "outcome"),
    [
        (["1"], a.Voicemail("parcels", "", 120)),
        (["2", "2", "1"], a.BookCallback("parcels", STRANGER, "en")),
    ],
)
def test_a_stranger_when_closed(keys: list[str], outcome: a.Action) -> None:
    result = demo_walk(STRANGER, keys, SATURDAY_EVENING)
    assert type(result.outcome) is type(outcome)
    if isinstance(result.outcome, a.BookCallback):
        assert result.outcome.not_before is not None
        start = dt.datetime.fromtimestamp(result.outcome.not_before, LONDON)
        assert (start.date(), start.hour) == (dt.date(2025, 5, 18), 9)  # tomorrow morning


def test_survey_after_the_agent() -> None:
    result = demo_walk(DEMO_CALLERS["open_parcel_case"], ["1", "5"])
    assert a.SurveyRating("survey", 5, 5) in result.actions
    assert result.outcome == a.Enqueue("parcels", (("parcels", 2),), 10, None, "en")
    assert result.actions[-1] == a.Hangup("caller served")
