"""A waiting line against a plain model: its live callers sorted by (-priority, entry, arrival).

The line keeps FIFOs per priority, a heap for callers who join out of order, a remembered head
and lazily removed entries; none of that may show. Random joins (mostly in time order, some
with an older entry time, as after a missed ring or an overflow), leaves and re-joins are
checked after every step: the head, the head for an agent the head has skipped, the order of
all callers and the count ahead of each.
"""

from __future__ import annotations

from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.acd.lines import Line
from frontdesk.acd.model import ContactSpec
from frontdesk.acd.records import ContactRecord

# (action, priority, entry-time offset, which caller)
Step = tuple[str, int, float, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["join", "join", "join", "leave", "rejoin", "skip"]),
        st.sampled_from([0, 0, 0, 10, 30]),
        st.sampled_from([0.0, 0.0, 0.0, -5.0, -50.0]),
        st.integers(0, 40),
    ),
    max_size=150,
)


def caller(seq: int, priority: int, entered_at: float) -> ContactRecord:
    contact = ContactRecord(ContactSpec(f"c{seq}", "q"), cast(Any, None), seq, 0.0, entered_at)
    contact.priority = priority
    contact.set_key()
    return contact


@settings(max_examples=300, deadline=None)
@given(steps)
def test_the_line_reads_like_a_sorted_list(script: list[Step]) -> None:
    line = Line(None, "q")
    every: list[ContactRecord] = []
    live: list[ContactRecord] = []
    out: list[ContactRecord] = []
    now, pushes = 0.0, 0
    for action, priority, offset, pick in script:
        now += 1.0
        if action == "join":
            contact = caller(len(every) + 1, priority, now + offset)
            every.append(contact)
        elif action == "leave" and live:
            contact = live.pop(pick % len(live))
            line.remove(contact)
            out.append(contact)
            continue
        elif action == "rejoin" and out:
            contact = out.pop(pick % len(out))
        elif action == "skip" and live:
            live[pick % len(live)].skipped = {"ann": now + 100}
            continue
        else:
            continue
        pushes += 1
        line.push(contact, pushes)
        live.append(contact)
        expected = sorted(live, key=lambda c: c.key)
        assert line.live == len(live)
        assert list(line.in_order()) == expected
        assert line.head_for("bob", now) is expected[0]
        not_skipped = [c for c in expected if not c.skips("ann", now)]
        assert line.head_for("ann", now) is (not_skipped[0] if not_skipped else None)
        for position, contact in enumerate(expected):
            assert line.count_ahead(contact.key) == position


def test_compaction_keeps_order_and_the_remembered_head() -> None:
    line = Line(None, "q")
    callers = [caller(seq, 0, float(seq)) for seq in range(1, 401)]
    for number, contact in enumerate(callers, start=1):
        line.push(contact, number)
    for contact in callers[:300]:  # far more left than stay: the line compacts on next join
        line.remove(contact)
    late = caller(401, 0, 0.5)  # older entry time than everyone left: joins out of order
    line.push(late, 401)
    assert line.head_for("ann", 0.0) is late
    assert line.top is not None and line.top[4] is late  # remembered until it leaves
    assert list(line.in_order()) == [late, *callers[300:]]
    line.remove(late)
    assert line.top is None and line.head_for("ann", 0.0) is callers[300]
