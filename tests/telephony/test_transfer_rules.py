"""Transfer targets read against the company, and the consultation's state table."""

from __future__ import annotations

import pytest

from frontdesk.config import Agent, Company, Number
from frontdesk.config.company import Queue, Team, Trunk
from frontdesk.telephony.transfer_state import (
    CONSULT_TABLE,
    ConsultInput,
    ConsultMachine,
    ConsultState,
    Effect,
    Via,
)
from frontdesk.telephony.transfer_target import TransferRefused, TransferTarget, colleague, resolve

AGENTS = (
    Agent("alice", "Alice", "1001", "pw"),
    Agent("bob", "Bob", "1002", "pw"),
    Agent("chloe", "Chloe", "1003", "pw"),
)
TEAMS = (Team("parcels"), Team("billing"))
QUEUES = (Queue("parcels", "parcels"), Queue("key-accounts", "parcels"))


def company(trunk: bool = True) -> Company:
    trunks = (Trunk("carrier", "127.0.0.1"),) if trunk else ()
    return Company("Test", "frontdesk.test", (Number("+442079460100", ("100",)),), AGENTS,
                   teams=TEAMS, queues=QUEUES, trunks=trunks)  # fmt: skip


def registered(extension: str) -> bool:
    return extension != "1003"  # chloe's phone is off


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("1002", TransferTarget("agent", "bob")),
        ("bob", TransferTarget("agent", "bob")),
        ("parcels", TransferTarget("team", "parcels")),
        ("key-accounts", TransferTarget("team", "parcels")),  # a queue names its team
        ("+447700900123", TransferTarget("number", "+447700900123")),
        ("07700900123", TransferTarget("number", "07700900123")),
    ],
)
def test_targets(user: str, expected: TransferTarget) -> None:
    assert resolve(company(), user, "alice", registered) == expected


@pytest.mark.parametrize(
    ("user", "status", "words"),
    [
        ("1001", 403, "themself"),
        ("1003", 480, "not registered"),
        ("billing", 404, "no queue"),
        ("+442079460100", 403, "own numbers"),
        ("1999", 404, "no extension"),
        ("", 404, "nobody"),
        (None, 404, "nobody"),
        ("12", 404, "no extension"),
    ],
)
def test_refused_targets_say_why(user: str | None, status: int, words: str) -> None:
    with pytest.raises(TransferRefused) as info:
        resolve(company(), user, "alice", registered)
    assert info.value.status == status and words in str(info.value)


def test_numbers_need_a_trunk() -> None:
    with pytest.raises(TransferRefused) as info:
        resolve(company(trunk=False), "+447700900123", "alice", registered)
    assert info.value.status == 403 and "trunk" in str(info.value)


def test_colleagues() -> None:
    assert colleague(company(), "1002", "alice", registered).id == "bob"
    assert colleague(company(), "bob", "alice", registered).id == "bob"
    for user, status in (("parcels", 404), ("1003", 480), ("alice", 403)):
        with pytest.raises(TransferRefused) as info:
            colleague(company(), user, "alice", registered)
        assert info.value.status == status


# -- the consultation ------------------------------------------------------------------------
def run(via: Via, *inputs: ConsultInput) -> tuple[ConsultMachine, list[tuple[Effect, ...] | None]]:
    machine = ConsultMachine(via, started_at=0.0)
    return machine, [machine.feed(event, float(i + 1)) for i, event in enumerate(inputs)]


def test_desk_consult_answered_then_completed() -> None:
    machine, steps = run(Via.DESK, ConsultInput.ANSWERED, ConsultInput.COMPLETE)
    assert steps == [(Effect.BRIDGE_AGENT,), (Effect.HAND_OVER, Effect.RELEASE)]
    assert machine.state is ConsultState.COMPLETED and machine.over
    assert (machine.answered_at, machine.ended_at) == (1.0, 2.0)


def test_desk_consult_cancelled_goes_back_to_the_caller() -> None:
    machine, steps = run(Via.DESK, ConsultInput.ANSWERED, ConsultInput.CANCEL)
    assert steps[-1] == (Effect.HANG_UP_COLLEAGUE, Effect.BACK_TO_CALLER, Effect.RELEASE)
    assert machine.state is ConsultState.ENDED


def test_a_colleague_who_does_not_answer_gives_the_caller_back() -> None:
    _machine, steps = run(Via.DESK, ConsultInput.FAILED)
    assert steps == [(Effect.BACK_TO_CALLER, Effect.RELEASE)]
    _machine, steps = run(Via.PHONE, ConsultInput.FAILED)
    assert steps == [(Effect.REFUSE_AGENT, Effect.RELEASE)]


def test_completing_before_the_answer_is_refused_and_changes_nothing() -> None:
    machine, steps = run(Via.DESK, ConsultInput.COMPLETE)
    assert steps == [None] and machine.state is ConsultState.RINGING
    machine, steps = run(Via.PHONE, ConsultInput.COMPLETE)
    assert steps == [None] and machine.state is ConsultState.RINGING


def test_phone_consult_completed_by_refer_ends_the_agents_consult_call() -> None:
    machine, steps = run(Via.PHONE, ConsultInput.ANSWERED, ConsultInput.COMPLETE,
                         ConsultInput.AGENT_LEFT, ConsultInput.COLLEAGUE_LEFT)  # fmt: skip
    assert steps[0] == (Effect.ANSWER_AGENT, Effect.BRIDGE_AGENT)
    assert steps[1] == (Effect.HAND_OVER, Effect.BYE_AGENT, Effect.RELEASE)
    # The agent's BYE and the colleague's later hang-up belong to the caller's call now.
    assert steps[2:] == [None, None] and machine.state is ConsultState.COMPLETED


def test_every_way_out_releases_once_and_hand_over_only_on_complete() -> None:
    for (via, state, event), step in CONSULT_TABLE.items():
        assert state not in (ConsultState.COMPLETED, ConsultState.ENDED)
        over = step.state in (ConsultState.COMPLETED, ConsultState.ENDED)
        assert step.effects.count(Effect.RELEASE) == (1 if over else 0), (via, state, event)
        assert (Effect.HAND_OVER in step.effects) == (event is ConsultInput.COMPLETE)
        # The colleague is hung up exactly when they are still there and not taking the caller.
        colleague_gone = event in (ConsultInput.FAILED, ConsultInput.COLLEAGUE_LEFT)
        if over and event is not ConsultInput.COMPLETE:
            assert (Effect.HANG_UP_COLLEAGUE in step.effects) == (not colleague_gone)
