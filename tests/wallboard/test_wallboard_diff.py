"""Pushing only what changed: JSON Patch (RFC 6902) between snapshots, and the version counter."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from wb_centre import Centre

from frontdesk.acd import AgentSpec, QueueConfig
from frontdesk.wallboard import apply, diff

T0 = 1_717_401_600.0 + 9 * 3600

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-2, 2) | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c/d", "e~f", ""]), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values, json_values)
def test_applying_the_diff_turns_one_document_into_the_other(a: Any, b: Any) -> None:
    ops = diff(a, b)
    assert json.loads(json.dumps(apply(copy.deepcopy(a), ops))) == json.loads(json.dumps(b))
    assert diff(b, b) == []


def test_values_compare_as_json_does() -> None:
    assert diff({"x": 1}, {"x": True}) == [{"op": "replace", "path": "/x", "value": True}]
    assert diff({"x": 1.0}, {"x": None}) == [{"op": "replace", "path": "/x", "value": None}]
    assert diff({"a/b": {"~": 1}}, {"a/b": {}}) == [{"op": "remove", "path": "/a~1b/~0"}]


def test_between_two_snapshots_only_the_changes_travel() -> None:
    centre = Centre(T0, [QueueConfig("sales", ring_timeout=None)], [AgentSpec("ann", ("sales",))])
    first = centre.snapshot()
    assert diff(first, centre.snapshot()) == []  # same moment, no event
    centre.arrive("c1", "sales", "+331")
    second = centre.snapshot()
    assert second["version"] > first["version"]
    ops = diff(first, second)
    paths = {op["path"] for op in ops}
    assert "/queues/sales/waiting" in paths and "/version" in paths
    assert not any(p.startswith("/agents") for p in paths)
    assert apply(copy.deepcopy(first), ops) == second
    version = centre.board.version
    centre.board.feed(centre.now(), "sip.unrelated", None, {})
    assert centre.board.version == version  # an event the board does not read changes nothing
