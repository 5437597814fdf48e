"""Password policy, argon2id hashing, verification and rehashing with new parameters."""

from __future__ import annotations

import dataclasses

import pytest
from accounts_helpers import ALICE, CHEAP, PASSWORD
from sqlalchemy import Engine, select

from frontdesk.accounts import (
    DEFAULT_PARAMETERS,
    AccountStore,
    BadCredentials,
    PasswordPolicy,
    Passwords,
    WeakPassword,
)
from frontdesk.accounts.schema import users
from frontdesk.clock import ManualClock


def test_default_parameters_are_rfc_9106_second_recommendation() -> None:
    # RFC 9106 §4: "If much less memory is available, a uniformly safe option is Argon2id
    # with t=3 iterations, p=4 lanes, m=2^(16) (64 MiB of RAM), 128-bit salt, and 256-bit tag".
    p = DEFAULT_PARAMETERS
    assert (p.type.name, p.time_cost, p.memory_cost, p.parallelism) == ("ID", 3, 2**16, 4)
    assert (p.salt_len, p.hash_len) == (16, 32)
    hashed = Passwords().hash_new(PASSWORD, "alice")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short pwd", "at least 10"),
        ("x" * 1025, "longer than 1024"),
        ("alice-the-great", "username"),
        ("ALICEALICE", "username"),
        ("abababababab", "different characters"),
        ("Password123", "most commonly used"),
        ("qwertyuiop", "most commonly used"),
    ],
)
def test_policy_refuses_with_the_rule_broken(password: str, rule: str) -> None:
    with pytest.raises(WeakPassword, match=rule) as caught:
        PasswordPolicy().check(password, "alice")
    assert caught.value.error_id == "weak_password"


@pytest.mark.parametrize(
    "password", ["frontdesk-demo", "correct horse battery", "ééééé-ñ-ü-ø-ß", "al" + "x1y2z3w4v5"]
)
def test_policy_accepts_long_unrelated_passwords(password: str) -> None:
    assert PasswordPolicy().check(password, "alice") == password


def test_length_counts_characters_after_nfkc_normalisation() -> None:
    # U+FB03 (the "ffi" ligature) is one character; NFKC makes it three.
    assert PasswordPolicy().check("a\ufb03bcdefg", "bob") == "affibcdefg"


def test_verify_accepts_the_password_and_nothing_else() -> None:
    passwords = Passwords(CHEAP)
    hashed = passwords.hash_new(PASSWORD, "alice")
    assert PASSWORD not in hashed
    assert passwords.verify(hashed, PASSWORD)
    assert not passwords.verify(hashed, PASSWORD + " ")
    assert not passwords.verify(hashed, PASSWORD.upper())
    assert not passwords.verify("not a hash", PASSWORD)
    assert not passwords.verify(None, PASSWORD)


def test_composed_and_decomposed_accents_are_the_same_password() -> None:
    passwords = Passwords(CHEAP)
    hashed = passwords.hash_new("cafe\u0301-au-lait", "bob")  # e + combining acute accent
    assert passwords.verify(hashed, "caf\u00e9-au-lait")  # precomposed é


def test_two_hashes_of_one_password_differ_by_salt() -> None:
    passwords = Passwords(CHEAP)
    assert passwords.hash_new(PASSWORD, "a") != passwords.hash_new(PASSWORD, "a")


def _stored_hash(engine: Engine, username: str) -> str:
    with engine.connect() as conn:
        query = select(users.c.password_hash).where(users.c.username == username)
        value = conn.execute(query).scalar_one()
    assert isinstance(value, str)
    return value


def test_login_rehashes_when_parameters_change(
    store: AccountStore, engine: Engine, clock: ManualClock
) -> None:
    store.create_user(ALICE, PASSWORD)
    old = _stored_hash(engine, "alice")
    assert "t=1" in old
    stronger = Passwords(dataclasses.replace(CHEAP, time_cost=2))
    upgraded_store = AccountStore(engine, clock, passwords=stronger)
    assert upgraded_store.authenticate("alice", PASSWORD).username == "alice"
    new = _stored_hash(engine, "alice")
    assert new != old and "t=2" in new
    assert not stronger.needs_rehash(new)
    upgraded_store.authenticate("alice", PASSWORD)
    assert _stored_hash(engine, "alice") == new  # no rehash when nothing changed


def test_a_wrong_password_is_not_rehashed(
    store: AccountStore, engine: Engine, clock: ManualClock
) -> None:
    store.create_user(ALICE, PASSWORD)
    old = _stored_hash(engine, "alice")
    stronger = AccountStore(
        engine, clock, passwords=Passwords(dataclasses.replace(CHEAP, time_cost=2))
    )
    with pytest.raises(BadCredentials):
        stronger.authenticate("alice", "not the password")
    assert _stored_hash(engine, "alice") == old


def test_set_password_follows_the_policy(store: AccountStore, engine: Engine) -> None:
    store.create_user(ALICE, PASSWORD)
    old = _stored_hash(engine, "alice")
    with pytest.raises(WeakPassword):
        store.set_password("alice", "alice12345")
    assert _stored_hash(engine, "alice") == old
    store.set_password("alice", "a brand new secret")
    store.authenticate("alice", "a brand new secret")
    with pytest.raises(BadCredentials):
        store.authenticate("alice", PASSWORD)


def test_weak_password_at_creation_creates_nobody(store: AccountStore) -> None:
    with pytest.raises(WeakPassword):
        store.create_user(ALICE, "short")
    assert store.list_users() == []


class CountingPasswords(Passwords):
    """Counts verifications, to show that unknown users cost a verification too."""

    def __init__(self) -> None:
        super().__init__(CHEAP)
        self.verified: list[str | None] = []

    def verify(self, stored_hash: str | None, password: str) -> bool:
        self.verified.append(stored_hash)
        return super().verify(stored_hash, password)


def test_unknown_disabled_and_passwordless_users_cost_a_verification(
    engine: Engine, clock: ManualClock
) -> None:
    passwords = CountingPasswords()
    store = AccountStore(engine, clock, passwords=passwords)
    store.create_user(ALICE, PASSWORD)
    store.disable("alice")
    store.create_user(dataclasses.replace(ALICE, username="svc", agent_id="svc"), None)
    for name in ("nobody", "alice", "svc", "not a valid name!"):
        with pytest.raises(BadCredentials, match="username or the password is wrong"):
            store.authenticate(name, PASSWORD)
    assert passwords.verified == [None, None, None, None]
    reasons = [f.reason for f in store.login_failures()]
    assert reasons == ["unknown_user", "no_password", "disabled", "unknown_user"]
