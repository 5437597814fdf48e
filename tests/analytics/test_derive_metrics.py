"""Call records from events, and the metrics over them, on logs whose answers are worked by hand.

The service-level formulas are those named in DESIGN.md ("Metrics vocabulary"); each expected
figure below is counted from the scripted calls, not computed by the code under test. The SQL
twin of the tally is checked against `Tally.add` on random records (Hypothesis).
"""

from __future__ import annotations

import random
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from frontdesk.acd import AgentSpec, ContactSpec, EmptyRule, QueueConfig, RoutingEngine
from frontdesk.analytics.calls_table import write_records
from frontdesk.analytics.derive import CallDeriver, Event, derive_calls
from frontdesk.analytics.metrics import MetricSettings, Tally, abandonment_by_bucket, figures
from frontdesk.analytics.queries import Window, tallies
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.analytics.slices import interval_label, tally_by
from frontdesk.clock import ManualClock
from frontdesk.planning.metrics import SLDefinition

T0 = 1_000_000_800.0  # a quarter-hour boundary (divisible by 900)


def answered(cid: str, at: float, wait: float, talk: float, agent: str = "ann") -> list[Event]:
    return [
        (at, "call.received", cid, {"number": "100", "caller": f"+33{cid}"}),
        (at, "acd.queued", cid, {"queue": "sales"}),
        (at + wait, "acd.answered", cid, {"queue": "sales", "agent_id": agent, "wait": wait}),
        (at + wait, "acd.closed", cid, {"outcome": "answered", "wait": wait}),
        (at + wait + talk, "call.ended", cid, {"reason": "hangup"}),
        (
            at + wait + talk,
            "acd.call_ended",
            cid,
            {"agent_id": agent, "talk_time": talk, "wrap_up": 10.0},
        ),
    ]


def abandoned(cid: str, at: float, wait: float) -> list[Event]:
    return [
        (at, "acd.queued", cid, {"queue": "sales"}),
        (at + wait, "acd.abandoned", cid, {"queue": "sales", "wait": wait}),
        (at + wait, "acd.closed", cid, {"outcome": "abandoned", "wait": wait}),
    ]


def scripted_log() -> list[Event]:
    events = [
        *answered("a1", T0, 10.0, 100.0),
        *answered("a2", T0 + 60, 30.0, 200.0, agent="bob"),
        *abandoned("b1", T0 + 120, 3.0),
        *abandoned("b2", T0 + 180, 25.0),
        *abandoned("b3", T0 + 240, 70.0),
        (T0 + 300, "acd.queued", "c1", {"queue": "sales"}),
        (T0 + 340, "acd.callback_requested", "c1", {"wait": 40.0, "promised_at": T0 + 900}),
        (T0 + 950, "acd.callback_connected", "c1", {"agent_id": "ann"}),
        (T0 + 950, "acd.closed", "c1", {"outcome": "callback-connected"}),
        (T0 + 1010, "acd.call_ended", "c1", {"agent_id": "ann", "talk_time": 60.0, "wrap_up": 0}),
        (T0 + 400, "acd.queued", "v1", {"queue": "sales"}),
        (T0 + 500, "acd.voicemail", "v1", {"wait": 100.0}),
        (T0 + 500, "acd.closed", "v1", {"outcome": "voicemail"}),
        (T0 + 600, "call.received", "i1", {"number": "100"}),
        (T0 + 640, "call.ended", "i1", {"reason": "hangup"}),
        (T0 + 700, "call.received", "p1", {"number": "100"}),
        (T0 + 720, "call.ended", "p1", {"reason": "phantom", "queue": "sales", "wait": 5}),
        (T0 + 10, "survey.score", "a1", {"score": 4}),
    ]
    return sorted(events, key=lambda e: e[0])


def test_records_from_a_scripted_log() -> None:
    records = {r.call_id: r for r in derive_calls(scripted_log())}
    assert {cid: r.outcome for cid, r in records.items()} == {
        "a1": CallOutcome.ANSWERED,
        "a2": CallOutcome.ANSWERED,
        "b1": CallOutcome.ABANDONED,
        "b2": CallOutcome.ABANDONED,
        "b3": CallOutcome.ABANDONED,
        "c1": CallOutcome.CALLBACK,
        "v1": CallOutcome.VOICEMAIL,
        "i1": CallOutcome.IVR,
        "p1": CallOutcome.PHANTOM,
    }
    a1 = records["a1"]
    assert (a1.wait_s, a1.talk_s, a1.wrap_s, a1.agent, a1.number) == (
        10.0,
        100.0,
        10.0,
        "ann",
        "100",
    )
    assert a1.survey_score == 4.0 and a1.caller == "+33a1"
    c1 = records["c1"]
    assert c1.callback_promised and c1.callback_kept and c1.callback_on_time and c1.talk_s == 60


