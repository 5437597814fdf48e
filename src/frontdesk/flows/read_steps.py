"""Readers of the flow's step nodes (say, play, menu, gather, lookup, branch, hours, set).

Each reader checks its own fields and builds the node, with harmless stand-ins where a field
is broken so that reading goes on and reports everything; the hand-over nodes are read in
`read_ends`. Graph-level checks (targets exist, paths end, loops ask) are the validator's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import yaml

from frontdesk.flows import model as m
from frontdesk.flows.expr import Expr
from frontdesk.flows.hours import WEEKDAYS, Schedule, check_timezone, parse_ranges
from frontdesk.flows.reader import Fields, Reader
from frontdesk.flows.template import Template

EMPTY_TEMPLATE = Template("", ())
EMPTY_TEXT = m.Text((("", EMPTY_TEMPLATE),))
VARIABLE = re.compile(r"^[A-Za-z_]\w*$")
KEYS = "0123456789*#"
RETRIES = (0, 5)
TIMEOUT_S = (1.0, 60.0)


class Where:
    """The node being read: its id, the YAML node of its id (where problems of the node as a
    whole are reported) and the flow's default timezone."""

    def __init__(self, nid: str, node: yaml.Node, timezone: str) -> None:
        self.nid, self.node, self.timezone = nid, node, timezone
        self.what = f"node '{nid}'"


def _variable(r: Reader, f: Fields, key: str, w: Where) -> str:
    name = r.scalar(f, key, w.node, w.what) or ""
    if name and not VARIABLE.match(name):
        r.problem(f[key], f"{w.what}: '{name}' is not a variable name (letters, digits, _)")
    return name


def _say(r: Reader, f: Fields, w: Where) -> m.Node:
    text = r.required_text(f, "text", w.node, w.what) or EMPTY_TEXT
    voice = r.optional_scalar(f, "voice", w.what)
    return m.Say(
        w.nid, w.node.start_mark.line + 1, text, r.target(f, "next", w.node, w.what), voice
    )


def _play(r: Reader, f: Fields, w: Where) -> m.Node:
    file = r.required_text(f, "file", w.node, w.what) or EMPTY_TEXT
    return m.Play(w.nid, w.node.start_mark.line + 1, file, r.target(f, "next", w.node, w.what))


def _option(r: Reader, node: yaml.Node, w: Where) -> m.MenuOption:
    what = f"{w.what}: option"
    f = r.mapping(node, what)
    r.unknown_keys(f, {"key", "label", "if", "goto"}, what)
    key = r.optional_scalar(f, "key", what)
    if key is not None and (len(key) != 1 or key not in KEYS):
        r.problem(f["key"], f"{what}: key '{key}' must be one of 0-9, * or #")
    condition = r.expression(f["if"], f"{what}: 'if'") if "if" in f else None
    label = r.required_text(f, "label", node, what) or EMPTY_TEXT
    return m.MenuOption(
        key, label, condition, r.target(f, "goto", node, what), node.start_mark.line + 1
    )


def _menu(r: Reader, f: Fields, w: Where) -> m.Node:
    listed = r.sequence(f["options"], f"{w.what}: 'options'") if "options" in f else []
    options = tuple(_option(r, o, w) for o in listed)
    if "options" not in f:
        r.problem(w.node, f"{w.what}: 'options' is missing (expected a list of options)")
    elif not options:
        r.problem(f["options"], f"{w.what}: a menu needs at least one option")
    keyed = [o for o in options if o.key is not None]
    if keyed and len(keyed) != len(options):
        r.problem(w.node, f"{w.what}: give every option a 'key' or none (then they are numbered)")
    seen: set[str] = set()
    for option in keyed:
        if option.key in seen:
            r.problem(w.node, f"{w.what}: key '{option.key}' is used by two options")
        seen.add(option.key or "")
    return m.Menu(
        w.nid,
        w.node.start_mark.line + 1,
        prompt=r.optional_text(f, "prompt", w.what),
        options=options,
        on_fail=r.target(f, "on_fail", w.node, w.what),
        timeout_s=r.number(f, "timeout_s", 5.0, TIMEOUT_S, w.what),
        retries=r.integer(f, "retries", 2, RETRIES, w.what),
        invalid=r.optional_text(f, "invalid", w.what),
    )


