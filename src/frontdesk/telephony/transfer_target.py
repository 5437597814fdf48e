"""Who a transfer goes to: a REFER's target (or a colleague to consult) read against the company.

A phone's Refer-To carries what the agent dialled in its user part: a colleague's extension,
a team or queue name (queues have no numbers of their own in the company file), or an
outside number. Each is checked before the transfer is accepted, so a wrong target is refused
with a SIP status and a sentence, and the caller stays with the agent:

| user part | becomes | refused with |
|---|---|---|
| an agent's extension or id | `agent` | 403 the agent themself, 480 phone not registered |
| a team or queue name | `team` (the team's first queue) | 404 a team without a queue |
| `+` and 7–15 digits, or 7–15 digits | `number` (trunk) | 403 no trunk, or our own number |
| anything else | — | 404 |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from frontdesk.config import Agent, Company
from frontdesk.telephony import TelephonyError


class TransferRefused(TelephonyError):
    """A transfer target that cannot be used; `status` is the SIP answer to give."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class TransferTarget:
    kind: str  # "agent", "team" or "number" (as flows' Transfer actions)
    to: str  # agent id, team name or E.164-ish number


Registered = Callable[[str], bool]  # extension -> has a live registration


def resolve(
    company: Company, user: str | None, by_agent: str, registered: Registered
) -> TransferTarget:
    """The target named by `user` for a transfer made by agent `by_agent`."""
    text = (user or "").strip()
    if not text:
        raise TransferRefused("the transfer target names nobody", 404)
    agent = company.agent_by_extension(text) or company.agent(text)
    if agent is not None:
        return TransferTarget("agent", _colleague(agent, by_agent, registered).id)
    team = _team_named(company, text)
    if team is not None:
        return TransferTarget("team", team)
    digits = text[1:] if text.startswith("+") else text
    if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15:
        if company.number_for(text) is not None or company.number_for(digits) is not None:
            raise TransferRefused(f"{text} is one of the company's own numbers", 403)
        if not company.trunks:
            raise TransferRefused(f"no trunk is configured to call {text}", 403)
        return TransferTarget("number", text)
    raise TransferRefused(f"there is no extension, team or number {text!r}", 404)


def colleague(company: Company, user: str | None, by_agent: str, registered: Registered) -> Agent:
    """The colleague an agent consults (an extension or agent id), checked like a target."""
    text = (user or "").strip()
    agent = company.agent_by_extension(text) or company.agent(text)
    if agent is None:
        raise TransferRefused(f"there is no agent or extension {text!r}", 404)
    return _colleague(agent, by_agent, registered)


def _colleague(agent: Agent, by_agent: str, registered: Registered) -> Agent:
    if agent.id == by_agent:
        raise TransferRefused("an agent cannot transfer a caller to themself", 403)
    if not registered(agent.extension):
        raise TransferRefused(f"{agent.name}'s phone is not registered", 480)
    return agent


def _team_named(company: Company, text: str) -> str | None:
    """A team with a queue, named by the team or by one of its queues."""
    lowered = text.lower()
    for queue in company.queues:
        if lowered in (queue.name.lower(), queue.team.lower()):
            return queue.team
    if any(t.name.lower() == lowered for t in company.teams):
        raise TransferRefused(f"team {text!r} has no queue to take callers", 404)
    return None
