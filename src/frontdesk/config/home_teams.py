"""The teams a company number serves: who a call belongs to before it reaches a queue.

A call that ends in the menu (the caller hung up, or the flow answered them by itself) never
reaches a queue, so no queue names its team. Such calls are the front door of the teams the
number's flow can hand callers to, and their supervisors are the people who need to see them
(missed calls in the menu, self-service that went wrong). A number's home teams are therefore
the teams named literally in its flow: queue and callback nodes (through the queue's team),
voicemail nodes and transfers to a team. A flow that names no team literally (it routes only
by CRM data, e.g. "{crm.account.team}") may hand a caller to any team, so it belongs to all.
"""

from __future__ import annotations

from collections.abc import Iterator

from frontdesk.config.company import Company
from frontdesk.config.crossref import literal_text
from frontdesk.flows import model as m
from frontdesk.flows.model import Flow, FlowSet


def home_teams(company: Company, flows: FlowSet) -> dict[str, tuple[str, ...]]:
    """E.164 number -> the teams of its flow (sorted), for every number of the company."""
    everyone = tuple(sorted(t.name for t in company.teams))
    found: dict[str, tuple[str, ...]] = {}
    for number in company.numbers:
        flow = flows.flows.get(number.flow)
        named = set(_teams_named(company, flow)) if flow is not None else set()
        found[number.number] = tuple(sorted(named)) or everyone
    return found


def _teams_named(company: Company, flow: Flow) -> Iterator[str]:
    for node in flow.nodes.values():
        if isinstance(node, m.Queue | m.Callback):
            queue = company.queue(literal_text(node.queue) or "")
            if queue is not None:
                yield queue.team
        elif isinstance(node, m.Voicemail):
            yield from _known_team(company, literal_text(node.team))
        elif isinstance(node, m.Transfer) and node.kind is m.TransferKind.TEAM:
            yield from _known_team(company, literal_text(node.to))


def _known_team(company: Company, name: str | None) -> Iterator[str]:
    if name and any(team.name == name for team in company.teams):
        yield name


class HomeTeams:
    """`home_teams` for the running company, recomputed when a reload replaces it."""

    def __init__(self) -> None:
        self._for: tuple[Company, FlowSet] | None = None
        self._teams: dict[str, tuple[str, ...]] = {}

    def of(self, company: Company, flows: FlowSet, number: str | None) -> tuple[str, ...]:
        if self._for is None or self._for[0] is not company or self._for[1] is not flows:
            self._teams, self._for = home_teams(company, flows), (company, flows)
        return self._teams.get(number or "", ())
