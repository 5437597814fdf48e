"""Checks a whole flow: targets exist, every path ends, loops ask the caller, menus stay small,
names are known, texts exist in every language the flow speaks.

Errors make a flows file unusable; warnings are advice (an unreachable node, a menu with too
many options). Each problem names the node and line, and says what would be right.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from frontdesk.flows import graph
from frontdesk.flows import model as m
from frontdesk.flows.errors import Problem, Severity
from frontdesk.flows.expr import (
    Attr,
    Binary,
    Call,
    ListOf,
    Literal,
    Logic,
    Name,
    Unary,
    names_used,
)
from frontdesk.flows.phrases import LANGUAGES
from frontdesk.flows.template import Template

EXPR_TYPES = (Literal, Name, Attr, Call, ListOf, Unary, Binary, Logic)
CALLER_FIELDS = ("number", "national", "country", "language", "known", "name", "first_name")
ROOTS = ("caller", "crm", "vars", "language")
MAX_MENU_OPTIONS = 5
MAX_MENU_LEVELS = 3
ENDINGS = "a queue, voicemail, callback, transfer, forward or hangup"


class _Check:
    def __init__(self, flow: m.Flow, file: str) -> None:
        self.flow, self.file = flow, file
        self.problems: list[Problem] = []

    def add(self, line: int, message: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(self.file, line, message, severity))

    def warn(self, line: int, message: str) -> None:
        self.add(line, message, Severity.WARNING)


def validate_flow(flow: m.Flow, file: str, declared: set[str] | None = None) -> list[Problem]:
    """Every problem of one flow; `declared` names nodes present in the file but unreadable
    (their own problems are reported already), so pointing at them is not an error again."""
    check = _Check(flow, file)
    unreadable = (declared or set()) - set(flow.nodes)
    if flow.start in unreadable:
        return check.problems
    if flow.start not in flow.nodes:
        check.add(flow.line, f"flow '{flow.name}': start node '{flow.start}' does not exist")
        return check.problems
    edges, broken = _targets(check, unreadable)
    _paths(check, edges, broken)
    _menus(check, edges)
    assigned = _assigned(flow)
    for node in flow.nodes.values():
        _names(check, node, assigned)
        _languages(check, node)
    return check.problems


def _target_lines(node: m.Node) -> Iterator[tuple[str, str, int]]:
    if isinstance(node, m.Menu):
        for i, option in enumerate(node.options, 1):
            yield f"option {option.key or i} 'goto'", option.goto, option.line
        yield "'on_fail'", node.on_fail, node.line
    elif isinstance(node, m.Branch):
        for i, case in enumerate(node.cases, 1):
            yield f"case {i} 'goto'", case.goto, case.line
        yield "'else'", node.otherwise, node.line
    else:
        names = {"found": "next"}
        for label, target in node.targets():
            yield f"'{names.get(label, label)}'", target, node.line


def _targets(check: _Check, unreadable: set[str]) -> tuple[dict[str, list[str]], set[str]]:
    """The flow's edges between existing nodes, and the nodes with a missing target."""
    edges: dict[str, list[str]] = {}
    broken: set[str] = set()
    for nid, node in check.flow.nodes.items():
        edges[nid] = []
        for label, target, line in _target_lines(node):
            if target == "" or target in unreadable:
                broken.add(nid)
            elif target not in check.flow.nodes:
                broken.add(nid)
                check.add(
                    line, f"node '{nid}': {label} points to '{target}', which is not a node here"
                )
            else:
                edges[nid].append(target)
    return edges, broken


def _paths(check: _Check, edges: dict[str, list[str]], broken: set[str]) -> None:
    flow = check.flow
    reach = graph.reachable(edges, flow.start)
    for nid, node in flow.nodes.items():
        if nid not in reach:
            check.warn(node.line, f"node '{nid}' can never be reached from '{flow.start}'")
    ends = {nid for nid, node in flow.nodes.items() if node.ENDS} | broken
    stuck = sorted((graph.never_ending(edges, ends) & reach), key=lambda nid: flow.nodes[nid].line)
    if stuck:
        names = ", ".join(f"'{nid}'" for nid in stuck[:6]) + (", ..." if len(stuck) > 6 else "")
        check.add(
            flow.nodes[stuck[0]].line,
            f"no path from {names} ever ends the call (every path must reach {ENDINGS})",
        )
    asking = {nid for nid, node in flow.nodes.items() if node.ASKS}
    for loop in graph.silent_loops(edges, asking):
        line = min(flow.nodes[nid].line for nid in loop)
        check.add(
            line,
            f"nodes {' -> '.join(loop)} loop without asking the caller anything "
            "(put a menu, gather or survey on the loop)",
        )


