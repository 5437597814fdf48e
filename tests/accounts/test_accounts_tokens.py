"""API tokens: shown once, hashed at rest, listed without secrets, revoked, expiring."""

from __future__ import annotations

import hashlib

import pytest
from accounts_helpers import ALICE, PASSWORD, SUPER
from sqlalchemy import Engine, select

from frontdesk.accounts import (
    AccountsError,
    AccountStore,
    NewUser,
    Role,
    UnknownToken,
    UnknownUser,
)
from frontdesk.accounts.schema import accounts_metadata, api_tokens
from frontdesk.clock import ManualClock

DAY = 86_400.0


def _everything_stored(engine: Engine) -> str:
    """Every value of every accounts table, as one string."""
    parts = []
    with engine.connect() as conn:
        for table in accounts_metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_token_is_shown_once_and_only_its_hash_is_kept(store: AccountStore, engine: Engine) -> None:
    store.create_user(NewUser("crm-sync", "CRM sync", Role.ADMIN), None)
    made = store.create_token("crm-sync", "nightly export", created_by="root")
    assert made.secret.startswith("fdk_") and len(made.secret) >= 4 + 43
    assert made.secret not in repr(made)
    assert made.token.hint == made.secret[:8] + "…"
    assert made.secret not in _everything_stored(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash)).scalar_one()
    assert stored == hashlib.sha256(made.secret.encode()).hexdigest()
    listed = store.list_tokens()
    assert listed == [made.token]
    assert made.secret not in repr(listed)


def test_token_acts_as_its_owner_with_current_role_and_teams(store: AccountStore) -> None:
    sue = store.create_user(SUPER, PASSWORD)
    made = store.create_token("sue", "wallboard")
    principal = store.resolve_token(made.secret)
    assert principal == sue.principal(token_id=made.token.id)
    store.update_user("sue", teams=["billing"])
    later = store.resolve_token(made.secret)
    assert later is not None and later.teams == {"billing"} and later.role is Role.SUPERVISOR


def test_wrong_or_malformed_tokens_find_nobody(store: AccountStore) -> None:
    store.create_user(SUPER, PASSWORD)
    made = store.create_token("sue", "wallboard")
    assert store.resolve_token(made.secret[:-2] + "zz") is None
    assert store.resolve_token(made.secret[4:]) is None  # without the prefix
    assert store.resolve_token("fdk_") is None
    assert store.resolve_token("") is None


def test_revoked_tokens_stop_working_and_stay_listed(
    store: AccountStore, clock: ManualClock
) -> None:
    store.create_user(SUPER, PASSWORD)
    keep, drop = store.create_token("sue", "a"), store.create_token("sue", "b")
    clock.advance(10)
    revoked = store.revoke_token(drop.token.id)
    assert revoked.revoked_at == clock.wall()
    assert store.resolve_token(drop.secret) is None
    assert store.resolve_token(keep.secret) is not None
    assert store.revoke_token(drop.token.id).revoked_at == revoked.revoked_at  # idempotent
    assert [t.name for t in store.list_tokens("SUE")] == ["a", "b"]
    with pytest.raises(UnknownToken) as caught:
        store.revoke_token(999)
    assert caught.value.error_id == "unknown_token"


def test_tokens_expire(store: AccountStore, clock: ManualClock) -> None:
    store.create_user(SUPER, PASSWORD)
    made = store.create_token("sue", "trial", expires_at=clock.wall() + 7 * DAY)
    clock.advance(7 * DAY - 1)
    assert store.resolve_token(made.secret) is not None
    clock.advance(1)
    assert store.resolve_token(made.secret) is None
    with pytest.raises(AccountsError, match="in the past"):
        store.create_token("sue", "late", expires_at=clock.wall())


def test_tokens_of_a_disabled_owner_do_not_work_until_enabled(store: AccountStore) -> None:
    store.create_user(SUPER, PASSWORD)
    made = store.create_token("sue", "wallboard")
    store.disable("sue")
    assert store.resolve_token(made.secret) is None
    store.enable("sue")
    assert store.resolve_token(made.secret) is not None


def test_password_change_keeps_tokens(store: AccountStore) -> None:
    store.create_user(ALICE, PASSWORD)
    made = store.create_token("alice", "script")
    store.set_password("alice", "completely different")
    assert store.resolve_token(made.secret) is not None


def test_last_use_is_written_at_most_once_a_minute(store: AccountStore, clock: ManualClock) -> None:
    store.create_user(SUPER, PASSWORD)
    made = store.create_token("sue", "wallboard")
    assert store.list_tokens()[0].last_used_at is None
    store.resolve_token(made.secret)
    first = clock.wall()
    clock.advance(59)
    store.resolve_token(made.secret)
    assert store.list_tokens()[0].last_used_at == first
    clock.advance(1)
    store.resolve_token(made.secret)
    assert store.list_tokens()[0].last_used_at == first + 60


def test_tokens_need_an_owner_and_a_name(store: AccountStore) -> None:
    with pytest.raises(UnknownUser):
        store.create_token("nobody", "x")
    store.create_user(SUPER, PASSWORD)
    with pytest.raises(AccountsError, match="needs a name"):
        store.create_token("sue", " ")
    assert store.list_tokens() == []