def _gather(r: Reader, f: Fields, w: Where) -> m.Node:
    low = r.integer(f, "min_digits", 1, (1, 32), w.what)
    high = r.integer(f, "max_digits", 16, (1, 32), w.what)
    if low > high:
        r.problem(w.node, f"{w.what}: 'min_digits' ({low}) is more than 'max_digits' ({high})")
    terminator = r.optional_scalar(f, "terminator", w.what) if "terminator" in f else "#"
    if terminator not in ("#", "*", "none"):
        r.problem(f.get("terminator"), f"{w.what}: 'terminator' must be #, * or none")
    return m.Gather(
        w.nid,
        w.node.start_mark.line + 1,
        prompt=r.required_text(f, "prompt", w.node, w.what) or EMPTY_TEXT,
        into=_variable(r, f, "into", w),
        next=r.target(f, "next", w.node, w.what),
        on_fail=r.target(f, "on_fail", w.node, w.what),
        min_digits=low,
        max_digits=high,
        terminator="" if terminator == "none" else terminator or "#",
        timeout_s=r.number(f, "timeout_s", 5.0, TIMEOUT_S, w.what),
        retries=r.integer(f, "retries", 2, RETRIES, w.what),
        valid=r.expression(f["valid"], f"{w.what}: 'valid'") if "valid" in f else None,
        invalid=r.optional_text(f, "invalid", w.what),
    )


def _lookup(r: Reader, f: Fields, w: Where) -> m.Node:
    source_text = r.scalar(f, "source", w.node, w.what) or "crm"
    try:
        source = m.LookupSource(source_text)
    except ValueError:
        r.problem(f["source"], f"{w.what}: source '{source_text}' (expected crm or http)")
        source = m.LookupSource.CRM
    needed, unused = ("key", "url") if source is m.LookupSource.CRM else ("url", "key")
    if needed not in f:
        r.problem(w.node, f"{w.what}: a {source} lookup needs '{needed}'")
    if unused in f:
        r.problem(f[unused], f"{w.what}: a {source} lookup takes no '{unused}'")
    key = r.template(f["key"], f"{w.what}: 'key'") if "key" in f else None
    url = r.template(f["url"], f"{w.what}: 'url'") if "url" in f else None
    return m.Lookup(
        w.nid,
        w.node.start_mark.line + 1,
        source=source,
        key=key,
        url=url,
        into=_variable(r, f, "into", w),
        next=r.target(f, "next", w.node, w.what),
        on_error=r.target(f, "on_error", w.node, w.what),
        timeout_s=r.number(f, "timeout_s", 3.0, (0.1, 30.0), w.what),
    )


def _branch(r: Reader, f: Fields, w: Where) -> m.Node:
    cases: list[m.Case] = []
    if "cases" not in f:
        r.problem(w.node, f"{w.what}: 'cases' is missing (expected a list of if/goto)")
    for node in r.sequence(f["cases"], f"{w.what}: 'cases'") if "cases" in f else []:
        what = f"{w.what}: case"
        case = r.mapping(node, what)
        r.unknown_keys(case, {"if", "goto"}, what)
        condition = r.expression(case["if"], f"{what} 'if'") if "if" in case else None
        if "if" not in case:
            r.problem(node, f"{what}: 'if' is missing (expected a condition)")
        goto = r.target(case, "goto", node, what)
        if condition is not None:
            source = str(case["if"].value)
            cases.append(m.Case(condition, goto, node.start_mark.line + 1, source))
    otherwise = r.target(f, "else", w.node, w.what)
    return m.Branch(w.nid, w.node.start_mark.line + 1, tuple(cases), otherwise)