def test_a_call_completes_only_when_every_part_has_ended() -> None:
    deriver = CallDeriver()
    events = answered("x", T0, 5.0, 50.0)
    outputs = [deriver.feed(*e) for e in events]
    assert outputs[:-1] == [None] * (len(events) - 1)
    assert outputs[-1] is not None and outputs[-1].talk_s == 50.0
    # the routing part ending first and the telephone part last completes it just the same
    swapped = [*events[:4], events[5], events[4]]
    deriver2 = CallDeriver()
    outputs = [deriver2.feed(*e) for e in swapped]
    assert outputs[-1] is not None and outputs[-2] is None


def test_figures_of_the_scripted_log_under_every_definition() -> None:
    t = Tally(MetricSettings(target_s=20.0, short_abandon_s=5.0)).add_all(
        derive_calls(scripted_log())
    )
    f = figures(t)
    # offered: a1 a2 b1 b2 b3 c1 v1 = 7; answered within 20 s: a1; abandoned within 20 s: b1
    assert (f["offered"], f["answered"], f["abandoned"], f["short_abandoned"]) == (7, 2, 3, 1)
    assert (f["callbacks"], f["callbacks_kept"], f["voicemail"], f["ivr"], f["phantom"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    sl = f["service_level_by_definition"]
    assert sl[SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED.value] == pytest.approx(1 / 7)
    assert sl[SLDefinition.ANSWERED_WITHIN_T_OVER_ANSWERED.value] == pytest.approx(1 / 2)
    assert sl[SLDefinition.ANSWERED_WITHIN_T_OVER_ANSWERED_PLUS_ABANDONED.value] == pytest.approx(
        1 / 5
    )
    assert sl[SLDefinition.ANSWERED_AND_ABANDONED_WITHIN_T_OVER_OFFERED.value] == pytest.approx(
        2 / 7
    )
    key = SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED_MINUS_SHORT_ABANDONS.value
    assert sl[key] == pytest.approx(1 / 6)
    assert f["asa_s"] == pytest.approx(20.0)  # (10 + 30) / 2
    # handled: a1, a2 and the kept callback: (100+10 + 200+10 + 60) / 3
    assert f["aht_s"] == pytest.approx(380 / 3)
    assert f["abandonment_rate"] == pytest.approx(3 / 7)
    assert f["longest_wait_s"] == 100.0
    assert f["callback_promise_kept"] == 1.0 and f["survey_mean"] == 4.0


def test_changing_the_threshold_recomputes_from_the_same_records() -> None:
    records = list(derive_calls(scripted_log()))
    strict = figures(Tally(MetricSettings(target_s=5.0)).add_all(records))
    lenient = figures(Tally(MetricSettings(target_s=30.0)).add_all(records))
    assert strict["answered_within_t"] == 0 and lenient["answered_within_t"] == 2


def test_abandonment_by_wait_bucket() -> None:
    t = Tally(MetricSettings(buckets_s=(10.0, 30.0, 60.0))).add_all(derive_calls(scripted_log()))
    rows = [(b.start_s, b.abandoned, b.reached) for b in abandonment_by_bucket(t)]
    # abandons at 3, 25 and 70 s; offered waits 10, 30, 3, 25, 70, 40, 100
    assert rows == [(0.0, 1, 7), (10.0, 1, 6), (30.0, 0, 4), (60.0, 1, 2)]


def test_slices_by_agent_and_local_interval() -> None:
    records = list(derive_calls(scripted_log()))
    by_agent = tally_by(records, ["agent"], MetricSettings())
    assert by_agent[("ann",)]["handled"] == 2 and by_agent[("bob",)]["answered"] == 1
    paris = ZoneInfo("Europe/Paris")
    by_quarter = tally_by(records, ["15min"], MetricSettings(), paris)
    assert sum(t["calls"] for t in by_quarter.values()) == len(records)
    # 2001-09-09T01:46:40Z is 03:46 in Paris (summer time, UTC+2)
    assert interval_label(1_000_000_000.0, "15min", paris) == "2001-09-09T03:45"
    assert interval_label(1_000_000_000.0, "day", ZoneInfo("America/Los_Angeles")) == "2001-09-08"


def test_the_real_engine_events_make_the_expected_records() -> None:
    clock = ManualClock()
    engine = RoutingEngine(clock, random.Random(1))
    engine.add_queue(QueueConfig("q", wrap_up=15.0, ring_timeout=None))
    engine.add_agent(AgentSpec("ann", ("q",)))
    engine.agent_login("ann")
    engine.contact_arrives(ContactSpec("c1", "q"))
    engine.contact_arrives(ContactSpec("c2", "q"))
    clock.advance(2.0)
    engine.offer_accepted("c1", "ann")
    clock.advance(40.0)
    engine.contact_abandoned("c2")
    clock.advance(60.0)
    engine.call_ended("ann")
    records = {
        r.call_id: r for r in derive_calls((e.at, *e.to_record()) for e in engine.drain_events())
    }
    assert records["c1"].outcome is CallOutcome.ANSWERED and records["c1"].wait_s == 2.0
    assert (records["c1"].talk_s, records["c1"].wrap_s) == (100.0, 15.0)
    assert records["c2"].outcome is CallOutcome.ABANDONED and records["c2"].wait_s == 42.0


def test_a_callback_booked_without_waiting_is_a_callback_requested_then_kept() -> None:
    """Booked from a menu or a web form: the callback is a contact of its own, first seen by
    its `acd.callback_requested`. It counts as requested when booked, kept when it connects."""
    clock = ManualClock()
    engine = RoutingEngine(clock, random.Random(1))
    engine.add_queue(QueueConfig("q", ring_timeout=None))
    engine.add_agent(AgentSpec("ann", ("q",)))
    engine.schedule_callback(ContactSpec("callback:k1", "q"), "+447700900123", clock.wall() + 60)
    engine.schedule_callback(ContactSpec("callback:k2", "q"), "+447700900456", clock.wall() + 90)
    clock.advance(30.0)
    engine.cancel_callback("callback:k2", "the customer wrote instead")
    clock.advance(35.0)
    engine.agent_login("ann")  # the first callback is due: it rings ann
    engine.offer_accepted("callback:k1", "ann")  # ann accepts; the customer is dialled
    clock.advance(5.0)
    engine.callback_result("callback:k1", True)
    clock.advance(120.0)
    engine.call_ended("ann")
    events = [(e.at, *e.to_record()) for e in engine.drain_events()]
    records = {r.call_id: r for r in derive_calls(events)}
    assert set(records) == {"callback:k1", "callback:k2"}
    kept, cancelled = records["callback:k1"], records["callback:k2"]
    assert kept.outcome is cancelled.outcome is CallOutcome.CALLBACK
    assert (kept.offered_at, kept.queue, kept.caller) == (0.0, "q", "+447700900123")
    assert kept.callback_promised and kept.callback_kept and kept.callback_on_time
    assert (kept.agent, kept.talk_s) == ("ann", 125.0)  # the agent is on it from the dial
    assert cancelled.callback_promised and not cancelled.callback_kept
    tally = figures(Tally(MetricSettings()).add_all(records.values()))
    assert (tally["offered"], tally["callbacks"], tally["callbacks_kept"], tally["ivr"]) == (
        2, 2, 1, 0)  # fmt: skip


def test_a_caller_turned_away_before_the_line_is_the_queues_call() -> None:
    """Nobody logged in: the routing engine sends the caller to voicemail without queueing
    them. The call is still the queue's in reports (offered to it, ended in voicemail), so the
    queue's figures and the totals agree."""
    clock = ManualClock()
    engine = RoutingEngine(clock, random.Random(1))
    engine.add_queue(QueueConfig("plumbing", join_when_empty=EmptyRule.NO_AGENT_LOGGED_IN))
    engine.add_agent(AgentSpec("bob", ("plumbing",)))  # logged out
    decisions = engine.contact_arrives(ContactSpec("v1", "plumbing"))
    assert [type(d).__name__ for d in decisions] == ["SendToVoicemail"]
    events: list[Event] = [(0.0, "call.received", "v1", {"number": "200", "caller": "+33"})]
    events += [(e.at, *e.to_record()) for e in engine.drain_events()]
    events.append((40.0, "call.ended", "v1", {"reason": "remote_bye"}))
    (record,) = derive_calls(events)
    assert (record.outcome, record.queue, record.final_queue) == (
        CallOutcome.VOICEMAIL, "plumbing", "plumbing")  # fmt: skip
    by_queue = tally_by([record], ("queue",), MetricSettings(), ZoneInfo("UTC"))
    assert {key: figures(t)["offered"] for key, t in by_queue.items()} == {("plumbing",): 1}


outcomes = st.sampled_from([o for o in CallOutcome])
record_strategy = st.builds(
    CallRecord,
    call_id=st.uuids().map(str),
    offered_at=st.floats(T0, T0 + 86_400 * 3),
    outcome=outcomes,
    queue=st.sampled_from(["a", "b"]),
    wait_s=st.one_of(st.sampled_from([0.0, 5.0, 10.0, 20.0, 60.0]), st.floats(0, 500)),
    agent=st.sampled_from(["", "ann", "bob"]),
    talk_s=st.floats(0, 600),
    wrap_s=st.floats(0, 60),
    overflowed=st.booleans(),
    callback_promised=st.booleans(),
    callback_kept=st.booleans(),
    callback_on_time=st.booleans(),
    survey_score=st.one_of(st.none(), st.integers(1, 5).map(float)),
    known=st.one_of(st.none(), st.booleans()),
)


@settings(max_examples=30, deadline=None)
@given(records=st.lists(record_strategy, min_size=1, max_size=40, unique_by=lambda r: r.call_id))
def test_sql_tallies_equal_python_tallies(records: list[CallRecord]) -> None:
    engine = create_engine("sqlite://")
    write_records(engine, records)
    chosen = MetricSettings(target_s=20.0, short_abandon_s=5.0, buckets_s=(10.0, 60.0))
    by = ["queue", "customer", "hour"]
    from_sql = tallies(engine, chosen, by, Window(), ZoneInfo("UTC"))
    in_python = tally_by(records, by, chosen)
    assert set(from_sql) == set(in_python)
    for key, tally in in_python.items():
        assert from_sql[key].v == pytest.approx(tally.v)
        assert from_sql[key].abandoned_in == tally.abandoned_in
        assert from_sql[key].reached == tally.reached
