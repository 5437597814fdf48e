"""The teams a number serves: who sees a call that ended in the menu (docs/accounts.md)."""

from __future__ import annotations

import dataclasses

from frontdesk.config.home_teams import HomeTeams, home_teams
from frontdesk.config.loader import load_demo_setup
from frontdesk.flows import model as m
from frontdesk.history.builder import EntryBuilder


def test_the_demo_numbers_serve_the_teams_their_flow_names() -> None:
    setup = load_demo_setup()
    teams = home_teams(setup.company, setup.flows)
    queues = {q.name: q.team for q in setup.company.queues}
    # The main flow names the parcels and billing queues literally; key-accounts is reached
    # only through "{crm.account.team}", which no static reading can resolve.
    assert teams["+442079460100"] == tuple(sorted({queues["parcels"], queues["billing"]}))
    assert set(teams) == {n.number for n in setup.company.numbers}


def test_a_flow_that_names_no_team_belongs_to_every_team() -> None:
    setup = load_demo_setup()
    number = setup.company.numbers[0]
    bye = m.Hangup(id="bye", line=1, reason="done")
    lone = m.Flow(name="lone", line=1, start="bye", nodes={"bye": bye})
    flows = dataclasses.replace(setup.flows, flows={**setup.flows.flows, number.flow: lone})
    every = tuple(sorted(t.name for t in setup.company.teams))
    assert home_teams(setup.company, flows)[number.number] == every


def test_the_cache_follows_a_reloaded_company() -> None:
    setup = load_demo_setup()
    home = HomeTeams()
    first = home.of(setup.company, setup.flows, "+442079460100")
    fewer = dataclasses.replace(setup.company, numbers=setup.company.numbers[1:])
    assert home.of(setup.company, setup.flows, "+442079460100") == first != ()
    dropped = setup.company.numbers[0].number
    assert home.of(fewer, setup.flows, dropped) == ()
    assert home.of(setup.company, setup.flows, "+449999999999") == ()


def test_a_call_that_ended_in_the_menu_is_indexed_under_its_numbers_teams() -> None:
    def entries(home: dict[str, tuple[str, ...]] | None) -> list[tuple[str, ...]]:
        builder = EntryBuilder({}.get, None if home is None else (lambda n: home.get(n, ())))
        builder.feed(100.0, "call.received", "c1", {"caller": "sip:+447700900001@x",
                                                    "number": "+442079460100"})  # fmt: skip
        builder.feed(100.1, "call.flow_started", "c1", {"caller": "+447700900001"})
        builder.feed(104.0, "call.ended", "c1", {"reason": "remote_bye"})
        return [e.teams for e in builder.entries()]

    assert entries(None) == [()]
    assert entries({"+442079460100": ("billing", "parcels")}) == [("billing", "parcels")]
