"""Users made from the company file: the demo's users, and checks of users against the file.

The demo gets one agent user per company agent (username = agent id), a supervisor of every
team and an admin, all with one password given by the caller (the demo prints it).
"""

from __future__ import annotations

from frontdesk.accounts import validate
from frontdesk.accounts.model import NewUser, Role, User
from frontdesk.accounts.store import AccountStore
from frontdesk.config.company import Company

DEMO_SUPERVISOR = "supervisor"
DEMO_ADMIN = "admin"


def company_teams(company: Company) -> tuple[str, ...]:
    """Every team the company file names: its teams, its queues' teams, its agents' teams."""
    names = {team.name for team in company.teams} | {queue.team for queue in company.queues}
    for agent in company.agents:
        names.update(agent.teams)
    return tuple(sorted(names))


def demo_users(company: Company) -> list[NewUser]:
    """The demo's users. An agent with no teams in the file serves every queue, so its user
    belongs to every team."""
    every_team = company_teams(company)
    users = [
        NewUser(
            username=agent.id,
            display_name=agent.name,
            role=Role.AGENT,
            teams=agent.teams or every_team,
            agent_id=agent.id,
        )
        for agent in company.agents
    ]
    users.append(NewUser(DEMO_SUPERVISOR, "Demo supervisor", Role.SUPERVISOR, every_team))
    users.append(NewUser(DEMO_ADMIN, "Demo admin", Role.ADMIN))
    return users


def ensure_demo_users(store: AccountStore, company: Company, password: str) -> list[User]:
    """Creates the demo users that are missing and returns them; existing users (same
    username, or already linked to the agent) are left exactly as they are, password too.
    Hashes one password per user created: call from a thread."""
    created = []
    for new in demo_users(company):
        if store.find_by_username(new.username) is not None:
            continue
        if new.agent_id is not None and store.find_by_agent(new.agent_id) is not None:
            continue
        created.append(store.create_user(new, password))
    return created


def company_problems(user: NewUser | User, company: Company) -> list[str]:
    """What in a user does not match the company file: unknown teams, an unknown agent."""
    problems = []
    known_teams = set(company_teams(company))
    for team in validate.teams(user.teams):
        if team not in known_teams:
            problems.append(f"the team '{team}' is not in the company file")
    agent_ids = {agent.id for agent in company.agents}
    if user.agent_id is not None and user.agent_id not in agent_ids:
        problems.append(f"the agent '{user.agent_id}' is not in the company file")
    return problems
