"""What the simulator is given: distributions, arrival streams, agent groups and behaviours.

Distributions draw from the simulation's own `random.Random`, so a seed fixes a run:

* `Exponential(mean)`, `Lognormal(mean, sd)` (parameters from the mean and standard deviation:
  sigma^2 = ln(1 + sd^2/mean^2), mu = ln(mean) - sigma^2/2), `Empirical(values)` (resampled),
  `Fixed(value)` and `Never()` (infinite patience).
* `KaplanMeierPatience(curve)`: inverse-CDF sampling of the Kaplan-Meier step function
  (analytics/patience.py); a draw beyond the last abandonment time, where the curve says only
  "longer than this", continues with an exponential tail of mean `tail_mean_s` (by default
  the censored-exponential estimate of the same data).

Arrivals are Poisson with a rate per interval (`PoissonArrivals`, intervals of any length,
e.g. a forecast per 15 minutes), or the times and queues of real calls (`ReplayArrivals`).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from frontdesk.acd import QueueConfig
from frontdesk.analytics.patience import SurvivalCurve
from frontdesk.planning.errors import PlanningError


class Distribution(Protocol):
    def sample(self, rng: random.Random) -> float: ...

    @property
    def mean(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Exponential:
    mean: float

    def __post_init__(self) -> None:
        if not self.mean > 0:
            raise PlanningError(f"an exponential needs a mean above 0, not {self.mean}")

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mean)


@dataclass(frozen=True, slots=True)
class Lognormal:
    mean: float
    sd: float

    def __post_init__(self) -> None:
        if not (self.mean > 0 and self.sd > 0):
            raise PlanningError("a lognormal needs a mean and a standard deviation above 0")

    def sample(self, rng: random.Random) -> float:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return rng.lognormvariate(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))


@dataclass(frozen=True, slots=True)
class Empirical:
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise PlanningError("an empirical distribution needs at least one value")

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)

    def sample(self, rng: random.Random) -> float:
        return self.values[int(rng.random() * len(self.values))]


@dataclass(frozen=True, slots=True)
class Fixed:
    mean: float

    def sample(self, rng: random.Random) -> float:
        return self.mean


@dataclass(frozen=True, slots=True)
class Never:
    """Patience that never runs out (Erlang C callers)."""

    mean: float = math.inf

    def sample(self, rng: random.Random) -> float:
        return math.inf


class KaplanMeierPatience:
    """Patience drawn from a Kaplan-Meier curve, with an exponential tail past its end."""

    def __init__(self, curve: SurvivalCurve, tail_mean_s: float) -> None:
        if not tail_mean_s > 0:
            raise PlanningError("the patience tail needs a mean above 0 s")
        self._times = [float(t) for t in curve.times]
        self._cdf = [1.0 - float(s) for s in curve.survival]
        self._last = (self._times[-1], self._cdf[-1]) if self._times else (0.0, 0.0)
        self.tail_mean_s = tail_mean_s

    @property
    def mean(self) -> float:
        times, cdf = self._times, self._cdf
        steps = [c - p for p, c in zip([0.0, *cdf], cdf, strict=False)]
        body = math.fsum(t * p for t, p in zip(times, steps, strict=True))
        last_t, last_f = self._last
        return body + (1.0 - last_f) * (last_t + self.tail_mean_s)

    def sample(self, rng: random.Random) -> float:
        u = rng.random()
        last_t, last_f = self._last
        if u >= last_f:
            return last_t + rng.expovariate(1.0 / self.tail_mean_s)
        return self._times[bisect.bisect_right(self._cdf, u)]


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """`calls_per_hour` offered from `start_s` to `end_s` (seconds from the start of the run)."""

    start_s: float
    end_s: float
    calls_per_hour: float


@dataclass(frozen=True, slots=True)
class PoissonArrivals:
    queue: str
    periods: tuple[RatePeriod, ...]
    attributes: Mapping[str, str | int] = field(default_factory=dict)

    @classmethod
    def constant(cls, queue: str, calls_per_hour: float, duration_s: float) -> PoissonArrivals:
        return cls(queue, (RatePeriod(0.0, duration_s, calls_per_hour),))

    def times(self, rng: random.Random) -> Iterator[float]:
        for period in self.periods:
            if period.calls_per_hour <= 0:
                continue
            rate = period.calls_per_hour / 3600.0
            t = period.start_s + rng.expovariate(rate)
            while t < period.end_s:
                yield t
                t += rng.expovariate(rate)


@dataclass(frozen=True, slots=True)
class ReplayArrivals:
    """Arrivals at recorded times (seconds from the start of the run), each with its queue."""

    calls: tuple[tuple[float, str], ...]

    def times_and_queues(self) -> Iterator[tuple[float, str]]:
        yield from sorted(self.calls)


@dataclass(frozen=True, slots=True)
class AgentGroup:
    """`count` agents serving `queues`; `schedule` ((start_s, count), ...) changes the count."""

    name: str
    count: int
    queues: tuple[str, ...]
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en",)
    schedule: tuple[tuple[float, int], ...] = ()

    @property
    def most(self) -> int:
        return max([self.count, *(n for _, n in self.schedule)])


@dataclass(frozen=True, slots=True)
class CallbackBehaviour:
    """Callers offered a callback (queue `on_max_wait=OfferCallback()`) take it with
    `accept_probability`; the customer answers the callback with `answer_probability`."""

    accept_probability: float = 0.5
    answer_probability: float = 0.9
    dial_s: float = 15.0


@dataclass(frozen=True, slots=True)
class Announcement:
    """Each caller hears the expected wait `after_s` into the queue; a caller whose patience
    is shorter than the announced wait hangs up then instead of waiting in vain."""

    after_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one run needs. Service and patience may differ per queue (`by_queue`)."""

    queues: tuple[QueueConfig, ...]
    groups: tuple[AgentGroup, ...]
    arrivals: tuple[PoissonArrivals | ReplayArrivals, ...]
    service: Distribution
    patience: Distribution = field(default_factory=Never)
    service_by_queue: Mapping[str, Distribution] = field(default_factory=dict)
    patience_by_queue: Mapping[str, Distribution] = field(default_factory=dict)
    ring_delay_s: float = 0.0
    callback: CallbackBehaviour | None = None
    announcement: Announcement | None = None
    start_wall: float = 1_700_000_000.0

    def service_for(self, queue: str) -> Distribution:
        return self.service_by_queue.get(queue, self.service)

    def patience_for(self, queue: str) -> Distribution:
        return self.patience_by_queue.get(queue, self.patience)


def check_scenario(s: Scenario) -> None:
    names = {q.name for q in s.queues}
    for group in s.groups:
        unknown = [q for q in group.queues if q not in names]
        if unknown:
            raise PlanningError(f"agent group {group.name} serves unknown queues {unknown}")
    for source in s.arrivals:
        queues: Sequence[str] = (
            [source.queue] if isinstance(source, PoissonArrivals) else [q for _, q in source.calls]
        )
        if any(q not in names for q in queues):
            raise PlanningError("arrivals name a queue the scenario does not define")
    if s.ring_delay_s < 0:
        raise PlanningError("the ring delay must be 0 s or more")
