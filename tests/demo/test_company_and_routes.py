"""The demo's company (always open, more agents, the carrier as trunk) and the routes its
simulated callers find through the demo flows (config/flows_demo.yaml) for the demo CRM's
callers (crm/demo_data.yaml)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from frontdesk.clock import ManualClock
from frontdesk.config.loader import Setup, load_demo_setup
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.demo import DemoError
from frontdesk.demo.company import CARRIER_TRUNK, EXTRA_AGENTS, demo_setup, simulated_agents
from frontdesk.demo.routes import MAX_ANSWERS, Outcome, Route, find_routes
from frontdesk.flows import actions as a
from frontdesk.flows.hours import Schedule
from frontdesk.flows.model import Hours
from frontdesk.flows.walk import walk
from frontdesk.flows.walk_data import StoreCrm, walk_crm

LONDON = ZoneInfo("Europe/London")
ENDS = {
    Outcome.QUEUE: a.Enqueue,
    Outcome.CALLBACK: a.BookCallback,
    Outcome.SELF_SERVICE: a.Hangup,
    Outcome.VOICEMAIL: a.Voicemail,
}
# Christmas Day 2025 at 03:00, a holiday in demo.yaml and flows_demo.yaml, outside any hours.
CLOSED_MOMENT = dt.datetime(2025, 12, 25, 3, 0, tzinfo=LONDON)


@pytest.fixture(scope="module")
def base() -> Setup:
    return load_demo_setup()


@pytest.fixture(scope="module")
def crm() -> Iterator[StoreCrm]:
    store = walk_crm(CLOSED_MOMENT, LONDON)
    yield store
    store.close()


def _hours_nodes(setup: Setup) -> list[Schedule]:
    return [n.schedule for f in setup.flows.flows.values() for n in f.nodes.values()
            if isinstance(n, Hours)]  # fmt: skip


def test_the_demo_is_open_at_night_on_a_holiday_and_demo_yaml_is_not(base: Setup) -> None:
    setup, _ = demo_setup(base, ("127.0.0.1", 5099), 2, ("alice",))
    wall = CLOSED_MOMENT.timestamp()
    assert _hours_nodes(base) and not any(s.is_open(wall) for s in _hours_nodes(base))
    assert all(t.hours is not None and not t.hours.is_open(wall) for t in base.company.teams)
    for minutes in range(0, 7 * 24 * 60, 37):
        assert all(s.is_open(wall + minutes * 60) for s in _hours_nodes(setup))
    assert all(t.hours is None for t in setup.company.teams)  # None: always open


def test_the_carrier_is_the_first_trunk_and_the_rest_of_the_company_is_unchanged(
    base: Setup,
) -> None:
    setup, playing = demo_setup(base, ("127.0.0.1", 5099), 2, ("alice",))
    trunk = setup.company.trunks[0]
    assert (trunk.name, trunk.host, trunk.port, trunk.register) == (
        CARRIER_TRUNK, "127.0.0.1", 5099, False,
    )  # fmt: skip
    assert [a.id for a in playing] == ["bob", "chloe"]
    assert setup.company.agents == base.company.agents
    assert setup.company.numbers == base.company.numbers
    assert setup.company.queues == base.company.queues
    assert base.company.trunks == ()


def test_more_agents_than_the_company_has_brings_in_made_up_colleagues(base: Setup) -> None:
    setup, playing = demo_setup(base, ("127.0.0.1", 5099), 5, ("alice",))
    assert [a.id for a in playing] == ["bob", "chloe", "dan", "erin", "farid"]
    added = setup.company.agents[len(base.company.agents) :]
    assert [a.id for a in added] == ["dan", "erin", "farid"]
    extensions = [a.extension for a in setup.company.agents]
    assert len(set(extensions)) == len(extensions)
    for agent in added:  # every made-up agent can take some queue of the company
        assert setup.company.queues_of(agent)


def test_no_agent_is_left_for_the_browser_when_asked(base: Setup) -> None:
    playing, extras = simulated_agents(base.company, 3, ())
    assert [a.id for a in playing] == ["alice", "bob", "chloe"] and extras == ()


def test_an_unknown_browser_agent_and_too_many_agents_are_refused(base: Setup) -> None:
    with pytest.raises(DemoError, match="zoe, not an agent"):
        simulated_agents(base.company, 2, ("zoe",))
    with pytest.raises(DemoError, match="at most"):
        simulated_agents(base.company, 2 + len(EXTRA_AGENTS) + 1, ("alice",))


def _routes(base: Setup, crm: StoreCrm, number: str) -> tuple[Route, ...]:
    setup, _ = demo_setup(base, ("127.0.0.1", 5099), 2, ("alice",))
    clock = ManualClock(wall_offset=CLOSED_MOMENT.timestamp())
    return find_routes(setup.flows.flows["main"], number, crm, clock)


def test_every_route_ends_where_it_says_when_walked_with_its_keys(
    base: Setup, crm: StoreCrm
) -> None:
    setup, _ = demo_setup(base, ("127.0.0.1", 5099), 2, ("alice",))
    flow = setup.flows.flows["main"]
    clock = ManualClock(wall_offset=CLOSED_MOMENT.timestamp())
    for number in (*DEMO_CALLERS.values(), "+447700900999"):
        routes = _routes(base, crm, number)
        assert routes, number
        assert [len(r.keys) for r in routes] == sorted(len(r.keys) for r in routes)
        for route in routes:
            assert len(route.keys) <= MAX_ANSWERS
            done = walk(flow, number, route.keys, crm, clock)
            assert done.waiting_at is None, (number, route)
            assert isinstance(done.outcome, ENDS[route.outcome]), (number, route)
            if isinstance(done.outcome, a.Enqueue | a.BookCallback):
                assert done.outcome.queue == route.target


def test_callers_find_what_the_demo_data_promises(base: Setup, crm: StoreCrm) -> None:
    def outcomes(caller: str) -> set[tuple[Outcome, str]]:
        return {(r.outcome, r.target) for r in _routes(base, crm, DEMO_CALLERS[caller])}

    # The VIP account goes straight to its team, without a key.
    vip = _routes(base, crm, DEMO_CALLERS["vip_account"])
    assert [(r.keys, r.outcome, r.target) for r in vip] == [((), Outcome.QUEUE, "key-accounts")]
    # Freight is on the menu only for the customer who ships it.
    assert (Outcome.QUEUE, "freight") in outcomes("gold_freight")
    assert (Outcome.QUEUE, "freight") not in outcomes("known_caller")
    # A delivery today can be handled without an agent; the open case is offered first.
    assert any(o is Outcome.SELF_SERVICE for o, _ in outcomes("delivery_today"))
    case_first = _routes(base, crm, DEMO_CALLERS["open_parcel_case"])[0]
    assert (case_first.keys, case_first.target) == (("1",), "parcels")
    # Everyone on the main menu can book a callback.
    assert any(o is Outcome.CALLBACK for o, _ in outcomes("known_caller"))


def test_keys_the_menu_refuses_are_not_routes(base: Setup, crm: StoreCrm) -> None:
    routes = _routes(base, crm, DEMO_CALLERS["known_caller"])
    first_keys = {r.keys[0] for r in routes if r.keys}
    assert first_keys <= set("1234")  # the main menu has four options for her
    assert "9" not in first_keys and "*" not in first_keys
