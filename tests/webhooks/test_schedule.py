"""The retry schedule on its own: what an answer means, exponential ceilings with full jitter,
and giving up by age or by count (sans-IO: manual time, seeded randomness)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.clock import ManualClock
from frontdesk.webhooks import BadWebhookSetting, DeliveryStatus, RetryPolicy
from frontdesk.webhooks.schedule import Outcome, after_attempt, classify


class Longest(random.Random):
    """Always waits the whole ceiling: the slowest schedule full jitter can draw."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED), (201, Outcome.DELIVERED), (204, Outcome.DELIVERED),
        (299, Outcome.DELIVERED), (410, Outcome.GONE), (None, Outcome.RETRY),
        (301, Outcome.RETRY), (400, Outcome.RETRY), (404, Outcome.RETRY),
        (429, Outcome.RETRY), (500, Outcome.RETRY), (503, Outcome.RETRY), (199, Outcome.RETRY),
    ],
)  # fmt: skip
def test_classify(status: int | None, outcome: Outcome) -> None:
    assert classify(status) is outcome


def test_ceilings_double_from_the_first_delay_up_to_the_cap() -> None:
    policy = RetryPolicy(first_delay_s=5, max_delay_s=3600)
    ceilings = [policy.ceiling(n) for n in range(1, 14)]
    assert ceilings[:3] == [5, 10, 20]
    for before, after in itertools.pairwise(ceilings):
        assert after == min(2 * before, 3600)
    assert ceilings[-1] == 3600 and policy.ceiling(10_000) == 3600


def test_a_delivery_that_always_fails_is_given_up_by_age() -> None:
    policy = RetryPolicy(first_delay_s=5, max_delay_s=3600, max_age_s=24 * 3600, max_attempts=99)
    clock = ManualClock()
    created, attempts, rng = clock.wall(), 0, Longest()
    waits = []
    while True:
        attempts += 1
        step = after_attempt(policy, 503, attempts, created, clock.wall(), rng)
        if step.status is DeliveryStatus.FAILED:
            break
        assert step.status is DeliveryStatus.PENDING and step.next_attempt_at is not None
        waits.append(step.next_attempt_at - clock.wall())
        clock.set(clock.now() + waits[-1])
    assert waits == [policy.ceiling(n) for n in range(1, attempts)]
    assert clock.wall() - created <= policy.max_age_s
    assert clock.wall() - created + policy.ceiling(attempts) > policy.max_age_s
    assert step.reason == "given up: not delivered within 24 h"


def test_a_delivery_is_given_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    rng = random.Random(1)
    assert after_attempt(policy, None, 2, 0.0, 10.0, rng).status is DeliveryStatus.PENDING
    last = after_attempt(policy, None, 3, 0.0, 20.0, rng)
    assert (last.status, last.next_attempt_at) == (DeliveryStatus.FAILED, None)
    assert last.reason == "given up after 3 attempts"


def test_delivered_and_gone() -> None:
    policy, rng = RetryPolicy(), random.Random(2)
    done = after_attempt(policy, 204, 1, 0.0, 1.0, rng)
    assert (done.status, done.next_attempt_at, done.disable) == (
        DeliveryStatus.DELIVERED,
        None,
        False,
    )
    gone = after_attempt(policy, 410, 1, 0.0, 1.0, rng)
    assert (gone.status, gone.disable) == (DeliveryStatus.FAILED, True)


@given(
    attempts=st.integers(min_value=1, max_value=40),
    seed=st.integers(min_value=0, max_value=2**32),
    age=st.floats(min_value=0, max_value=30 * 3600),
)
def test_the_next_attempt_is_within_the_ceiling_and_the_max_age(
    attempts: int, seed: int, age: float
) -> None:
    policy = RetryPolicy(max_attempts=40)
    now = 1_000_000.0
    step = after_attempt(policy, 500, attempts, now - age, now, random.Random(seed))
    if step.status is DeliveryStatus.PENDING:
        assert step.next_attempt_at is not None
        assert now <= step.next_attempt_at <= now + policy.ceiling(attempts)
        assert step.next_attempt_at - (now - age) <= policy.max_age_s
    else:
        assert step.status is DeliveryStatus.FAILED
        assert attempts >= 40 or age + policy.ceiling(attempts) > policy.max_age_s


def test_full_jitter_spreads_waits_over_the_whole_range() -> None:
    policy, rng = RetryPolicy(first_delay_s=5, max_delay_s=3600), random.Random(7)
    waits = [after_attempt(policy, None, 4, 0.0, 0.0, rng).next_attempt_at for _ in range(2000)]
    ceiling = policy.ceiling(4)
    assert all(w is not None and 0 <= w <= ceiling for w in waits)
    quarters = [
        sum(1 for w in waits if w is not None and q * ceiling / 4 <= w < (q + 1) * ceiling / 4)
        for q in range(4)
    ]
    assert min(quarters) > 400  # uniform: about 500 in each quarter


@pytest.mark.parametrize(
    "settings",
    [{"first_delay_s": 0}, {"first_delay_s": 10, "max_delay_s": 5}, {"max_age_s": 0},
     {"max_attempts": 0}],
)  # fmt: skip
def test_bad_policies_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(BadWebhookSetting):
        RetryPolicy(**settings)  # type: ignore[arg-type]
