"""Long-call flags: learnt from 30 days of comparable calls, at least 30 of them, then kept.

The reference is numpy's percentile (linear, Hyndman & Fan definition 7) over the talk times
the test itself made, filtered by the rule in words: same queue, same disposition, handled,
started in the 30 days before the call's (UTC) day.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from history_centre import company

from frontdesk.history import CallIndex
from frontdesk.history.long_calls import DAY_S, LongCallRule
from frontdesk.store.eventlog import EventLog, open_engine

DAY0 = 19_700 * DAY_S  # a UTC midnight
COMPANY = company({"parcels": "parcels", "billing": "money"})


def answered(log: EventLog, call_id: str, at: float, queue: str, talk: float,
             disposition: str | None) -> None:  # fmt: skip
    """An answered call in the shapes switchboard, the routing engine and wrap-ups write."""
    for dt, kind, data in (
        (0.0, "call.received", {"caller": "sip:+447700900123@x", "number": "+442079460100"}),
        (0.0, "acd.queued", {"queue": queue}),
        (5.0, "acd.answered", {"queue": queue, "agent_id": "alice", "wait": 5.0}),
        (5.0, "acd.closed", {"queue": queue, "outcome": "answered", "wait": 5.0}),
        (5.0 + talk, "call.ended", {"reason": "remote_bye"}),
        (5.0 + talk, "acd.call_ended", {"queue": queue, "agent_id": "alice", "talk_time": talk}),
    ):
        log.append(at + dt, kind, call_id, **data)
    if disposition is not None:
        log.append(at + talk + 20, "call.wrapped", call_id, agent="alice",
                   disposition=disposition, notes_chars=0)  # fmt: skip


@pytest.fixture
def log(tmp_path: Path) -> EventLog:
    return EventLog(open_engine(tmp_path / "data"))


def history(
    log: EventLog,
    n: int,
    day_from: int,
    seed: int = 1,
    queue: str = "parcels",
    disposition: str = "resolved",
    day_to: int = 0,
) -> list[tuple[float, float]]:
    """n handled calls spread over the days [day_from, day_to); (start, talk) of each."""
    rng = random.Random(seed)
    made = []
    for i in range(n):
        at = DAY0 + rng.uniform(day_from, day_to) * DAY_S
        talk = rng.lognormvariate(5.0, 0.6)
        answered(log, f"{queue}-{disposition}-{seed}-{i}", at, queue, talk, disposition)
        made.append((at, talk))
    return made


def expected_threshold(made: list[tuple[float, float]], day: float) -> float:
    talks = [t for at, t in made if day - 30 * DAY_S <= at < day]
    return float(np.percentile(talks, 95))


def judge_today(
    log: EventLog, talk: float, disposition: str = "resolved"
) -> tuple[bool | None, float | None]:
    answered(log, "today", DAY0 + 3600, "parcels", talk, disposition)
    log.flush()
    index = CallIndex(log.engine, lambda: COMPANY)
    index.catch_up(log)
    entry = index.get("today")
    assert entry is not None
    return entry.long, entry.long_after_s


def test_a_call_longer_than_the_95th_percentile_of_its_peers_is_long(log: EventLog) -> None:
    made = history(log, 200, -40)
    history(log, 200, -10, seed=2, queue="billing")  # another queue's calls do not count
    history(log, 200, -10, seed=3, disposition="complaint")  # nor another disposition's
    threshold = expected_threshold(made, DAY0)
    long, after = judge_today(log, threshold + 1.0)
    assert long is True and after == pytest.approx(threshold, rel=1e-9)


def test_a_call_below_the_threshold_is_not_long(log: EventLog) -> None:
    made = history(log, 120, -20)
    threshold = expected_threshold(made, DAY0)
    assert judge_today(log, threshold - 1.0) == (False, pytest.approx(threshold))


def test_fewer_than_thirty_comparable_calls_give_no_verdict(log: EventLog) -> None:
    made = history(log, 29, -20)
    history(log, 50, -90, seed=9, day_to=-31)  # older than 30 days: outside the window
    assert len([m for m in made if m[0] >= DAY0 - 30 * DAY_S]) == 29
    assert judge_today(log, 10_000.0) == (None, None)


def test_the_rule_is_a_setting(log: EventLog) -> None:
    made = history(log, 12, -5)
    answered(log, "today", DAY0 + 60, "parcels", 1.0, "resolved")
    log.flush()
    rule = LongCallRule(percentile=50.0, min_samples=10, window_days=7)
    index = CallIndex(log.engine, lambda: COMPANY, rule)
    index.catch_up(log)
    entry = index.get("today")
    assert entry is not None and entry.long is False
    assert entry.long_after_s == pytest.approx(float(np.median([t for _, t in made])))


def test_a_verdict_is_kept_when_history_changes_but_redone_when_the_disposition_does(
    log: EventLog,
) -> None:
    made = history(log, 100, -20)
    first_threshold = expected_threshold(made, DAY0)
    long, after = judge_today(log, first_threshold + 0.5)
    assert long is True
    # much longer calls are imported into the window, then a recording arrives for "today"
    for i in range(300):
        answered(log, f"late-{i}", DAY0 - 2 * DAY_S + i, "parcels", 5000.0, "resolved")
    log.append(DAY0 + 7200, "call.recording", "today", path="/r/today.wav", channels=2,
               duration_s=10.0)  # fmt: skip
    log.flush()
    index = CallIndex(log.engine, lambda: COMPANY)  # a new process: no cached thresholds
    index.catch_up(log)
    kept = index.get("today")
    assert kept is not None and len(kept.recordings) == 1
    assert (kept.long, kept.long_after_s) == (True, after)
    # a new disposition: judged again, against the calls of that disposition
    log.append(DAY0 + 7300, "call.wrapped", "today", agent="alice", disposition="complaint",
               notes_chars=3)  # fmt: skip
    log.flush()
    index.catch_up(log)
    again = index.get("today")
    assert again is not None and again.disposition == "complaint"
    assert (again.long, again.long_after_s) == (None, None)  # no complaint history