def _schedule(r: Reader, f: Fields, w: Where) -> Schedule:
    timezone = r.optional_scalar(f, "timezone", w.what) or w.timezone
    problem = check_timezone(timezone)
    if problem:
        r.problem(f.get("timezone", w.node), f"{w.what}: {problem}")
        timezone = "UTC"
    weekly: list[tuple[tuple[int, int], ...]] = [() for _ in WEEKDAYS]
    if "weekly" not in f:
        r.problem(w.node, f"{w.what}: 'weekly' is missing (expected mon: 09:00-17:00, ...)")
    for day, node in r.mapping(f["weekly"], f"{w.what}: 'weekly'").items() if "weekly" in f else []:
        names = WEEKDAYS[:5] if day == "weekdays" else (day,)
        if day != "weekdays" and day not in WEEKDAYS:
            expected = ", ".join(WEEKDAYS)
            r.problem(node, f"{w.what}: unknown day '{day}' (expected weekdays, {expected})")
            continue
        ranges, why = parse_ranges(str(node.value) if isinstance(node, yaml.ScalarNode) else "")
        if why:
            r.problem(node, f"{w.what}: {day}: {why}")
        for name in names:
            weekly[WEEKDAYS.index(name)] = ranges
    holidays: set[dt.date] = set()
    for node in r.sequence(f["holidays"], f"{w.what}: 'holidays'") if "holidays" in f else []:
        try:
            holidays.add(dt.date.fromisoformat(str(node.value)))
        except (ValueError, TypeError):
            r.problem(node, f"{w.what}: holiday '{node.value}' is not a date like 2025-12-25")
    return Schedule(timezone, tuple(weekly), frozenset(holidays))


def _hours(r: Reader, f: Fields, w: Where) -> m.Node:
    schedule = _schedule(r, f, w)
    line = w.node.start_mark.line + 1
    return m.Hours(
        w.nid,
        line,
        schedule,
        r.target(f, "open", w.node, w.what),
        r.target(f, "closed", w.node, w.what),
    )


def _set(r: Reader, f: Fields, w: Where) -> m.Node:
    values: list[tuple[str, Expr]] = []
    if "vars" not in f:
        r.problem(w.node, f"{w.what}: 'vars' is missing (expected name: expression pairs)")
    for name, node in r.mapping(f["vars"], f"{w.what}: 'vars'").items() if "vars" in f else []:
        if not VARIABLE.match(name):
            r.problem(node, f"{w.what}: '{name}' is not a variable name (letters, digits, _)")
        expr = r.expression(node, f"{w.what}: '{name}'")
        if expr is not None:
            values.append((name, expr))
    return m.SetVars(
        w.nid, w.node.start_mark.line + 1, tuple(values), r.target(f, "next", w.node, w.what)
    )


Reading = Callable[[Reader, Fields, Where], m.Node]
STEP_READERS: dict[str, tuple[Reading, frozenset[str]]] = {
    "say": (_say, frozenset({"text", "next", "voice"})),
    "play": (_play, frozenset({"file", "next"})),
    "menu": (
        _menu,
        frozenset({"prompt", "options", "on_fail", "timeout_s", "retries", "invalid"}),
    ),
    "gather": (
        _gather,
        frozenset(
            {"prompt", "into", "next", "on_fail", "min_digits", "max_digits", "terminator"}
            | {"timeout_s", "retries", "valid", "invalid"}
        ),
    ),
    "lookup": (
        _lookup,
        frozenset({"source", "key", "url", "into", "next", "on_error", "timeout_s"}),
    ),
    "branch": (_branch, frozenset({"cases", "else"})),
    "hours": (_hours, frozenset({"timezone", "weekly", "holidays", "open", "closed"})),
    "set": (_set, frozenset({"vars", "next"})),
}
