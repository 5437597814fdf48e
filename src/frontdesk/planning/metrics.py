"""The vocabulary of planning: models, a workload, and the figures a queueing model answers.

Service level has several industry definitions (DESIGN.md, "Metrics vocabulary"); each is a
member of `SLDefinition`, named after its formula. In a steady-state model every offered call
is answered, abandoned (Erlang A) or blocked (Erlang B), so the pieces are three
probabilities per offered call: answered within T, abandoned within T, abandoned within the
short-abandon threshold. `ServiceLevelParts.value(definition)` turns them into each ratio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

from frontdesk.planning.errors import PlanningError


class Model(Enum):
    """Erlang B (lost calls), Erlang C (infinite patience), Erlang A (exponential patience)."""

    B = "b"
    C = "c"
    A = "a"


class SLDefinition(Enum):
    """The named service-level definitions; the value is the name used in JSON and the CLI."""

    ANSWERED_WITHIN_T_OVER_OFFERED = "answered_within_t_over_offered"
    ANSWERED_WITHIN_T_OVER_ANSWERED = "answered_within_t_over_answered"
    ANSWERED_WITHIN_T_OVER_ANSWERED_PLUS_ABANDONED = (
        "answered_within_t_over_answered_plus_abandoned"
    )
    ANSWERED_AND_ABANDONED_WITHIN_T_OVER_OFFERED = "answered_and_abandoned_within_t_over_offered"
    ANSWERED_WITHIN_T_OVER_OFFERED_MINUS_SHORT_ABANDONS = (
        "answered_within_t_over_offered_minus_short_abandons"
    )

    @classmethod
    def parse(cls, name: str) -> SLDefinition:
        for member in cls:
            if member.value == name:
                return member
        known = ", ".join(m.value for m in cls)
        raise PlanningError(f"unknown service-level definition {name!r}; known: {known}")


DEFAULT_SL_DEFINITION = SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED
DEFAULT_SHORT_ABANDON_S = 5.0


@dataclass(frozen=True, slots=True)
class Workload:
    """Calls offered per hour, mean handling time, and (for Erlang A) mean patience."""

    calls_per_hour: float
    aht_s: float
    patience_s: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.calls_per_hour) and self.calls_per_hour >= 0.0):
            raise PlanningError(f"calls per hour must be 0 or more, not {self.calls_per_hour}")
        if not (math.isfinite(self.aht_s) and self.aht_s > 0.0):
            raise PlanningError(f"the average handling time must be above 0 s, not {self.aht_s}")
        if self.patience_s is not None and not (self.patience_s > 0.0):
            raise PlanningError(f"mean patience must be above 0 s, not {self.patience_s}")

    @property
    def load(self) -> float:
        """Offered load in Erlangs: arrival rate times mean handling time."""
        return self.calls_per_hour * self.aht_s / 3600.0

    @property
    def arrival_rate(self) -> float:
        """Calls per second."""
        return self.calls_per_hour / 3600.0


@dataclass(frozen=True, slots=True)
class ServiceLevelParts:
    """Probabilities per offered call, from which every service-level definition is a ratio.

    `short_abandoned` is P(abandoned within the short-abandon threshold). Blocked calls
    (Erlang B) are offered but neither answered nor abandoned.
    """

    answered_within_t: float
    abandoned_within_t: float
    short_abandoned: float
    answered: float
    abandoned: float

    def value(self, definition: SLDefinition) -> float:
        d = SLDefinition
        if definition is d.ANSWERED_WITHIN_T_OVER_OFFERED:
            return _ratio(self.answered_within_t, 1.0)
        if definition is d.ANSWERED_WITHIN_T_OVER_ANSWERED:
            return _ratio(self.answered_within_t, self.answered)
        if definition is d.ANSWERED_WITHIN_T_OVER_ANSWERED_PLUS_ABANDONED:
            return _ratio(self.answered_within_t, self.answered + self.abandoned)
        if definition is d.ANSWERED_AND_ABANDONED_WITHIN_T_OVER_OFFERED:
            return _ratio(self.answered_within_t + self.abandoned_within_t, 1.0)
        return _ratio(self.answered_within_t, 1.0 - self.short_abandoned)

    def all_values(self) -> dict[SLDefinition, float]:
        return {d: self.value(d) for d in SLDefinition}


def _ratio(part: float, whole: float) -> float:
    if whole <= 0.0:
        return 0.0
    return min(1.0, max(0.0, part / whole))


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """What one model says about one workload and agent count.

    `asa_s` is the mean wait of answered calls; `mean_wait_s` is over all offered calls
    (abandoned ones count their time in queue). Both are infinite when `stable` is False
    (Erlang C with load >= agents: the queue grows without bound).
    """

    model: Model
    workload: Workload
    agents: int
    target_s: float
    short_abandon_s: float
    p_block: float
    p_wait: float
    p_abandon: float
    asa_s: float
    mean_wait_s: float
    occupancy: float
    stable: bool
    service_level: dict[SLDefinition, float]

    @property
    def load(self) -> float:
        return self.workload.load
