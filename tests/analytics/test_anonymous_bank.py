"""The Anonymous Bank reader on small crafted rows, and patience on the real August 1999 log.

The real file (Technion SEE lab, A. Mandelbaum) lives in the shared data folder beside the
repository; its README gives the row count, 42,078 calls.
"""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from frontdesk.analytics import (
    AnalyticsError,
    BankCall,
    CallType,
    Outcome,
    exponential_patience,
    hazard_by_bucket,
    kaplan_meier,
    queued_waits,
    read_calls,
)
from frontdesk.analytics.anonymous_bank import COLUMNS

HEADER = ",".join(COLUMNS) + "\n"
SERVED = (
    "AA0101,1,0,2,PS,1999-08-02,23:58:50,23:59:00,10,23:59:00,0:00:30,90,"
    "AGENT,0:00:30,0:02:00,90,DANA\n"
)
LOST = (
    "AA0101,2,55,0,NW,1999-08-02,9:00:00,9:00:05,5,9:00:05,9:01:05,60,"
    "HANG,0:00:00,0:00:00,0,NO_SERVER\n"
)
VRU_ONLY = (
    "AA0101,3,0,0,IN,1999-08-02,9:10:00,9:10:07,7,0:00:00,0:00:00,0,"
    "HANG,0:00:00,0:00:00,0,NO_SERVER\n"
)


def _data_file() -> Path:
    configured = os.environ.get("FRONTDESK_SHARED_DATA")
    base = Path(configured) if configured else Path(__file__).resolve().parents[3] / "shared/data"
    return base / "anonymous_bank_1999_08_calls.csv"


def test_rows_become_typed_calls_across_midnight() -> None:
    calls = list(read_calls(io.StringIO(HEADER + SERVED + LOST + VRU_ONLY)))
    served, lost, vru_only = calls
    assert served.outcome is Outcome.AGENT and served.answered
    assert served.priority == 2 and served.call_type is CallType.PS
    assert served.queue_start == datetime(1999, 8, 2, 23, 59, 0)
    assert served.queue_exit == datetime(1999, 8, 3, 0, 0, 30)  # ran past midnight
    assert served.service_exit == datetime(1999, 8, 3, 0, 2, 0)
    assert served.server == "DANA"
    assert lost.abandoned_in_queue and lost.server is None and lost.customer_id == 55
    assert not vru_only.queued and vru_only.service_start is None
    assert queued_waits(calls) == ([90.0, 60.0], [False, True])


def test_malformed_rows_name_their_line() -> None:
    with pytest.raises(AnalyticsError, match="header"):
        list(read_calls(io.StringIO("a,b,c\n")))
    with pytest.raises(AnalyticsError, match="line 3"):
        list(read_calls(io.StringIO(HEADER + SERVED + LOST.replace("HANG", "GONE"))))
    with pytest.raises(AnalyticsError, match="line 2: expected 17 fields"):
        list(read_calls(io.StringIO(HEADER + "x,y\n")))


@pytest.fixture(scope="module")
def august() -> list[BankCall]:
    path = _data_file()
    if not path.exists():
        pytest.skip(f"real data not found at {path}")
    return list(read_calls(path))


def test_august_1999_reconciles(august: list[BankCall]) -> None:
    assert len(august) == 42078  # the data README's count
    by_outcome = {o: sum(c.outcome is o for c in august) for o in Outcome}
    assert sum(by_outcome.values()) == len(august)
    queued = [c for c in august if c.queued]
    answered_q = sum(c.answered for c in queued)
    abandoned_q = sum(c.abandoned_in_queue for c in queued)
    phantom_q = sum(c.outcome is Outcome.PHANTOM for c in queued)
    assert answered_q + abandoned_q + phantom_q == len(queued)
    # Every queued call's recorded queue time equals its clock times, midnight included.
    assert all((c.queue_exit - c.queue_start).total_seconds() == c.queue_time_s for c in queued)
    served = [c for c in august if c.service_start is not None]
    assert all(
        (c.service_exit - c.service_start).total_seconds() == c.service_time_s for c in served
    )
    # The log names the agent for nearly every served call (a few hundred read NO_SERVER).
    answered = [c for c in august if c.answered]
    assert sum(c.server is None for c in answered) < 0.02 * len(answered)
    assert {c.entry.month for c in august} == {8}


def test_august_1999_patience_is_sane(august: list[BankCall]) -> None:
    waits, abandoned = queued_waits(august)
    km = kaplan_meier(waits, abandoned)
    assert int(km.events.sum()) == sum(abandoned)
    assert km.at_risk[0] <= len(waits)
    assert np.all(np.diff(km.survival) <= 0)
    abandon_share = sum(abandoned) / len(waits)
    assert 0.1 < abandon_share < 0.5
    median = km.median()
    assert median is not None and 60.0 < median < 1800.0
    # Most callers who abandon do it within minutes, but the curve is not empty at 5 min.
    assert 0.3 < km.at(300.0) < 0.95
    fit = exponential_patience(waits, abandoned)
    assert fit.exposure_s == pytest.approx(sum(waits))
    # An exponential law with the fitted rate should put its median within a factor 2 of KM.
    assert 0.5 < fit.median_s / median < 2.0
    buckets = hazard_by_bucket(waits, abandoned)
    assert sum(b.abandoned for b in buckets) == sum(abandoned)
    assert buckets[0].reached == len(waits)
    assert sum(b.exposure_s for b in buckets) == pytest.approx(sum(waits))
