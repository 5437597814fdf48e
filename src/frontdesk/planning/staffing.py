"""Agents needed for a target: service level, ASA, abandonment or blocking, per interval.

Every figure is monotone in the number of agents (more agents: less waiting, fewer lost
calls), so the answer is the smallest n that meets the target. For Erlang C, the common case,
the search starts at the smallest stable n = floor(a) + 1, takes Erlang B there in O(1) and
walks upward with one step of the B recursion per agent: the answer is O(sqrt(a)) steps
away, so a 2,000-Erlang interval costs about a hundred float operations. Other models gallop
from a square-root-staffing guess (n = a + sqrt(a)) and bisect. The occupancy cap and the
shrinkage are applied after the target: scheduled = ceil(agents / (1 - shrinkage)).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from frontdesk.planning.erlang import (
    erlang_b_metrics,
    erlang_c,
    erlang_c_metrics,
)
from frontdesk.planning.erlang_a import ErlangA
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import (
    DEFAULT_SHORT_ABANDON_S,
    DEFAULT_SL_DEFINITION,
    Model,
    QueueMetrics,
    SLDefinition,
    Workload,
)
from frontdesk.planning.numerics import erlang_b_fast

_TOLERANCE = 1e-12


class TargetKind(Enum):
    SERVICE_LEVEL = "service_level"
    ASA = "asa"
    ABANDON = "abandon"
    BLOCKING = "blocking"


@dataclass(frozen=True, slots=True)
class Target:
    """What one interval must achieve. Build it with the class methods."""

    kind: TargetKind
    value: float
    threshold_s: float = 20.0
    definition: SLDefinition = DEFAULT_SL_DEFINITION

    def __post_init__(self) -> None:
        if self.kind is TargetKind.ASA:
            if not (math.isfinite(self.value) and self.value > 0.0):
                raise PlanningError(f"an ASA target must be above 0 s, not {self.value}")
        elif not (0.0 < self.value < 1.0):
            raise PlanningError(
                f"a {self.kind.value.replace('_', ' ')} target is a fraction strictly "
                f"between 0 and 1, not {self.value}"
            )
        if not (math.isfinite(self.threshold_s) and self.threshold_s >= 0.0):
            raise PlanningError(
                f"the service-level time must be 0 s or more, not {self.threshold_s}"
            )

    @classmethod
    def service_level(
        cls, value: float, threshold_s: float, definition: SLDefinition = DEFAULT_SL_DEFINITION
    ) -> Target:
        return cls(TargetKind.SERVICE_LEVEL, value, threshold_s, definition)

    @classmethod
    def asa(cls, seconds: float) -> Target:
        return cls(TargetKind.ASA, seconds)

    @classmethod
    def abandon(cls, fraction: float) -> Target:
        return cls(TargetKind.ABANDON, fraction)

    @classmethod
    def blocking(cls, fraction: float) -> Target:
        return cls(TargetKind.BLOCKING, fraction)

    def met_by(self, metrics: QueueMetrics) -> bool:
        if not metrics.stable:
            return False
        if self.kind is TargetKind.SERVICE_LEVEL:
            return metrics.service_level[self.definition] >= self.value - _TOLERANCE
        if self.kind is TargetKind.ASA:
            return metrics.asa_s <= self.value * (1.0 + _TOLERANCE)
        if self.kind is TargetKind.ABANDON:
            return metrics.p_abandon <= self.value + _TOLERANCE
        return metrics.p_block <= self.value + _TOLERANCE


@dataclass(frozen=True, slots=True)
class StaffingPolicy:
    """Occupancy cap (fraction of time agents may be busy) and shrinkage (time off phones)."""

    max_occupancy: float = 1.0
    shrinkage: float = 0.0
    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S

    def __post_init__(self) -> None:
        if not (0.0 < self.max_occupancy <= 1.0):
            raise PlanningError(f"maximum occupancy must be in (0, 1], not {self.max_occupancy}")
        if not (0.0 <= self.shrinkage < 1.0):
            raise PlanningError(f"shrinkage must be in [0, 1), not {self.shrinkage}")

    def scheduled(self, agents: int) -> int:
        return math.ceil(agents / (1.0 - self.shrinkage) - 1e-9)


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Agents on the phones, agents to schedule (shrinkage), and what set the number."""

    agents: int
    scheduled: int
    limited_by: str  # "target", "occupancy" or "no calls"
    p_wait: float
    occupancy: float
    model: Model = field(repr=False)
    workload: Workload = field(repr=False)
    target_s: float = field(repr=False)
    short_abandon_s: float = field(repr=False)

    @property
    def metrics(self) -> QueueMetrics:
        """Every figure at the chosen count (computed on demand: a day of staffing rarely
        needs them all)."""
        return evaluate(self.model, self.workload, self.agents, self.target_s, self.short_abandon_s)


_DEFAULT_POLICY = StaffingPolicy()

_COMPATIBLE = {
    TargetKind.SERVICE_LEVEL: {Model.B, Model.C, Model.A},
    TargetKind.ASA: {Model.C, Model.A},
    TargetKind.ABANDON: {Model.A},
    TargetKind.BLOCKING: {Model.B},
}


def evaluate(
    model: Model,
    workload: Workload,
    agents: int,
    target_s: float = 20.0,
    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S,
) -> QueueMetrics:
    """The figures of `model` for `workload` answered by `agents`."""
    if model is Model.B:
        return erlang_b_metrics(workload, agents, target_s, short_abandon_s)
    if model is Model.C:
        return erlang_c_metrics(workload, agents, target_s, short_abandon_s)
    return ErlangA(workload, agents).metrics(target_s, short_abandon_s)


