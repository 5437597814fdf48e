"""The report rollup gives the figures a summing of the calls table gives, for any settings.

Random calls (waits on and between the thresholds, times on and between quarter-hours, calls
written again with another outcome) are written as the live derivation writes them; every
report is then built twice, from the rollup and from the calls table alone, and compared:
counts exactly, sums of seconds to 1e-9 (another order of addition).
"""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from frontdesk.analytics.calls_table import (
    ensure_rollup,
    queues_in_calls,
    rebuild_calls,
    refresh_calls,
    write_records,
)
from frontdesk.analytics.metrics import MetricSettings, Tally
from frontdesk.analytics.queries import Window, sourced_tallies, tallies
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.analytics.reports import KINDS, Report, ReportRequest, build
from frontdesk.analytics.slices import local_day_start, tally_by
from frontdesk.planning.metrics import SLDefinition
from frontdesk.store.eventlog import EventLog, open_engine

DAY0 = 1_000_080_000.0  # 2001-09-10T00:00:00Z, a UTC midnight
PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")

times = st.one_of(
    st.floats(DAY0 - 3_600, DAY0 + 3 * 86_400),
    st.integers(-4, 300).map(lambda q: DAY0 + 900.0 * q),  # on quarter-hours
)
waits = st.one_of(
    st.sampled_from([0.0, 4.0, 5.0, 10.0, 19.5, 20.0, 20.5, 60.0, 120.0]),
    st.integers(0, 200).map(float),
    st.floats(0, 400),
)
record_strategy = st.builds(
    CallRecord,
    call_id=st.integers(0, 60).map(str),
    offered_at=times,
    outcome=st.sampled_from(list(CallOutcome)),
    queue=st.sampled_from(["a", "b", "c"]),
    final_queue=st.sampled_from(["", "b"]),
    wait_s=waits,
    agent=st.sampled_from(["", "ann", "bob"]),
    team=st.sampled_from(["", "red"]),
    talk_s=st.floats(0, 600),
    hold_s=st.sampled_from([0.0, 12.5]),
    wrap_s=st.floats(0, 60),
    overflowed=st.booleans(),
    callback_promised=st.booleans(),
    callback_kept=st.booleans(),
    callback_on_time=st.booleans(),
    survey_score=st.one_of(st.none(), st.integers(1, 5).map(float)),
    tier=st.sampled_from(["", "gold"]),
    open_case=st.one_of(st.none(), st.booleans()),
    known=st.one_of(st.none(), st.booleans()),
)
metric_settings = st.builds(
    MetricSettings,
    target_s=st.sampled_from([0.0, 5.0, 19.5, 20.0, 30.0]),
    short_abandon_s=st.sampled_from([0.0, 4.0, 5.0, 10.0]),
    buckets_s=st.sampled_from([(10.0, 20.0, 30.0, 60.0, 90.0, 120.0), (5.0,), (19.5, 200.0)]),
    definition=st.sampled_from(list(SLDefinition)),
)
SLICES = [
    (),
    ("queue",),
    ("queue", "day"),
    ("outcome", "hour"),
    ("15min",),
    ("tier",),
    ("agent", "queue"),
    ("customer", "day"),
    ("open_case",),
    ("final_queue", "outcome"),
    ("tier", "country"),  # two dimensions: from the calls table
]
WINDOWS = [
    Window(),
    Window(DAY0, DAY0 + 2 * 86_400),
    Window(local_day_start("2001-09-10", PARIS), local_day_start("2001-09-12", PARIS), ("a",)),
    Window(DAY0 + 900 * 5, DAY0 + 900 * 11),
    Window(DAY0 + 0.5, math.inf),  # not on a quarter-hour: from the calls table
]


def assert_same_tallies(got: dict[Any, Tally], want: dict[Any, Tally]) -> None:
    assert set(got) == set(want)
    for key, tally in want.items():
        assert got[key].v == pytest.approx(tally.v, rel=1e-9, abs=1e-9), key
        assert got[key].abandoned_in == tally.abandoned_in, key
        assert got[key].reached == tally.reached, key


def assert_same_reports(got: Report, want: Report) -> None:
    assert got.columns == want.columns
    assert got.notes == want.notes
    assert len(got.rows) == len(want.rows)
    for a, b in zip(got.rows, want.rows, strict=True):
        assert set(a) == set(b)
        for name, value in b.items():
            if isinstance(value, dict):
                for inner, figure in value.items():
                    assert_same_value(a[name][inner], figure, f"{name}.{inner}")
            else:
                assert_same_value(a[name], value, name)


def assert_same_value(got: Any, want: Any, name: str) -> None:
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), name
    else:
        assert got == want, name


def written(batches: list[list[CallRecord]]) -> tuple[Engine, dict[str, CallRecord]]:
    engine = create_engine("sqlite://")
    latest: dict[str, CallRecord] = {}
    for batch in batches:
        write_records(engine, batch)
        latest.update({r.call_id: r for r in batch})
    return engine, latest


