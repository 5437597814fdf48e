"""Table-driven routing scenarios: inputs at times on a fake clock, and the decisions expected.

Each scenario states one rule of the routing issue (presence, ring-no-answer, fairness across
queues, relaxation, strategies, preferred agents, exits, callbacks, resuming a place).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from acd_script import Harness, Step, agent

from frontdesk.acd import (
    AgentSpec,
    EmptyRule,
    EngineConfig,
    OfferCallback,
    Overflow,
    QueueConfig,
    Ring,
    Strategy,
)
from frontdesk.acd import events as ev


@dataclass
class Scenario:
    queues: list[QueueConfig]
    agents: list[AgentSpec]
    steps: list[Step]
    config: EngineConfig = field(default_factory=EngineConfig)


Q = QueueConfig("q", ring_timeout=None)
TWO = [agent("ann"), agent("bob")]
RINGS = (Ring(0, "parcels >= 3"), Ring(30, "parcels >= 1"), Ring(90, "true"))

SCENARIOS: dict[str, Scenario] = {
    "the agent idle the longest gets the caller": Scenario(
        [Q],
        TWO,
        [(0, "login ann", []), (5, "login bob", []), (10, "arrive c1 q", ["offer c1 -> ann"])],
    ),
    "ring-no-answer: caller back at the head of the line, agent skipped for them": Scenario(
        [QueueConfig("q", ring_timeout=15)],
        TWO,
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (1, "arrive c2 q", []),
            (15, "tick", ["cancel c1 -> ann", "offer c2 -> ann"]),
            (16, "login bob", ["offer c1 -> bob"]),
        ],
    ),
    "N missed offers in a row put the agent on break, skips end after a while": Scenario(
        [Q],
        [agent("ann")],
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (1, "decline c1 ann", []),
            (2, "arrive c2 q", ["offer c2 -> ann"]),
            (3, "decline c2 ann", []),
            (4, "arrive c3 q", ["offer c3 -> ann"]),
            (5, "decline c3 ann", []),
            (5, "expect ann on-break", []),
            (6, "ready ann", []),
            (61, "tick", ["offer c1 -> ann"]),
        ],
    ),
    "an answered call resets the run of misses": Scenario(
        [Q],
        [agent("ann")],
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (1, "decline c1 ann", []),
            (2, "arrive c2 q", ["offer c2 -> ann"]),
            (3, "decline c2 ann", []),
            (4, "arrive c3 q", ["offer c3 -> ann"]),
            (5, "accept c3 ann", []),
            (6, "arrive c4 q", []),
            (7, "end ann", ["offer c4 -> ann"]),
            (8, "decline c4 ann", []),
            (8, "expect ann available", []),
        ],
    ),
    "wrap-up is timed per queue": Scenario(
        [QueueConfig("q1", wrap_up=30, ring_timeout=None), QueueConfig("q2", ring_timeout=None)],
        [agent("ann", ("q1", "q2"))],
        [
            (0, "login ann", []),
            (0, "arrive c1 q1", ["offer c1 -> ann"]),
            (1, "accept c1 ann", []),
            (2, "arrive c2 q2", []),
            (10, "end ann", []),
            (10, "expect ann wrap-up", []),
            (39, "tick", []),
            (40, "tick", ["offer c2 -> ann"]),
            (45, "accept c2 ann", []),
            (46, "arrive c3 q1", []),
            (50, "end ann", ["offer c3 -> ann"]),
        ],
    ),
    "an agent in two queues takes the globally oldest caller": Scenario(
        [QueueConfig("qa"), QueueConfig("qb")],
        [agent("ann", ("qa", "qb"))],
        [
            (0, "arrive a1 qa", []),
            (1, "arrive b1 qb", []),
            (2, "arrive a2 qa", []),
            (3, "login ann", ["offer a1 -> ann"]),
            (4, "accept a1 ann", []),
            (5, "end ann", ["offer b1 -> ann"]),
            (6, "accept b1 ann", []),
            (7, "end ann", ["offer a2 -> ann"]),
        ],
    ),
    "priority (caller + queue) comes before age across queues": Scenario(
        [QueueConfig("qa"), QueueConfig("qb", priority=5)],
        [agent("ann", ("qa", "qb"))],
        [
            (0, "arrive a1 qa", []),
            (1, "arrive b1 qb", []),
            (2, "arrive a2 qa prio=10", []),
            (3, "login ann", ["offer a2 -> ann"]),
            (4, "accept a2 ann", []),
            (5, "end ann", ["offer b1 -> ann"]),
            (6, "accept b1 ann", []),
            (7, "end ann", ["offer a1 -> ann"]),
        ],
    ),
    "relaxation rings widen who may answer and callers keep their place": Scenario(
        [QueueConfig("q", rings=RINGS, ring_timeout=None)],
        [agent("junior", skills={"parcels": 1}), agent("temp")],
        [
            (0, "login junior", []),
            (0, "login temp", []),
            (0, "arrive c1 q", []),
            (10, "arrive c2 q", []),
            (20, "arrive c3 q", []),
            (29, "tick", []),
            (30, "tick", ["offer c1 -> junior"]),
            (31, "accept c1 junior", []),
            (60, "end junior", ["offer c2 -> junior"]),
            (61, "accept c2 junior", []),
            (109, "tick", []),
            (110, "tick", ["offer c3 -> temp"]),
        ],
    ),
    "the caller's language is bound into the requirement": Scenario(
        [QueueConfig("q", rings=(Ring(0, "language == contact.language"),))],
        [agent("en"), agent("fr", languages=("fr", "en"))],
        [
            (0, "login en", []),
            (1, "arrive c1 q lang=fr", []),
            (2, "login fr", ["offer c1 -> fr"]),
            (3, "arrive c2 q lang=en", ["offer c2 -> en"]),
        ],
    ),
    "fewest calls today": Scenario(
        [QueueConfig("q", strategy=Strategy.FEWEST_CALLS, ring_timeout=None)],
        TWO,
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (1, "accept c1 ann", []),
            (2, "end ann", []),
            (3, "login bob", []),
            (4, "arrive c2 q", ["offer c2 -> bob"]),
        ],
    ),
    "least talk time today": Scenario(
        [QueueConfig("q", strategy=Strategy.LEAST_TALK_TIME, ring_timeout=None)],
        TWO,
        [
            (0, "login ann", []),
            (0, "login bob", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (0, "arrive c2 q", ["offer c2 -> bob"]),
            (1, "accept c2 bob", []),
            (25, "accept c1 ann", []),
            (30, "end bob", []),
            (31, "end ann", []),
            (40, "arrive c3 q", ["offer c3 -> ann"]),
        ],
    ),
    "best skill match": Scenario(
        [QueueConfig("q", rings=(Ring(0, "parcels >= 1"),), strategy=Strategy.BEST_SKILL)],
        [agent("ann", skills={"parcels": 2}), agent("bob", skills={"parcels": 5})],
        [(0, "login ann", []), (1, "login bob", []), (2, "arrive c1 q", ["offer c1 -> bob"])],
    ),
    "round robin follows member order after the last agent chosen": Scenario(
        [QueueConfig("q", strategy=Strategy.ROUND_ROBIN, ring_timeout=None)],
        [agent("ann"), agent("bob"), agent("cat")],
        [
            (0, "login cat", []),
            (0, "login bob", []),
            (0, "login ann", []),
            (1, "arrive c1 q", ["offer c1 -> ann"]),
            (2, "accept c1 ann", []),
            (3, "end ann", []),
            (4, "arrive c2 q", ["offer c2 -> bob"]),
            (5, "accept c2 bob", []),
            (6, "arrive c3 q", ["offer c3 -> cat"]),
            (7, "accept c3 cat", []),
            (8, "end bob", []),
            (9, "arrive c4 q", ["offer c4 -> ann"]),
        ],
    ),
    "ring-all rings every free agent; the first to answer wins": Scenario(
        [QueueConfig("q", strategy=Strategy.RING_ALL)],
        TWO,
        [
            (0, "login ann", []),
            (0, "login bob", []),
            (1, "arrive c1 q", ["offer c1 -> ann,bob"]),
            (2, "accept c1 bob", ["cancel c1 -> ann"]),
            (3, "arrive c2 q", ["offer c2 -> ann"]),
        ],
    ),
    "a preferred agent is waited for, then anyone may answer": Scenario(
        [QueueConfig("q", preferred_agent_for=30, ring_timeout=None)],
        TWO,
        [
            (0, "login ann", []),
            (0, "login bob", []),
            (1, "arrive c1 q pref=bob", ["offer c1 -> bob"]),
            (2, "accept c1 bob", []),
            (3, "arrive c2 q pref=bob", []),
            (32, "tick", []),
            (33, "tick", ["offer c2 -> ann"]),
        ],
    ),
    "a preferred agent who is logged out is not waited for": Scenario(
        [Q],
        TWO,
        [(0, "login ann", []), (1, "arrive c1 q pref=bob", ["offer c1 -> ann"])],
    ),
    "max wait overflows to another queue, keeping the caller's age": Scenario(
        [QueueConfig("back"), QueueConfig("front", max_wait=60, on_max_wait=Overflow("back"))],
        [agent("ann", ("front",)), agent("bob", ("back",))],
        [
            (0, "login bob", []),
            (0, "arrive b1 back", ["offer b1 -> bob"]),
            (1, "accept b1 bob", []),
            (5, "arrive f1 front", []),
            (10, "arrive b2 back", []),
            (65, "tick", []),
            (70, "end bob", ["offer f1 -> bob"]),
        ],
    ),
    "max wait sends the caller to voicemail": Scenario(
        [QueueConfig("q", max_wait=30)],
        TWO,
        [(0, "arrive c1 q", []), (29, "tick", []), (30, "tick", ["voicemail c1"])],
    ),
    "max wait offers a callback once; the callback keeps the place": Scenario(
        [QueueConfig("q", max_wait=30, on_max_wait=OfferCallback())],
        TWO,
        [
            (0, "arrive c1 q", []),
            (1, "arrive c2 q", []),
            (30, "tick", ["prompt c1"]),
            (31, "tick", ["prompt c2"]),
            (32, "tick", []),
            (35, "callback c1 5550101", []),
            (35, "expect c1 callback-waiting", []),
            (40, "login ann", ["offer c1 -> ann"]),
            (41, "accept c1 ann", ["dial c1 by ann"]),
            (50, "result c1 ok", []),
            (50, "expect c1 callback-connected", []),
            (60, "end ann", ["offer c2 -> ann"]),
        ],
    ),
    "join-when-empty refuses callers while nobody is logged in": Scenario(
        [QueueConfig("q", join_when_empty=EmptyRule.NO_AGENT_LOGGED_IN)],
        TWO,
        [
            (0, "arrive c1 q", ["voicemail c1"]),
            (1, "login ann notready", []),
            (2, "arrive c2 q", []),
        ],
    ),
    "leave-when-empty empties the line when the last agent logs out": Scenario(
        [QueueConfig("q", leave_when_empty=EmptyRule.NO_AGENT_LOGGED_IN)],
        [agent("ann")],
        [
            (0, "login ann notready", []),
            (1, "arrive c1 q", []),
            (2, "arrive c2 q", []),
            (3, "logout ann", ["voicemail c1", "voicemail c2"]),
        ],
    ),
    "leave-when-empty counts a break as not working": Scenario(
        [QueueConfig("q", wrap_up=10, leave_when_empty=EmptyRule.NO_AGENT_WORKING)],
        [agent("ann")],
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (1, "accept c1 ann", []),
            (2, "arrive c2 q", []),
            (3, "end ann", []),
            (4, "break ann lunch", ["voicemail c2"]),
        ],
    ),
    "a full queue refuses the next caller": Scenario(
        [QueueConfig("q", max_length=2)],
        TWO,
        [(0, "arrive c1 q", []), (0, "arrive c2 q", []), (0, "arrive c3 q", ["reject c3"])],
    ),
    "a caller hanging up while ringing frees the agent for the next": Scenario(
        [Q],
        TWO,
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (1, "arrive c2 q", []),
            (2, "abandon c1", ["cancel c1 -> ann", "offer c2 -> ann"]),
        ],
    ),
    "a callback keeps its place, is offered agent-first and retried": Scenario(
        [QueueConfig("q", ring_timeout=None, callback_retry_after=300)],
        [agent("ann")],
        [
            (0, "login ann", []),
            (0, "arrive c0 q", ["offer c0 -> ann"]),
            (1, "accept c0 ann", []),
            (2, "arrive c1 q", []),
            (3, "arrive c2 q", []),
            (4, "callback c1 5550101", []),
            (10, "end ann", ["offer c1 -> ann"]),
            (11, "accept c1 ann", ["dial c1 by ann"]),
            (20, "result c1 no-answer", ["offer c2 -> ann"]),
            (20, "expect c1 callback-scheduled", []),
            (21, "accept c2 ann", []),
            (30, "end ann", []),
            (319, "tick", []),
            (320, "tick", ["offer c1 -> ann"]),
            (321, "accept c1 ann", ["dial c1 by ann"]),
            (322, "result c1 ok", []),
            (322, "expect c1 callback-connected", []),
        ],
    ),
    "a callback gives up after the last attempt": Scenario(
        [QueueConfig("q", callback_max_attempts=1)],
        [agent("ann")],
        [
            (0, "arrive c1 q", []),
            (1, "callback c1 5550101", []),
            (2, "login ann", ["offer c1 -> ann"]),
            (3, "accept c1 ann", ["dial c1 by ann"]),
            (4, "result c1 busy", []),
            (4, "expect c1 callback-failed", []),
            (4, "expect ann available", []),
        ],
    ),
    "a scheduled callback joins at its time, ahead of ordinary callers": Scenario(
        [Q],
        [agent("ann")],
        [
            (0, "arrive c1 q", []),
            (0, "schedule s1 q 5550101 at=60", []),
            (0, "expect s1 callback-scheduled", []),
            (60, "tick", []),
            (60, "expect s1 callback-waiting", []),
            (61, "login ann", ["offer s1 -> ann"]),
        ],
    ),
    "a caller who hangs up and calls back soon resumes their place": Scenario(
        [QueueConfig("q", resume_place_within=120, ring_timeout=None)],
        [agent("ann")],
        [
            (0, "login ann", []),
            (0, "arrive c0 q", ["offer c0 -> ann"]),
            (1, "accept c0 ann", []),
            (2, "arrive c1 q caller=+442079460000", []),
            (3, "arrive c2 q", []),
            (10, "abandon c1", []),
            (50, "arrive c3 q caller=+442079460000", []),
            (60, "end ann", ["offer c3 -> ann"]),
        ],
    ),
    "a caller who calls back too late starts again at the back": Scenario(
        [QueueConfig("q", resume_place_within=120, ring_timeout=None)],
        [agent("ann")],
        [
            (0, "login ann", []),
            (0, "arrive c0 q", ["offer c0 -> ann"]),
            (1, "accept c0 ann", []),
            (2, "arrive c1 q caller=+442079460000", []),
            (3, "arrive c2 q", []),
            (10, "abandon c1", []),
            (200, "arrive c3 q caller=+442079460000", []),
            (210, "end ann", ["offer c2 -> ann"]),
        ],
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str) -> None:
    scenario = SCENARIOS[name]
    Harness(scenario.queues, scenario.agents, scenario.config).run(scenario.steps)


def test_missed_calls_break_has_its_reason() -> None:
    scenario = SCENARIOS["N missed offers in a row put the agent on break, skips end after a while"]
    harness = Harness(scenario.queues, scenario.agents, scenario.config)
    harness.run(scenario.steps[:8])
    changes = harness.kinds(ev.AgentStateChanged)
    last = changes[-1]
    assert isinstance(last, ev.AgentStateChanged)
    assert (last.new, last.trigger, last.reason) == ("on-break", "miss-limit", "missed calls")
    missed = [e for e in harness.kinds(ev.OfferMissed) if isinstance(e, ev.OfferMissed)]
    assert [e.misses_in_row for e in missed] == [1, 2, 3]


def test_overflow_is_an_event_with_both_queues() -> None:
    scenario = SCENARIOS["max wait overflows to another queue, keeping the caller's age"]
    harness = Harness(scenario.queues, scenario.agents, scenario.config)
    harness.run(scenario.steps)
    (overflow,) = harness.kinds(ev.ContactOverflowed)
    assert isinstance(overflow, ev.ContactOverflowed)
    assert (overflow.from_queue, overflow.to_queue, overflow.wait) == ("front", "back", 60)


def test_full_queue_can_overflow_instead_of_refusing() -> None:
    harness = Harness(
        [QueueConfig("spill"), QueueConfig("q", max_length=1, on_full=Overflow("spill"))], TWO
    )
    harness.run([(0, "arrive c1 q", []), (0, "arrive c2 q", [])])
    assert harness.engine.waiting("spill") == ["c2"]
    assert harness.engine.waiting("q") == ["c1"]


def test_callback_events_record_attempts_and_outcomes() -> None:
    scenario = SCENARIOS["a callback keeps its place, is offered agent-first and retried"]
    harness = Harness(scenario.queues, scenario.agents, scenario.config)
    harness.run(scenario.steps)
    kinds = [type(e).__name__ for e in harness.events if type(e).__name__.startswith("Callback")]
    assert kinds == [
        "CallbackRequested",
        "CallbackAttempted",
        "CallbackAttemptFailed",
        "CallbackAttempted",
        "CallbackConnected",
    ]
    failed = harness.kinds(ev.CallbackAttemptFailed)[0]
    assert isinstance(failed, ev.CallbackAttemptFailed)
    assert (failed.outcome, failed.retry_at) == ("no-answer", 320)


PROMISE_KEPT: list[Step] = [
    (0, "schedule s1 q 5550101 at=600", []),
    (50, "login ann", []),
    (600, "tick", ["offer s1 -> ann"]),
    (601, "accept s1 ann", ["dial s1 by ann"]),
    (900, "tick", []),
]
PROMISE_BROKEN: list[Step] = [
    (0, "schedule s1 q 5550101 at=600", []),
    (600, "tick", []),
    (900, "tick", []),
    (901, "login ann", ["offer s1 -> ann"]),
]


@pytest.mark.parametrize(("steps", "broken"), [(PROMISE_KEPT, False), (PROMISE_BROKEN, True)])
def test_a_promise_not_kept_is_visible(steps: list[Step], broken: bool) -> None:
    harness = Harness([QueueConfig("q", callback_promise_grace=300)], [agent("ann")])
    harness.run(steps)
    missed = harness.kinds(ev.CallbackPromiseMissed)
    assert len(missed) == broken
    if broken:
        assert isinstance(missed[0], ev.CallbackPromiseMissed)
        assert (missed[0].at, missed[0].promised_at) == (900, 600)


def test_callback_slots_spread_promises_over_the_window() -> None:
    harness = Harness([QueueConfig("q", callbacks_per_slot=1)], [agent("ann")])
    engine, wall = harness.engine, harness.clock.wall()
    slot = harness.config.callback_slot_seconds
    first = engine.propose_callback_time("q", wall, wall + 3 * slot)
    assert first == wall
    engine.schedule_callback(harness.contact("s1", "q", {}), "5550101", first)
    second = engine.propose_callback_time("q", wall, wall + 3 * slot)
    assert second is not None and second > first
    assert second % slot == 0 and second - first <= slot
    assert engine.propose_callback_time("q", wall, wall + 1) is None


def test_random_strategy_is_deterministic_for_a_seed_and_uses_it() -> None:
    def first_pick(seed: int) -> str:
        harness = Harness([QueueConfig("q", strategy=Strategy.RANDOM)], TWO, seed=seed)
        harness.do("login ann")
        harness.do("login bob")
        return harness.do("arrive c1 q")[0]

    picks = [first_pick(seed) for seed in range(20)]
    assert picks == [first_pick(seed) for seed in range(20)]
    assert set(picks) == {"offer c1 -> ann", "offer c1 -> bob"}


def test_new_skills_take_effect_at_once() -> None:
    harness = Harness([QueueConfig("q", rings=(Ring(0, "parcels >= 3"),))], [agent("ann")])
    harness.run([(0, "login ann", []), (1, "arrive c1 q", [])])
    decisions = harness.engine.update_agent_skills("ann", {"parcels": 4}, ("en",))
    assert [d.contact_id for d in decisions] == ["c1"]


def test_cancelling_a_ringing_callback_frees_the_agent() -> None:
    harness = Harness([QueueConfig("q")], [agent("ann")])
    harness.run(
        [
            (0, "arrive c1 q", []),
            (1, "arrive c2 q", []),
            (2, "callback c1 5550101", []),
            (3, "login ann", ["offer c1 -> ann"]),
            (4, "cancel c1", ["cancel c1 -> ann", "offer c2 -> ann"]),
            (4, "expect c1 cancelled", []),
        ]
    )


def test_same_inputs_give_the_same_events() -> None:
    def run() -> list[tuple[str, str | None, dict[str, object]]]:
        harness = Harness(
            [QueueConfig("q", strategy=Strategy.RANDOM, ring_timeout=10)],
            [agent(f"a{n}") for n in range(5)],
            seed=3,
        )
        for n in range(5):
            harness.do(f"login a{n}")
        for step in range(40):
            harness.clock.set(step * 3.0)
            harness.do(f"arrive c{step} q")
            if step % 4 == 0:
                harness.do("tick")
        return [e.to_record() for e in harness.events]

    first = run()
    assert len(first) > 100 and first == run()
