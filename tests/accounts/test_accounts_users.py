"""Users in the store: round trips, case-insensitive names, validation, updates, disabling."""

from __future__ import annotations

import pytest
from accounts_helpers import ADMIN, ALICE, BOB, PASSWORD, SUPER, WALL_START
from sqlalchemy import Engine, select

from frontdesk import FrontdeskError
from frontdesk.accounts import (
    KEEP,
    AccountsError,
    AccountStore,
    AgentTaken,
    InvalidUser,
    NewUser,
    Role,
    UnknownUser,
    UserExists,
)
from frontdesk.accounts.errors import ALL_ERRORS
from frontdesk.accounts.schema import users
from frontdesk.clock import ManualClock


def test_created_user_reads_back_the_same(store: AccountStore) -> None:
    created = store.create_user(ALICE, PASSWORD)
    assert created.username == "alice"
    assert created.display_name == "Alice Martin"
    assert created.role is Role.AGENT
    assert created.teams == ("billing", "parcels")
    assert created.agent_id == "alice"
    assert created.has_password and not created.disabled
    assert created.created_at == created.updated_at == WALL_START
    assert created.last_login_at is None
    assert store.get_user(created.id) == created
    assert store.find_by_username("ALICE") == created
    assert store.find_by_agent("alice") == created


def test_usernames_are_case_insensitive_and_unique(store: AccountStore) -> None:
    store.create_user(ALICE, PASSWORD)
    with pytest.raises(UserExists) as caught:
        store.create_user(NewUser("ALICE", "Another Alice", Role.ADMIN), PASSWORD)
    assert caught.value.error_id == "user_exists"
    assert len(store.list_users()) == 1


def test_an_agent_is_one_user_only(store: AccountStore) -> None:
    store.create_user(ALICE, PASSWORD)
    with pytest.raises(AgentTaken):
        store.create_user(NewUser("alice2", "Alice again", Role.AGENT, (), "alice"), PASSWORD)


@pytest.mark.parametrize(
    ("new", "words"),
    [
        (NewUser("", "x", Role.ADMIN), "empty"),
        (NewUser("al ice", "x", Role.ADMIN), "may only hold"),
        (NewUser("-alice", "x", Role.ADMIN), "must start"),
        (NewUser("ålice", "x", Role.ADMIN), "may only hold"),
        (NewUser("a" * 65, "x", Role.ADMIN), "65 characters"),
        (NewUser("alice", "  ", Role.ADMIN), "display name is empty"),
        (NewUser("alice", "Al\x00ice", Role.ADMIN), "control characters"),
        (NewUser("alice", "Alice", "boss"), "not a role"),  # type: ignore[arg-type]
        (NewUser("alice", "Alice", Role.AGENT), "needs an agent id"),
        (NewUser("alice", "Alice", Role.ADMIN, ("",)), "team name is empty"),
        (NewUser("alice", "Alice", Role.ADMIN, "parcels"), "not one string"),  # type: ignore[arg-type]
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(
    store: AccountStore, new: NewUser, words: str
) -> None:
    with pytest.raises(InvalidUser, match=words) as caught:
        store.create_user(new, PASSWORD)
    assert caught.value.error_id == "invalid_user"
    assert store.list_users() == []


def test_service_user_has_no_password(store: AccountStore) -> None:
    service = store.create_user(NewUser("crm-sync", "CRM sync", Role.ADMIN), None)
    assert not service.has_password


def test_list_is_sorted_and_can_leave_out_disabled(store: AccountStore) -> None:
    for new in (SUPER, BOB, ADMIN, ALICE):
        store.create_user(new, PASSWORD)
    assert [u.username for u in store.list_users()] == ["alice", "bob", "root", "sue"]
    store.disable("bob")
    assert [u.username for u in store.list_users(include_disabled=False)] == [
        "alice",
        "root",
        "sue",
    ]


def test_update_changes_only_what_is_given(store: AccountStore, clock: ManualClock) -> None:
    before = store.create_user(SUPER, PASSWORD)
    clock.advance(5)
    after = store.update_user("SUE", teams=["billing", "parcels", "billing"], agent_id="sue-a")
    assert after.teams == ("billing", "parcels")
    assert after.agent_id == "sue-a"
    assert after.display_name == before.display_name and after.role is before.role
    assert after.updated_at == before.updated_at + 5
    cleared = store.update_user("sue", agent_id=None, role="admin", display_name=KEEP)
    assert cleared.agent_id is None and cleared.role is Role.ADMIN


def test_update_keeps_the_rules(store: AccountStore) -> None:
    store.create_user(ALICE, PASSWORD)
    store.create_user(SUPER, PASSWORD)
    with pytest.raises(InvalidUser, match="agent id"):
        store.update_user("alice", agent_id=None)
    with pytest.raises(AgentTaken):
        store.update_user("sue", agent_id="alice")
    with pytest.raises(UnknownUser) as caught:
        store.update_user("nobody", display_name="No One")
    assert caught.value.error_id == "unknown_user"
    assert store.user("sue").agent_id is None


def test_disable_and_enable(store: AccountStore) -> None:
    store.create_user(BOB, PASSWORD)
    assert store.disable("Bob").disabled
    assert not store.enable("bob").disabled
    with pytest.raises(UnknownUser):
        store.disable("nobody")


def test_get_unknown_id(store: AccountStore) -> None:
    with pytest.raises(UnknownUser):
        store.get_user(42)
    assert store.find_by_username("no one at all") is None


def test_teams_survive_a_new_store_on_the_same_database(
    store: AccountStore, engine: Engine, clock: ManualClock
) -> None:
    store.create_user(ADMIN, PASSWORD)
    store.update_user("root", teams=["équipe-fr", "parcels"])
    again = AccountStore(engine, clock, passwords=store.passwords)
    assert again.user("root").teams == ("parcels", "équipe-fr")
    with engine.connect() as conn:
        assert conn.execute(select(users.c.username)).scalars().all() == ["root"]


def test_error_ids_are_distinct_and_every_error_is_a_frontdesk_error() -> None:
    ids = [error.error_id for error in ALL_ERRORS]
    assert len(set(ids)) == len(ids)
    assert all(issubclass(error, AccountsError) for error in ALL_ERRORS)
    assert issubclass(AccountsError, FrontdeskError)
