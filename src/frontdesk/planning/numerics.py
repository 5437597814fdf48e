"""Overflow-free building blocks: Poisson terms in log space and the Erlang B function.

Erlang formulas are ratios of terms like a^n e^-a / n!, which overflow a double long before
call-centre sizes (a^n alone overflows at 150 agents). Nothing here forms such a power.

* `log_poisson_term(k, m)` is log(m^k e^-m / Gamma(k+1)) for real k >= 0, written with the
  saddle-point split of Loader (2000, "Fast and accurate computation of binomial
  probabilities"): log term = -stirlerr(k) - log(2 pi k)/2 - bd0(k, m). The deviance `bd0`
  is summed as a series when k is close to m, where the naive k log(k/m) + m - k cancels.
* `erlang_b(n, a)` is the classic recursion B(k) = a B(k-1) / (k + a B(k-1)); every step is a
  convex combination, so it is stable, and it is exact to rounding for any n.
* `erlang_b_fast(n, a)` answers the same in O(1) for large n as the Poisson term over the
  Poisson distribution function, B = p(n; a) / P(N <= n), with P(N <= n) the regularised upper
  incomplete gamma Q(n + 1, a) from scipy. It falls back to the recursion where Q would
  underflow (far more offered load than agents, where B is close to 1 - n/a anyway).
"""

from __future__ import annotations

import math

from scipy.special import gammaincc

from frontdesk.planning.errors import PlanningError

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Below this size the recursion is as quick as one incomplete-gamma call.
_RECURSION_LIMIT = 64
# Q(n + 1, a) smaller than this would lose relative accuracy (or underflow).
_SMALLEST_SAFE_Q = 1e-280


def stirlerr(k: float) -> float:
    """log Gamma(k + 1) - [(k + 1/2) log k - k + log(2 pi)/2], the error of Stirling's formula."""
    if k <= 0.0:
        raise ValueError("stirlerr needs k > 0")
    if k > 15.0:
        # Asymptotic series in 1/k; five terms reach double precision beyond k = 15.
        inv = 1.0 / k
        inv2 = inv * inv
        return inv * (
            1.0 / 12.0
            - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 / 1188.0)))
        )
    return math.lgamma(k + 1.0) - (k + 0.5) * math.log(k) + k - _HALF_LOG_2PI


def bd0(k: float, m: float) -> float:
    """The deviance k log(k/m) + m - k >= 0, accurate also when k is close to m."""
    if k == 0.0:
        return m
    diff = k - m
    if abs(diff) < 0.1 * (k + m):
        v = diff / (k + m)
        total = diff * v
        term = 2.0 * k * v
        v2 = v * v
        j = 1
        while True:
            term *= v2
            updated = total + term / (2 * j + 1)
            if updated == total:
                return total
            total = updated
            j += 1
    return k * math.log(k / m) + m - k


def log_poisson_term(k: float, m: float) -> float:
    """log(m^k e^-m / Gamma(k + 1)) for real k >= 0 and m > 0, without overflow."""
    if m <= 0.0:
        raise ValueError("log_poisson_term needs m > 0")
    if k == 0.0:
        return -m
    return -stirlerr(k) - _HALF_LOG_2PI - 0.5 * math.log(k) - bd0(k, m)


def check_load(agents: int, load: float) -> None:
    if agents < 0:
        raise PlanningError(f"the number of agents must be 0 or more, not {agents}")
    if not math.isfinite(load) or load < 0.0:
        raise PlanningError(f"the offered load must be a finite number of Erlangs >= 0, not {load}")


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/n/n (Erlang B) by the stable forward recursion."""
    check_load(agents, load)
    if load == 0.0:
        return 0.0 if agents > 0 else 1.0
    blocking = 1.0
    for k in range(1, agents + 1):
        carried = load * blocking
        blocking = carried / (k + carried)
    return blocking


def erlang_b_fast(agents: int, load: float) -> float:
    """Erlang B in O(1) for large n (log-space Poisson ratio), the recursion otherwise."""
    check_load(agents, load)
    if agents <= _RECURSION_LIMIT or load == 0.0:
        return erlang_b(agents, load)
    cdf = float(gammaincc(agents + 1.0, load))
    if cdf < _SMALLEST_SAFE_Q:
        return erlang_b(agents, load)
    return math.exp(log_poisson_term(float(agents), load) - math.log(cdf))


def erlang_b_step(blocking: float, agents: int, load: float) -> float:
    """B(n + 1) from B(n): one step of the recursion, for searches that walk upward in n."""
    carried = load * blocking
    return carried / (agents + 1 + carried)
