""" "Today" is the company's local day: counters start again at local midnight, across DST.

Expected midnights are computed here with `zoneinfo` directly (Europe/Paris moved to summer
time on 2024-03-31, a 23-hour day; America/New_York back to winter time on 2024-11-03, a
25-hour day). A call belongs to the day it was offered on, as analytics' day slices say.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from wb_centre import Centre

from frontdesk.acd import AgentSpec, QueueConfig
from frontdesk.analytics.derive import derive_calls
from frontdesk.analytics.metrics import MetricSettings, figures
from frontdesk.analytics.slices import tally_by
from frontdesk.wallboard import Wallboard, WallboardSettings

PARIS = ZoneInfo("Europe/Paris")


def local(zone: ZoneInfo, *parts: int) -> float:
    return datetime(*parts, tzinfo=zone).timestamp()  # type: ignore[misc]


def test_counters_restart_at_local_midnight_after_a_23_hour_day() -> None:
    queue = QueueConfig("sales", wrap_up=0.0, ring_timeout=None)
    centre = Centre(
        local(PARIS, 2024, 3, 31, 23, 40),
        [queue],
        [AgentSpec("ann", ("sales",)), AgentSpec("bob", ("sales",))],
        timezone="Europe/Paris",
    )
    centre.login("ann", "bob")
    centre.arrive("c1", "sales", "+331")
    centre.after(10.0)
    centre.answer("c1", "ann")
    centre.after(290.0)
    centre.end("c1", "ann")
    centre.to(local(PARIS, 2024, 3, 31, 23, 50))
    snap = centre.snapshot()
    start, end = local(PARIS, 2024, 3, 31), local(PARIS, 2024, 4, 1)
    assert snap["day"] == {"date": "2024-03-31", "start": start, "end": end}
    assert end - start == 23 * 3600
    assert snap["queues"]["sales"]["today"]["answered"] == 1

    # offered before midnight, answered after: yesterday's call, still on the phone
    centre.to(local(PARIS, 2024, 3, 31, 23, 59, 50))
    centre.arrive("c2", "sales", "+332")
    centre.to(local(PARIS, 2024, 4, 1, 0, 0, 10))
    centre.answer("c2", "bob")
    snap = centre.snapshot()
    assert snap["day"]["date"] == "2024-04-01"
    today = snap["queues"]["sales"]["today"]
    assert (today["offered"], today["answered"]) == (0, 0)
    assert snap["agents"]["bob"]["state"] == "on-call"
    assert snap["agents"]["bob"]["current_call"]["call_id"] == "c2"

    # occupancy counts from midnight: bob was available 10 s of the new day, then talking 60 s
    centre.to(local(PARIS, 2024, 4, 1, 0, 1, 10))
    assert centre.snapshot()["agents"]["bob"]["occupancy_today"] == 60.0 / 70.0

    centre.to(local(PARIS, 2024, 4, 1, 0, 5))
    centre.arrive("c3", "sales", "+333")
    centre.after(4.0)
    centre.answer("c3", "ann")
    centre.after(60.0)
    centre.end("c3", "ann")
    centre.end("c2", "bob")
    snap = centre.snapshot()
    batch = tally_by(derive_calls(centre.log), ["queue", "day"], MetricSettings(), PARIS)
    assert snap["queues"]["sales"]["today"] == figures(batch[("sales", "2024-04-01")])
    assert snap["queues"]["sales"]["today"]["answered"] == 1
    assert figures(batch[("sales", "2024-03-31")])["answered"] == 2


def test_a_snapshot_alone_starts_the_new_day() -> None:
    queue = QueueConfig("sales", ring_timeout=None)
    centre = Centre(
        local(PARIS, 2024, 10, 26, 22, 0), [queue], [AgentSpec("ann", ("sales",))],
        timezone="Europe/Paris",
    )  # fmt: skip
    centre.arrive("c1", "sales", "+331")
    centre.after(30.0)
    centre.abandon("c1")
    centre.arrive("c2", "sales", "+332")  # still waiting at midnight
    before = centre.board.snapshot(local(PARIS, 2024, 10, 26, 23, 59))
    assert before["queues"]["sales"]["today"]["abandoned"] == 1
    after = centre.board.snapshot(local(PARIS, 2024, 10, 27, 0, 1))
    assert after["day"]["date"] == "2024-10-27"
    assert after["day"]["end"] - after["day"]["start"] == 25 * 3600
    assert after["queues"]["sales"]["today"]["abandoned"] == 0
    assert after["version"] > before["version"]
    # live state carries over midnight
    assert after["queues"]["sales"]["waiting"] == 1
    wait = local(PARIS, 2024, 10, 27, 0, 1) - local(PARIS, 2024, 10, 26, 22, 0, 30)
    assert after["queues"]["sales"]["longest_current_wait_s"] == round(wait, 1)


def test_new_york_fall_back_day_has_25_hours() -> None:
    york = ZoneInfo("America/New_York")
    board = Wallboard(WallboardSettings(), "America/New_York", {}, {})
    snap = board.snapshot(local(york, 2024, 11, 3, 12, 0))
    assert snap["day"] == {
        "date": "2024-11-03",
        "start": local(york, 2024, 11, 3),
        "end": local(york, 2024, 11, 4),
    }
    assert snap["day"]["end"] - snap["day"]["start"] == 25 * 3600
    # an event from the previous day does not take the board back
    board.feed(local(york, 2024, 11, 2, 23, 0), "acd.agent_state", None,
               {"agent_id": "ann", "old": "logged-out", "new": "available", "trigger": "login",
                "reason": "login"})  # fmt: skip
    assert board.snapshot(local(york, 2024, 11, 3, 12, 1))["day"]["date"] == "2024-11-03"
