"""Missed calls not yet called back: a hand-counted log, and the SQL against a plain search.

Definition (DESIGN.md "Metrics vocabulary", docs/analytics.md): a missed call is one abandoned
or sent to voicemail; it was called back when a later call of the same number was answered by
an agent, or a callback to it was kept.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from frontdesk.analytics.calls_table import write_records
from frontdesk.analytics.queries import Window, missed_calls
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.analytics.reports import ReportRequest, build

T0 = 1_000_000_800.0
A, B, VM = CallOutcome.ABANDONED, CallOutcome.ANSWERED, CallOutcome.VOICEMAIL


def call(n: int, at: float, outcome: CallOutcome, caller: str, queue: str = "a") -> CallRecord:
    kept = outcome is CallOutcome.CALLBACK
    return CallRecord(f"c{n}", T0 + at, outcome, queue, caller=caller, callback_kept=kept)


def test_a_hand_counted_log() -> None:
    records = [
        call(1, 0, A, "+1"),
        call(2, 100, B, "+1"),  # +1 reached later
        call(3, 10, A, "+2"),
        call(4, 50, A, "+2"),  # +2 missed twice, never reached
        call(5, 20, VM, "+3"),
        call(6, 500, CallOutcome.CALLBACK, "+3"),  # a kept callback reaches +3
        call(7, 0, B, "+4"),
        call(8, 30, A, "+4"),  # answered before, not after
        call(9, 40, A, ""),  # no number
        call(10, 60, A, "+5", queue="b"),
        call(11, 90, B, "+5"),  # reached through another queue
    ]
    engine = create_engine("sqlite://")
    write_records(engine, records)
    report = build(engine, ReportRequest("missed", by=("queue",)))
    rows = {r["queue"]: r for r in report.rows}
    assert (rows["a"]["missed"], rows["a"]["no_number"], rows["a"]["called_back"]) == (6, 1, 2)
    assert rows["a"]["not_called_back"] == 3 and rows["a"]["called_back_share"] == 2 / 5
    assert (rows["b"]["missed"], rows["b"]["called_back"], rows["b"]["not_called_back"]) == (
        1,
        1,
        0,
    )
    window = build(engine, ReportRequest("missed", Window(T0 + 25, T0 + 1000)))
    # in the window: +2 at 50, +4 at 30, no number at 40, +5 at 60 (matched with any later call)
    assert window.rows[0]["missed"] == 4 and window.rows[0]["called_back"] == 1


records = st.lists(
    st.builds(
        call,
        n=st.integers(0, 10**6),
        at=st.integers(0, 50).map(float),
        outcome=st.sampled_from(list(CallOutcome)),
        caller=st.sampled_from(["", "+1", "+2", "+3"]),
        queue=st.sampled_from(["a", "b"]),
    ),
    max_size=30,
    unique_by=lambda r: r.call_id,
)


@settings(max_examples=40, deadline=None)
@given(found=records)
def test_sql_matches_a_plain_search(found: list[CallRecord]) -> None:
    engine = create_engine("sqlite://")
    write_records(engine, found)
    got = missed_calls(engine, ("queue",), Window(), ZoneInfo("UTC"))
    for queue in ("a", "b"):
        missed = [r for r in found if r.queue == queue and r.outcome in (A, VM)]
        reached = [
            m
            for m in missed
            if m.caller
            and any(
                later.caller == m.caller
                and later.offered_at > m.offered_at
                and (later.outcome is B or later.callback_kept)
                for later in found
            )
        ]
        if not missed:
            assert (queue,) not in got
            continue
        m = got[(queue,)]
        assert (m.missed, m.no_number, m.called_back) == (
            len(missed),
            sum(1 for r in missed if not r.caller),
            len(reached),
        )
