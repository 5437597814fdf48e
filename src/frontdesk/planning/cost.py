"""Cost of a staffing level, and the staffing that minimises it.

Per hour: staff = agent cost x agents / (1 - shrinkage) (paid hours include time off the
phones); lost calls = calls per hour x P(lost) x value of a lost call, where a call is lost
when blocked (Erlang B) or abandoned (Erlang A); waiting = calls per hour x mean wait x cost
of an hour of a caller's waiting (the only trade-off Erlang C has, as no call is lost there).

The lost and waiting terms fall with n and are convex in practice (Erlang B's convexity in n
is a theorem: Messerli 1972; for Erlang A and C the tests check it numerically), while staff
cost grows linearly, so the total is unimodal: the search walks from n = a towards lower
cost and stops at the first rise, O(sqrt(a)) evaluations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from frontdesk.planning.erlang import erlang_c
from frontdesk.planning.erlang_a import ErlangA
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import Model, QueueMetrics, Workload
from frontdesk.planning.numerics import erlang_b_fast
from frontdesk.planning.staffing import evaluate


@dataclass(frozen=True, slots=True)
class CostRates:
    """Money per hour of an agent, per lost call, per hour a caller spends waiting."""

    agent_per_hour: float
    lost_call: float
    waiting_per_hour: float = 0.0
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        for name in ("agent_per_hour", "lost_call", "waiting_per_hour"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise PlanningError(f"{name.replace('_', ' ')} must be 0 or more, not {value}")
        if not (0.0 <= self.shrinkage < 1.0):
            raise PlanningError(f"shrinkage must be in [0, 1), not {self.shrinkage}")


@dataclass(frozen=True, slots=True)
class CostPoint:
    """Hourly cost of one staffing level, split by cause."""

    agents: int
    staff: float
    lost_calls: float
    waiting: float
    metrics: QueueMetrics | None = field(default=None, repr=False)

    @property
    def total(self) -> float:
        return self.staff + self.lost_calls + self.waiting


@dataclass(frozen=True, slots=True)
class CostOptimum:
    best: CostPoint
    curve: tuple[CostPoint, ...]


def cost_at(model: Model, workload: Workload, agents: int, rates: CostRates) -> CostPoint:
    """The hourly cost of answering `workload` with `agents` on the phones."""
    p_lost, mean_wait_s = _lost_and_wait(model, workload, agents)
    waiting = workload.calls_per_hour * mean_wait_s / 3600.0 * rates.waiting_per_hour
    if math.isnan(waiting):  # infinite wait at zero cost per hour
        waiting = 0.0
    return CostPoint(
        agents=agents,
        staff=rates.agent_per_hour * agents / (1.0 - rates.shrinkage),
        lost_calls=workload.calls_per_hour * p_lost * rates.lost_call,
        waiting=waiting,
    )


def cheapest_staffing(
    model: Model,
    workload: Workload,
    rates: CostRates,
    spread: int = 5,
    target_s: float = 20.0,
) -> CostOptimum:
    """The agent count of least hourly cost, with the cost curve `spread` agents either side."""
    if model is Model.A and workload.patience_s is None:
        raise PlanningError("Erlang A needs the callers' mean patience (patience_s)")
    load = workload.load
    lowest = math.floor(load) + 1 if model is Model.C and load > 0 else (1 if load > 0 else 0)
    n = max(lowest, round(load))

    def total(k: int) -> float:
        return cost_at(model, workload, k, rates).total

    here = total(n)
    if total(n + 1) < here:
        while (following := total(n + 1)) < here:
            n, here = n + 1, following
    else:
        while n > lowest and (previous := total(n - 1)) <= here:
            n, here = n - 1, previous
    curve = tuple(
        _with_metrics(cost_at(model, workload, k, rates), evaluate(model, workload, k, target_s))
        for k in range(max(lowest, n - spread), n + spread + 1)
    )
    best = next(point for point in curve if point.agents == n)
    return CostOptimum(best, curve)


def _with_metrics(point: CostPoint, metrics: QueueMetrics) -> CostPoint:
    return CostPoint(point.agents, point.staff, point.lost_calls, point.waiting, metrics)


def _lost_and_wait(model: Model, workload: Workload, agents: int) -> tuple[float, float]:
    """P(call lost) and mean wait over offered calls, without the service-level integrals."""
    load = workload.load
    if model is Model.B:
        return erlang_b_fast(agents, load), 0.0
    if model is Model.C:
        if load == 0.0:
            return 0.0, 0.0
        if load >= agents:
            return 0.0, math.inf
        return 0.0, erlang_c(agents, load) * workload.aht_s / (agents - load)
    if load == 0.0:
        return 0.0, 0.0
    erlang_a = ErlangA(workload, agents)
    return erlang_a.p_abandon(), erlang_a.mean_wait_s()
