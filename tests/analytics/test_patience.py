"""Kaplan-Meier, hazard buckets and the exponential fit on hand-computable and random data."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.analytics import (
    AnalyticsError,
    exponential_patience,
    hazard_by_bucket,
    kaplan_meier,
)
from frontdesk.analytics.patience import fit_exponential_patience

# Waits (s) and outcomes: True = abandoned (event), False = answered (censored).
WAITS = [1, 2, 2, 3, 4, 5]
ABANDONED = [True, True, False, True, False, True]


def test_small_example_by_hand() -> None:
    # t=1: 6 at risk, 1 abandons -> 5/6. t=2: 5 at risk (the call answered at 2 s is still
    # waiting at 2 s), 1 abandons -> 2/3. t=3: 3 at risk -> 4/9. t=5: 1 at risk -> 0.
    km = kaplan_meier(WAITS, ABANDONED)
    assert km.times.tolist() == [1, 2, 3, 5]
    assert km.at_risk.tolist() == [6, 5, 3, 1]
    assert km.survival == pytest.approx([5 / 6, 2 / 3, 4 / 9, 0.0])
    # Greenwood at t=3: (4/9)^2 (1/(6*5) + 1/(5*4) + 1/(3*2)) = 4/81.
    assert km.variance[2] == pytest.approx(4 / 81)
    assert km.variance[3] == 0.0  # undefined once S = 0; reported as 0, not NaN
    assert km.at(0.5) == 1.0 and km.at(2.5) == pytest.approx(2 / 3)
    assert km.median() == 3.0


def test_textbook_six_mp_remission_data() -> None:
    # Freireich et al. (1963) 6-MP arm, weeks in remission (+ = censored); the product-limit
    # estimates as tabulated by Kleinbaum & Klein, "Survival Analysis", 3rd ed., ch. 2:
    # S(6)=0.857, S(7)=0.807, S(10)=0.753, S(13)=0.690, S(16)=0.627, S(22)=0.538, S(23)=0.448.
    data = ["6", "6", "6", "6+", "7", "9+", "10", "10+", "11+", "13", "16", "17+"]
    data += ["19+", "20+", "22", "23", "25+", "32+", "32+", "34+", "35+"]
    waits = [float(d.rstrip("+")) for d in data]
    events = [not d.endswith("+") for d in data]
    km = kaplan_meier(waits, events)
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in published.items():
        assert km.at(t) == pytest.approx(s, abs=5e-4)
    assert math.sqrt(km.variance[0]) == pytest.approx(0.076, abs=5e-4)  # Greenwood SE at 6
    assert km.median() == 23.0


def _naive_km(waits: list[float], abandoned: list[bool]) -> dict[float, float]:
    """Product-limit by its definition, one distinct event time at a time."""
    survival, curve = 1.0, {}
    for t in sorted({w for w, a in zip(waits, abandoned, strict=True) if a}):
        at_risk = sum(1 for w in waits if w >= t)
        died = sum(1 for w, a in zip(waits, abandoned, strict=True) if a and w == t)
        survival *= 1 - died / at_risk
        curve[t] = survival
    return curve


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=30), st.booleans()),
        min_size=1,
        max_size=80,
    )
)
def test_matches_the_naive_product_limit(observations: list[tuple[int, bool]]) -> None:
    waits = [float(w) for w, _ in observations]
    abandoned = [a for _, a in observations]
    km = kaplan_meier(waits, abandoned)
    expected = _naive_km(waits, abandoned)
    assert km.times.tolist() == list(expected)
    assert km.survival.tolist() == pytest.approx(list(expected.values()))
    assert np.all(np.diff(km.survival) <= 0)
    lower, upper = km.confidence_band()
    assert np.all(lower <= km.survival) and np.all(km.survival <= upper)


def test_hazard_buckets_by_hand() -> None:
    buckets = hazard_by_bucket([5, 15, 25, 40], [True, False, True, True], edges_s=[10, 20])
    first, second, last = buckets
    assert (first.reached, first.abandoned, first.exposure_s) == (4, 1, 5 + 10 + 10 + 10)
    assert (second.reached, second.abandoned, second.exposure_s) == (3, 0, 5 + 10 + 10)
    assert (last.reached, last.abandoned, last.exposure_s) == (2, 2, 5 + 20)
    assert last.end_s == math.inf
    assert last.hazard_per_s == pytest.approx(2 / 25)
    assert first.abandon_fraction == pytest.approx(1 / 4)


def test_exponential_fit_by_hand_and_on_simulated_callers() -> None:
    fit = exponential_patience(WAITS, ABANDONED)
    assert fit.theta_per_s == pytest.approx(4 / 17)  # 4 abandons over 17 s of waiting
    assert fit.median_s == pytest.approx(math.log(2) * 17 / 4)
    # Callers with exponential patience (mean 120 s) answered after exponential waits
    # (mean 60 s): the censored MLE recovers the mean within a few standard errors.
    rng = random.Random(7)
    waits, abandoned = [], []
    for _ in range(20000):
        patience, answer = rng.expovariate(1 / 120), rng.expovariate(1 / 60)
        waits.append(min(patience, answer))
        abandoned.append(patience < answer)
    fit = exponential_patience(waits, abandoned)
    assert abs(fit.theta_per_s - 1 / 120) < 4 * fit.theta_standard_error
    km = kaplan_meier(waits, abandoned)
    assert km.median() == pytest.approx(120 * math.log(2), rel=0.1)


def test_nothing_to_fit_gives_no_fit_rather_than_an_error() -> None:
    # Every caller gave up at 0 s (found by the rollup property test: the patience report
    # raised); or nobody gave up. Reports and planning then show no exponential fit.
    assert fit_exponential_patience([0.0, 0.0], [True, False]) is None
    assert fit_exponential_patience([3.0, 4.0], [False, False]) is None
    found = fit_exponential_patience(WAITS, ABANDONED)
    assert found is not None and found == exponential_patience(WAITS, ABANDONED)


def test_bad_input_is_refused() -> None:
    with pytest.raises(AnalyticsError, match="same length"):
        kaplan_meier([1, 2], [True])
    with pytest.raises(AnalyticsError, match="0 s or more"):
        kaplan_meier([-1.0], [True])
    with pytest.raises(AnalyticsError, match="at least one abandonment"):
        exponential_patience([3.0, 4.0], [False, False])
    with pytest.raises(AnalyticsError, match="increasing"):
        hazard_by_bucket([1.0], [True], edges_s=[20, 10])
