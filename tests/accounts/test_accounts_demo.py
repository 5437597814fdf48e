"""Demo users from the demo company, created once; users checked against a company file."""

from __future__ import annotations

import dataclasses

from accounts_helpers import CHEAP

from frontdesk.accounts import (
    AccountStore,
    NewUser,
    Passwords,
    Role,
    company_problems,
    demo_users,
    ensure_demo_users,
)
from frontdesk.config import load_demo_company

DEMO_PASSWORD = "frontdesk-demo"


def test_demo_users_follow_the_company_file() -> None:
    company = load_demo_company()
    users = {user.username: user for user in demo_users(company)}
    every_team = {team.name for team in company.teams}
    for agent in company.agents:
        user = users[agent.id]
        assert user.role is Role.AGENT and user.agent_id == agent.id
        assert user.display_name == agent.name
        assert set(user.teams) == set(agent.teams or every_team)
    assert users["supervisor"].role is Role.SUPERVISOR
    assert set(users["supervisor"].teams) == every_team
    assert users["admin"].role is Role.ADMIN and users["admin"].agent_id is None
    assert len(users) == len(company.agents) + 2


def test_an_agent_without_teams_belongs_to_every_team() -> None:
    company = load_demo_company()
    loner = dataclasses.replace(company.agents[0], id="loner", teams=())
    company = dataclasses.replace(company, agents=(*company.agents, loner))
    (user,) = [u for u in demo_users(company) if u.username == "loner"]
    assert set(user.teams) == {team.name for team in company.teams}


def test_ensure_demo_users_is_idempotent_and_leaves_existing_users_alone(
    store: AccountStore,
) -> None:
    company = load_demo_company()
    store.create_user(NewUser("admin", "The real admin", Role.ADMIN), "my own secret!")
    created = ensure_demo_users(store, company, DEMO_PASSWORD)
    assert {u.username for u in created} == {a.id for a in company.agents} | {"supervisor"}
    assert ensure_demo_users(store, company, DEMO_PASSWORD) == []
    assert store.user("admin").display_name == "The real admin"
    store.authenticate("admin", "my own secret!")
    store.authenticate("alice", DEMO_PASSWORD)
    store.authenticate("supervisor", DEMO_PASSWORD)


def test_demo_password_passes_the_policy_for_every_demo_user() -> None:
    passwords = Passwords(CHEAP)
    for user in demo_users(load_demo_company()):
        assert passwords.verify(passwords.hash_new(DEMO_PASSWORD, user.username), DEMO_PASSWORD)


def test_company_problems_name_unknown_teams_and_agents() -> None:
    company = load_demo_company()
    good = NewUser("x", "X", Role.AGENT, ("parcels",), "alice")
    assert company_problems(good, company) == []
    bad = NewUser("x", "X", Role.AGENT, ("parcels", "sales"), "zed")
    assert company_problems(bad, company) == [
        "the team 'sales' is not in the company file",
        "the agent 'zed' is not in the company file",
    ]
