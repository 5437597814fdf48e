"""Today's queue figures on the wallboard against counts made by hand and analytics in batch.

The hand counts follow DESIGN.md "Metrics vocabulary": a call's outcome is the first way it
left the line (answered, abandoned, voicemail, callback request, refusal), with the wait the
engine gives in that event; offered = answered + abandoned + voicemail + callbacks; the five
service-level definitions are the ratios named there. The batch side is analytics itself
(`derive_calls` + `Tally` + `figures`) over the whole event log: once every call is over,
the live board must show the very same figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest
from wb_centre import Centre, Event
from wb_day import AGENTS, QUEUES, busy, finish

from frontdesk.acd import AgentSpec
from frontdesk.analytics.agent_time import AgentTime
from frontdesk.analytics.derive import derive_calls
from frontdesk.analytics.metrics import MetricSettings, Tally, figures
from frontdesk.planning.metrics import SLDefinition

WALL_START = 1_717_401_600.0 + 8 * 3600  # 2024-06-03 08:00 UTC
_FIRST_EXITS = {
    "acd.answered": "answered",
    "acd.abandoned": "abandoned",
    "acd.voicemail": "voicemail",
    "acd.callback_requested": "callback",
    "acd.rejected": "rejected",
}


def hand_count(log: Sequence[Event], queue: str, target: float, short: float) -> dict[str, Any]:
    first_queue: dict[str, str] = {}
    exits: dict[str, tuple[str, float]] = {}
    for _at, kind, call_id, data in log:
        if call_id is None:
            continue
        if kind == "acd.queued":
            first_queue.setdefault(call_id, data["queue"])
        elif kind in _FIRST_EXITS and call_id not in exits:
            exits[call_id] = (_FIRST_EXITS[kind], float(data.get("wait", 0.0)))
    mine = [exits[c] for c in exits if first_queue.get(c) == queue]
    answered = [w for o, w in mine if o == "answered"]
    abandoned = [w for o, w in mine if o == "abandoned"]
    offered = sum(o in ("answered", "abandoned", "voicemail", "callback") for o, _ in mine)
    within = sum(w <= target for w in answered)
    abandoned_within = sum(w <= target for w in abandoned)
    short_abandons = sum(w < short for w in abandoned)

    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    d = SLDefinition
    return {
        "offered": offered,
        "answered": len(answered),
        "abandoned": len(abandoned),
        "short_abandoned": short_abandons,
        "asa_s": ratio(sum(answered), len(answered)),
        "sl": {
            d.ANSWERED_WITHIN_T_OVER_OFFERED.value: ratio(within, offered),
            d.ANSWERED_WITHIN_T_OVER_ANSWERED.value: ratio(within, len(answered)),
            d.ANSWERED_WITHIN_T_OVER_ANSWERED_PLUS_ABANDONED.value: ratio(
                within, len(answered) + len(abandoned)
            ),
            d.ANSWERED_AND_ABANDONED_WITHIN_T_OVER_OFFERED.value: ratio(
                within + abandoned_within, offered
            ),
            d.ANSWERED_WITHIN_T_OVER_OFFERED_MINUS_SHORT_ABANDONS.value: ratio(
                within, offered - short_abandons
            ),
        },
    }


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("seed", [1, 2])
def test_figures_during_the_day_match_a_hand_count(seed: int) -> None:
    centre = Centre(WALL_START, QUEUES, AGENTS)
    busy(centre, seed, 250)
    snap = centre.snapshot()
    checked = 0
    for queue in QUEUES:
        today = snap["queues"][queue.name]["today"]
        expected = hand_count(centre.log, queue.name, queue.target_answer_time, 5.0)
        for name in ("offered", "answered", "abandoned", "short_abandoned"):
            assert today[name] == expected[name], (queue.name, name)
        assert close(today["asa_s"], expected["asa_s"])
        for definition, value in expected["sl"].items():
            assert close(today["service_level_by_definition"][definition], value), definition
        assert today["target_s"] == queue.target_answer_time
        checked += expected["answered"]
    # the day is busy enough that calls are still talking while others are counted
    assert checked > 20
    assert any(a["current_call"] for a in snap["agents"].values())


@pytest.mark.parametrize("seed", [3, 4])
def test_figures_after_the_day_equal_analytics_in_batch(seed: int) -> None:
    centre = Centre(WALL_START, QUEUES, AGENTS)
    busy(centre, seed, 200)
    finish(centre, seed)
    records = list(derive_calls(centre.log))
    snap = centre.snapshot()
    assert snap["totals"]["waiting"] == 0
    for queue in QUEUES:
        settings = MetricSettings(target_s=queue.target_answer_time)
        batch = figures(Tally(settings).add_all(r for r in records if r.queue == queue.name))
        assert snap["queues"][queue.name]["today"] == batch
    day = snap["day"]
    agent_time = AgentTime(day["start"], day["end"]).feed_all(
        (e[0], e[1], e[3]) for e in centre.log
    )
    agent_time.close(centre.now())
    total = figures(Tally(MetricSettings()).add_all(records), agent_time.occupancy())
    # the board counts time up to the latest event's `at`, stored to the millisecond
    live_total = dict(snap["totals"]["today"])
    assert math.isclose(live_total.pop("occupancy"), total.pop("occupancy"), abs_tol=1e-6)
    assert live_total == total
    for agent in AGENTS:
        mine = figures(Tally(MetricSettings()).add_all(r for r in records if r.agent == agent.id))
        entry = snap["agents"][agent.id]
        assert (entry["handled_today"], entry["aht_s_today"]) == (mine["handled"], mine["aht_s"])
        assert math.isclose(entry["occupancy_today"], agent_time.occupancy(agent.id), abs_tol=1e-6)
    assert sum(snap["queues"][q.name]["today"]["callbacks"] for q in QUEUES) > 0


def test_a_call_counts_as_answered_while_it_is_still_talking() -> None:
    centre = Centre(WALL_START, QUEUES[:1], [AgentSpec("a1", ("sales",))])
    centre.login("a1")
    centre.arrive("c1", "sales", "+331")
    centre.after(12.0)
    centre.answer("c1", "a1")
    centre.after(300.0)
    today = centre.snapshot()["queues"]["sales"]["today"]
    assert (today["offered"], today["answered"], today["answered_within_t"]) == (1, 1, 1)
    assert today["asa_s"] == 12.0
    # handle time only once the call is over
    assert (today["handled"], today["aht_s"]) == (0, None)
    centre.end("c1", "a1")
    today = centre.snapshot()["queues"]["sales"]["today"]
    assert (today["handled"], today["aht_s"]) == (1, 300.0 + 15.0)