def required_agents(
    model: Model, workload: Workload, target: Target, policy: StaffingPolicy | None = None
) -> StaffingResult:
    """The smallest agent count meeting `target` and the occupancy cap."""
    policy = policy or _DEFAULT_POLICY
    if model not in _COMPATIBLE[target.kind]:
        raise PlanningError(f"Erlang {model.name} has no {target.kind.value} figure to target")
    if model is Model.A and workload.patience_s is None:
        raise PlanningError("Erlang A needs the callers' mean patience (patience_s)")
    load = workload.load
    if load == 0.0:
        return _result(model, workload, target, policy, 0, "no calls")
    lowest = math.floor(load) + 1 if model is Model.C else 1
    limit = math.ceil(load + 100.0 * math.sqrt(load) + 1000.0)
    if model is Model.C and target.kind in (TargetKind.SERVICE_LEVEL, TargetKind.ASA):
        return _erlang_c_by_walk(workload, target, policy, lowest, limit)

    def meets(n: int) -> bool:
        return target.met_by(_at(model, workload, target, policy, n))

    agents = _smallest(meets, lowest, math.ceil(load + math.sqrt(load)), limit)
    metrics = _at(model, workload, target, policy, agents)
    if metrics.occupancy <= policy.max_occupancy + _TOLERANCE:
        return _result(model, workload, target, policy, agents, "target", metrics)
    agents = _smallest(
        lambda n: (
            _at(model, workload, target, policy, n).occupancy <= policy.max_occupancy + _TOLERANCE
        ),
        agents + 1,
        math.ceil(load / policy.max_occupancy),
        limit + math.ceil(load / policy.max_occupancy),
    )
    return _result(model, workload, target, policy, agents, "occupancy")


def _result(
    model: Model,
    workload: Workload,
    target: Target,
    policy: StaffingPolicy,
    agents: int,
    limited_by: str,
    metrics: QueueMetrics | None = None,
) -> StaffingResult:
    metrics = metrics or _at(model, workload, target, policy, agents)
    return StaffingResult(
        agents,
        policy.scheduled(agents),
        limited_by,
        metrics.p_wait,
        metrics.occupancy,
        model,
        workload,
        target.threshold_s,
        policy.short_abandon_s,
    )


def _erlang_c_by_walk(
    workload: Workload, target: Target, policy: StaffingPolicy, lowest: int, limit: int
) -> StaffingResult:
    load = workload.load
    agents, p_wait = _walk_erlang_c(workload, target, lowest, limit)
    limited_by = "target"
    if load / agents > policy.max_occupancy + _TOLERANCE:
        # Erlang C occupancy is a / n, so the cap has a closed form.
        agents = math.ceil(load / (policy.max_occupancy + _TOLERANCE))
        p_wait = erlang_c(agents, load)
        limited_by = "occupancy"
    return StaffingResult(
        agents,
        policy.scheduled(agents),
        limited_by,
        p_wait,
        load / agents,
        Model.C,
        workload,
        target.threshold_s,
        policy.short_abandon_s,
    )


def staff_day(
    model: Model,
    workloads: Sequence[Workload],
    target: Target,
    policy: StaffingPolicy | None = None,
) -> list[StaffingResult]:
    """Staffing for each interval of a day (or any sequence of intervals), independently."""
    return [required_agents(model, w, target, policy) for w in workloads]


def _at(
    model: Model, workload: Workload, target: Target, policy: StaffingPolicy, agents: int
) -> QueueMetrics:
    return evaluate(model, workload, agents, target.threshold_s, policy.short_abandon_s)


def _walk_erlang_c(
    workload: Workload, target: Target, lowest: int, limit: int
) -> tuple[int, float]:
    """Walk n upward from the smallest stable count, carrying Erlang B by its recursion.

    The loop is the hot path of a day of staffing, so its arithmetic is written out:
    C = B / (1 - (a/n)(1 - B)), then B(n + 1) = a B / (n + 1 + a B).
    """
    load, aht = workload.load, workload.aht_s
    blocking = erlang_b_fast(lowest, load)
    by_asa = target.kind is TargetKind.ASA
    asa_goal = target.value * (1.0 + _TOLERANCE) / aht  # ASA <= goal: C <= goal (n - a)/AHT
    late_goal = 1.0 - target.value + _TOLERANCE  # compared with P(W > T)
    rate = target.threshold_s / aht
    n = lowest
    while n <= limit:
        p_wait = blocking / (1.0 - (load / n) * (1.0 - blocking))
        spread = n - load
        if by_asa:
            if p_wait <= asa_goal * spread:
                return n, p_wait
        elif p_wait * math.exp(-spread * rate) <= late_goal:
            return n, p_wait
        carried = load * blocking
        blocking = carried / (n + 1 + carried)
        n += 1
    raise PlanningError(f"no staffing up to {limit} agents meets the target")


def _smallest(meets: Callable[[int], bool], lowest: int, guess: int, limit: int) -> int:
    """Smallest n >= lowest with meets(n), for a predicate that is false, then true."""
    guess = min(max(lowest, guess), limit)
    step = 1
    if meets(guess):
        good, bad = guess, lowest - 1
        while good - step >= lowest:
            if not meets(good - step):
                bad = good - step
                break
            good -= step
            step *= 2
    else:
        bad = guess
        while True:
            if bad >= limit:
                raise PlanningError(f"no staffing up to {limit} agents meets the target")
            candidate = min(bad + step, limit)
            if meets(candidate):
                good = candidate
                break
            bad = candidate
            step *= 2
    while good - bad > 1:
        middle = (good + bad) // 2
        if meets(middle):
            good = middle
        else:
            bad = middle
    return good
