"""Who may see and do what: the access policy of the web app and the API, as pure functions.

Every rule is one cell of `RULES` (action x role -> reach); the functions below only gather
the facts (the subject's teams, the agent involved) and look the cell up. To audit the
policy, read `RULES` and `EVENT_SCOPES`; docs/accounts.md has the same matrix in words, and a
test checks that the two agree.

Reaches:
- ALL: everything.
- TEAMS: the subject belongs to one of the principal's teams (a call's or queue's team, one
  of an agent's teams).
- OWN: the principal is the agent concerned (handled the call; is the agent asked about).
- TEAMS_OR_OWN: either.
- NONE: nothing.
A subject without a team is reached only by ALL or OWN; a call still in the menu, before any
queue, is given the teams its number serves (`config.home_teams`), so their supervisors see
it. A principal without an agent id is never OWN.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from typing import Any

from frontdesk.accounts.model import Principal, Role


class Action(enum.StrEnum):
    VIEW_CALL = "view_call"  # a call's details, history, CRM screen, live events
    VIEW_RECORDING = "view_recording"
    LISTEN_IN = "listen_in"  # listen, whisper, barge on a live call
    VIEW_QUEUE = "view_queue"  # a queue's figures and waiting callers
    VIEW_TEAM_WORK = "view_team_work"  # a team's follow-up tasks: callbacks, voicemails
    VIEW_AGENT = "view_agent"  # an agent's statistics and history
    SEE_PRESENCE = "see_presence"  # an agent's current state (for transfers, wallboards)
    SET_PRESENCE = "set_presence"  # put an agent on a break or make them ready
    VIEW_STATUS = "view_status"  # trunks and phones up or down
    EDIT_CONFIG = "edit_config"  # the company file, flows; server events
    MANAGE_USERS = "manage_users"  # users, roles, API tokens, login audit


class Reach(enum.StrEnum):
    ALL = "all"
    TEAMS = "own teams"
    OWN = "own"
    TEAMS_OR_OWN = "own teams or own"
    NONE = "none"


A, S, G = Role.ADMIN, Role.SUPERVISOR, Role.AGENT
RULES: Mapping[Action, Mapping[Role, Reach]] = {
    Action.VIEW_CALL: {A: Reach.ALL, S: Reach.TEAMS_OR_OWN, G: Reach.OWN},
    Action.VIEW_RECORDING: {A: Reach.ALL, S: Reach.TEAMS_OR_OWN, G: Reach.OWN},
    Action.LISTEN_IN: {A: Reach.ALL, S: Reach.TEAMS, G: Reach.NONE},
    Action.VIEW_QUEUE: {A: Reach.ALL, S: Reach.TEAMS, G: Reach.TEAMS},
    Action.VIEW_TEAM_WORK: {A: Reach.ALL, S: Reach.TEAMS, G: Reach.TEAMS},
    Action.VIEW_AGENT: {A: Reach.ALL, S: Reach.TEAMS_OR_OWN, G: Reach.OWN},
    Action.SEE_PRESENCE: {A: Reach.ALL, S: Reach.TEAMS_OR_OWN, G: Reach.TEAMS_OR_OWN},
    Action.SET_PRESENCE: {A: Reach.ALL, S: Reach.TEAMS_OR_OWN, G: Reach.OWN},
    Action.VIEW_STATUS: {A: Reach.ALL, S: Reach.ALL, G: Reach.NONE},
    Action.EDIT_CONFIG: {A: Reach.ALL, S: Reach.NONE, G: Reach.NONE},
    Action.MANAGE_USERS: {A: Reach.ALL, S: Reach.NONE, G: Reach.NONE},
}


def allowed(
    principal: Principal,
    action: Action,
    teams: Collection[str | None] = (),
    agents: Collection[str | None] = (),
) -> bool:
    """Whether `principal` may do `action` on a subject of these teams and agents."""
    reach = RULES[action][principal.role]
    in_teams = any(team is not None and team in principal.teams for team in teams)
    own = principal.agent_id is not None and principal.agent_id in agents
    if reach is Reach.ALL:
        return True
    if reach is Reach.TEAMS:
        return in_teams
    if reach is Reach.OWN:
        return own
    if reach is Reach.TEAMS_OR_OWN:
        return in_teams or own
    return False


def can_view_call(principal: Principal, call_team: str | None, call_agent: str | None) -> bool:
    return allowed(principal, Action.VIEW_CALL, (call_team,), (call_agent,))


def can_view_recording(principal: Principal, call_team: str | None, call_agent: str | None) -> bool:
    return allowed(principal, Action.VIEW_RECORDING, (call_team,), (call_agent,))


def can_listen_in(principal: Principal, call_team: str | None) -> bool:
    return allowed(principal, Action.LISTEN_IN, (call_team,))


def can_view_queue(principal: Principal, queue_team: str | None) -> bool:
    return allowed(principal, Action.VIEW_QUEUE, (queue_team,))


def can_view_team_work(principal: Principal, team: str | None) -> bool:
    return allowed(principal, Action.VIEW_TEAM_WORK, (team,))


def can_view_agent(principal: Principal, agent_id: str, agent_teams: Collection[str]) -> bool:
    return allowed(principal, Action.VIEW_AGENT, agent_teams, (agent_id,))


def can_see_presence(principal: Principal, agent_id: str, agent_teams: Collection[str]) -> bool:
    return allowed(principal, Action.SEE_PRESENCE, agent_teams, (agent_id,))


def can_set_presence(principal: Principal, agent_id: str, agent_teams: Collection[str]) -> bool:
    return allowed(principal, Action.SET_PRESENCE, agent_teams, (agent_id,))


def can_view_status(principal: Principal) -> bool:
    return allowed(principal, Action.VIEW_STATUS)


def can_edit_config(principal: Principal) -> bool:
    return allowed(principal, Action.EDIT_CONFIG)


def can_manage_users(principal: Principal) -> bool:
    return allowed(principal, Action.MANAGE_USERS)


# -- the live event stream ------------------------------------------------------------------

# Which action guards an event kind: the first entry whose key is the kind itself or a prefix
# ending in "." wins. Kinds not listed are for admins only (new kinds are hidden until someone
# decides who should see them).
EVENT_SCOPES: tuple[tuple[str, Action], ...] = (
    ("acd.agent_state", Action.SEE_PRESENCE),
    ("presence.", Action.SEE_PRESENCE),  # a supervisor's change of an agent's presence
    ("acd.queue_configured", Action.VIEW_QUEUE),
    ("acd.", Action.VIEW_CALL),
    ("call.", Action.VIEW_CALL),
    ("leg.", Action.VIEW_CALL),
    ("softphone.", Action.VIEW_CALL),  # a browser phone's ringing and hang-ups: its agent's
    ("task.", Action.VIEW_TEAM_WORK),
    ("trunk.", Action.VIEW_STATUS),
    ("endpoint.", Action.VIEW_STATUS),
    ("server.", Action.EDIT_CONFIG),
    ("config.", Action.EDIT_CONFIG),
)
_AGENT_KEYS = ("agent_id", "agent")


def event_action(kind: str) -> Action:
    for key, action in EVENT_SCOPES:
        if kind == key or (key.endswith(".") and kind.startswith(key)):
            return action
    return Action.MANAGE_USERS  # admins only


def agents_named(data: Mapping[str, Any]) -> frozenset[str]:
    """The agent ids an event's data mentions (agent_id, agent, agent_ids)."""
    named = {data[key] for key in _AGENT_KEYS if isinstance(data.get(key), str)}
    many = data.get("agent_ids")
    if isinstance(many, list | tuple):
        named.update(agent for agent in many if isinstance(agent, str))
    return frozenset(named)


def visible_event(
    principal: Principal,
    kind: str,
    data: Mapping[str, Any],
    team_of_call: str | tuple[str, ...] | None,
    *,
    agent_teams: Collection[str] = (),
    call_agents: Collection[str] = (),
) -> bool:
    """Whether to deliver one event of the live stream to `principal`.

    `team_of_call` is the team of the call, queue or task the event is about (None when not
    known yet), or several: a call still in the menu belongs to the teams its number serves.
    `agent_teams` are the teams of the agent an `acd.agent_state` event is about.
    `call_agents` are agents known to have handled the call, so that an agent also sees its
    events that do not name them (the call ending, its recording). Agents named in `data`
    always count as involved: an agent sees the offers made to them.
    """
    action = event_action(kind)
    agents = agents_named(data) | frozenset(call_agents)
    if action in (Action.SEE_PRESENCE, Action.VIEW_AGENT):
        return allowed(principal, action, agent_teams, agents)
    teams = team_of_call if isinstance(team_of_call, tuple) else (team_of_call,)
    return allowed(principal, action, teams, agents)
