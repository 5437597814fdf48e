"""Callbacks owed: pending until connected or closed; promises at risk, then missed.

Keep-my-place promises are telephony's (`call.callback_promised`, wall clock, as
queue_wait.py writes it) and are missed `promise_grace_s` after their time; booked promises
are the engine's, whose `acd.callback_promise_missed` says when they are missed.
"""

from __future__ import annotations

from typing import Any

from wb_centre import Centre

from frontdesk.acd import AgentSpec, ContactSpec, QueueConfig
from frontdesk.wallboard import WallboardSettings

T0 = 1_717_401_600.0 + 9 * 3600  # 2024-06-03 09:00 UTC
QUEUE = QueueConfig("sales", ring_timeout=None, wrap_up=0.0, callback_promise_grace=120.0)
SETTINGS = WallboardSettings(at_risk_within_s=600.0, promise_grace_s=120.0)


def sales(snap: dict[str, Any]) -> Any:
    return snap["queues"]["sales"]


def test_keep_my_place_promise_goes_at_risk_then_missed_then_kept() -> None:
    centre = Centre(T0, [QUEUE], [AgentSpec("ann", ("sales",))], settings=SETTINGS)
    centre.arrive("c1", "sales", "+331", name="Susan Bell")
    centre.after(30.0)
    centre.do(centre.engine.request_callback("c1", "+331"))
    promised = round(centre.now() + 900.0)
    centre.phone("call.callback_promised", "c1", queue="sales", promised_at=promised, said="…")
    centre.hang_up("c1", "callback_kept")
    snap = centre.snapshot()
    assert (sales(snap)["waiting"], sales(snap)["callbacks_pending"]) == (0, 1)
    assert sales(snap)["callbacks_at_risk"] == [] and sales(snap)["callbacks_missed"] == []

    centre.to(promised - 600.0)
    [at_risk] = sales(centre.snapshot())["callbacks_at_risk"]
    assert at_risk == {
        "call_id": "c1",
        "name": "Susan Bell",
        "number": "+331",
        "callback_number": "+331",
        "promised_at": promised,
        "due_in_s": 600.0,
        "attempts": 0,
        "dialing": False,
    }
    centre.to(promised + 119.0)  # overdue, within the grace: still at risk
    assert sales(centre.snapshot())["callbacks_at_risk"][0]["due_in_s"] == -119.0
    centre.to(promised + 121.0)
    snap = centre.snapshot()
    assert sales(snap)["callbacks_at_risk"] == []
    assert [c["call_id"] for c in sales(snap)["callbacks_missed"]] == ["c1"]
    assert snap["totals"]["callbacks_missed"] == 1

    centre.login("ann")  # the callback is offered to ann first
    centre.answer("c1", "ann")
    snap = centre.snapshot()
    assert snap["agents"]["ann"]["current_call"]["callback"] is True
    assert snap["agents"]["ann"]["current_call"]["talking_s"] is None  # still dialling
    assert sales(snap)["callbacks_missed"][0]["dialing"] is True
    centre.do(centre.engine.callback_result("c1", True))
    centre.after(30.0)
    snap = centre.snapshot()
    assert sales(snap)["callbacks_pending"] == 0 and sales(snap)["callbacks_missed"] == []
    assert snap["agents"]["ann"]["current_call"]["talking_s"] == 30.0
    today = sales(snap)["today"]
    assert (today["callbacks"], today["callbacks_kept"]) == (1, 1)


def test_booked_promise_is_read_on_the_wall_clock_and_missed_by_the_engine() -> None:
    centre = Centre(T0, [QUEUE], [AgentSpec("ann", ("sales",))], settings=SETTINGS)
    centre.arrive("c1", "sales", "+331", name="Tom Hart")  # the call that books it
    at_wall = centre.now() + 3600.0
    centre.engine.schedule_callback(
        ContactSpec("callback:c1", "sales", caller="+331"), "+331", at_wall
    )
    centre.flush()
    centre.abandon("c1")
    [owed] = [c for c in centre.log if c[1] == "acd.callback_requested"]
    assert owed[3]["promised_at"] != at_wall  # the engine's clock, not the wall's
    centre.to(at_wall - 300.0)
    [at_risk] = sales(centre.snapshot())["callbacks_at_risk"]
    assert (at_risk["call_id"], at_risk["name"]) == ("callback:c1", "Tom Hart")
    assert abs(at_risk["promised_at"] - at_wall) < 0.002  # `at` is stored to the millisecond

    centre.to(at_wall + 1.0)  # due: the callback joins the line, nobody to take it
    snap = centre.snapshot()
    assert sales(snap)["waiting"] == 0 and sales(snap)["callbacks_pending"] == 1
    centre.to(at_wall + 121.0)
    centre.tick()  # the engine checks its promise
    assert any(e[1] == "acd.callback_promise_missed" for e in centre.log)
    [missed] = sales(centre.snapshot())["callbacks_missed"]
    assert missed["call_id"] == "callback:c1"

    centre.login("ann")
    centre.answer("callback:c1", "ann")
    centre.do(centre.engine.callback_result("callback:c1", False, "no-answer"))
    missed = sales(centre.snapshot())["callbacks_missed"][0]
    assert (missed["attempts"], missed["dialing"]) == (1, False)
    centre.do(centre.engine.cancel_callback("callback:c1", "customer wrote in"))
    assert sales(centre.snapshot())["callbacks_pending"] == 0


def test_an_engine_promise_is_unknown_until_the_engine_clock_is_learned() -> None:
    centre = Centre(T0, [QUEUE], [AgentSpec("ann", ("sales",))], settings=SETTINGS)
    at_wall = centre.now() + 60.0
    centre.engine.schedule_callback(ContactSpec("callback:x", "sales"), "+339", at_wall)
    centre.flush()
    # no acd.queued seen yet: no way to read the engine's time, so no promise to show
    assert sales(centre.snapshot())["callbacks_at_risk"] == []
    assert sales(centre.snapshot())["callbacks_pending"] == 1


def test_a_callbacks_talk_counts_in_the_agents_handle_time() -> None:
    queue = QueueConfig("sales", ring_timeout=None, wrap_up=10.0)
    centre = Centre(T0, [queue], [AgentSpec("ann", ("sales",))], settings=SETTINGS)
    centre.arrive("c1", "sales", "+331")
    centre.do(centre.engine.request_callback("c1", "+331"))
    centre.hang_up("c1", "callback_kept")
    centre.login("ann")
    centre.answer("c1", "ann")
    centre.do(centre.engine.callback_result("c1", True))
    centre.after(60.0)
    centre.do(centre.engine.call_ended("ann"))
    ann = centre.snapshot()["agents"]["ann"]
    assert (ann["handled_today"], ann["aht_s_today"]) == (1, 60.0 + 10.0)