def _menus(check: _Check, edges: dict[str, list[str]]) -> None:
    flow = check.flow
    menus = {nid for nid, node in flow.nodes.items() if isinstance(node, m.Menu)}
    for nid in sorted(menus):
        node = flow.nodes[nid]
        count = len(node.options) if isinstance(node, m.Menu) else 0
        if count > MAX_MENU_OPTIONS:
            check.warn(
                node.line,
                f"menu '{nid}' has {count} options; keep menus to {MAX_MENU_OPTIONS} or fewer",
            )
    # Falling out of a menu (on_fail) is not going deeper into it; choosing an option is.
    chosen = {
        nid: [t for t in targets if not _is_menu_fail(flow.nodes[nid], t)]
        for nid, targets in edges.items()
    }
    for nid, chain in sorted(graph.menu_levels(chosen, flow.start, menus).items()):
        if len(chain) > MAX_MENU_LEVELS:
            check.warn(
                flow.nodes[nid].line,
                f"menu '{nid}' is {len(chain)} levels deep ({' > '.join(chain)}); "
                f"keep menus to {MAX_MENU_LEVELS} levels",
            )


def _is_menu_fail(node: m.Node, target: str) -> bool:
    if not isinstance(node, m.Menu):
        return False
    return target == node.on_fail and all(option.goto != target for option in node.options)


def _assigned(flow: m.Flow) -> set[str]:
    names: set[str] = set()
    for node in flow.nodes.values():
        if isinstance(node, m.SetVars):
            names.update(name for name, _ in node.values)
        elif isinstance(node, m.Gather | m.Lookup):
            names.add(node.into)
    return names


def _parts(obj: object, label: str = "") -> Iterator[tuple[str, object]]:
    """Every text, template and expression inside a node, with the field it sits in."""
    assert dataclasses.is_dataclass(obj)
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        where = f"{label}{field.name}"
        if isinstance(value, (m.Text, Template, *EXPR_TYPES)):
            yield where, value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, m.MenuOption | m.Case | m.CallbackWindow):
                    yield from _parts(item, f"{where} ")
                elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], EXPR_TYPES):
                    yield f"{where} {item[0]}", item[1]


def _paths_of(value: object) -> list[tuple[str, ...]]:
    if isinstance(value, m.Text):
        return [p for _, template in value.variants for p in template.paths()]
    if isinstance(value, Template):
        return value.paths()
    return names_used(value) if isinstance(value, EXPR_TYPES) else []


def _names(check: _Check, node: m.Node, assigned: set[str]) -> None:
    reported: set[tuple[str, ...]] = set()
    for where, value in _parts(node):
        roots = (*ROOTS, "input") if (isinstance(node, m.Gather) and where == "valid") else ROOTS
        for path in _paths_of(value):
            problem = _name_problem(path, roots, assigned)
            if problem and path not in reported:
                reported.add(path)
                check.warn(node.line, f"node '{node.id}': {where}: {problem}")


def _name_problem(path: tuple[str, ...], roots: tuple[str, ...], assigned: set[str]) -> str:
    root = path[0]
    if root not in roots:
        return f"unknown name '{root}' (expected one of: {', '.join(roots)})"
    if len(path) == 1 and root in ("caller", "vars"):
        return f"'{root}' needs a field, like {root}.name"
    if root == "caller" and path[1] not in CALLER_FIELDS:
        expected = ", ".join(CALLER_FIELDS)
        return f"'caller.{path[1]}' is not a caller field (expected one of: {expected})"
    if root == "vars" and path[1] not in assigned:
        return f"'vars.{path[1]}' is never set in this flow (by set, gather or lookup)"
    return ""


def _languages(check: _Check, node: m.Node) -> None:
    spoken = check.flow.languages
    for where, value in _parts(node):
        if not isinstance(value, m.Text) or value.languages() == ("",):
            continue
        missing = [lang for lang in spoken if lang not in value.languages()]
        if missing and "" not in value.languages():
            check.warn(
                node.line,
                f"node '{node.id}': {where} has no {', '.join(missing)} version "
                f"(the flow speaks {', '.join(spoken)})",
            )
        extra = [lang for lang in value.languages() if lang and lang not in spoken]
        if extra:
            check.warn(
                node.line,
                f"node '{node.id}': {where} is written in {', '.join(extra)}, "
                f"which the flow does not speak (add it to 'languages')",
            )


def flow_language_warnings(flow: m.Flow, file: str) -> list[Problem]:
    return [
        Problem(
            file,
            flow.line,
            f"flow '{flow.name}': no built-in phrases for '{lang}'; "
            "menus, times and dates will be read in English",
            Severity.WARNING,
        )
        for lang in flow.languages
        if lang not in LANGUAGES
    ]
