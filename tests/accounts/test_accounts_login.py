"""A whole login through the gate: throttle first, password, session; failures audited."""

from __future__ import annotations

import threading

import pytest
from accounts_helpers import ALICE, PASSWORD

from frontdesk.accounts import (
    AccountStore,
    BadCredentials,
    LoginGate,
    LoginThrottle,
    LoginThrottled,
)
from frontdesk.clock import ManualClock


def test_login_opens_a_session_and_records_the_time(
    store: AccountStore, clock: ManualClock
) -> None:
    store.create_user(ALICE, PASSWORD)
    gate = LoginGate(store, clock)
    opened = gate.log_in("Alice", PASSWORD, "192.0.2.1")
    assert opened.session.principal.username == "alice"
    assert opened.session.source == "192.0.2.1"
    assert store.resolve_session(opened.token) is not None
    assert store.user("alice").last_login_at == clock.wall()


def test_failures_are_audited_and_then_throttled_without_checking(
    store: AccountStore, clock: ManualClock
) -> None:
    store.create_user(ALICE, PASSWORD)
    gate = LoginGate(store, clock)
    for _ in range(5):
        with pytest.raises(BadCredentials):
            gate.log_in("alice", "wrong password!", "198.51.100.4")
    with pytest.raises(LoginThrottled) as caught:
        gate.log_in("alice", PASSWORD, "198.51.100.4")  # even the right password waits
    assert caught.value.error_id == "login_throttled" and caught.value.http_status == 429
    assert caught.value.retry_after == 30
    assert "try again in 30 seconds" in str(caught.value)
    failures = store.login_failures(username="ALICE")
    assert len(failures) == 5  # the throttled attempt is not a checked failure
    assert {(f.reason, f.address) for f in failures} == {("bad_password", "198.51.100.4")}
    clock.advance(30)
    assert gate.log_in("alice", PASSWORD, "198.51.100.4").session.principal.username == "alice"


def test_unknown_users_are_throttled_like_known_ones(
    store: AccountStore, clock: ManualClock
) -> None:
    gate = LoginGate(store, clock)
    for _ in range(5):
        with pytest.raises(BadCredentials):
            gate.log_in("ghost", "whatever it is", "198.51.100.4")
    with pytest.raises(LoginThrottled):
        gate.log_in("ghost", "whatever it is", "198.51.100.4")


def test_audit_can_be_filtered_and_purged(store: AccountStore, clock: ManualClock) -> None:
    gate = LoginGate(store, clock)
    with pytest.raises(BadCredentials):
        gate.log_in("ghost", "whatever it is", None)
    clock.advance(100)
    with pytest.raises(BadCredentials):
        gate.log_in("other", "whatever it is", None)
    assert [f.username for f in store.login_failures()] == ["other", "ghost"]
    assert [f.username for f in store.login_failures(since=clock.wall())] == ["other"]
    assert store.purge_login_failures(older_than=clock.wall()) == 1
    assert [f.username for f in store.login_failures()] == ["other"]


def test_gate_is_safe_from_several_threads(store: AccountStore, clock: ManualClock) -> None:
    store.create_user(ALICE, PASSWORD)
    gate = LoginGate(store, clock, LoginThrottle())
    tokens: list[str] = []
    errors: list[Exception] = []

    def one() -> None:
        try:
            tokens.append(gate.log_in("alice", PASSWORD, "192.0.2.1").token)
        except Exception as exc:  # collected and shown below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(tokens)) == 8
    assert all(store.resolve_session(token) is not None for token in tokens)
