"""A caller who kept their place (the callback key) and rings again holds one place, not two
(telephony/rang_again.py; the whole contact centre in memory, centre_rig.py).

Alice talks with a first caller, so nobody is free. Susan queues, then Tom, then Susan presses
star and leaves (her place is kept and stored), then Priya queues. Susan rings again: her new
call is in line where her place was (ahead of Tom and Priya), the virtual contact is gone, and
the stored place stays until the new call is settled: answered (task done, place released),
abandoned (the place is held again, same entry time, the stored row moved), or star again (one
place, the newer).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from centre_rig import Rig

from frontdesk.acd.states import ContactState
from frontdesk.followup.model import TaskStatus
from frontdesk.telephony.conversation import InboundCall

FIRST, SUSAN, TOM, PRIYA = "+447700900001", "+447700900123", "+447700900456", "+447700900789"


async def susan_keeps_her_place_and_rings_again(rig: Rig) -> tuple[InboundCall, float]:
    """Returns Susan's second call and the engine time her place dates from."""
    rig.log_in("alice")
    rig.queue_caller("call-first", FIRST)
    rig.dialer.answer(rig.dialer.ringing(rig.phone_of("alice")))
    await rig.finish_prompts("agent-1")  # the whisper, then the bridge
    assert rig.calls["call-first"].agent == "alice"
    susan = rig.queue_caller("call-susan-1", SUSAN)
    rig.clock.advance(5)
    rig.queue_caller("call-tom", TOM)
    rig.clock.advance(5)
    await rig.finish_prompts("call-susan-1")  # her position and wait
    entered = rig.centre.engine.contacts["call-susan-1"].entered_at
    susan.on_dtmf("call-susan-1", "*")
    await rig.finish_prompts("call-susan-1")  # the promise, said once stored
    assert ("call-susan-1", "callback_kept") in rig.ended
    await rig.settle()
    rig.clock.advance(5)
    rig.queue_caller("call-priya", PRIYA)
    rig.clock.advance(5)
    again = rig.queue_caller("call-susan-2", SUSAN)
    await rig.settle()
    return again, entered


def held_for(rig: Rig, number: str) -> list[str]:
    """The engine's callbacks still held for `number` (not cancelled, not done)."""
    held = (ContactState.CALLBACK_WAITING, ContactState.CALLBACK_OFFERED,
            ContactState.CALLBACK_SCHEDULED)  # fmt: skip
    engine = rig.centre.engine
    return [c.id for c in engine.contacts.values() if c.number == number and c.state in held]


def test_the_new_call_takes_the_place_and_is_answered_in_its_turn(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> None:
        again, entered = await susan_keeps_her_place_and_rings_again(rig)
        engine = rig.centre.engine
        assert engine.waiting("parcels") == ["call-susan-2", "call-tom", "call-priya"]
        assert engine.contacts["call-susan-2"].entered_at == entered
        assert held_for(rig, SUSAN) == []
        assert engine.contact_state("call-susan-1") is ContactState.CANCELLED
        [(_, told)] = [e for e in rig.log.of("call.queue_announced") if e[0] == "call-susan-2"]
        assert told["position"] == 1
        # A restart now (the live call lost) would still call her back: the place is stored.
        assert [h.place.contact_id for h in rig.store.held_callbacks()] == ["call-susan-1"]
        rig.log_in("bob")  # free: he is offered the head of the line, Susan
        rig.dialer.answer(rig.dialer.ringing(rig.phone_of("bob")))
        await rig.finish_prompts(rig.dialer.legs[-1].stream)
        assert again.agent == "bob"
        await rig.settle()
        rig.centre.call_ended("call-susan-2", "remote_bye")
        await rig.settle()

    asyncio.run(scenario())
    rig.close()
    [(_, taken)] = rig.log.of("callback.taken_over")
    assert taken["contact"] == "call-susan-1" and taken["task"] == "1"
    task = rig.store.get(1)
    assert task is not None and task.status is TaskStatus.DONE and task.done_by == "bob"
    assert rig.store.held_callbacks() == ()
    assert rig.centre.carried == {} and held_for(rig, SUSAN) == []


def test_a_new_call_abandoned_gives_the_place_back_as_it_was(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> float:
        _, entered = await susan_keeps_her_place_and_rings_again(rig)
        rig.clock.advance(20)
        rig.centre.call_ended("call-susan-2", "remote_bye")  # tired of waiting
        await rig.settle()
        return entered

    entered = asyncio.run(scenario())
    rig.close()
    engine = rig.centre.engine
    assert held_for(rig, SUSAN) == ["call-susan-2:callback"]
    assert engine.contacts["call-susan-2:callback"].entered_at == entered
    assert engine.waiting("parcels") == ["call-susan-2:callback", "call-tom", "call-priya"]
    [held] = rig.store.held_callbacks()
    assert held.place.contact_id == "call-susan-2:callback" and held.task_id == 1
    assert held.place.place_at == entered + rig.clock.wall() - rig.clock.now()
    task = rig.store.get(1)
    assert task is not None and task.is_open
    [(call, logged)] = rig.log.of("callback.held_again")
    assert call == "call-susan-2:callback" and logged["taken_from"] == "call-susan-1"
    assert rig.centre.callbacks["call-susan-2:callback"] == "1"


def test_the_callback_key_again_keeps_one_place(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> None:
        again, _ = await susan_keeps_her_place_and_rings_again(rig)
        await rig.finish_prompts("call-susan-2")
        again.on_dtmf("call-susan-2", "*")
        await rig.finish_prompts("call-susan-2")
        await rig.settle()

    asyncio.run(scenario())
    rig.close()
    assert held_for(rig, SUSAN) == ["call-susan-2"]
    assert [(h.place.contact_id, h.task_id) for h in rig.store.held_callbacks()] == [
        ("call-susan-2", 1)
    ]
    assert rig.log.of("callback.held_again") == []
