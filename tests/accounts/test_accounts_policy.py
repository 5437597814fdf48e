"""The access policy, case by case: every role x own/other team x own/other agent.

Expected answers are written out here by hand from the requirements (issue #6), not computed
from policy.RULES, so that a wrong cell in the table fails a test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.accounts import Principal, Role
from frontdesk.accounts import policy as p

ADMIN = Principal(1, "root", Role.ADMIN, frozenset(), None)
SUPERVISOR = Principal(2, "sue", Role.SUPERVISOR, frozenset({"parcels"}), None)
# A supervisor who also takes calls as agent "sam".
PLAYING_SUPERVISOR = Principal(3, "sam", Role.SUPERVISOR, frozenset({"parcels"}), "sam")
AGENT = Principal(4, "alice", Role.AGENT, frozenset({"parcels"}), "alice")
OWN_AGENT = {ADMIN: None, SUPERVISOR: None, PLAYING_SUPERVISOR: "sam", AGENT: "alice"}

OWN, OTHER, NO = "own", "other", "none"
TEAM = {OWN: "parcels", OTHER: "billing", NO: None}


def _agent(principal: Principal, which: str) -> str | None:
    return {OWN: OWN_AGENT[principal], OTHER: "bob", NO: None}[which]


# (team, agent) -> may view the call. Also the rule for recordings.
VIEW_CALL = {
    ADMIN: {(t, a): True for t in TEAM for a in (OTHER, NO)},
    SUPERVISOR: {
        (OWN, OTHER): True, (OWN, NO): True,
        (OTHER, OTHER): False, (OTHER, NO): False,
        (NO, OTHER): False, (NO, NO): False,
    },
    PLAYING_SUPERVISOR: {
        (OWN, OWN): True, (OWN, OTHER): True, (OWN, NO): True,
        (OTHER, OWN): True, (OTHER, OTHER): False, (OTHER, NO): False,
        (NO, OWN): True, (NO, OTHER): False, (NO, NO): False,
    },
    AGENT: {
        (OWN, OWN): True, (OWN, OTHER): False, (OWN, NO): False,
        (OTHER, OWN): True, (OTHER, OTHER): False, (OTHER, NO): False,
        (NO, OWN): True, (NO, OTHER): False, (NO, NO): False,
    },
}  # fmt: skip

CASES = [
    (principal, team, agent, expected)
    for principal, table in VIEW_CALL.items()
    for (team, agent), expected in table.items()
]


@pytest.mark.parametrize(("principal", "team", "agent", "expected"), CASES)
def test_view_call_and_recording(
    principal: Principal, team: str, agent: str, expected: bool
) -> None:
    call_team, call_agent = TEAM[team], _agent(principal, agent)
    assert p.can_view_call(principal, call_team, call_agent) is expected
    assert p.can_view_recording(principal, call_team, call_agent) is expected


# team -> answer, for the rules about a team only.
LISTEN_IN = {
    ADMIN: {OWN: True, OTHER: True, NO: True},
    SUPERVISOR: {OWN: True, OTHER: False, NO: False},
    PLAYING_SUPERVISOR: {OWN: True, OTHER: False, NO: False},
    AGENT: {OWN: False, OTHER: False, NO: False},
}
VIEW_QUEUE = {
    ADMIN: {OWN: True, OTHER: True, NO: True},
    SUPERVISOR: {OWN: True, OTHER: False, NO: False},
    PLAYING_SUPERVISOR: {OWN: True, OTHER: False, NO: False},
    AGENT: {OWN: True, OTHER: False, NO: False},
}


@pytest.mark.parametrize(
    ("principal", "team", "expected"),
    [(pr, team, ok) for pr, row in LISTEN_IN.items() for team, ok in row.items()],
)
def test_listen_in(principal: Principal, team: str, expected: bool) -> None:
    assert p.can_listen_in(principal, TEAM[team]) is expected


@pytest.mark.parametrize(
    ("principal", "team", "expected"),
    [(pr, team, ok) for pr, row in VIEW_QUEUE.items() for team, ok in row.items()],
)
def test_view_queue_and_team_work(principal: Principal, team: str, expected: bool) -> None:
    assert p.can_view_queue(principal, TEAM[team]) is expected
    assert p.can_view_team_work(principal, TEAM[team]) is expected


# (the agent asked about: own/other, that agent's team: own/other) -> view agent, see presence
ABOUT_AGENTS = {
    ADMIN: {(OTHER, OWN): (True, True), (OTHER, OTHER): (True, True)},
    SUPERVISOR: {(OTHER, OWN): (True, True), (OTHER, OTHER): (False, False)},
    PLAYING_SUPERVISOR: {
        (OWN, OWN): (True, True), (OWN, OTHER): (True, True),
        (OTHER, OWN): (True, True), (OTHER, OTHER): (False, False),
    },
    AGENT: {
        (OWN, OWN): (True, True), (OWN, OTHER): (True, True),
        (OTHER, OWN): (False, True), (OTHER, OTHER): (False, False),
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "agent", "team", "expected"),
    [(pr, a, t, ok) for pr, row in ABOUT_AGENTS.items() for (a, t), ok in row.items()],
)
def test_view_agent_and_presence(
    principal: Principal, agent: str, team: str, expected: tuple[bool, bool]
) -> None:
    agent_id = _agent(principal, agent)
    assert agent_id is not None
    teams = (TEAM[team], "key-accounts") if team == OTHER else (TEAM[team],)
    assert p.can_view_agent(principal, agent_id, teams) is expected[0]
    assert p.can_see_presence(principal, agent_id, teams) is expected[1]


@pytest.mark.parametrize(
    ("principal", "config", "users", "status"),
    [
        (ADMIN, True, True, True),
        (SUPERVISOR, False, False, True),
        (PLAYING_SUPERVISOR, False, False, True),
        (AGENT, False, False, False),
    ],
)
def test_admin_only_and_status_rules(
    principal: Principal, config: bool, users: bool, status: bool
) -> None:
    assert p.can_edit_config(principal) is config
    assert p.can_manage_users(principal) is users
    assert p.can_view_status(principal) is status


def test_an_agent_without_an_agent_id_owns_nothing() -> None:
    lost = Principal(9, "lost", Role.AGENT, frozenset({"parcels"}), None)
    assert not p.can_view_call(lost, "parcels", None)
    assert not p.can_view_agent(lost, "", ("parcels",))


# -- events -------------------------------------------------------------------------------

CHLOE = Principal(5, "chloe", Role.AGENT, frozenset({"parcels"}), "chloe")
BILLING_AGENT = Principal(6, "dan", Role.AGENT, frozenset({"billing"}), "dan")
BILLING_SUPERVISOR = Principal(7, "bea", Role.SUPERVISOR, frozenset({"billing"}), None)
EVERYONE = (ADMIN, SUPERVISOR, BILLING_SUPERVISOR, AGENT, CHLOE, BILLING_AGENT)

EVENT_CASES = [
    # kind, data, team, extra keywords, who sees it (by username)
    ("acd.offered", {"agent_ids": ["alice", "bob"]}, "parcels", {}, {"root", "sue", "alice"}),
    ("acd.answered", {"agent_id": "chloe"}, "parcels", {}, {"root", "sue", "chloe"}),
    ("call.connected", {"agent": "alice"}, "parcels", {}, {"root", "sue", "alice"}),
    ("call.ended", {}, "parcels", {"call_agents": ["alice"]}, {"root", "sue", "alice"}),
    ("call.received", {"caller": "+44"}, None, {}, {"root"}),
    ("acd.queued", {"queue": "billing"}, "billing", {}, {"root", "bea"}),
    ("acd.agent_state", {"agent_id": "bob"}, None, {"agent_teams": ["parcels"]},
     {"root", "sue", "alice", "chloe"}),
    ("acd.agent_state", {"agent_id": "dan"}, None, {"agent_teams": ["billing"]},
     {"root", "bea", "dan"}),
    ("acd.queue_configured", {"queue": "parcels"}, "parcels", {},
     {"root", "sue", "alice", "chloe"}),
    ("task.created", {"task": 3}, "billing", {}, {"root", "bea", "dan"}),
    ("trunk.down", {"trunk": "main"}, None, {}, {"root", "sue", "bea"}),
    ("endpoint.registered", {"extension": "1001"}, None, {}, {"root", "sue", "bea"}),
    ("softphone.incoming", {"agent_id": "chloe"}, None, {}, {"root", "chloe"}),
    ("config.reloaded", {}, None, {}, {"root"}),
    ("server.started", {}, None, {}, {"root"}),
    ("something.new", {"agent_id": "alice"}, "parcels", {}, {"root"}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "data", "team", "extra", "seen_by"), EVENT_CASES)
def test_live_events_reach_only_who_may_see_them(
    kind: str, data: dict[str, object], team: str | None, extra: dict[str, list[str]],
    seen_by: set[str],
) -> None:  # fmt: skip
    seen = {pr.username for pr in EVERYONE if p.visible_event(pr, kind, data, team, **extra)}
    assert seen == seen_by


def test_agents_named_reads_every_agent_key() -> None:
    data = {"agent_id": "a", "agent": "b", "agent_ids": ["c", 4], "other": "d"}
    assert p.agents_named(data) == {"a", "b", "c"}


# -- the documented matrix is the coded one --------------------------------------------------

DOC = Path(__file__).parents[2] / "docs" / "accounts.md"


def test_docs_matrix_matches_the_rules() -> None:
    text = DOC.read_text(encoding="utf-8")
    for action, row in p.RULES.items():
        cells = " | ".join(row[role].value for role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT))
        assert f"| `{action.value}` | {cells} |" in text, action
    for kind, action in p.EVENT_SCOPES:
        assert f"| `{kind}` | `{action.value}` |" in text, kind
