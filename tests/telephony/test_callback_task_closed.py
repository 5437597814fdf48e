"""A callback task closed by a person takes the callback out of the routing engine, and a
callback the engine makes closes its task (the whole contact centre in memory, centre_rig.py).

Closing by hand: the held place is cancelled with the reason in the event log and released in
the store; a ring already going to an agent for it stops; a dial already under way finishes,
and if it fails it is not retried. The reverse: the customer answering the engine's callback
closes the task (done by the agent) and releases the place. The desk's route closes only the
agent's own teams' open tasks, and plays their voicemails to them only.
"""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import httpx
import pytest
from centre_rig import Rig

from frontdesk.accounts.model import Principal, Role
from frontdesk.acd.states import AgentState, ContactState
from frontdesk.api.routes import desk
from frontdesk.api.security import agent
from frontdesk.followup.model import TaskStatus
from frontdesk.telephony.legs import LegState

SUSAN, TOM = "+447700900123", "+447700900456"


def test_a_task_done_by_hand_cancels_its_callback_and_no_other(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> None:
        susan = rig.hold_callback("cb-susan", SUSAN)
        rig.hold_callback("cb-tom", TOM)
        done = rig.store.complete(susan, "alice", "rang her from the warehouse")
        rig.centre.task_closed_by_hand(done, "alice")
        await rig.settle()

    asyncio.run(scenario())
    rig.close()
    engine = rig.centre.engine
    assert engine.contact_state("cb-susan") is ContactState.CANCELLED
    assert engine.contact_state("cb-tom") is ContactState.CALLBACK_WAITING
    assert rig.log.of("callback.cancelled") == [
        ("cb-susan", {"task": "1", "reason": "task done by alice"})
    ]
    [(_, done_event)] = rig.log.of("task.done")
    assert done_event["by"] == "alice" and done_event["note"] == "rang her from the warehouse"
    assert [h.place.contact_id for h in rig.store.held_callbacks()] == ["cb-tom"]


def test_a_task_cancelled_while_an_agent_rings_for_it_stops_the_ring(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> None:
        task = rig.hold_callback("cb-susan", SUSAN)
        rig.log_in("alice")
        ring = rig.dialer.ringing(rig.phone_of("alice"))
        assert rig.centre.engine.contact_state("cb-susan") is ContactState.CALLBACK_OFFERED
        cancelled = rig.store.cancel(task, "she wrote to us instead")
        rig.centre.task_closed_by_hand(cancelled, "alice")
        await rig.settle()
        assert ring.state is LegState.ENDED

    asyncio.run(scenario())
    rig.close()
    engine = rig.centre.engine
    assert engine.contact_state("cb-susan") is ContactState.CANCELLED
    assert engine.agent_state("alice") is AgentState.AVAILABLE
    [(_, logged)] = rig.log.of("callback.cancelled")
    assert logged["reason"] == "task cancelled by alice: she wrote to us instead"
    assert rig.log.of("task.cancelled")[0][1]["reason"] == "she wrote to us instead"
    assert rig.store.held_callbacks() == ()


@pytest.mark.parametrize("closed_meanwhile", [True, False])
def test_a_dial_under_way_finishes_and_is_not_retried_when_its_task_closed(
    tmp_path: Path, closed_meanwhile: bool
) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> None:
        task = rig.hold_callback("cb-susan", SUSAN)
        rig.log_in("alice")
        rig.dialer.answer(rig.dialer.ringing(rig.phone_of("alice")))
        customer = rig.dialer.ringing(SUSAN)
        assert rig.centre.engine.contact_state("cb-susan") is ContactState.CALLBACK_DIALING
        if closed_meanwhile:
            done = rig.store.complete(task, "bob", "she came to the counter")
            rig.centre.task_closed_by_hand(done, "bob")
            # The agent is already calling: the dial goes on.
            assert rig.centre.engine.contact_state("cb-susan") is ContactState.CALLBACK_DIALING
            assert rig.log.of("callback.cancelled") == []
        rig.dialer.fail(customer, 480, "Temporarily Unavailable")
        await rig.settle()

    asyncio.run(scenario())
    rig.close()
    state = rig.centre.engine.contact_state("cb-susan")
    if closed_meanwhile:
        assert state is ContactState.CANCELLED
        [(_, logged)] = rig.log.of("callback.cancelled")
        assert logged["reason"] == "task done by bob"
        assert rig.store.held_callbacks() == ()
    else:
        assert state is ContactState.CALLBACK_SCHEDULED  # a retry, as the queue says
        assert [h.attempts for h in rig.store.held_callbacks()] == [1]


def test_the_engines_callback_answered_closes_its_task_and_releases_the_place(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> int:
        task = rig.hold_callback("cb-susan", SUSAN)
        rig.log_in("alice")
        rig.dialer.answer(rig.dialer.ringing(rig.phone_of("alice")))
        rig.dialer.answer(rig.dialer.ringing(SUSAN))
        await rig.settle()
        return task

    task_id = asyncio.run(scenario())
    rig.close()
    task = rig.store.get(task_id)
    assert task is not None and task.status is TaskStatus.DONE and task.done_by == "alice"
    assert rig.centre.engine.contact_state("cb-susan") is ContactState.CALLBACK_CONNECTED
    assert rig.store.held_callbacks() == ()
    assert rig.log.of("callback.cancelled") == []
    assert [d["task"] for _, d in rig.log.of("task.done")] == [task_id]


def _desk_app(rig: Rig, agent_id: str) -> httpx.AsyncClient:
    who = Principal(1, agent_id, Role.AGENT, frozenset(), agent_id)
    return rig.api_client(desk.router, agent, who)


def test_the_desk_route_closes_own_teams_open_tasks_and_cancels_their_callbacks(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    susan = rig.hold_callback("cb-susan", SUSAN, queue="parcels")
    tom = rig.hold_callback("cb-tom", TOM, queue="billing")

    async def requests() -> None:
        # chloe works for parcels only: billing's task is not hers to close.
        async with _desk_app(rig, "chloe") as client:
            other_team = await client.post(f"/api/desk/tasks/{tom}/done", json={})
            assert other_team.status_code == 404
            assert (await client.post("/api/desk/tasks/999/done", json={})).status_code == 404
            no_reason = await client.post(f"/api/desk/tasks/{susan}/cancel", json={})
            assert no_reason.status_code == 422
            url = f"/api/desk/tasks/{susan}/cancel"
            answer = await client.post(url, json={"reason": "wrong number"})
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"id": susan, "status": "cancelled", "note": "wrong number"}
            again = await client.post(f"/api/desk/tasks/{susan}/done", json={})
            assert again.status_code == 409 and again.json()["error_id"] == "task_closed"
            await rig.settle()

    asyncio.run(requests())
    rig.close()
    engine = rig.centre.engine
    assert engine.contact_state("cb-susan") is ContactState.CANCELLED
    assert engine.contact_state("cb-tom") is ContactState.CALLBACK_WAITING
    [(_, logged)] = rig.log.of("callback.cancelled")
    assert logged["reason"] == "task cancelled by chloe: wrong number"


def test_the_desk_plays_own_teams_voicemails_and_logs_who_listened(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    folder = tmp_path / "voicemail"
    folder.mkdir()
    message = folder / "v1.wav"
    with wave.open(str(message), "wb") as out:  # a second of silence, 8 kHz mono
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)
    due = rig.clock.wall() + 3600
    heard = rig.store.add_voicemail("v1", SUSAN, "parcels", "parcels", str(message), 1.0, due,
                                    "within the hour")  # fmt: skip
    elsewhere = rig.store.add_voicemail("v2", TOM, "billing", "billing", str(message), 1.0, due,
                                        "within the hour")  # fmt: skip
    stray = rig.store.add_voicemail("v3", "+447700900789", "parcels", "parcels", "/etc/passwd",
                                    1.0, due, "within the hour")  # fmt: skip
    missed = rig.store.add_missed_call(
        "m1", "+447700900999", "parcels", "parcels", "abandoned", due
    )
    assert missed is not None

    async def requests() -> None:
        async with _desk_app(rig, "chloe") as client:  # chloe: parcels only
            played = await client.get(f"/api/desk/tasks/{heard.id}/voicemail.wav")
            assert played.status_code == 200 and played.headers["content-type"] == "audio/wav"
            assert played.content == message.read_bytes()
            seek = await client.get(f"/api/desk/tasks/{heard.id}/voicemail.wav",
                                    headers={"Range": "bytes=4000-"})  # fmt: skip
            assert seek.status_code == 206
            refused = [(elsewhere.id, "unknown_task"), (999, "unknown_task"),
                       (stray.id, "no_voicemail"), (missed.id, "no_voicemail")]  # fmt: skip
            for task, error in refused:
                answer = await client.get(f"/api/desk/tasks/{task}/voicemail.wav")
                assert (answer.status_code, answer.json()["error_id"]) == (404, error), task

    asyncio.run(requests())
    rig.close()
    # one play, logged once (the seek is part of it)
    assert rig.log.of("task.voicemail_played") == [("v1", {"task": heard.id, "by": "chloe"})]
