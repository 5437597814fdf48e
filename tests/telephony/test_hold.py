"""The hold tracker: reasons that hold a caller, music on and off, hold time (fake clock)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from frontdesk.clock import ManualClock
from frontdesk.telephony.hold import HOLD_TABLE, Held, HoldState, HoldTracker, Resumed


def test_phone_hold_and_resume_are_timed() -> None:
    clock = ManualClock()
    hold = HoldTracker()
    clock.advance(10)
    assert hold.hold("phone", clock.now()) == [Held(clock.now(), "phone")]
    assert hold.held and hold.state is HoldState.HELD
    clock.advance(4.5)
    assert hold.total(clock.now()) == 4.5  # a running hold counts
    assert hold.resume("phone", clock.now()) == [Resumed(clock.now(), "phone", 4.5)]
    assert not hold.held and hold.total_s == 4.5 and hold.holds == 1


def test_music_stops_only_when_the_last_reason_is_lifted() -> None:
    clock = ManualClock()
    hold = HoldTracker()
    assert hold.hold("phone", clock.now())
    clock.advance(2)
    assert hold.hold("consult", clock.now()) == []  # already held: no second Held
    assert hold.hold("consult", clock.now()) == []  # repeats change nothing
    clock.advance(3)
    assert hold.resume("phone", clock.now()) == []  # the consultation still holds
    assert hold.held
    clock.advance(1)
    [resumed] = hold.resume("consult", clock.now())
    assert resumed.held_s == 6 and hold.total_s == 6


def test_resume_without_hold_and_end_of_call() -> None:
    clock = ManualClock()
    hold = HoldTracker()
    assert hold.resume("phone", clock.now()) == []
    hold.hold("desk", clock.now())
    clock.advance(2)
    assert hold.end(clock.now()) == [Resumed(clock.now(), "desk", 2.0)]
    assert hold.total_s == 2 and hold.end(clock.now()) == []


def test_the_table_never_leaves_a_held_caller_without_a_reason() -> None:
    assert {state for state, _ in HOLD_TABLE} == set(HoldState)
    assert all(
        nxt is HoldState.HELD for (state, event), nxt in HOLD_TABLE.items() if event.value == "hold"
    )


@given(st.lists(st.tuples(st.sampled_from(["phone", "desk", "consult"]), st.booleans(),
                          st.floats(0, 100)), max_size=30))  # fmt: skip
def test_total_hold_time_is_the_time_any_reason_held(
    steps: list[tuple[str, bool, float]],
) -> None:
    """Invariant: total hold time equals the measure of the times at which some reason held,
    computed independently from the step list."""
    hold = HoldTracker()
    now, expected = 0.0, 0.0
    holding: set[str] = set()
    for reason, on, gap in steps:
        if holding:
            expected += gap
        now += gap
        (hold.hold if on else hold.resume)(reason, now)
        (holding.add if on else holding.discard)(reason)
        assert hold.held == bool(holding)
    assert abs(hold.total(now) - expected) < 1e-6
