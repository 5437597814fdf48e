"""What staffing history needed, and what one more agent would have changed.

Read from the rows of an `intervals` report (offered calls and AHT per interval): the agents
an Erlang model asks for to meet a target with each interval's arrivals and handling time
(`needed_by_interval`), and, given how many agents actually answered calls in each interval,
the model's figures at that count and at one more (`one_more_agent`). Pure: rows in, figures
out; the charts and the planning page share it so both say the same numbers.

Calls per hour of an interval = offered in it / its length in hours. An interval without its
own AHT (no handled call in it) takes `fallback_aht_s`, the window's AHT, when given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontdesk.planning.metrics import Model, QueueMetrics, SLDefinition, Workload
from frontdesk.planning.staffing import Target, evaluate, required_agents

INTERVAL_HOURS = {"15min": 0.25, "hour": 1.0, "day": 24.0}


@dataclass(frozen=True, slots=True)
class IntervalNeed:
    """One interval: its demand, its measured service level and the agents it needed."""

    interval: str
    offered: int
    calls_per_hour: float
    aht_s: float | None
    service_level: float | None  # measured, under the report's definition
    agents: int | None  # on the phones for the target; None when no AHT is known


@dataclass(frozen=True, slots=True)
class OneMoreAgent:
    """An interval staffed as it was (agents who answered calls in it) and with one more."""

    need: IntervalNeed
    abandoned: int
    agents_seen: int
    as_staffed: QueueMetrics | None  # None without calls or AHT
    one_more: QueueMetrics | None

    @property
    def abandons_saved(self) -> float:
        """Abandoned calls the model says one more agent would have kept, in this interval."""
        if self.one_more is None:
            return 0.0
        # nobody answering: in the model every caller gives up
        here = 1.0 if self.as_staffed is None else self.as_staffed.p_abandon
        return self.need.offered * (here - self.one_more.p_abandon)

    def as_json(self, definition: SLDefinition) -> dict[str, Any]:
        def sl(m: QueueMetrics | None) -> float | None:
            if m is None:
                return 0.0 if self.one_more is not None else None  # no agent, calls offered
            return m.service_level[definition]

        def ab(m: QueueMetrics | None) -> float | None:
            if m is None:
                return 1.0 if self.one_more is not None else None  # no agent, calls offered
            return m.p_abandon

        n = self.need
        return {
            "interval": n.interval,
            "offered": n.offered,
            "calls_per_hour": n.calls_per_hour,
            "aht_s": n.aht_s,
            "agents_needed": n.agents,
            "agents_seen": self.agents_seen,
            "service_level": n.service_level,
            "abandon_rate": self.abandoned / n.offered if n.offered else None,
            "model_service_level": sl(self.as_staffed),
            "model_service_level_one_more": sl(self.one_more),
            "model_abandon": ab(self.as_staffed),
            "model_abandon_one_more": ab(self.one_more),
            "abandons_saved": self.abandons_saved,
        }


def needed_by_interval(
    rows: Iterable[Mapping[str, Any]],
    interval: str,
    target: Target,
    model: Model = Model.C,
    patience_s: float | None = None,
    fallback_aht_s: float | None = None,
) -> list[IntervalNeed]:
    """The agents each interval of an intervals report needed to meet `target`."""
    hours = INTERVAL_HOURS[interval]
    found = []
    for row in rows:
        offered = int(row.get("offered") or 0)
        aht = row.get("aht_s") or fallback_aht_s
        per_hour = offered / hours
        agents: int | None = None
        if offered == 0:
            agents = 0
        elif aht:
            workload = Workload(per_hour, float(aht), patience_s)
            agents = required_agents(model, workload, target).agents
        found.append(
            IntervalNeed(
                str(row[interval]), offered, per_hour, aht, row.get("service_level"), agents
            )
        )
    return found


def window_aht(rows: Iterable[Mapping[str, Any]]) -> float | None:
    """The AHT of the whole window: the intervals' AHTs weighted by their answered calls."""
    pairs = [(float(r["aht_s"]), float(r.get("answered") or 0)) for r in rows if r.get("aht_s")]
    weight = sum(w for _, w in pairs)
    return sum(a * w for a, w in pairs) / weight if weight else None


def agents_seen(rows_by_agent: Iterable[Mapping[str, Any]], interval: str) -> dict[str, int]:
    """Agents who answered at least one call, per interval (rows sliced by interval, agent)."""
    seen: dict[str, set[str]] = {}
    for row in rows_by_agent:
        if row.get("agent") and (row.get("answered") or 0) > 0:
            seen.setdefault(str(row[interval]), set()).add(str(row["agent"]))
    return {key: len(agents) for key, agents in seen.items()}


def one_more_agent(
    rows: Sequence[Mapping[str, Any]],
    needs: Sequence[IntervalNeed],
    seen: Mapping[str, int],
    patience_s: float,
    target_s: float,
    short_abandon_s: float,
) -> list[OneMoreAgent]:
    """Erlang A (the callers' patience from history) at the agents seen and at one more."""
    found = []
    for row, need in zip(rows, needs, strict=True):
        n = seen.get(need.interval, 0)
        here = more = None
        if need.offered and need.aht_s:
            workload = Workload(need.calls_per_hour, float(need.aht_s), patience_s)
            here = evaluate(Model.A, workload, n, target_s, short_abandon_s) if n else None
            more = evaluate(Model.A, workload, n + 1, target_s, short_abandon_s)
        found.append(OneMoreAgent(need, int(row.get("abandoned") or 0), n, here, more))
    return found
