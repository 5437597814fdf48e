"""Browser sessions: hashed at rest, idle and absolute expiry, throttled touch, logout, CSRF."""

from __future__ import annotations

import hashlib

import pytest
from accounts_helpers import ALICE, BOB, PASSWORD, SUPER
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from frontdesk.accounts import (
    AccountStore,
    BadCredentials,
    Passwords,
    Role,
    SessionPolicy,
    UnknownUser,
    check_csrf,
)
from frontdesk.accounts.schema import sessions
from frontdesk.clock import ManualClock

HOUR = 3600.0


def _rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(sessions))]


def test_session_resolves_to_the_user_and_only_a_hash_is_stored(
    store: AccountStore, engine: Engine
) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    opened = store.create_session(alice.id, source="192.0.2.7")
    assert len(opened.token) >= 43  # 32 random bytes, base64url
    assert opened.token not in repr(opened) and opened.session.csrf_token not in repr(opened)
    found = store.resolve_session(opened.token)
    assert found is not None and found.id == opened.session.id
    assert found.principal == alice.principal()
    assert found.source == "192.0.2.7"
    (row,) = _rows(engine)
    assert row["token_hash"] == hashlib.sha256(opened.token.encode()).hexdigest()
    assert opened.token not in {str(value) for value in row.values()}


def test_unknown_and_malformed_tokens_find_nothing(store: AccountStore) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    opened = store.create_session(alice.id)
    assert (
        store.resolve_session(opened.token[:-1] + ("A" if opened.token[-1] != "A" else "B")) is None
    )
    assert store.resolve_session("") is None
    assert store.resolve_session("x" * 5000) is None


def test_every_login_gets_a_new_token_and_csrf_token(store: AccountStore) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    one, two = store.create_session(alice.id), store.create_session(alice.id)
    assert one.token != two.token
    assert one.session.csrf_token != two.session.csrf_token


def test_idle_timeout_ends_a_session(store: AccountStore, clock: ManualClock) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    opened = store.create_session(alice.id)
    clock.advance(2 * HOUR - 1)
    assert store.resolve_session(opened.token) is not None  # used: the idle clock restarts
    clock.advance(2 * HOUR - 1)
    assert store.resolve_session(opened.token) is not None
    clock.advance(2 * HOUR)
    assert store.resolve_session(opened.token) is None
    clock.advance(1)
    assert store.resolve_session(opened.token) is None  # deleted, not just refused


def test_absolute_lifetime_ends_an_active_session(
    store: AccountStore, clock: ManualClock, engine: Engine
) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    opened = store.create_session(alice.id)
    for _ in range(11):
        clock.advance(HOUR)
        assert store.resolve_session(opened.token) is not None
    clock.advance(HOUR - 1)
    assert store.resolve_session(opened.token) is not None
    clock.advance(1)  # 12 h after login, however busy
    assert store.resolve_session(opened.token) is None
    assert _rows(engine) == []


def test_touch_is_written_at_most_once_a_minute(
    store: AccountStore, clock: ManualClock, engine: Engine
) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    opened = store.create_session(alice.id)
    start = opened.session.last_seen_at
    for _ in range(59):
        clock.advance(1)
        found = store.resolve_session(opened.token)
        assert found is not None and found.last_seen_at == start
    assert _rows(engine)[0]["last_seen_at"] == start
    clock.advance(1)
    found = store.resolve_session(opened.token)
    assert found is not None and found.last_seen_at == start + 60
    assert _rows(engine)[0]["last_seen_at"] == start + 60


def test_logout_deletes_the_session(store: AccountStore) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    opened = store.create_session(alice.id)
    assert store.end_session(opened.token)
    assert store.resolve_session(opened.token) is None
    assert not store.end_session(opened.token)


