"""Erlang B (M/M/n/n, blocked calls lost) and Erlang C (M/M/n, infinite patience).

Erlang C is computed from Erlang B, never from powers and factorials:
C(n, a) = B / (1 - (a/n)(1 - B)) for a < n (Cooper, "Introduction to Queueing Theory",
2nd ed., section 5.4). With exponential handling times the wait of a delayed call is
exponential with rate (n - a)/AHT, so P(W > t) = C exp(-(n - a) t / AHT) and the mean wait of
answered calls (ASA) is C AHT / (n - a). With a >= n the queue grows without bound: every
call waits, ASA is infinite, and the model says so with `stable=False`.
"""

from __future__ import annotations

import math

from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import (
    DEFAULT_SHORT_ABANDON_S,
    Model,
    QueueMetrics,
    ServiceLevelParts,
    Workload,
)
from frontdesk.planning.numerics import check_load, erlang_b_fast


def erlang_c(agents: int, load: float) -> float:
    """Probability that a call waits in M/M/n (Erlang C); 1.0 when load >= agents."""
    check_load(agents, load)
    if load == 0.0:
        return 0.0
    if load >= agents:
        return 1.0
    return erlang_c_from_b(erlang_b_fast(agents, load), agents, load)


def erlang_c_from_b(blocking: float, agents: int, load: float) -> float:
    """C from B for the same n and a < n, so a search can carry B along the recursion."""
    return blocking / (1.0 - (load / agents) * (1.0 - blocking))


def erlang_c_wait_above(p_wait: float, agents: int, load: float, aht_s: float, t: float) -> float:
    """P(W > t) in M/M/n: a delayed call waits an exponential time of rate (n - a)/AHT."""
    return p_wait * math.exp(-(agents - load) * t / aht_s)


def _check_times(agents: int, target_s: float, short_abandon_s: float) -> None:
    if agents < 0:
        raise PlanningError(f"the number of agents must be 0 or more, not {agents}")
    if not (math.isfinite(target_s) and target_s >= 0.0):
        raise PlanningError(f"the service-level time must be 0 s or more, not {target_s}")
    if not (math.isfinite(short_abandon_s) and short_abandon_s >= 0.0):
        raise PlanningError(
            f"the short-abandon threshold must be 0 s or more, not {short_abandon_s}"
        )


def erlang_b_metrics(
    workload: Workload,
    agents: int,
    target_s: float = 20.0,
    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S,
) -> QueueMetrics:
    """Erlang B: calls finding every agent busy are lost; the others are answered at once."""
    _check_times(agents, target_s, short_abandon_s)
    load = workload.load
    blocking = erlang_b_fast(agents, load)
    answered = 1.0 - blocking
    parts = ServiceLevelParts(answered, 0.0, 0.0, answered, 0.0)
    return QueueMetrics(
        model=Model.B,
        workload=workload,
        agents=agents,
        target_s=target_s,
        short_abandon_s=short_abandon_s,
        p_block=blocking,
        p_wait=0.0,
        p_abandon=0.0,
        asa_s=0.0,
        mean_wait_s=0.0,
        occupancy=load * answered / agents if agents else 0.0,
        stable=True,
        service_level=parts.all_values(),
    )


def erlang_c_metrics(
    workload: Workload,
    agents: int,
    target_s: float = 20.0,
    short_abandon_s: float = DEFAULT_SHORT_ABANDON_S,
) -> QueueMetrics:
    """Erlang C: every call waits as long as it takes; all SL definitions coincide."""
    _check_times(agents, target_s, short_abandon_s)
    return erlang_c_metrics_from_p_wait(
        workload, agents, erlang_c(agents, workload.load), target_s, short_abandon_s
    )


def erlang_c_metrics_from_p_wait(
    workload: Workload,
    agents: int,
    p_wait: float,
    target_s: float,
    short_abandon_s: float,
) -> QueueMetrics:
    load = workload.load
    stable = load < agents or load == 0.0
    if stable:
        spread = agents - load
        asa = p_wait * workload.aht_s / spread if p_wait > 0.0 else 0.0
        within = 1.0 - erlang_c_wait_above(p_wait, agents, load, workload.aht_s, target_s)
        occupancy = load / agents if agents else 0.0
    else:
        asa, within, occupancy = math.inf, 0.0, 1.0
    parts = ServiceLevelParts(within, 0.0, 0.0, 1.0, 0.0)
    return QueueMetrics(
        model=Model.C,
        workload=workload,
        agents=agents,
        target_s=target_s,
        short_abandon_s=short_abandon_s,
        p_block=0.0,
        p_wait=p_wait,
        p_abandon=0.0,
        asa_s=asa,
        mean_wait_s=asa,
        occupancy=occupancy,
        stable=stable,
        service_level=parts.all_values(),
    )
