"""Brute-force reference: the Erlang models as truncated birth-death chains solved by numpy.

Independent of the formulas under test: the stationary law comes from detailed balance on the
chain's rates, and a tagged caller's fate from the matrix exponential of its own absorbing
chain (its position in queue, plus 'answered' and 'abandoned'). Only for small systems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Reference:
    p_block: float
    p_wait: float
    p_abandon: float
    asa_s: float
    answered_within_t: float
    abandoned_within_t: float
    short_abandoned: float


def stationary(rates_up: np.ndarray, rates_down: np.ndarray) -> np.ndarray:
    """Stationary law of a birth-death chain by detailed balance (pi_k up_k = pi_k+1 down_k),
    in log space so long chains neither overflow nor lose their small tail."""
    log_pi = np.concatenate(([0.0], np.cumsum(np.log(rates_up) - np.log(rates_down))))
    pi = np.exp(log_pi - log_pi.max())
    return np.asarray(pi / pi.sum())


def _tagged_fates(ahead: int, service: float, theta: float, t: float) -> np.ndarray:
    """Row j: P(answered by t), P(abandoned by t) for a caller with j callers in front."""
    # States 0..ahead = callers in front; then answered, abandoned (absorbing). One chain
    # serves every starting position j <= ahead.
    size = ahead + 3
    answered, abandoned = ahead + 1, ahead + 2
    q = np.zeros((size, size))
    for i in range(ahead + 1):
        q[i, i - 1 if i > 0 else answered] += service + i * theta
        q[i, abandoned] += theta
        q[i, i] = -(service + (i + 1) * theta)
    return np.asarray(expm(q * t)[: ahead + 1, [answered, abandoned]])


def _tagged_mean_wait_answered(ahead: int, service: float, theta: float) -> float:
    """E[wait; answered] for a caller with `ahead` in front, by first-step analysis."""
    answer_prob, mean = 1.0, 0.0
    for i in range(ahead + 1):
        leave = service + (i + 1) * theta
        advance = (service + i * theta) / leave
        mean = advance * (answer_prob / leave + mean)
        answer_prob *= advance
    return mean


def solve(
    *,
    agents: int,
    calls_per_hour: float,
    aht_s: float,
    patience_s: float | None,
    target_s: float,
    short_abandon_s: float,
    loss: bool = False,
    queue_cap: int = 400,
) -> Reference:
    lam, mu = calls_per_hour / 3600.0, 1.0 / aht_s
    theta = 0.0 if patience_s is None else 1.0 / patience_s
    top = agents if loss else agents + queue_cap
    up = np.full(top, lam)
    down = np.array([min(k, agents) * mu + max(k - agents, 0) * theta for k in range(1, top + 1)])
    pi = stationary(up, down)
    if loss:
        return Reference(float(pi[agents]), 0.0, 0.0, 0.0, 1 - pi[agents], 0.0, 0.0)
    waiting = pi[agents:]  # arrival sees j = 0, 1, ... callers waiting (PASTA)
    last = int(np.nonzero(waiting >= 1e-18)[0].max(initial=0))
    waiting = waiting[: last + 1]
    p_wait = float(pi[agents:].sum())
    fates_t = _tagged_fates(last, agents * mu, theta, target_s)
    fates_short = _tagged_fates(last, agents * mu, theta, short_abandon_s)
    served_t = float(waiting @ fates_t[:, 0])
    abandoned_t = float(waiting @ fates_t[:, 1])
    short = float(waiting @ fates_short[:, 1])
    # Abandonment by flow balance: callers leave the queue at rate theta * E[queue length].
    p_abandon = theta * float(np.arange(pi.size - agents) @ pi[agents:]) / lam
    answered_wait = 0.0
    for j, weight in enumerate(waiting):
        answered_wait += weight * _tagged_mean_wait_answered(j, agents * mu, theta)
    answered_t = 1.0 - p_wait + served_t
    asa = answered_wait / (1.0 - p_abandon)
    return Reference(0.0, p_wait, float(p_abandon), float(asa), answered_t, abandoned_t, short)
