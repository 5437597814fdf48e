"""Which events a subscription receives, and the checks of what an admin types in.

A kind filter entry is an exact kind (`call.answered`) or a prefix ending with a dot
(`acd.`, `call.`); an empty filter means every kind. A team filter keeps events that concern
one of the named teams (an empty one keeps everything). The teams an event concerns:

1. those its data names: `team`, and the team of its `queue`;
2. for an event of a call, also the teams its call's earlier events named (so `call.dtmf` or
   `call.ended` after the call queued for parcels concern parcels; the pump remembers them);
3. when neither gives a team, the teams of the agent it names (`agent`/`agent_id`; an agent
   with no team serves every team): an agent's state changes concern the agent's teams,
   while an agent who serves two teams answering a billing call does not make it parcels'.

Events of a call before it names a team (its flow, before a queue) match no team filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from frontdesk.config.company import Company
from frontdesk.webhooks.errors import BadEventFilter, BadTeamFilter, BadWebhookUrl

MAX_URL = 2048
KIND = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*\.?")


def check_url(url: str) -> str:
    """The URL when it is an absolute http(s) URL with a host, else BadWebhookUrl."""
    url = url.strip()
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise BadWebhookUrl(f"the webhook URL {url[:80]!r} is empty, too long or has spaces")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise BadWebhookUrl(f"the webhook URL {url[:80]!r} cannot be read: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise BadWebhookUrl(f"the webhook URL {url[:80]!r} must start with http:// or https://")
    if not parts.hostname or not port_ok:
        raise BadWebhookUrl(f"the webhook URL {url[:80]!r} has no host (or a bad port)")
    if parts.fragment:
        raise BadWebhookUrl(f"the webhook URL {url[:80]!r} has a #fragment, never sent in HTTP")
    return url


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """Exact kinds or prefixes ending with '.'; duplicates dropped, order kept."""
    out: list[str] = []
    for kind in kinds:
        if not isinstance(kind, str) or not KIND.fullmatch(kind):
            raise BadEventFilter(
                f"event filter {kind!r} is neither an event kind such as 'call.answered' nor a "
                "prefix such as 'acd.' (lower-case letters, digits, '_' and '.')"
            )
        if kind not in out:
            out.append(kind)
    return tuple(out)


def check_teams(teams: Iterable[str], known: Iterable[str] | None = None) -> tuple[str, ...]:
    out: list[str] = []
    names = set(known) if known is not None else None
    for team in teams:
        if not isinstance(team, str) or not team.strip():
            raise BadTeamFilter(f"team filter {team!r} is not a team name")
        if names is not None and team not in names:
            raise BadTeamFilter(
                f"team {team!r} does not exist (known: {', '.join(sorted(names)) or 'none'})"
            )
        if team not in out:
            out.append(team)
    return tuple(out)


def kind_matches(kinds: tuple[str, ...], kind: str) -> bool:
    if not kinds:
        return True
    return any(kind == k or (k.endswith(".") and kind.startswith(k)) for k in kinds)


def matches(
    kinds: tuple[str, ...], teams: tuple[str, ...], kind: str, event_teams: frozenset[str]
) -> bool:
    """Whether an event of `kind` concerning `event_teams` goes to a subscription."""
    if not kind_matches(kinds, kind):
        return False
    return not teams or not event_teams.isdisjoint(teams)


@dataclass(frozen=True, slots=True)
class TeamMap:
    """The company's queues and agents as teams, to tell which teams an event concerns."""

    queue_team: Mapping[str, str] = field(default_factory=dict)
    agent_teams: Mapping[str, frozenset[str]] = field(default_factory=dict)
    all_teams: frozenset[str] = frozenset()

    @classmethod
    def of(cls, company: Company) -> TeamMap:
        every = frozenset(t.name for t in company.teams)
        return cls(
            queue_team={q.name: q.team for q in company.queues},
            agent_teams={a.id: frozenset(a.teams) if a.teams else every for a in company.agents},
            all_teams=every,
        )

    def teams_of(self, data: Mapping[str, Any]) -> frozenset[str]:
        """The teams an event's data names directly: its `team`, its `queue`'s team."""
        found: set[str] = set()
        team = data.get("team")
        if isinstance(team, str):
            found.add(team)
        queue = data.get("queue")
        if isinstance(queue, str) and queue in self.queue_team:
            found.add(self.queue_team[queue])
        return frozenset(found)

    def agent_teams_of(self, data: Mapping[str, Any]) -> frozenset[str]:
        """The teams of the agent an event's data names (`agent` or `agent_id`)."""
        found: set[str] = set()
        for key in ("agent", "agent_id"):
            agent = data.get(key)
            if isinstance(agent, str):
                found |= self.agent_teams.get(agent, frozenset())
        return frozenset(found)
