"""Caller patience from queue history: Kaplan-Meier, hazard by wait bucket, exponential fit.

Patience (how long a caller would wait before hanging up) is seen only for callers who
abandon; an answered caller only shows that their patience exceeded their wait. So the
waits are right-censored data: abandons are events, answered calls censored at their wait
(Zeltyn & Mandelbaum 2005; Brown et al. 2005, "Statistical analysis of a telephone call
centre", JASA, on this very Anonymous Bank data).

* Kaplan-Meier (1958): S(t) = prod over event times t_i <= t of (1 - d_i / n_i), with n_i the
  calls still waiting at t_i (a call censored at t_i counts as at risk at t_i), and
  Greenwood's variance S(t)^2 sum d_i / (n_i (n_i - d_i)).
* Hazard by wait bucket: abandons in the bucket over the seconds waited inside it.
* Exponential patience (the Erlang A assumption): the maximum-likelihood rate is
  theta = abandons / total time waited by all calls; its standard error is theta / sqrt(d).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from frontdesk.analytics.errors import AnalyticsError

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

DEFAULT_BUCKETS_S = (10.0, 20.0, 30.0, 60.0, 90.0, 120.0)


@dataclass(frozen=True, slots=True)
class SurvivalCurve:
    """A Kaplan-Meier step function: S just after each distinct abandonment time."""

    times: Floats
    at_risk: Ints
    events: Ints
    survival: Floats
    variance: Floats
    observations: int

    def at(self, t: float) -> float:
        """S(t) = P(patience > t)."""
        index = int(np.searchsorted(self.times, t, side="right")) - 1
        return 1.0 if index < 0 else float(self.survival[index])

    def quantile(self, fraction: float) -> float | None:
        """Smallest t with S(t) <= 1 - fraction; None if the curve never gets that low."""
        below = np.nonzero(self.survival <= 1.0 - fraction + 1e-12)[0]
        return float(self.times[below[0]]) if below.size else None

    def median(self) -> float | None:
        return self.quantile(0.5)

    def confidence_band(self, z: float = 1.96) -> tuple[Floats, Floats]:
        """Pointwise S +- z sqrt(Greenwood), clipped to [0, 1]."""
        half = z * np.sqrt(self.variance)
        return np.clip(self.survival - half, 0.0, 1.0), np.clip(self.survival + half, 0.0, 1.0)


@dataclass(frozen=True, slots=True)
class HazardBucket:
    """Abandonment within one wait bucket [start_s, end_s)."""

    start_s: float
    end_s: float  # math.inf for the last bucket
    reached: int  # calls that waited at least start_s
    abandoned: int
    exposure_s: float  # seconds waited inside the bucket, all calls together

    @property
    def hazard_per_s(self) -> float:
        return self.abandoned / self.exposure_s if self.exposure_s > 0 else math.nan

    @property
    def abandon_fraction(self) -> float:
        """P(abandon within the bucket | reached it)."""
        return self.abandoned / self.reached if self.reached else math.nan


@dataclass(frozen=True, slots=True)
class ExponentialPatience:
    abandons: int
    exposure_s: float
    theta_per_s: float
    theta_standard_error: float

    @property
    def mean_s(self) -> float:
        return 1.0 / self.theta_per_s

    @property
    def median_s(self) -> float:
        return math.log(2.0) / self.theta_per_s


Waits = Sequence[float] | Floats
Flags = Sequence[bool] | npt.NDArray[np.bool_]


def _arrays(waits: Waits, abandoned: Flags) -> tuple[Floats, npt.NDArray[np.bool_]]:
    w = np.asarray(waits, dtype=np.float64)
    a = np.asarray(abandoned, dtype=bool)
    if w.shape != a.shape or w.ndim != 1:
        raise AnalyticsError("waits and abandoned flags must be two lists of the same length")
    if w.size == 0:
        raise AnalyticsError("no waits given: patience needs at least one queued call")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise AnalyticsError("waits must be finite and 0 s or more")
    return w, a


def kaplan_meier(waits: Waits, abandoned: Flags) -> SurvivalCurve:
    """Kaplan-Meier patience curve from waits, flagging which ended in abandonment."""
    w, a = _arrays(waits, abandoned)
    ordered = np.sort(w)
    times, events = np.unique(w[a], return_counts=True)
    at_risk = (w.size - np.searchsorted(ordered, times, side="left")).astype(np.int64)
    survival = np.cumprod(1.0 - events / at_risk).astype(np.float64)
    survivors = at_risk - events
    terms = np.divide(
        events, at_risk * survivors, out=np.full(times.size, np.inf), where=survivors > 0
    )
    greenwood = np.cumsum(terms)
    # Greenwood is undefined once the curve reaches 0 (everyone left at risk abandoned).
    variance = np.where(
        survival > 0.0, survival**2 * np.where(np.isfinite(greenwood), greenwood, 0.0), 0.0
    )
    return SurvivalCurve(
        times=times.astype(np.float64),
        at_risk=at_risk,
        events=events.astype(np.int64),
        survival=survival,
        variance=variance,
        observations=int(w.size),
    )


def hazard_by_bucket(
    waits: Waits,
    abandoned: Flags,
    edges_s: Sequence[float] = DEFAULT_BUCKETS_S,
) -> list[HazardBucket]:
    """Abandonment hazard in wait buckets [0, e1), [e1, e2), ..., [e_last, infinity)."""
    w, a = _arrays(waits, abandoned)
    bounds = [0.0, *edges_s, math.inf]
    if any(b <= c for c, b in pairwise(bounds)):
        raise AnalyticsError("bucket edges must be positive and increasing")
    buckets = []
    for start, end in pairwise(bounds):
        inside = (w >= start) & (w < end)
        buckets.append(
            HazardBucket(
                start_s=start,
                end_s=end,
                reached=int(np.count_nonzero(w >= start)),
                abandoned=int(np.count_nonzero(inside & a)),
                exposure_s=float(np.sum(np.clip(w, start, end) - start)),
            )
        )
    return buckets


def exponential_patience(waits: Waits, abandoned: Flags) -> ExponentialPatience:
    """Maximum-likelihood exponential patience: theta = abandons / total waiting time."""
    w, a = _arrays(waits, abandoned)
    abandons = int(np.count_nonzero(a))
    exposure = float(w.sum())
    if abandons == 0 or exposure == 0.0:
        raise AnalyticsError(
            "an exponential patience needs at least one abandonment and some waiting time"
        )
    theta = abandons / exposure
    return ExponentialPatience(abandons, exposure, theta, theta / math.sqrt(abandons))


def fit_exponential_patience(waits: Waits, abandoned: Flags) -> ExponentialPatience | None:
    """The exponential fit, or None where there is nothing to fit: no abandonment, or no
    waiting time at all (every caller, answered or not, at 0 s)."""
    w, a = _arrays(waits, abandoned)
    if not a.any() or float(w.sum()) == 0.0:
        return None
    return exponential_patience(w, a)
