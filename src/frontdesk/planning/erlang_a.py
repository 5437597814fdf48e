"""Erlang A: M/M/n+M, the call centre with exponential patience (Palm 1946; Garnett,
Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007, "Service engineering in action: the
Palm/Erlang-A queue").

Rates: arrivals lambda, service mu = 1/AHT, patience theta = 1/mean patience. Write
x = n mu / theta and y = lambda / theta. The number in system is a birth-death chain; above n
its stationary weights relative to state n are q_j = y^j / ((x+1)(x+2)...(x+j)), whose sum is
A(x, y) = 1 + sum_{j>=1} q_j. Then, with B the Erlang B value for (n, a):

    P(wait) = B A / (1 + (A - 1) B)                     (Mandelbaum & Zeltyn)

A call that finds j callers waiting ahead of it reaches an agent after a sum of exponential
times of rates n mu, n mu + theta, ..., n mu + j theta, so U = exp(-theta V) ~ Beta(x, j+1)
(its virtual wait V). It is answered if V is shorter than its own patience tau ~ Exp(theta):

    P(answered | j)              = x / (x + j + 1)
    P(answered, waits <= T | j)  = x/(x+j+1) * I_{1-u}(j+1, x+1),        u = exp(-theta T)
    P(abandons within T | j)     = (1 - u) + u I_{1-u}(j+1, x) - x/(x+j+1) I_{1-u}(j+1, x+1)
    E[wait; answered | j]        = x/(x+j+1) * (psi(x+j+2) - psi(x+1)) / theta

(I is the regularised incomplete beta, psi the digamma function.) The figures are these
conditional values averaged over j with the weights q_j. The weights are log-concave in j,
so all but e^-45 of their mass lies in a window around the mode j* = max(0, floor(y - x)),
a few times sqrt(y) wide; the window is found and summed in log space, so nothing overflows
for thousands of agents. Summing the series of A from its mode also avoids the cancellation
the closed incomplete-gamma form of P(abandon) suffers when patience is long.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.special import betainc, digamma, gammainc

from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import (
    DEFAULT_SHORT_ABANDON_S,
    Model,
    QueueMetrics,
    ServiceLevelParts,
    Workload,
)
from frontdesk.planning.numerics import erlang_b_fast, log_poisson_term

Floats = npt.NDArray[np.float64]

# Weights below e^-45 of the mode are dropped: far below double rounding of the sums.
_LOG_CUTOFF = -45.0
# Beyond this many states the window would take more memory than a question deserves.
_MAX_WINDOW = 4_000_000


class ErlangA:
    """Erlang A for one workload and agent count; each figure is computed on demand."""

    def __init__(self, workload: Workload, agents: int) -> None:
        if workload.patience_s is None:
            raise PlanningError("Erlang A needs the callers' mean patience (patience_s)")
        if agents < 1 and workload.calls_per_hour > 0.0:
            raise PlanningError("Erlang A needs at least one agent when calls are offered")
        self.workload = workload
        self.agents = agents
        self.theta = 1.0 / workload.patience_s
        self.x = agents * workload.patience_s / workload.aht_s
        self.y = workload.arrival_rate * workload.patience_s
        self.p_wait = 0.0
        self._j: Floats = np.zeros(1)
        self._w: Floats = np.ones(1)
        if self.y > 0.0:
            self._j, self._w, log_a = _window(self.x, self.y)
            self.p_wait = _p_wait(agents, workload.load, log_a)

    def p_abandon(self) -> float:
        """Probability that an offered call abandons (hangs up while queued)."""
        j, w, x = self._j, self._w, self.x
        return self.p_wait * float(np.dot(w, (j + 1.0) / (x + j + 1.0)))

    def mean_wait_answered_s(self) -> float:
        """ASA: the mean time in queue of answered calls."""
        if self.p_wait == 0.0:
            return 0.0
        j, w, x = self._j, self._w, self.x
        spans = digamma(x + j + 2.0) - digamma(x + 1.0)
        waited = self.p_wait * float(np.dot(w, x / (x + j + 1.0) * spans)) / self.theta
        return waited / (1.0 - self.p_abandon())

    def mean_wait_s(self) -> float:
        """Mean time in queue over all offered calls: abandonments = theta * E[queue]."""
        return self.p_abandon() / self.theta

    def answered_within(self, t: float) -> float:
        """P(answered and waited at most t seconds), per offered call."""
        if self.p_wait == 0.0:
            return 1.0
        j, w, x = self._j, self._w, self.x
        one_minus_u = -math.expm1(-self.theta * t)
        served = x / (x + j + 1.0) * betainc(j + 1.0, x + 1.0, one_minus_u)
        return (1.0 - self.p_wait) + self.p_wait * float(np.dot(w, served))

    def abandoned_within(self, t: float) -> float:
        """P(abandoned after waiting at most t seconds), per offered call."""
        if self.p_wait == 0.0 or t == 0.0:
            return 0.0
        j, w, x = self._j, self._w, self.x
        one_minus_u = -math.expm1(-self.theta * t)
        u = 1.0 - one_minus_u
        reached = betainc(j + 1.0, x, one_minus_u)
        served = x / (x + j + 1.0) * betainc(j + 1.0, x + 1.0, one_minus_u)
        per_j = np.clip(one_minus_u + u * reached - served, 0.0, 1.0)
        return self.p_wait * float(np.dot(w, per_j))

    def metrics(
        self, target_s: float = 20.0, short_abandon_s: float = DEFAULT_SHORT_ABANDON_S
    ) -> QueueMetrics:
        p_abandon = self.p_abandon()
        answered = 1.0 - p_abandon
        parts = ServiceLevelParts(
            answered_within_t=self.answered_within(target_s),
            abandoned_within_t=self.abandoned_within(target_s),
            short_abandoned=self.abandoned_within(short_abandon_s),
            answered=answered,
            abandoned=p_abandon,
        )
        return QueueMetrics(
            model=Model.A,
            workload=self.workload,
            agents=self.agents,
            target_s=target_s,
            short_abandon_s=short_abandon_s,
            p_block=0.0,
            p_wait=self.p_wait,
            p_abandon=p_abandon,
            asa_s=self.mean_wait_answered_s(),
            mean_wait_s=self.mean_wait_s(),
            occupancy=min(1.0, self.workload.load * answered / self.agents) if self.agents else 0.0,
            stable=True,
            service_level=parts.all_values(),
        )


def _p_wait(agents: int, load: float, log_a: float) -> float:
    """P(wait) = 1 / (1 + (1 - B) / (B A)), evaluated in logs so huge A or tiny B are safe."""
    blocking = erlang_b_fast(agents, load)
    if blocking == 0.0:
        return 0.0
    if blocking == 1.0:
        return 1.0
    log_odds = math.log1p(-blocking) - math.log(blocking) - log_a
    if log_odds > 700.0:
        return math.exp(-log_odds)
    return 1.0 / (1.0 + math.exp(log_odds))


def _window(x: float, y: float) -> tuple[Floats, Floats, float]:
    """Queue lengths j carrying the weight, their normalised weights, and log A(x, y)."""
    mode = max(0.0, math.floor(y - x))
    chunk = int(10.0 * math.sqrt(y + 1.0)) + 64
    above = _walk(x, y, mode, chunk, upward=True)
    below = _walk(x, y, mode, chunk, upward=False) if mode > 0 else np.zeros(0)
    log_q = np.concatenate((below[::-1], [0.0], above))
    j = mode - below.size + np.arange(log_q.size, dtype=np.float64)
    weights = np.exp(log_q)
    total = float(weights.sum())
    if mode == 0.0:
        log_a = math.log(total)  # the mode is q_0 = 1, so the window sum is A itself
    else:
        # Past the mode y > x, where P(x, y) >= ~1/2 and the closed form is well conditioned.
        log_a = -log_poisson_term(x, y) + math.log(float(gammainc(x, y)))
    return j, weights / total, log_a


def _walk(x: float, y: float, mode: float, chunk: int, *, upward: bool) -> Floats:
    """log(q_j / q_mode) stepping away from the mode until it falls below the cut-off."""
    pieces: list[Floats] = []
    level, start, size = 0.0, mode, 0
    while True:
        if upward:
            steps = np.log(y / (x + start + np.arange(1, chunk + 1, dtype=np.float64)))
        else:
            first = start - np.arange(0, chunk, dtype=np.float64)
            steps = np.log((x + first[first >= 1.0]) / y)
        logs = level + np.cumsum(steps)
        keep = logs >= _LOG_CUTOFF
        pieces.append(logs[keep])
        size += int(keep.sum())
        if size > _MAX_WINDOW:
            raise PlanningError(
                "patience is too long for an exact Erlang A at this overload "
                f"(more than {_MAX_WINDOW} queue states matter); use Erlang C instead"
            )
        if not keep.all() or steps.size < chunk:
            return np.concatenate(pieces)
        level = float(logs[-1])
        start = start + chunk if upward else start - chunk
