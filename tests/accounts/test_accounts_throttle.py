"""Login throttling: blocks per username and per address, growing back-off, trusted addresses,
bounded memory, and no lock-out that outlives the attack."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.accounts import LoginThrottle, ThrottleRule, ThrottleSettings

USER = ThrottleSettings().per_username
ADDR = ThrottleSettings().per_address


def _fail_until_blocked(throttle: LoginThrottle, user: str, address: str, now: float) -> int:
    """Fails attempts at `now` until one is refused; returns how many were let through."""
    let_through = 0
    while throttle.admit(user, address, now).allowed:
        throttle.failed(user, address, now)
        let_through += 1
        assert let_through < 1000
    return let_through


def test_username_is_blocked_after_five_failures_from_anywhere() -> None:
    throttle = LoginThrottle()
    for i in range(4):
        throttle.failed("alice", f"198.51.100.{i}", 0.0)
        assert throttle.admit("alice", "203.0.113.1", 0.0).allowed
    throttle.failed("Alice", "198.51.100.9", 1.0)
    verdict = throttle.admit("ALICE", "203.0.113.1", 1.0)
    assert not verdict.allowed
    assert verdict.blocked_by == "username" and verdict.retry_after == USER.base_block_s
    assert throttle.admit("bob", "203.0.113.1", 1.0).allowed


def test_blocks_double_up_to_the_cap() -> None:
    throttle, now, blocks = LoginThrottle(), 0.0, []
    for _ in range(8):
        assert _fail_until_blocked(throttle, "alice", "198.51.100.1", now) == USER.max_failures
        blocks.append(throttle.admit("alice", "198.51.100.1", now).retry_after)
        now += blocks[-1]
    assert blocks == [30, 60, 120, 240, 480, 900, 900, 900]


def test_failures_outside_the_window_do_not_add_up() -> None:
    throttle = LoginThrottle()
    for i in range(20):
        throttle.failed("alice", "198.51.100.1", i * USER.window_s / 4)
    assert throttle.admit("alice", "198.51.100.2", 20 * USER.window_s / 4).allowed


def test_strikes_are_forgotten_after_a_quiet_day() -> None:
    throttle = LoginThrottle()
    _fail_until_blocked(throttle, "alice", "198.51.100.1", 0.0)
    _fail_until_blocked(throttle, "alice", "198.51.100.1", 30.0)
    assert throttle.admit("alice", "x", 30.0).retry_after == 60
    later = 30.0 + USER.forget_after_s
    _fail_until_blocked(throttle, "alice", "198.51.100.1", later)
    assert throttle.admit("alice", "x", later).retry_after == USER.base_block_s


def test_success_clears_the_username_but_not_the_address() -> None:
    throttle = LoginThrottle()
    for i in range(4):
        throttle.failed("alice", "198.51.100.1", float(i))
    for i in range(15):
        throttle.failed(f"user{i}", "198.51.100.1", 5.0)
    throttle.succeeded("alice", "203.0.113.5", 6.0)
    throttle.failed("alice", "203.0.113.6", 7.0)
    assert throttle.admit("alice", "203.0.113.6", 7.0).allowed  # 1 failure, not 5
    throttle.failed("mallory", "198.51.100.1", 8.0)  # the address's 20th failure
    verdict = throttle.admit("someone", "198.51.100.1", 8.0)
    assert verdict.blocked_by == "address" and verdict.retry_after == ADDR.base_block_s


def test_one_address_spraying_many_usernames_is_blocked() -> None:
    throttle = LoginThrottle()
    allowed = 0
    for i in range(100):
        if throttle.admit(f"user{i}", "198.51.100.1", 0.0).allowed:
            throttle.failed(f"user{i}", "198.51.100.1", 0.0)
            allowed += 1
    assert allowed == ADDR.max_failures


def test_the_user_gets_in_from_a_trusted_address_during_an_attack() -> None:
    throttle = LoginThrottle()
    throttle.succeeded("alice", "192.0.2.10", 0.0)  # her office, yesterday
    for i in range(50):  # a botnet, one guess per address
        if throttle.admit("alice", f"198.51.100.{i}", 100.0).allowed:
            throttle.failed("alice", f"198.51.100.{i}", 100.0)
    assert not throttle.admit("alice", "203.0.113.9", 100.0).allowed
    assert throttle.admit("alice", "192.0.2.10", 100.0).allowed


def test_a_trusted_address_loses_its_trust_after_ten_failures() -> None:
    throttle = LoginThrottle()
    throttle.succeeded("alice", "192.0.2.10", 0.0)
    for _ in range(9):
        assert throttle.admit("alice", "192.0.2.10", 1.0).allowed
        throttle.failed("alice", "192.0.2.10", 1.0)
    assert throttle.admit("alice", "192.0.2.10", 1.0).allowed
    throttle.failed("alice", "192.0.2.10", 1.0)
    assert not throttle.admit("alice", "192.0.2.10", 1.0).allowed


def test_trust_expires() -> None:
    throttle = LoginThrottle()
    throttle.succeeded("alice", "192.0.2.10", 0.0)
    later = ThrottleSettings().trusted_for_s
    _fail_until_blocked(throttle, "alice", "198.51.100.1", later)
    assert not throttle.admit("alice", "192.0.2.10", later).allowed


def test_hammering_a_blocked_user_blocks_the_hammering_address() -> None:
    throttle = LoginThrottle()
    _fail_until_blocked(throttle, "alice", "198.51.100.1", 0.0)
    for _ in range(ADDR.max_failures):
        assert throttle.admit("alice", "203.0.113.66", 1.0).blocked_by == "username"
    assert throttle.admit("bob", "203.0.113.66", 1.0).blocked_by == "address"
    assert throttle.admit("bob", "203.0.113.67", 1.0).allowed


def test_no_address_means_only_the_username_counts() -> None:
    throttle = LoginThrottle()
    assert _fail_until_blocked(throttle, "alice", None, 0.0) == USER.max_failures  # type: ignore[arg-type]
    assert throttle.sizes() == (1, 0, 0)


def test_block_length_doubles_and_is_capped() -> None:
    rule = ThrottleRule(3, 60.0, 10.0, 100.0)
    assert [rule.block_for(n) for n in (1, 2, 3, 4, 5, 500)] == [10, 20, 40, 80, 100, 100]


attempts = st.lists(
    st.tuples(
        st.sampled_from(["alice", "bob", "carol", "dave"]),
        st.sampled_from(["a1", "a2", "a3", "a4", "a5", None]),
        st.floats(0, 600, allow_nan=False),
        st.booleans(),  # whether the password was right
    ),
    max_size=200,
)


@settings(max_examples=150, deadline=None)
@given(attempts)
def test_no_block_outlives_the_attack_by_more_than_the_cap(
    script: list[tuple[str, str | None, float, bool]],
) -> None:
    throttle, now = LoginThrottle(), 0.0
    for user, address, step, right in script:
        now += step
        if throttle.admit(user, address, now).allowed:
            if right:
                throttle.succeeded(user, address, now)
            else:
                throttle.failed(user, address, now)
    after = now + max(USER.max_block_s, ADDR.max_block_s)
    for user in ("alice", "bob", "carol", "dave"):
        for address in ("a1", "a2", "a3", "a4", "a5", None):
            assert throttle.admit(user, address, after).allowed


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3"]), st.floats(0, 100)), max_size=300))
def test_more_than_max_failures_within_a_window_need_a_block_between_them(
    script: list[tuple[str, float]],
) -> None:
    """The core promise: among any max_failures + 1 failures let through on one username
    within one window (from untrusted addresses), two are a whole block apart."""
    throttle, now, let_through = LoginThrottle(), 0.0, list[float]()
    for address, step in script:
        now += step
        if throttle.admit("alice", address, now).allowed:
            throttle.failed("alice", address, now)
            let_through.append(now)
    run = USER.max_failures + 1
    for first in range(len(let_through) - run + 1):
        times = let_through[first : first + run]
        if times[-1] - times[0] < USER.window_s:
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert max(gaps) >= USER.base_block_s


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.booleans())))
def test_memory_stays_bounded(script: list[tuple[int, int, bool]]) -> None:
    throttle = LoginThrottle(ThrottleSettings(max_entries=50))
    for i, (user, address, right) in enumerate(script):
        if right:
            throttle.succeeded(f"u{user}", f"a{address}", float(i))
        else:
            throttle.failed(f"u{user}", f"a{address}", float(i))
        assert all(size <= 50 for size in throttle.sizes())


@pytest.mark.parametrize("junk", ["x" * 10_000, " ALICE ", "alice\n"])
def test_usernames_are_folded_and_bounded(junk: str) -> None:
    throttle = LoginThrottle()
    throttle.failed(junk, None, 0.0)
    assert throttle.sizes()[0] == 1
