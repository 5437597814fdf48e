"""The timer queue's lanes must not change the order: it is exactly one heap of (due, sequence).

Reference: a plain `heapq` of (due time, push number), the structure the lanes replace. Pushes
are drawn at random moments, on a few lanes and with no lane, with delays that keep a lane in
order and delays that break it (a caller skipping rings after a quiet spell); pops are
interleaved at random "now" values that only move forward.
"""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.acd.timers import TimerKind, TimerQueue

# (advance the clock by, delay of the timer or None to pop, lane or None)
Step = tuple[float, float | None, int | None]
steps = st.lists(
    st.tuples(
        st.sampled_from([0.0, 0.0, 0.5, 1.0, 7.0]),
        st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5, 30.0]), st.floats(0, 50)),
        st.one_of(st.none(), st.integers(0, 3)),
    ),
    max_size=120,
)


def run(script: list[Step]) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    queue = TimerQueue()
    reference: list[tuple[float, int]] = []
    got: list[tuple[float, int]] = []
    expected: list[tuple[float, int]] = []
    now, pushed = 0.0, 0
    for advance, delay, lane in script:
        now += advance
        if delay is None:
            while (timer := queue.pop_due(now)) is not None:
                got.append((timer[0], timer[3]))
            while reference and reference[0][0] <= now:
                expected.append(heapq.heappop(reference))
            continue
        pushed += 1
        # a lane is named by its delay in the engine; here lanes also get other delays, which
        # is what a skipped ring does to the order within a lane
        queue.push(now + delay, TimerKind.RELAX, pushed, 0.0, lane)
        heapq.heappush(reference, (now + delay, pushed))
    while (timer := queue.pop_due(float("inf"))) is not None:
        got.append((timer[0], timer[3]))
    expected += [heapq.heappop(reference) for _ in range(len(reference))]
    return got, expected


@settings(max_examples=300, deadline=None)
@given(steps)
def test_lanes_pop_in_the_order_of_a_single_heap(script: list[Step]) -> None:
    got, expected = run(script)
    assert got == expected


def test_a_lane_pushed_out_of_order_still_pops_in_due_order() -> None:
    queue = TimerQueue()
    queue.push(10.0, TimerKind.RELAX, "late", 0.0, "lane")
    queue.push(5.0, TimerKind.RELAX, "early", 0.0, "lane")  # breaks the lane: goes to the heap
    queue.push(10.0, TimerKind.RELAX, "tie, set later", 0.0, None)
    assert len(queue) == 3
    assert queue.next_due() == 5.0
    assert queue.pop_due(4.9) is None
    order = [timer[3] for timer in iter(lambda: queue.pop_due(10.0), None)]
    assert order == ["early", "late", "tie, set later"]
    assert len(queue) == 0 and queue.next_due() is None
