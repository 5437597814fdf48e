"""Per-source authentication failure throttle: sliding window, temporary blocks, bounded memory."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.sip import SipError
from frontdesk.sip.throttle import AuthFailureThrottle

SCANNER = "203.0.113.7"
PHONE = "198.51.100.20"


def fail_times(throttle: AuthFailureThrottle, source: str, times: list[float]) -> list[bool]:
    return [throttle.record_failure(source, t) for t in times]


def test_fifth_failure_within_the_window_blocks_for_block_s() -> None:
    throttle = AuthFailureThrottle(max_failures=5, window_s=60, block_s=300)
    assert fail_times(throttle, SCANNER, [0, 1, 2, 3]) == [False] * 4
    assert not throttle.is_blocked(SCANNER, 3)
    assert throttle.record_failure(SCANNER, 4) is True
    assert throttle.is_blocked(SCANNER, 4)
    assert throttle.blocked_until(SCANNER, 100) == 304
    assert throttle.is_blocked(SCANNER, 303.9)
    assert not throttle.is_blocked(SCANNER, 304)
    assert throttle.blocked_until(SCANNER, 304) is None


def test_the_window_slides() -> None:
    throttle = AuthFailureThrottle(max_failures=5, window_s=60, block_s=300)
    # At t=61 the failure at t=0 has left the window: only four remain.
    assert fail_times(throttle, SCANNER, [0, 15, 30, 45, 61]) == [False] * 5
    assert throttle.record_failure(SCANNER, 62) is True


def test_failures_while_blocked_neither_report_again_nor_extend_the_block() -> None:
    throttle = AuthFailureThrottle(max_failures=2, window_s=60, block_s=100)
    assert fail_times(throttle, SCANNER, [0, 1]) == [False, True]
    assert fail_times(throttle, SCANNER, [50, 99]) == [False, False]
    assert not throttle.is_blocked(SCANNER, 101)


def test_after_a_block_counting_starts_from_zero() -> None:
    throttle = AuthFailureThrottle(max_failures=3, window_s=1000, block_s=10)
    assert fail_times(throttle, SCANNER, [0, 1, 2]) == [False, False, True]
    # The failures before the block are still inside the window but must not count again.
    assert fail_times(throttle, SCANNER, [20, 21, 22]) == [False, False, True]


def test_success_forgets_failures_but_does_not_lift_a_block() -> None:
    throttle = AuthFailureThrottle(max_failures=3, window_s=60, block_s=300)
    fail_times(throttle, PHONE, [0, 1])
    throttle.record_success(PHONE, 2)
    assert fail_times(throttle, PHONE, [3, 4]) == [False, False]
    assert throttle.record_failure(PHONE, 5) is True
    throttle.record_success(PHONE, 6)
    assert throttle.is_blocked(PHONE, 6)
    throttle.unblock(PHONE)
    assert not throttle.is_blocked(PHONE, 6)


def test_sources_are_counted_separately() -> None:
    throttle = AuthFailureThrottle(max_failures=2)
    assert throttle.record_failure(SCANNER, 0) is False
    assert throttle.record_failure(PHONE, 0) is False
    assert throttle.record_failure(SCANNER, 1) is True
    assert not throttle.is_blocked(PHONE, 1)


def test_memory_is_bounded_and_knocking_blocked_sources_are_kept() -> None:
    throttle = AuthFailureThrottle(max_failures=1, window_s=60, block_s=300, max_sources=3)
    assert throttle.record_failure(SCANNER, 0)
    for i in range(10):
        throttle.record_failure(f"192.0.2.{i}", float(i))
        assert throttle.is_blocked(SCANNER, float(i))  # the scanner keeps sending
        assert throttle.tracked_sources <= 3
    assert throttle.is_blocked(SCANNER, 10)
    assert not throttle.is_blocked("192.0.2.0", 10)  # quiet and evicted


@pytest.mark.parametrize(
    "kwargs",
    [{"max_failures": 0}, {"window_s": 0}, {"block_s": -1}, {"max_sources": 0}],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(SipError) as caught:
        AuthFailureThrottle(**kwargs)  # type: ignore[arg-type]
    assert not caught.value.peer_fault


_EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["fail", "ok", "check"]),
        st.sampled_from(["a", "b", "c"]),
        st.floats(0, 30, allow_nan=False),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_EVENTS)
def test_matches_a_brute_force_reading_of_the_history(
    events: list[tuple[str, str, float]],
) -> None:
    limit, window, block = 3, 10.0, 20.0
    throttle = AuthFailureThrottle(limit, window, block)
    now = 0.0
    counted: dict[str, list[float]] = {}  # failures since the last success or block
    until: dict[str, float] = {}
    for kind, source, step in events:
        now += step
        blocked = until.get(source, -1.0) > now
        if kind == "check":
            assert throttle.is_blocked(source, now) is blocked
        elif kind == "ok":
            throttle.record_success(source, now)
            if not blocked:
                counted[source] = []
        elif blocked:
            assert throttle.record_failure(source, now) is False
        else:
            if source in until:  # a block that ended wipes the slate
                del until[source]
                counted[source] = []
            history = [*counted.get(source, []), now]
            recent = [t for t in history if t > now - window]
            newly = len(recent) >= limit
            assert throttle.record_failure(source, now) is newly
            counted[source] = [] if newly else history
            if newly:
                until[source] = now + block


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=200), st.integers(1, 10))
def test_never_tracks_more_than_max_sources(sources: list[int], cap: int) -> None:
    throttle = AuthFailureThrottle(max_failures=2, max_sources=cap)
    for now, source in enumerate(sources):
        throttle.record_failure(f"10.0.0.{source}", float(now))
        assert throttle.tracked_sources <= cap
