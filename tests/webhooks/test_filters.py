"""What an admin may type for a webhook (URL, kind and team filters), and which events match."""

from __future__ import annotations

import pytest

from frontdesk.config.company import Agent, Company, Number, Queue, Team
from frontdesk.config.loader import load_demo_company
from frontdesk.webhooks import BadEventFilter, BadTeamFilter, BadWebhookUrl, TeamMap
from frontdesk.webhooks.filters import check_kinds, check_teams, check_url, matches


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example/hooks/frontdesk",
        "http://127.0.0.1:8080/in",
        "https://[2001:db8::1]:8443/x?token=abc",
        "  https://padded.example/  ",
    ],
)
def test_good_urls(url: str) -> None:
    assert check_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "empty"),
        ("ftp://files.example/in", "http:// or https://"),
        ("crm.example/hooks", "http:// or https://"),
        ("https:///path-only", "no host"),
        ("https://host.example:99999/", "cannot be read"),
        ("https://host.example:0/", "bad port"),
        ("https://host.example/a b", "spaces"),
        ("https://host.example/#frag", "fragment"),
        ("https://host.example/" + "a" * 2048, "too long"),
    ],
)
def test_bad_urls(url: str, says: str) -> None:
    with pytest.raises(BadWebhookUrl, match=says) as caught:
        check_url(url)
    assert caught.value.error_id == "bad_webhook_url"


def test_kind_filters() -> None:
    assert check_kinds(["call.", "acd.answered", "call."]) == ("call.", "acd.answered")
    for bad in ["", "Call.answered", "call..x", ".call", "call.*", "acd answered"]:
        with pytest.raises(BadEventFilter, match="neither an event kind"):
            check_kinds([bad])


def test_team_filters() -> None:
    assert check_teams(["parcels", "billing", "parcels"]) == ("parcels", "billing")
    with pytest.raises(BadTeamFilter, match="not a team name"):
        check_teams([" "])
    with pytest.raises(BadTeamFilter, match=r"'parcel' does not exist \(known: billing, parcels"):
        check_teams(["parcel"], known=["parcels", "billing"])


@pytest.mark.parametrize(
    ("kinds", "kind", "expected"),
    [
        ((), "anything.at_all", True),
        (("call.",), "call.answered", True),
        (("call.",), "callback.x", False),  # a prefix ends at its dot
        (("call.answered",), "call.answered", True),
        (("call.answered",), "call.answered_late", False),
        (("call",), "call.answered", False),  # no dot: an exact kind
        (("acd.", "task.created"), "task.created", True),
        (("acd.", "task.created"), "task.done", False),
    ],
)
def test_kind_matching(kinds: tuple[str, ...], kind: str, expected: bool) -> None:
    assert matches(kinds, (), kind, frozenset()) is expected


def test_team_matching() -> None:
    assert matches((), ("parcels",), "acd.queued", frozenset({"parcels"}))
    assert not matches((), ("parcels",), "acd.queued", frozenset({"billing"}))
    assert not matches((), ("parcels",), "call.answered", frozenset())  # names no team
    assert matches((), (), "call.answered", frozenset())


def test_team_map_of_the_demo_company() -> None:
    company = load_demo_company()
    teams = TeamMap.of(company)
    queue = company.queues[0]
    assert teams.teams_of({"queue": queue.name}) == {queue.team}
    assert teams.teams_of({"team": "parcels", "queue": "no-such-queue"}) == {"parcels"}
    chloe = next(a for a in company.agents if a.id == "chloe")
    assert teams.teams_of({"agent_id": "chloe"}) == frozenset()
    assert teams.agent_teams_of({"agent_id": "chloe"}) == set(chloe.teams)
    assert teams.agent_teams_of({"agent": "chloe"}) == set(chloe.teams)
    assert teams.agent_teams_of({"agent": "nobody"}) == frozenset()
    assert teams.teams_of({"number": "+442079460100"}) == frozenset()
    assert teams.teams_of({"queue": 3, "team": None}) == frozenset()


def test_an_agent_without_teams_serves_every_team() -> None:
    company = Company(
        name="Acme", domain="acme.example", numbers=(Number("+33142868200"),),
        agents=(Agent("ann", "Ann", "201", "pw"), Agent("bo", "Bo", "202", "pw", teams=("b",))),
        teams=(Team("a"), Team("b")), queues=(Queue("qa", "a"),),
    )  # fmt: skip
    teams = TeamMap.of(company)
    assert teams.agent_teams_of({"agent": "ann"}) == {"a", "b"}
    assert teams.agent_teams_of({"agent": "bo"}) == {"b"}
    assert teams.teams_of({"queue": "qa"}) == {"a"}
