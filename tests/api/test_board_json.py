"""The wallboard's JSON: scoped per viewer, redacted for shared links, serialised once per
snapshot and scope (a wall of screens polling an unchanged board costs one encoding)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from frontdesk.api.board_feed import BoardFeed
from frontdesk.api.routes.board import board_json
from frontdesk.clock import ManualClock
from frontdesk.followup import FollowupStore
from frontdesk.followup.owed import owed_by_team
from frontdesk.store.eventlog import open_engine
from frontdesk.wallboard.board import Wallboard
from frontdesk.wallboard.settings import WallboardSettings


def snapshot(waiting: int) -> dict[str, Any]:
    caller = {"caller": "+447700900301", "name": "Susan Ray", "number": "+447700900301"}
    queue = {"team": "parcels", "waiting": waiting,
             "vip_waiting": {"count": 1, "callers": [caller]},
             "open_case_waiting": {"count": 0, "callers": []},
             "callbacks_at_risk": [], "callbacks_missed": []}  # fmt: skip
    billing = {**queue, "team": "billing", "waiting": 9}
    agents = {"alice": {"teams": ["parcels"], "current_call": caller},
              "chloe": {"teams": ["billing"], "current_call": None}}  # fmt: skip
    return {"queues": {"parcels": queue, "billing": billing}, "agents": agents}


def test_each_viewer_gets_their_teams_and_shared_links_no_names() -> None:
    board = snapshot(3)
    parcels = json.loads(board_json(board, frozenset({"parcels"}), redact=False))
    assert set(parcels["queues"]) == {"parcels"} and set(parcels["agents"]) == {"alice"}
    assert parcels["agents"]["alice"]["current_call"]["name"] == "Susan Ray"
    everyone = json.loads(board_json(board, None, redact=False))
    assert set(everyone["queues"]) == {"parcels", "billing"}
    shared = json.loads(board_json(board, frozenset({"parcels"}), redact=True))
    assert "Susan" not in json.dumps(shared) and shared["queues"]["parcels"]["waiting"] == 3


def test_the_same_snapshot_is_encoded_once_and_a_new_one_again() -> None:
    board = snapshot(3)
    first = board_json(board, frozenset({"parcels"}), redact=False)
    assert board_json(board, frozenset({"parcels"}), redact=False) is first
    newer = snapshot(4)  # a new snapshot object: never answered from the old one's bytes
    assert json.loads(board_json(newer, frozenset({"parcels"}), redact=False))["queues"][
        "parcels"]["waiting"] == 4  # fmt: skip


def test_follow_ups_owed_ride_in_the_snapshot_scoped_to_the_viewers_teams(
    tmp_path: Path,
) -> None:
    """The feed reads the follow-up store (here a real one) beside the routing figures; a
    change makes a new snapshot; each viewer sees their teams' tasks and their total."""
    clock = ManualClock(wall_offset=1_800_000_000.0)
    engine = open_engine(tmp_path)
    store = FollowupStore(engine, clock, region="GB")
    board = Wallboard(WallboardSettings(), "Europe/London", {"parcels": "parcels"}, {})
    feed = BoardFeed(board, clock.wall, lambda now: owed_by_team(engine, now))
    first = feed.current()
    assert first["followups"] == {}
    now = clock.wall()
    store.add_voicemail("c1", "+447700900001", "parcels", "parcels", "/v/c1.wav", 9.0,
                        now + 60, "within the hour")  # fmt: skip
    store.add_missed_call("c2", "+447700900002", "billing", "billing", "abandoned", now - 60)
    assert asyncio.run(feed.refresh_owed()) is True
    assert asyncio.run(feed.refresh_owed()) is False  # nothing new
    second = feed.current()
    assert second is not first
    parcels = json.loads(board_json(second, frozenset({"parcels"}), redact=True))["followups"]
    assert set(parcels["teams"]) == {"parcels"}
    assert (parcels["total"]["voicemail"], parcels["total"]["overdue"]) == (1, 0)
    everyone = json.loads(board_json(second, None, redact=False))["followups"]["total"]
    assert (everyone["open"], everyone["missed_call"], everyone["overdue"]) == (2, 1, 1)
    engine.dispose()
