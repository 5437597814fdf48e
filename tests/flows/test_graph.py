"""The validator's graph checks against brute force on random small graphs (Hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.flows import graph

NAMES = [f"n{i}" for i in range(7)]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[dict[str, list[str]], set[str]]:
    """A random directed graph (self-loops and repeated edges allowed) and a node subset."""
    size = draw(st.integers(1, len(NAMES)))
    nodes = NAMES[:size]
    edges = {n: draw(st.lists(st.sampled_from(nodes), max_size=3)) for n in nodes}
    marked = set(draw(st.lists(st.sampled_from(nodes), max_size=size)))
    return edges, marked


def _walks_reach(edges: dict[str, list[str]], start: str, ends: set[str]) -> bool:
    """Brute force: try every walk of up to len(edges) steps from `start`."""
    frontier = [[start]]
    for _ in range(len(edges) + 1):
        if any(walk[-1] in ends for walk in frontier):
            return True
        frontier = [[*walk, nxt] for walk in frontier for nxt in edges[walk[-1]]]
        if not frontier:
            return False
    return False


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_never_ending_agrees_with_walking_every_path(case: tuple[dict, set]) -> None:
    edges, ends = case
    stuck = graph.never_ending(edges, ends)
    for node in edges:
        assert (node in stuck) == (not _walks_reach(edges, node, ends)), node


def _returns_quietly(edges: dict[str, list[str]], node: str, asking: set[str]) -> bool:
    """Brute force: can `node` come back to itself through nodes that do not ask?"""
    if node in asking:
        return False
    frontier = [[node]]
    for _ in range(len(edges)):
        grown = []
        for walk in frontier:
            for nxt in edges[walk[-1]]:
                if nxt == node:
                    return True
                if nxt not in asking and nxt not in walk:
                    grown.append([*walk, nxt])
        frontier = grown
    return False


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_silent_loops_agree_with_brute_force(case: tuple[dict, set]) -> None:
    edges, asking = case
    loops = graph.silent_loops(edges, asking)
    on_a_loop = {n for n in edges if _returns_quietly(edges, n, asking)}
    for loop in loops:  # every reported loop is a real quiet cycle
        assert loop[0] == loop[-1]
        assert all(b in edges[a] for a, b in itertools.pairwise(loop))
        assert not set(loop) & asking
    covered = {n for loop in loops for n in loop}
    assert covered <= on_a_loop
    # one loop per group of nodes that can reach each other quietly
    groups = {frozenset(m for m in on_a_loop if _mutual(edges, n, m, asking)) for n in on_a_loop}
    assert len(loops) == len(groups)


def _mutual(edges: dict[str, list[str]], a: str, b: str, asking: set[str]) -> bool:
    quiet = {n: [m for m in edges[n] if m not in asking] for n in edges if n not in asking}
    return b in graph.reachable(quiet, a) and a in graph.reachable(quiet, b)


def test_menu_levels_follow_the_deepest_chain() -> None:
    edges = {"s": ["m1", "m2"], "m1": ["x"], "x": ["m2"], "m2": ["m3"], "m3": ["s"]}
    levels = graph.menu_levels(edges, "s", {"m1", "m2", "m3"})
    assert levels["m3"] == ["m1", "m2", "m3"]  # s -> m1 -> x -> m2 -> m3; m3 -> s goes back
    assert levels["m1"] == ["m1"]


def test_reachable_ignores_unknown_successors() -> None:
    assert graph.reachable({"a": ["b"], "b": ["zz"]}, "a") == {"a", "b", "zz"}