def test_disabling_a_user_ends_their_sessions_only(store: AccountStore) -> None:
    alice, bob = store.create_user(ALICE, PASSWORD), store.create_user(BOB, PASSWORD)
    a, b = store.create_session(alice.id), store.create_session(bob.id)
    store.disable("alice")
    assert store.resolve_session(a.token) is None
    assert store.resolve_session(b.token) is not None
    store.enable("alice")
    assert store.resolve_session(a.token) is None  # enabling does not bring sessions back
    store.disable("alice")
    with pytest.raises(BadCredentials, match="disabled"):
        store.create_session(alice.id)


def test_password_change_ends_sessions_but_the_one_that_made_it(store: AccountStore) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    here, elsewhere = store.create_session(alice.id), store.create_session(alice.id)
    store.set_password("alice", "another fine secret", keep_session_id=here.session.id)
    assert store.resolve_session(here.token) is not None
    assert store.resolve_session(elsewhere.token) is None
    store.set_password("alice", "yet another secret")
    assert store.resolve_session(here.token) is None


def test_a_role_change_applies_to_the_next_request(store: AccountStore) -> None:
    sue = store.create_user(SUPER, PASSWORD)
    opened = store.create_session(sue.id)
    store.update_user("sue", role=Role.ADMIN, teams=["billing"])
    found = store.resolve_session(opened.token)
    assert found is not None
    assert found.principal.role is Role.ADMIN and found.principal.teams == {"billing"}


def test_session_for_unknown_user(store: AccountStore) -> None:
    with pytest.raises(UnknownUser):
        store.create_session(99)


def test_purge_removes_sessions_over_and_keeps_live_ones(
    store: AccountStore, clock: ManualClock
) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    old = store.create_session(alice.id)
    clock.advance(2 * HOUR - 10)
    young = store.create_session(alice.id)
    clock.advance(10)
    assert store.purge_expired_sessions() == 1
    assert store.resolve_session(young.token) is not None
    assert store.resolve_session(old.token) is None


def test_session_policy_is_configurable(engine: Engine, clock: ManualClock) -> None:
    policy = SessionPolicy(absolute_s=100, idle_s=30, touch_every_s=5)
    store = AccountStore(engine, clock, passwords=Passwords(), session_policy=policy)
    user = store.create_user(ALICE, None)
    opened = store.create_session(user.id)
    clock.advance(29)
    assert store.resolve_session(opened.token) is not None
    clock.advance(30)
    assert store.resolve_session(opened.token) is None


@pytest.mark.parametrize(
    ("absolute", "idle", "touch"), [(10, 20, 1), (10, 0, 0), (10, 5, 5), (10, 5, -1)]
)
def test_session_policy_refuses_nonsense(absolute: float, idle: float, touch: float) -> None:
    with pytest.raises(ValueError):
        SessionPolicy(absolute_s=absolute, idle_s=idle, touch_every_s=touch)


@given(st.floats(0, 50_000), st.floats(0, 50_000), st.floats(0, 50_000))
def test_a_session_is_over_exactly_past_either_limit(
    since_login: float, since_seen: float, extra: float
) -> None:
    policy = SessionPolicy()
    created = 1_000_000.0
    seen = created + min(since_login, extra)
    now = seen + since_seen
    over = policy.is_over(policy.expires_at(created), seen, now)
    assert over == (now - created >= policy.absolute_s or now - seen >= policy.idle_s)


def test_csrf_check(store: AccountStore) -> None:
    alice = store.create_user(ALICE, PASSWORD)
    session = store.create_session(alice.id).session
    other = store.create_session(alice.id).session
    assert check_csrf(session, session.csrf_token)
    assert not check_csrf(session, other.csrf_token)
    assert not check_csrf(session, None)
    assert not check_csrf(session, "")
    assert not check_csrf(session, session.csrf_token[:-1])
    assert not check_csrf(session, session.csrf_token + "é")
    resolved = store.resolve_session(store.create_session(alice.id).token)
    assert resolved is not None and check_csrf(resolved, resolved.csrf_token)
