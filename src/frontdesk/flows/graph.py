"""Graph algorithms behind the validator, on plain adjacency mappings (node id -> successors).

Kept free of the flow model so they can be checked against brute force on random graphs:
which nodes can never reach an end, which loops run without asking the caller anything, and
how deeply menus nest along the paths from the start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence

Graph = Mapping[str, Sequence[str]]


def reachable(graph: Graph, start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def never_ending(graph: Graph, ends: Collection[str]) -> set[str]:
    """Nodes from which no node in `ends` can be reached (walking backwards from the ends)."""
    incoming: dict[str, list[str]] = {node: [] for node in graph}
    for node, successors in graph.items():
        for nxt in successors:
            incoming.setdefault(nxt, []).append(node)
    done = {node for node in ends if node in incoming}
    todo = deque(done)
    while todo:
        for before in incoming[todo.popleft()]:
            if before not in done:
                done.add(before)
                todo.append(before)
    return set(graph) - done


def _components(graph: Graph, nodes: Collection[str]) -> list[list[str]]:
    """Strongly connected components of the subgraph on `nodes` (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = [s for s in graph.get(node, ()) if s in nodes]
            if i < len(successors):
                work.append((node, i + 1))
                nxt = successors[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def silent_loops(graph: Graph, asking: Collection[str]) -> list[list[str]]:
    """One cycle (as a node list, first node repeated at the end) per group of nodes that can
    loop forever without passing through a node in `asking`."""
    quiet = set(graph) - set(asking)
    loops: list[list[str]] = []
    for component in _components(graph, quiet):
        members = set(component)
        first = min(component)
        if len(component) == 1 and first not in graph.get(first, ()):
            continue
        loops.append(_cycle_through(graph, first, members))
    return sorted(loops)


def _cycle_through(graph: Graph, first: str, members: set[str]) -> list[str]:
    """A shortest cycle from `first` back to itself inside one strongly connected component."""
    previous: dict[str, str] = {}
    todo = deque([first])
    while todo:
        node = todo.popleft()
        for nxt in sorted(graph.get(node, ())):
            if nxt not in members:
                continue
            if nxt == first:
                path = [node]
                while path[-1] != first:
                    path.append(previous[path[-1]])
                return [first, *reversed(path[:-1]), first] if node != first else [first, first]
            if nxt not in previous:
                previous[nxt] = node
                todo.append(nxt)
    return [first, first]


def menu_levels(graph: Graph, start: str, menus: Collection[str]) -> dict[str, list[str]]:
    """For each menu reachable from `start`, the deepest chain of menus leading to it (itself
    included), over paths that do not go back up (a "press 9 to go back" edge is not depth)."""
    order: list[str] = []  # reverse postorder of a DFS: a topological order without back edges
    state: dict[str, int] = {}  # 1 on the DFS stack, 2 finished
    forward: dict[str, list[str]] = {}
    work = [(start, 0)]
    state[start] = 1
    while work:
        node, i = work.pop()
        successors = list(graph.get(node, ()))
        if i < len(successors):
            work.append((node, i + 1))
            nxt = successors[i]
            if state.get(nxt) != 1:
                forward.setdefault(node, []).append(nxt)
            if nxt not in state:
                state[nxt] = 1
                work.append((nxt, 0))
            continue
        state[node] = 2
        order.append(node)
    chain: dict[str, list[str]] = {node: [] for node in order}
    for node in reversed(order):
        here = [*chain[node], node] if node in menus else chain[node]
        for nxt in forward.get(node, ()):
            if len(here) > len(chain[nxt]):
                chain[nxt] = here
        chain[node] = here
    return {node: path for node, path in chain.items() if node in menus}
