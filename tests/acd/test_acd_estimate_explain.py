"""Expected wait and position, explanations in plain words, and metrics from the events."""

from __future__ import annotations

import pytest
from acd_script import Harness, agent

from frontdesk.acd import EngineConfig, QueueConfig, Ring
from frontdesk.acd import events as ev


def test_queue_length_estimator_uses_learned_service_and_patience() -> None:
    harness = Harness(
        [QueueConfig("q", ring_timeout=None, wrap_up=20)],
        [agent("ann"), agent("bob")],
        EngineConfig(min_history=3),
    )
    harness.run(
        [
            (0, "login ann", []),
            (0, "login bob", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (0, "accept c1 ann", []),
            (0, "arrive c2 q", ["offer c2 -> bob"]),
            (0, "accept c2 bob", []),
            (0, "arrive c3 q", []),
            (60, "abandon c3", []),  # waited 60 s and gave up
            (70, "arrive c4 q", []),
            (80, "end ann", []),  # handle 80 + 20 wrap-up = 100
            (100, "tick", ["offer c4 -> ann"]),
            (100, "accept c4 ann", []),  # waited 30 s
            (100, "end bob", []),  # handle 100 + 20 = 120
            (220, "end ann", []),  # handle 120 + 20 = 140
            (221, "arrive c5 q", ["offer c5 -> bob"]),
            (221, "accept c5 bob", []),
            (222, "arrive c6 q", []),
            (223, "arrive c7 q", []),
            (224, "arrive c8 q", []),
        ]
    )
    estimate = harness.engine.estimate("c8")
    mu = 3 / (100 + 120 + 140)  # completions per second of one agent
    theta = 1 / (0 + 0 + 60 + 30)  # abandonments / total time waited (censored MLE)
    expected = sum(1 / (2 * mu + i * theta) for i in range(3))
    assert (estimate.position, estimate.ahead, estimate.servers) == (3, 2, 2)
    assert estimate.service_rate == pytest.approx(mu)
    assert estimate.abandon_rate == pytest.approx(theta)
    assert estimate.expected_wait == pytest.approx(expected)
    assert "Ibrahim & Whitt" in estimate.basis


def test_thin_history_falls_back_to_head_of_line_delay() -> None:
    harness = Harness([QueueConfig("q", ring_timeout=None)], [agent("ann")])
    harness.run(
        [
            (0, "login ann", []),
            (0, "arrive c0 q", ["offer c0 -> ann"]),
            (0, "accept c0 ann", []),
            (10, "arrive c1 q", []),
            (20, "arrive c2 q", []),
            (30, "arrive c3 q", []),
            (50, "tick", []),
        ]
    )
    last, first = harness.engine.estimate("c3"), harness.engine.estimate("c1")
    assert "head-of-line" in last.basis
    assert (last.position, last.expected_wait) == (3, pytest.approx(40.0))
    assert (first.position, first.expected_wait) == (1, pytest.approx(40.0 / 3))


@pytest.mark.parametrize(("queues", "ahead"), [(("qa", "qb"), 2), (("qa",), 1)])
def test_position_counts_callers_ahead_that_the_same_agents_take(
    queues: tuple[str, ...], ahead: int
) -> None:
    harness = Harness(
        [QueueConfig("qa", ring_timeout=None), QueueConfig("qb", ring_timeout=None)],
        [agent("ann", queues), agent("bob", queues)],
    )
    harness.run(
        [
            (0, "login ann", []),
            (0, "login bob", []),
            (0, "arrive x1 qa", ["offer x1 -> ann"]),
            (0, "accept x1 ann", []),
            (0, "arrive x2 qa", ["offer x2 -> bob"]),
            (0, "accept x2 bob", []),
            (1, "arrive a1 qa", []),
            (2, "arrive b1 qb", []),
            (3, "arrive a2 qa", []),
        ]
    )
    # b1 is ahead of a2 only if a2's agents also answer qb
    assert harness.engine.estimate("a2").ahead == ahead


def test_offered_and_scheduled_contacts_report_their_state() -> None:
    harness = Harness([QueueConfig("q")], [agent("ann")])
    harness.run(
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (0, "schedule s1 q 5550101 at=600", []),
        ]
    )
    ringing, scheduled = harness.engine.estimate("c1"), harness.engine.estimate("s1")
    assert (ringing.position, ringing.expected_wait) == (1, 0.0)
    assert scheduled.expected_wait is None and "callback-scheduled" in scheduled.basis


def test_explain_says_who_why_and_what_else_was_considered() -> None:
    harness = Harness(
        [
            QueueConfig("qa", rings=(Ring(0, "parcels >= 3"), Ring(30, "true"))),
            QueueConfig("qb"),
        ],
        [agent("ann", ("qa", "qb"), {"parcels": 1}), agent("bob", ("qa",), {"parcels": 4})],
    )
    harness.run(
        [
            (0, "arrive a1 qa", []),
            (5, "arrive b1 qb", []),
            (40, "login ann", ["offer a1 -> ann"]),
            (41, "login bob", []),
            (42, "arrive a2 qa", ["offer a2 -> bob"]),
        ]
    )
    first = harness.engine.explain("a1")
    assert "relaxed to ring 1: `true`" in first
    assert "offered to ann, who had just become free" in first
    assert "a1 (qa, priority 0" in first and "b1 (qb, priority 0" in first
    second = harness.engine.explain("a2")
    assert "ring 0 of queue qa matched: `parcels >= 3`" in second
    assert "strategy longest-idle" in second and "bob (idle since t=41.0s)" in second


def test_events_carry_what_the_metrics_need() -> None:
    harness = Harness([QueueConfig("q", ring_timeout=None, target_answer_time=20)], [agent("ann")])
    harness.run(
        [
            (0, "login ann", []),
            (0, "arrive c1 q", ["offer c1 -> ann"]),
            (0, "accept c1 ann", []),
            (1, "arrive c2 q", []),
            (2, "arrive c3 q", []),
            (3, "arrive c4 q", []),
            (7, "abandon c3", []),
            (31, "end ann", ["offer c2 -> ann"]),
            (31, "accept c2 ann", []),
            (43, "abandon c4", []),
        ]
    )
    answered = [e for e in harness.events if isinstance(e, ev.ContactAnswered)]
    abandoned = [e for e in harness.events if isinstance(e, ev.ContactAbandoned)]
    closed = [e for e in harness.events if isinstance(e, ev.ContactClosed)]
    assert [(e.contact_id, e.wait) for e in answered] == [("c1", 0), ("c2", 30)]
    assert [(e.contact_id, e.wait, e.position) for e in abandoned] == [("c3", 5, 2), ("c4", 40, 1)]
    service_level = sum(e.wait <= e.target_answer_time for e in answered) / len(answered)
    asa = sum(e.wait for e in answered) / len(answered)
    assert (service_level, asa) == (0.5, 15.0)
    assert sorted(e.outcome for e in closed) == ["abandoned", "abandoned", "answered", "answered"]
    (ended,) = [e for e in harness.events if isinstance(e, ev.CallEnded)]
    assert (ended.contact_id, ended.talk_time, ended.wrap_up) == ("c1", 31, 0)
    kind, call_id, data = answered[1].to_record()
    assert (kind, call_id, data["wait"], data["agent_id"]) == ("acd.answered", "c2", 30, "ann")
