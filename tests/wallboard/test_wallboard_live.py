"""Who waits, for how long, and what each agent is doing: the live part of the wallboard.

Every scenario runs the real routing engine (events in the shapes it emits) plus telephony's
events with telephony's keys; expected values are the scripted times.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from wb_centre import Centre

from frontdesk.acd import AgentSpec, Overflow, QueueConfig
from frontdesk.config.loader import load_demo_company
from frontdesk.wallboard import Wallboard, WallboardError, WallboardSettings

T0 = 1_717_401_600.0 + 9 * 3600  # 2024-06-03 09:00 UTC


def two_queues() -> list[QueueConfig]:
    return [
        QueueConfig("support", ring_timeout=None, wrap_up=20.0),
        QueueConfig(
            "sales", ring_timeout=None, wrap_up=20.0, max_wait=60.0,
            on_max_wait=Overflow("support"),
        ),
    ]  # fmt: skip


def test_waiting_counts_and_longest_wait_follow_the_line() -> None:
    centre = Centre(T0, two_queues(), [AgentSpec("ann", ("sales",), name="Ann Lee")])
    centre.arrive("c1", "sales", "+331")
    centre.after(20.0)
    centre.arrive("c2", "sales", "+332")
    centre.arrive("c3", "support", "+333")
    centre.after(15.0)
    snap = centre.snapshot()
    sales, support = snap["queues"]["sales"], snap["queues"]["support"]
    assert (sales["waiting"], sales["longest_current_wait_s"]) == (2, 35.0)
    assert (support["waiting"], support["longest_current_wait_s"]) == (1, 15.0)
    assert (snap["totals"]["waiting"], snap["totals"]["longest_current_wait_s"]) == (3, 35.0)

    # c1 waits past sales' max wait and overflows to support, keeping its wait
    centre.after(30.0)
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["waiting"] == 1
    support = snap["queues"]["support"]
    assert (support["waiting"], support["longest_current_wait_s"]) == (2, 65.0)

    # ringing an agent is still waiting; answered is not
    centre.login("ann")
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["waiting"] == 1
    assert snap["agents"]["ann"]["ringing"] == {"call_id": "c2", "queue": "sales"}
    centre.answer("c2", "ann")
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["waiting"] == 0
    assert snap["queues"]["sales"]["longest_current_wait_s"] is None
    # a caller who hangs up leaves the line
    centre.abandon("c3")
    assert centre.snapshot()["queues"]["support"]["waiting"] == 1


def test_vip_and_open_case_callers_waiting_are_named() -> None:
    centre = Centre(T0, two_queues(), [AgentSpec("ann", ("sales",))])
    centre.arrive("c1", "support", "+331", name="Susan Bell", tier="VIP", open_case=False)
    centre.after(5.0)
    centre.arrive("c2", "support", "+332", name="Tom Hart", tier="silver", open_case="yes")
    centre.after(5.0)
    centre.arrive("c3", "support", "+333")  # not known to the CRM
    # data found after the caller joined the line shows at once
    centre.phone("call.attributes", "c3", name="Ida Moss", vip=True, open_case=True)
    centre.after(10.0)
    support = centre.snapshot()["queues"]["support"]
    assert support["vip_waiting"] == {
        "count": 2,
        "callers": [
            {"call_id": "c1", "name": "Susan Bell", "number": "+331", "wait_s": 20.0},
            {"call_id": "c3", "name": "Ida Moss", "number": "+333", "wait_s": 10.0},
        ],
    }
    assert [c["name"] for c in support["open_case_waiting"]["callers"]] == ["Tom Hart", "Ida Moss"]
    assert centre.snapshot()["totals"]["vip_waiting"] == 2


def test_agent_states_times_and_current_call() -> None:
    agents = [AgentSpec("ann", ("sales",)), AgentSpec("bob", ("support",))]
    queues = two_queues()
    board = Wallboard(
        WallboardSettings(),
        "UTC",
        {"sales": "sales team", "support": "support team"},
        {"ann": ("Ann Lee", ("sales team",)), "bob": ("Bob Roy", ("support team",))},
    )
    centre = Centre(T0, queues, agents, board=board)
    snap = centre.snapshot()
    assert snap["agents"]["ann"]["state"] == "logged-out"
    assert snap["agents"]["ann"]["time_in_state_s"] is None

    centre.login("ann", "bob")
    centre.after(40.0)
    centre.do(centre.engine.agent_break("bob", "lunch"))
    centre.after(25.0)
    snap = centre.snapshot()
    ann, bob = snap["agents"]["ann"], snap["agents"]["bob"]
    assert (ann["name"], ann["state"], ann["time_in_state_s"]) == ("Ann Lee", "available", 65.0)
    assert (bob["state"], bob["break_reason"], bob["time_in_state_s"]) == (
        "on-break",
        "lunch",
        25.0,
    )
    assert snap["queues"]["sales"]["agents"]["available"] == 1
    assert snap["queues"]["support"]["agents"]["on-break"] == 1
    assert snap["totals"]["agents"] == {
        **{s: 0 for s in ("logged-out", "reserved", "on-call", "wrap-up")},
        "available": 1,
        "on-break": 1,
    }

    centre.arrive("c1", "sales", "+331", name="Susan Bell")
    assert centre.snapshot()["agents"]["ann"]["state"] == "reserved"
    centre.after(3.0)
    centre.answer("c1", "ann")
    centre.after(100.0)
    ann = centre.snapshot()["agents"]["ann"]
    assert (ann["state"], ann["time_in_state_s"]) == ("on-call", 100.0)
    call = ann["current_call"]
    assert call["call_id"] == "c1" and call["queue"] == "sales" and call["talking_s"] == 100.0
    assert call["caller"] == {"name": "Susan Bell", "number": "+331"}
    assert call["since"] == centre.now() - 100.0 and call["long"] is False

    centre.end("c1", "ann")
    centre.after(5.0)
    ann = centre.snapshot()["agents"]["ann"]
    assert (ann["state"], ann["time_in_state_s"], ann["current_call"]) == ("wrap-up", 5.0, None)
    assert (ann["handled_today"], ann["aht_s_today"]) == (1, 100.0 + 20.0)
    centre.after(15.0)  # wrap-up ends by the engine's timer
    assert centre.snapshot()["agents"]["ann"]["state"] == "available"


def test_a_server_restart_clears_live_state_but_not_todays_counts() -> None:
    centre = Centre(T0, two_queues(), [AgentSpec("ann", ("sales",))])
    centre.login("ann")
    centre.arrive("c1", "sales", "+331")
    centre.answer("c1", "ann")
    centre.after(10.0)
    centre.arrive("c2", "sales", "+332")
    centre.after(10.0)
    centre.phone("server.started", None, listen=["0.0.0.0:5060"])
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["waiting"] == 0
    assert snap["agents"]["ann"]["state"] == "logged-out"
    assert snap["agents"]["ann"]["current_call"] is None
    assert snap["queues"]["sales"]["today"]["answered"] == 1


def test_replaying_stored_events_gives_the_live_boards_picture() -> None:
    centre = Centre(T0, two_queues(), [AgentSpec("ann", ("sales",))])
    centre.login("ann")
    for n in range(6):
        centre.arrive(f"c{n}", "sales", f"+33{n}", tier="vip")
        centre.after(7.0)
    centre.answer("c0", "ann")
    centre.after(50.0)
    live = centre.snapshot()
    replayed = Wallboard(
        WallboardSettings(),
        "UTC",
        {"support": "support", "sales": "sales"},
        {"ann": ("ann", ())},
        targets={"sales": 20.0, "support": 20.0},
    )
    # stored events come back from JSON (tuples as lists)
    replayed.replay((at, kind, cid, json.loads(json.dumps(d))) for at, kind, cid, d in centre.log)
    assert replayed.snapshot(centre.now()) == live
    assert live["totals"]["waiting"] == 5 and live["totals"]["vip_waiting"] == 5


def test_a_board_for_the_demo_company_file() -> None:
    company = load_demo_company()
    board = Wallboard.from_company(company)
    snap = board.snapshot(T0)
    assert snap["timezone"] == company.timezone
    assert list(snap["queues"]) == [q.name for q in company.queues]
    for queue in company.queues:
        entry = snap["queues"][queue.name]
        assert (entry["team"], entry["target_s"]) == (queue.team, queue.target_answer_s)
        assert entry["today"]["target_s"] == queue.target_answer_s
    assert {a: e["name"] for a, e in snap["agents"].items()} == {
        a.id: a.name for a in company.agents
    }
    with pytest.raises(WallboardError, match="time zone"):
        Wallboard(WallboardSettings(), "Mars/Olympus", {}, {})


@pytest.mark.parametrize(
    "make",
    [
        lambda: WallboardSettings(long_call_percentile=100.0),
        lambda: WallboardSettings(at_risk_within_s=-1.0),
        lambda: WallboardSettings(long_call_min_samples=50, talk_history_size=40),
        lambda: Wallboard(WallboardSettings(), "UTC", {}, {}, targets={"sales": -5.0}),
    ],
)
def test_settings_that_cannot_work_are_refused(make: Any) -> None:
    with pytest.raises(WallboardError):
        make()


def test_events_naming_no_agent_or_an_unknown_one() -> None:
    board = Wallboard(WallboardSettings(), "UTC", {"sales": "sales"}, {"ann": ("Ann", ())})
    board.feed(T0, "acd.agent_state", None, {"new": "available"})  # names no agent
    board.feed(T0, "acd.call_ended", "c1", {"queue": "sales", "talk_time": 1.0})
    board.feed(T0, "acd.agent_state", None, {"agent_id": "zoe", "old": "logged-out",
                                             "new": "available", "trigger": "login",
                                             "reason": "login"})  # fmt: skip
    agents = board.snapshot(T0 + 5)["agents"]
    assert list(agents) == ["ann", "zoe"]  # a new agent shows under its id
    assert (agents["zoe"]["name"], agents["zoe"]["state"]) == ("zoe", "available")
    assert agents["zoe"]["time_in_state_s"] == 5.0
