"""The shared 20 ms ticker: drift-free deadlines, bounded catch-up, staggered slots."""

from __future__ import annotations

from frontdesk.clock import ManualClock
from frontdesk.media.ticker import SlotAssigner, Ticker


def test_ticks_follow_absolute_deadlines_without_drift() -> None:
    clock = ManualClock(start=10.0)
    ticker = Ticker(start=clock.now(), period=0.02)
    seen = []
    # Wake up 3 ms late every time: lateness must not accumulate into the schedule.
    for _ in range(1000):
        clock.set(ticker.next_deadline() + 0.003)
        seen += ticker.due(clock.now())
    assert [t.tick for t in seen] == list(range(1000))
    assert abs(seen[-1].deadline - (10.0 + 999 * 0.02)) < 1e-9
    assert ticker.skipped == 0


def test_catch_up_is_bounded_after_a_stall() -> None:
    ticker = Ticker(start=0.0, period=0.02, max_burst=3)
    assert [t.tick for t in ticker.due(0.0)] == [0]
    due = ticker.due(0.2)  # a 200 ms stall: ticks 1..10 are due
    assert [t.tick for t in due] == [8, 9, 10] and ticker.skipped == 7
    assert ticker.due(0.2) == []
    assert abs(ticker.next_deadline() - 0.22) < 1e-12


def test_slots_are_staggered_within_the_period() -> None:
    ticker = Ticker(start=0.0, period=0.02, slots=4)
    due = ticker.due(0.039)
    assert [(t.tick, t.slot) for t in due] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
    ]
    assert [round(t.deadline, 3) for t in due[:4]] == [0.0, 0.005, 0.01, 0.015]
    assert ticker.due(0.0399) == []
    assert [(t.tick, t.slot) for t in ticker.due(0.04)] == [(2, 0)]


def test_streams_spread_evenly_over_slots() -> None:
    slots = SlotAssigner(4)
    for i in range(10):
        slots.assign(f"s{i}")
    assert sorted(slots.load()) == [2, 2, 3, 3]
    assert slots.assign("s3") == slots.assign("s3")  # stable
    slots.release("s0")
    slots.release("s4")
    slots.release("s8")
    assert sum(slots.load()) == 7
    assert slots.load() == (0, 3, 2, 2)  # s0, s4 and s8 all sat in slot 0
    assert slots.assign("n") == 0