requests = st.tuples(
    st.sampled_from(SLICES), st.sampled_from([UTC, PARIS]), st.sampled_from(WINDOWS)
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(record_strategy, max_size=30), min_size=1, max_size=3),
    chosen=metric_settings,
    asked=st.lists(requests, min_size=4, max_size=4),
)
def test_rollup_tallies_equal_calls_table_tallies(
    batches: list[list[CallRecord]],
    chosen: MetricSettings,
    asked: list[tuple[tuple[str, ...], ZoneInfo, Window]],
) -> None:
    engine, latest = written(batches)
    for by, tz, window in asked:
        got, source = sourced_tallies(engine, chosen, by, window, tz)
        want = tallies(engine, chosen, by, window, tz, use_rollup=False)
        assert_same_tallies(got, want)
        if len(by) - len({"queue", "outcome", "day", "hour", "15min"} & set(by)) > 1:
            assert source == "calls"
    # and both equal the live path's tallies of the last version of each call
    by = ["queue", "customer", "day"]
    in_python = tally_by(latest.values(), by, chosen)
    assert_same_tallies(tallies(engine, chosen, by, Window(), UTC), in_python)
    # the queues the pages offer: from the rollup's day rows, and from the calls table alone
    queues = sorted({r.queue for r in latest.values()})
    assert queues_in_calls(engine) == queues
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM derived_state WHERE name = 'rollup_version'"))
    assert queues_in_calls(engine) == queues


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(record_strategy, min_size=1, max_size=40),
    chosen=metric_settings,
    window=st.sampled_from(WINDOWS[:4]),
)
def test_every_report_is_the_same_from_the_rollup(
    records: list[CallRecord], chosen: MetricSettings, window: Window
) -> None:
    engine, _ = written([records])
    for kind in KINDS:
        if kind == "missed":
            continue  # matches calls of one number across time: from the calls table only
        by: tuple[str, ...] = () if kind == "patience" else ("queue",)
        request = ReportRequest(kind, window, by, "hour", chosen, PARIS)
        fast = build(engine, request)
        slow = build(engine, ReportRequest(kind, window, by, "hour", chosen, PARIS, False))
        assert slow.settings["source"] == "calls"
        assert fast.settings["source"] in ("rollup", "rollup+calls")
        assert_same_reports(fast, slow)


def test_month_reports_read_day_rows(tmp_path: Any) -> None:
    """A month of calls: the rollup answers month-wide reports from a few hundred rows."""
    engine = open_engine(tmp_path)
    records = [
        CallRecord(
            f"c{i}",
            DAY0 + i * 97.0,
            CallOutcome.ANSWERED if i % 5 else CallOutcome.ABANDONED,
            queue=("a", "b")[i % 2],
            wait_s=float(i % 90),
            agent=f"agent{i % 7}",
            talk_s=100.0,
        )
        for i in range(30 * 86_400 // 97)
    ]
    write_records(engine, records)
    with engine.connect() as conn:
        day_rows = conn.execute(
            text("SELECT COUNT(*) FROM call_rollup WHERE span = 86400 AND dim = ''")
        ).scalar()
    assert day_rows is not None and day_rows <= 31 * 2 * 2  # days x queues x outcomes
    summary = build(engine, ReportRequest("summary", by=("queue",)))
    assert summary.settings["source"] == "rollup"
    assert sum(row["calls"] for row in summary.rows) == len(records)
    assert_same_reports(
        summary, build(engine, ReportRequest("summary", by=("queue",), use_rollup=False))
    )


def test_rebuild_and_old_databases_get_the_same_rollup(tmp_path: Any) -> None:
    engine = open_engine(tmp_path)
    log = EventLog(engine)
    for i in range(40):
        at, cid = DAY0 + 400.0 * i, f"x{i}"
        log.append(at, "call.received", cid, number="100")
        log.append(at, "acd.queued", cid, queue="q" if i % 3 else "r")
        if i % 4:
            log.append(at + i, "acd.answered", cid, agent_id="ann", wait=float(i))
            log.append(at + i, "acd.closed", cid, outcome="answered")
            log.append(at + 99, "acd.call_ended", cid, agent_id="ann", talk_time=90.0)
        else:
            log.append(at + i, "acd.abandoned", cid, wait=float(i))
            log.append(at + i, "acd.closed", cid, outcome="abandoned")
        log.append(at + 99, "call.ended", cid, reason="hangup")
    log.flush()
    assert refresh_calls(engine) == 40
    rows = _rollup_rows(engine)
    assert rebuild_calls(engine) == 40 and _rollup_rows(engine) == rows
    with engine.begin() as conn:  # as a database made before the rollup existed
        conn.execute(text("DELETE FROM call_rollup"))
        conn.execute(text("DELETE FROM derived_state WHERE name = 'rollup_version'"))
    summary = build(engine, ReportRequest("summary"))
    assert summary.settings["source"] == "calls"  # not there yet: never a wrong figure
    assert ensure_rollup(engine) and _rollup_rows(engine) == rows
    assert build(engine, ReportRequest("summary")).settings["source"] == "rollup"


def _rollup_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM call_rollup ORDER BY 1,2,3,4"))]
