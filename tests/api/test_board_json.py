"""The wallboard's JSON: scoped per viewer, redacted for shared links, serialised once per
snapshot and scope (a wall of screens polling an unchanged board costs one encoding)."""

from __future__ import annotations

import json
from typing import Any

from frontdesk.api.routes.board import board_json


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
