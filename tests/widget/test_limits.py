"""The abuse limiter: sliding windows per address, key and number, concurrency, exact waits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.clock import ManualClock
from frontdesk.widget import (
    LimitExceeded,
    TooManyCallbacks,
    TooManyCalls,
    TooManyConcurrentCalls,
)
from frontdesk.widget.limits import EPSILON, AbuseLimiter
from frontdesk.widget.settings import WidgetLimits

GENEROUS = WidgetLimits(
    calls_per_minute_per_address=1000, calls_per_hour_per_address=1000,
    calls_per_minute_per_key=1000, calls_per_hour_per_key=1000,
    concurrent_calls_per_address=1000, concurrent_calls_total=1000,
    callbacks_per_hour_per_address=1000, callbacks_per_day_per_number=1000,
    callbacks_per_hour_per_key=1000,
)  # fmt: skip


def limits(**changes: int) -> WidgetLimits:
    values = {name: getattr(GENEROUS, name) for name in GENEROUS.__slots__}
    values.update(changes)
    return WidgetLimits(**values)


def test_calls_per_minute_per_address_refuse_the_fourth_and_say_when_to_come_back() -> None:
    clock = ManualClock()
    limiter = AbuseLimiter(limits(calls_per_minute_per_address=3))
    for at in (0.0, 10.0, 20.0):
        clock.set(at)
        limiter.call_ended(limiter.admit_call("192.0.2.1", "shop", clock.now()))
    clock.set(30.0)
    with pytest.raises(TooManyCalls) as refused:
        limiter.admit_call("192.0.2.1", "shop", clock.now())
    assert refused.value.rule == "calls_per_minute_per_address"
    assert refused.value.retry_after_s == 30  # the call at t=0 leaves the window at t=60
    assert refused.value.error_id == "too_many_calls"
    limiter.admit_call("192.0.2.2", "shop", clock.now())  # another address is not affected
    clock.set(59.0)
    with pytest.raises(TooManyCalls):
        limiter.admit_call("192.0.2.1", "shop", clock.now())
    clock.set(60.0)
    limiter.admit_call("192.0.2.1", "shop", clock.now())


def test_refused_requests_are_not_counted() -> None:
    limiter = AbuseLimiter(limits(calls_per_minute_per_address=1))
    limiter.call_ended(limiter.admit_call("a", "shop", 0.0))
    for t in range(1, 60):
        with pytest.raises(TooManyCalls):
            limiter.admit_call("a", "shop", float(t))
    limiter.admit_call("a", "shop", 60.0)  # the refusals did not push the window on


def test_the_key_wide_limit_holds_over_many_addresses() -> None:
    limiter = AbuseLimiter(limits(calls_per_hour_per_key=5))
    for n in range(5):
        limiter.call_ended(limiter.admit_call(f"198.51.100.{n}", "shop", float(n)))
    with pytest.raises(TooManyCalls) as refused:
        limiter.admit_call("198.51.100.99", "shop", 10.0)
    assert refused.value.rule == "calls_per_hour_per_key"
    assert refused.value.retry_after_s == 3590
    limiter.admit_call("198.51.100.99", "other-widget", 10.0)


def test_concurrent_calls_per_address_and_in_total_free_up_when_calls_end() -> None:
    limiter = AbuseLimiter(limits(concurrent_calls_per_address=1, concurrent_calls_total=2))
    first = limiter.admit_call("a", "shop", 0.0)
    with pytest.raises(TooManyConcurrentCalls) as refused:
        limiter.admit_call("a", "shop", 1.0)
    assert refused.value.rule == "concurrent_calls_per_address"
    assert refused.value.retry_after_s > 0
    second = limiter.admit_call("b", "shop", 1.0)
    with pytest.raises(TooManyConcurrentCalls) as refused:
        limiter.admit_call("c", "shop", 2.0)
    assert refused.value.rule == "concurrent_calls_total"
    assert limiter.calls_up() == 2 and limiter.calls_up("a") == 1
    limiter.call_ended(first)
    limiter.admit_call("c", "shop", 3.0)
    limiter.call_ended(second)
    assert limiter.calls_up() == 1 and limiter.calls_up("a") == 0


def test_callbacks_to_one_number_per_day_whatever_the_address() -> None:
    limiter = AbuseLimiter(limits(callbacks_per_day_per_number=2))
    for n, at in enumerate((0.0, 100.0)):
        limiter.check_callback(f"a{n}", "shop", "+442079460555", at)
        limiter.record_callback(f"a{n}", "shop", "+442079460555", at)
    with pytest.raises(TooManyCallbacks) as refused:
        limiter.check_callback("a9", "shop", "+442079460555", 200.0)
    assert refused.value.rule == "callbacks_per_day_per_number"
    assert refused.value.retry_after_s == 86400 - 200
    limiter.check_callback("a9", "shop", "+442079460556", 200.0)  # another number is fine


def test_checking_a_callback_counts_nothing_until_it_is_recorded() -> None:
    limiter = AbuseLimiter(limits(callbacks_per_hour_per_address=1))
    for _ in range(5):
        limiter.check_callback("a", "shop", "+442079460555", 0.0)
    limiter.record_callback("a", "shop", "+442079460555", 0.0)
    with pytest.raises(TooManyCallbacks):
        limiter.check_callback("a", "shop", "+442079460556", 1.0)


def test_a_zero_limit_allows_nothing() -> None:
    limiter = AbuseLimiter(limits(callbacks_per_hour_per_key=0))
    with pytest.raises(TooManyCallbacks) as refused:
        limiter.check_callback("a", "shop", "+442079460555", 0.0)
    assert refused.value.retry_after_s == 3600


def test_memory_stays_bounded_and_stale_windows_go() -> None:
    limiter = AbuseLimiter(limits(), max_subjects=50)
    for n in range(500):
        limiter.call_ended(limiter.admit_call(f"10.0.{n // 256}.{n % 256}", "shop", float(n)))
    assert limiter.tracked() <= 50
    limiter.sweep(500.0 + 3601.0)
    assert limiter.tracked() == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=600, allow_nan=False), min_size=1, max_size=60),
    st.integers(min_value=1, max_value=5),
)
def test_never_more_than_the_limit_in_any_window_and_the_wait_is_exact(
    times: list[float], allowed: int
) -> None:
    limiter = AbuseLimiter(limits(calls_per_minute_per_address=allowed))
    admitted: list[float] = []
    for at in sorted(times):
        try:
            limiter.call_ended(limiter.admit_call("a", "shop", at))
            admitted.append(at)
        except LimitExceeded as refused:
            # Waiting the announced time (whole seconds, rounded up) is enough, and needed:
            # a second earlier the window was still full.
            wait = refused.retry_after_s
            assert replay(admitted, allowed).admit_call("a", "shop", at + wait)
            if wait > 1:
                with pytest.raises(LimitExceeded):
                    replay(admitted, allowed).admit_call("a", "shop", at + wait - 1)
    for at in admitted:
        # (the limiter's windows forgive a microsecond of float rounding: EPSILON)
        assert sum(1 for t in admitted if at - 60 + EPSILON < t <= at) <= allowed


def replay(admitted: list[float], allowed: int) -> AbuseLimiter:
    limiter = AbuseLimiter(limits(calls_per_minute_per_address=allowed))
    for at in admitted:
        limiter.call_ended(limiter.admit_call("a", "shop", at))
    return limiter
