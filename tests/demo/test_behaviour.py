"""The simulated people's random habits: Poisson arrivals, lognormal talk times, exponential
patience, shares of callers doing this or that; checked against their distributions with
seeded generators (so each check gives the same answer every run).

References: a Poisson process has independent exponential gaps and Poisson counts in any
window, whose variance equals their mean (Ross, Introduction to Probability Models, §5.3);
the logarithm of a lognormal variable is normal with the given mean and sigma.
"""

from __future__ import annotations

import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.demo import DemoError
from frontdesk.demo.behaviour import UNKNOWN_PREFIX, Behaviour
from frontdesk.demo.settings import DemoSettings

N = 20_000


def behaviour(seed: int = 7, **changes: object) -> Behaviour:
    settings = DemoSettings(**changes).check()  # type: ignore[arg-type]
    return Behaviour(settings, random.Random(seed))


def test_the_same_seed_gives_the_same_people_and_another_seed_others() -> None:
    def draws(seed: int) -> list[float]:
        b = behaviour(seed)
        return [b.arrival_gap(), b.talk_time(), b.patience(), b.ring_delay()]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)


def test_gaps_between_callers_are_exponential_with_the_rate_asked() -> None:
    b = behaviour(calls_per_minute=6.0)
    gaps = np.array([b.arrival_gap() for _ in range(N)])
    mean_gap = 60.0 / 6.0
    standard_error = mean_gap / math.sqrt(N)  # an exponential's sd equals its mean
    assert abs(gaps.mean() - mean_gap) < 4 * standard_error
    assert stats.kstest(gaps, "expon", args=(0, mean_gap)).pvalue > 0.001


def test_callers_per_minute_are_poisson_counts() -> None:
    b = behaviour(calls_per_minute=4.0, seed=11)
    horizon = 3000 * 60.0
    times = []
    for at in b.arrivals():
        if at >= horizon:
            break
        times.append(at)
    counts = np.bincount((np.array(times) // 60.0).astype(int), minlength=3000)
    assert abs(counts.mean() - 4.0) < 4 * math.sqrt(4.0 / 3000)
    # Index of dispersion: 1 for Poisson; its sd is about sqrt(2 / (windows - 1)).
    assert abs(counts.var(ddof=1) / counts.mean() - 1.0) < 4 * math.sqrt(2 / 2999)


def test_talk_times_are_lognormal_with_the_median_and_sigma_asked() -> None:
    b = behaviour(talk_median_s=35.0, talk_sigma=0.5, talk_bounds_s=(0.0, 1e9))
    logs = np.log([b.talk_time() for _ in range(N)])
    assert abs(logs.mean() - math.log(35.0)) < 4 * 0.5 / math.sqrt(N)
    assert abs(logs.std(ddof=1) - 0.5) < 0.02
    assert stats.kstest(logs, "norm", args=(math.log(35.0), 0.5)).pvalue > 0.001


@given(
    median=st.floats(1.0, 1000.0),
    sigma=st.floats(0.0, 3.0),
    low=st.floats(0.0, 100.0),
    width=st.floats(0.0, 1000.0),
    seed=st.integers(0, 2**32),
)
def test_talk_times_stay_within_their_bounds(
    median: float, sigma: float, low: float, width: float, seed: int
) -> None:
    b = behaviour(seed, talk_median_s=median, talk_sigma=sigma, talk_bounds_s=(low, low + width))
    for _ in range(20):
        assert low <= b.talk_time() <= low + width


def test_patience_is_exponential_with_the_mean_asked() -> None:
    b = behaviour(patience_mean_s=45.0, seed=5)
    waits = np.array([b.patience() for _ in range(N)])
    assert abs(waits.mean() - 45.0) < 4 * 45.0 / math.sqrt(N)
    assert stats.kstest(waits, "expon", args=(0, 45.0)).pvalue > 0.001


def test_the_share_of_callers_asking_for_a_callback_and_when() -> None:
    b = behaviour(callback_share=0.2, callback_after_s=(6.0, 20.0), seed=9)
    presses = [b.callback_press() for _ in range(N)]
    asked = [p for p in presses if p is not None]
    share = len(asked) / N
    assert abs(share - 0.2) < 4 * math.sqrt(0.2 * 0.8 / N)
    assert min(asked) >= 6.0 and max(asked) <= 20.0
    assert abs(statistics.fmean(asked) - 13.0) < 0.3


def test_known_and_unknown_callers_in_the_share_asked_never_a_number_on_a_call() -> None:
    known = tuple(DEMO_CALLERS.values())
    busy = {known[0], known[1]}
    b = behaviour(known_caller_share=0.7, seed=13)
    numbers = [b.caller_number(known, busy) for _ in range(5000)]
    assert not busy & set(numbers)
    from_crm = sum(1 for n in numbers if n in known)
    assert abs(from_crm / 5000 - 0.7) < 4 * math.sqrt(0.21 / 5000)
    strangers = [n for n in numbers if n not in known]
    assert all(
        n.startswith(UNKNOWN_PREFIX) and len(n) == len(UNKNOWN_PREFIX) + 3 for n in strangers
    )


def test_when_every_known_caller_is_on_a_call_a_stranger_calls() -> None:
    known = tuple(DEMO_CALLERS.values())
    b = behaviour(known_caller_share=1.0)
    assert all(b.caller_number(known, set(known)) not in known for _ in range(100))


def test_breaks_come_after_the_share_of_calls_asked_and_last_as_long_as_asked() -> None:
    b = behaviour(break_share=0.1, break_s=(20.0, 60.0), seed=17)
    breaks = [b.after_call_break() for _ in range(N)]
    taken = [x for x in breaks if x is not None]
    assert abs(len(taken) / N - 0.1) < 4 * math.sqrt(0.09 / N)
    assert all(20.0 <= x.duration_s <= 60.0 for x in taken)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"calls_per_minute": 0.0}, "--calls-per-minute"),
        ({"agents": -1}, "--agents"),
        ({"duration_s": 0.0}, "--duration"),
        ({"callback_share": 1.5}, "callback_share"),
        ({"ring_s": (5.0, 1.0)}, "ring_s"),
        ({"patience_mean_s": 0.0}, "patience"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_their_name(
    changes: dict[str, object], words: str
) -> None:
    with pytest.raises(DemoError, match=words):
        DemoSettings(**changes).check()  # type: ignore[arg-type]
