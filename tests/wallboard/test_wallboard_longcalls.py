"""Long-call flags: above the queue's 95th percentile of talk times, once enough are known.

The percentile is checked against numpy's default (`linear`, Hyndman & Fan definition 7).
"""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from wb_centre import Centre

from frontdesk.acd import AgentSpec, QueueConfig
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.wallboard import WallboardSettings
from frontdesk.wallboard.longcalls import TalkTimes

T0 = 1_717_401_600.0 + 9 * 3600  # 2024-06-03 09:00 UTC
QUEUE = QueueConfig("sales", ring_timeout=None, wrap_up=0.0)


def history(talks: list[float], queue: str = "sales", day: float = T0 - 86_400) -> list[CallRecord]:
    return [
        CallRecord(f"h{n}", day + n * 60, CallOutcome.ANSWERED, queue, queue, talk_s=talk)
        for n, talk in enumerate(talks)
    ]


@given(
    st.lists(st.floats(0.5, 5000.0), min_size=1, max_size=300),
    st.integers(1, 60),
    st.floats(1.0, 99.0),
)
def test_talk_times_percentile_is_numpys_over_the_recent_window(
    talks: list[float], size: int, p: float
) -> None:
    times = TalkTimes(size)
    for talk in talks:
        times.add(talk)
    recent = talks[-size:]
    assert len(times) == len(recent)
    assert np.isclose(times.percentile(p), np.percentile(recent, p), rtol=1e-12, atol=1e-9)


def test_a_call_is_flagged_once_it_talks_past_the_queues_95th_percentile() -> None:
    rng = random.Random(5)
    talks = [rng.lognormvariate(5.0, 0.5) for _ in range(80)]
    centre = Centre(T0, [QUEUE], [AgentSpec("ann", ("sales",))])
    centre.board.seed(history(talks) + history([9999.0] * 10, day=T0), before=T0 - 3600)
    threshold = float(np.percentile(talks, 95))
    centre.login("ann")
    centre.arrive("c1", "sales", "+331")
    centre.answer("c1", "ann")
    centre.after(threshold - 1.0)
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["long_call_after_s"] == threshold
    assert snap["queues"]["sales"]["talk_samples"] == 80
    assert snap["agents"]["ann"]["current_call"]["long"] is False
    centre.after(2.0)
    snap = centre.snapshot()
    assert snap["agents"]["ann"]["current_call"]["long"] is True
    assert snap["queues"]["sales"]["long_calls"] == snap["totals"]["long_calls"] == 1

    centre.end("c1", "ann")  # a finished call joins the history
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["talk_samples"] == 81
    assert snap["queues"]["sales"]["long_calls"] == 0


def test_no_flag_without_enough_history() -> None:
    settings = WallboardSettings(long_call_min_samples=30)
    centre = Centre(T0, [QUEUE], [AgentSpec("ann", ("sales",))], settings=settings)
    centre.board.seed(history([60.0] * 29))
    centre.login("ann")
    centre.arrive("c1", "sales", "+331")
    centre.answer("c1", "ann")
    centre.after(4 * 3600.0)
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["long_call_after_s"] is None
    assert snap["agents"]["ann"]["current_call"]["long"] is False
    centre.board.seed(history([60.0]))  # the 30th
    assert centre.snapshot()["agents"]["ann"]["current_call"]["long"] is True


def test_only_handled_calls_that_talked_teach_the_threshold() -> None:
    centre = Centre(T0, [QUEUE, QueueConfig("support")], [AgentSpec("ann", ("sales",))])
    abandoned = CallRecord("x", T0 - 500, CallOutcome.ABANDONED, "sales", "sales", wait_s=30.0)
    silent = CallRecord("y", T0 - 400, CallOutcome.ANSWERED, "sales", "sales", talk_s=0.0)
    centre.board.seed([abandoned, silent, *history([100.0], queue="support")])
    snap = centre.snapshot()
    assert snap["queues"]["sales"]["talk_samples"] == 0
    assert snap["queues"]["support"]["talk_samples"] == 1
