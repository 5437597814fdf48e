"""The calls Frontdesk holds right now, as supervisors and agents see them.

Read straight from the contact centre on request (no copy to keep in step): each answered
inbound call with its caller, where it is (menu, queue, talking, back in the flow after the
agent, voicemail), the agent (the one who took it, after they left too), and the agent leg
that supervisors can listen to.
"""

from __future__ import annotations

from typing import Any

from frontdesk.config.home_teams import HomeTeams
from frontdesk.telephony.contact_centre import ContactCentre
from frontdesk.telephony.conversation import InboundCall, Mode

_HOME = HomeTeams()  # cached per company and flows, as the event stream's and history's


def _agent_leg(centre: ContactCentre, call: InboundCall) -> str | None:
    if call.agent is None:
        return None
    line = centre.lines.get((call.call_id, call.agent))
    return line.leg.stream if line is not None and line.leg is not None else None


def _name_of(centre: ContactCentre, agent_id: str | None) -> str | None:
    agent = centre.services.company.agent(agent_id) if agent_id else None
    return agent.name if agent is not None and agent.name else agent_id


def describe(centre: ContactCentre, call: InboundCall, wall_now: float) -> dict[str, Any]:
    crm = call.crm
    account = crm.get("account") or {}
    cases = crm.get("cases") or []
    queue = call.queue
    state = call.mode.value
    if call.mode is Mode.FLOW and call.agent is not None:
        state = "after_agent"  # the agent hung up and the flow goes on: a survey, a goodbye
    return {
        "call_id": call.call_id,
        "number": call.caller or call.caller_raw,
        "name": crm.get("name") or None,
        "account": account.get("name"),
        "tier": crm.get("tier"),
        "vip": bool(crm.get("vip")),
        "open_case": bool(cases),
        "language": call.language,
        "dialled": call.number.number,
        "state": state,
        "queue": queue,
        "team": centre.team_of(queue) if queue else None,
        "agent": call.agent,
        "agent_name": _name_of(centre, call.agent),
        "agent_leg": _agent_leg(centre, call),
        "recording": call.recording,
        "since_s": round(max(wall_now - call.answered_at, 0.0), 1),
    }


def teams_of(centre: ContactCentre, described: dict[str, Any]) -> tuple[str | None, ...]:
    """The teams a described call belongs to: its queue's, or before any queue the teams its
    number serves (config.home_teams) — the rule the live event stream and history follow,
    so a supervisor sees on the list the calls in the menu whose events reach them."""
    if described["team"] is not None:
        return (described["team"],)
    services = centre.services
    return _HOME.of(services.company, services.flows, described["dialled"]) or (None,)


def live_calls(centre: ContactCentre, wall_now: float) -> list[dict[str, Any]]:
    """Every live inbound call, oldest first."""
    calls = [c for c in centre.live.values() if c.mode is not Mode.ENDED]
    calls.sort(key=lambda c: c.answered_at)
    return [describe(centre, c, wall_now) for c in calls]


def current_call_of(centre: ContactCentre, agent_id: str) -> InboundCall | None:
    """The caller an agent is ringing for or talking with, if any."""
    for (contact, agent), _line in centre.lines.items():
        if agent == agent_id:
            call = centre.calls.get(contact) or centre.live.get(contact)
            if call is not None:
                return call
    return None
