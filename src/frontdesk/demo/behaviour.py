"""The simulated people's random habits, drawn from one seeded `random.Random` (sans-IO).

Arrivals are a Poisson process: the gaps between callers are independent exponential draws of
mean 60 / calls-per-minute seconds (Ross, Introduction to Probability Models, §5.3). Talk times
are lognormal (the usual fit for service times in call centres: Brown et al., "Statistical
Analysis of a Telephone Call Center", JASA 2005, §4), given by their median and the standard
deviation of their logarithm, and kept within bounds so that no demo call lasts an hour.
Patience is exponential, the memoryless patience of Erlang A (M/M/n+M).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from frontdesk.demo.settings import DemoSettings

# Numbers in Ofcom's drama range (07700 900000-900999) for callers the CRM does not know.
UNKNOWN_PREFIX = "+447700900"
BREAK_REASONS = ("coffee", "admin work", "meeting")  # among the desk's break reasons
SURVEY_RATINGS = (("5", 5), ("4", 4), ("3", 2), ("2", 1))  # key, weight


@dataclass(frozen=True, slots=True)
class Break:
    reason: str
    duration_s: float


class Behaviour:
    def __init__(self, settings: DemoSettings, rng: random.Random) -> None:
        self.settings = settings
        self.rng = rng

    # -- callers -----------------------------------------------------------------------------
    def arrival_gap(self) -> float:
        """Seconds until the next caller dials."""
        return self.rng.expovariate(self.settings.calls_per_minute / 60.0)

    def arrivals(self, start: float = 0.0) -> Iterator[float]:
        """The instants callers dial, from `start` on (endless)."""
        at = start
        while True:
            at += self.arrival_gap()
            yield at

    def caller_number(self, known: Sequence[str], taken: set[str]) -> str:
        """A number of the demo CRM (`known`), or a drama-range number it does not know; never
        one of `taken` (numbers on a call right now) when another is free."""
        free = [n for n in known if n not in taken]
        if free and self.rng.random() < self.settings.known_caller_share:
            return self.rng.choice(free)
        for _ in range(50):
            number = f"{UNKNOWN_PREFIX}{self.rng.randrange(1000):03d}"
            if number not in taken and number not in known:
                return number
        return f"{UNKNOWN_PREFIX}{self.rng.randrange(1000):03d}"

    def patience(self) -> float:
        """Seconds a queued caller waits for an agent before hanging up."""
        return self.rng.expovariate(1.0 / self.settings.patience_mean_s)

    def callback_press(self) -> float | None:
        """Seconds into the wait at which this caller presses the callback key, or None."""
        if self.rng.random() >= self.settings.callback_share:
            return None
        return self.rng.uniform(*self.settings.callback_after_s)

    def survey_key(self) -> str:
        keys = [key for key, _ in SURVEY_RATINGS]
        weights = [weight for _, weight in SURVEY_RATINGS]
        return self.rng.choices(keys, weights)[0]

    def customer_answers(self) -> bool:
        """Whether a customer called back picks up."""
        return self.rng.random() >= self.settings.customer_no_answer_share

    # -- agents ------------------------------------------------------------------------------
    def ring_delay(self) -> float:
        return self.rng.uniform(*self.settings.ring_s)

    def talk_time(self) -> float:
        s = self.settings
        low, high = s.talk_bounds_s
        drawn = self.rng.lognormvariate(math.log(s.talk_median_s), s.talk_sigma)
        return min(max(drawn, low), high)

    def after_call_break(self) -> Break | None:
        if self.rng.random() >= self.settings.break_share:
            return None
        return Break(self.rng.choice(BREAK_REASONS), self.rng.uniform(*self.settings.break_s))

    def pick(self, choices: Sequence[tuple[str, float]]) -> str:
        """One of the names, by weight (weights need not add up to one)."""
        names = [name for name, _ in choices]
        weights = [weight for _, weight in choices]
        return self.rng.choices(names, weights)[0]
