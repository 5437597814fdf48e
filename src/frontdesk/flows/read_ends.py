"""Readers of the nodes that hand the call over (queue, voicemail, callback, transfer,
forward, hang up) and of the post-call survey; `read_node` dispatches on a node's `type`."""

from __future__ import annotations

import datetime as dt

import yaml

from frontdesk.flows import model as m
from frontdesk.flows.read_steps import (
    EMPTY_TEMPLATE,
    EMPTY_TEXT,
    RETRIES,
    STEP_READERS,
    TIMEOUT_S,
    Reading,
    Where,
)
from frontdesk.flows.reader import Fields, Reader
from frontdesk.flows.template import Template


def _required_template(r: Reader, f: Fields, key: str, w: Where) -> Template:
    if key not in f:
        r.problem(w.node, f"{w.what}: '{key}' is missing (expected a text)")
        return EMPTY_TEMPLATE
    return r.template(f[key], f"{w.what}: '{key}'") or EMPTY_TEMPLATE


def _optional_template(r: Reader, f: Fields, key: str, w: Where) -> Template | None:
    return r.template(f[key], f"{w.what}: '{key}'") if key in f else None


def _line(w: Where) -> int:
    return w.node.start_mark.line + 1


def _queue(r: Reader, f: Fields, w: Where) -> m.Node:
    skills: list[tuple[str, int]] = []
    for skill, node in (
        r.mapping(f["skills"], f"{w.what}: 'skills'").items() if "skills" in f else []
    ):
        skills.append((skill, r.integer({skill: node}, skill, 1, (1, 5), f"{w.what}: skill")))
    priority = r.expression(f["priority"], f"{w.what}: 'priority'") if "priority" in f else None
    return m.Queue(
        w.nid,
        _line(w),
        queue=_required_template(r, f, "queue", w),
        skills=tuple(skills),
        priority=priority,
        preferred_agent=_optional_template(r, f, "preferred_agent", w),
        language=_optional_template(r, f, "language", w),
        after=r.optional_target(f, "after", w.what),
    )


def _voicemail(r: Reader, f: Fields, w: Where) -> m.Node:
    return m.Voicemail(
        w.nid,
        _line(w),
        team=_required_template(r, f, "team", w),
        promise=r.required_text(f, "promise", w.node, w.what) or EMPTY_TEXT,
        max_s=r.integer(f, "max_s", 120, (10, 600), w.what),
    )


def _clock_time(r: Reader, f: Fields, key: str, node: yaml.Node, what: str) -> dt.time:
    text = r.scalar(f, key, node, what) or ""
    try:
        return dt.time.fromisoformat(text) if text else dt.time(0)
    except ValueError:
        r.problem(f[key], f"{what}: '{key}' is '{text}' (expected a time like 14:00)")
        return dt.time(0)


def _window(r: Reader, node: yaml.Node, w: Where) -> m.CallbackWindow:
    what = f"{w.what}: window"
    f = r.mapping(node, what)
    r.unknown_keys(f, {"label", "day", "from", "to"}, what)
    day = r.optional_scalar(f, "day", what) or "today"
    offsets = {"today": 0, "tomorrow": 1}
    if day not in offsets:
        r.problem(f["day"], f"{what}: day '{day}' (expected today or tomorrow)")
    start = _clock_time(r, f, "from", node, what)
    end = _clock_time(r, f, "to", node, what)
    if end <= start and "from" in f and "to" in f:
        r.problem(node, f"{what}: it ends before it starts")
    label = r.required_text(f, "label", node, what) or EMPTY_TEXT
    return m.CallbackWindow(label, offsets.get(day, 0), start, end, node.start_mark.line + 1)


def _callback(r: Reader, f: Fields, w: Where) -> m.Node:
    nodes = r.sequence(f["windows"], f"{w.what}: 'windows'") if "windows" in f else []
    windows = tuple(_window(r, node, w) for node in nodes)
    if len(windows) > 8:
        r.problem(f["windows"], f"{w.what}: at most 8 windows can be offered by key")
    return m.Callback(
        w.nid,
        _line(w),
        queue=_required_template(r, f, "queue", w),
        windows=windows,
        prompt=r.optional_text(f, "prompt", w.what),
        timeout_s=r.number(f, "timeout_s", 5.0, TIMEOUT_S, w.what),
        retries=r.integer(f, "retries", 2, RETRIES, w.what),
    )


def _transfer(r: Reader, f: Fields, w: Where) -> m.Node:
    given = [kind for kind in m.TransferKind if kind.value in f]
    if len(given) != 1:
        r.problem(w.node, f"{w.what}: give exactly one of 'number', 'agent' or 'team'")
    kind = given[0] if given else m.TransferKind.NUMBER
    to = _required_template(r, f, kind.value, w) if given else EMPTY_TEMPLATE
    return m.Transfer(
        w.nid,
        _line(w),
        kind=kind,
        to=to,
        on_fail=r.optional_target(f, "on_fail", w.what),
        after=r.optional_target(f, "after", w.what),
    )


def _forward(r: Reader, f: Fields, w: Where) -> m.Node:
    if ("number" in f) == ("agent" in f):
        r.problem(w.node, f"{w.what}: give exactly one of 'number' (a mobile) or 'agent'")
    return m.Forward(
        w.nid,
        _line(w),
        number=_optional_template(r, f, "number", w),
        agent=_optional_template(r, f, "agent", w),
        ring_s=r.integer(f, "ring_s", 25, (5, 120), w.what),
        on_fail=r.optional_target(f, "on_fail", w.what),
        after=r.optional_target(f, "after", w.what),
    )


def _survey(r: Reader, f: Fields, w: Where) -> m.Node:
    return m.Survey(
        w.nid,
        _line(w),
        next=r.target(f, "next", w.node, w.what),
        question=r.optional_text(f, "question", w.what),
        scale=r.integer(f, "scale", 5, (2, 9), w.what),
        timeout_s=r.number(f, "timeout_s", 5.0, TIMEOUT_S, w.what),
        retries=r.integer(f, "retries", 1, RETRIES, w.what),
    )


def _hangup(r: Reader, f: Fields, w: Where) -> m.Node:
    return m.Hangup(w.nid, _line(w), r.optional_scalar(f, "reason", w.what) or "flow finished")


READERS: dict[str, tuple[Reading, frozenset[str]]] = {
    **STEP_READERS,
    "queue": (
        _queue,
        frozenset({"queue", "skills", "priority", "preferred_agent", "language", "after"}),
    ),
    "voicemail": (_voicemail, frozenset({"team", "promise", "max_s"})),
    "callback": (_callback, frozenset({"queue", "windows", "prompt", "timeout_s", "retries"})),
    "transfer": (_transfer, frozenset({"number", "agent", "team", "on_fail", "after"})),
    "forward": (_forward, frozenset({"number", "agent", "ring_s", "on_fail", "after"})),
    "survey": (_survey, frozenset({"next", "question", "scale", "timeout_s", "retries"})),
    "hangup": (_hangup, frozenset({"reason"})),
}


def read_node(r: Reader, nid: str, key: yaml.Node, node: yaml.Node, timezone: str) -> m.Node | None:
    """Reads one node; None when its type is missing or unknown (after recording why).
    Problems of the node as a whole are reported at its id (`key`)."""
    where = Where(nid, key, timezone)
    fields = r.mapping(node, where.what)
    if not fields and isinstance(node, yaml.MappingNode):
        r.problem(key, f"{where.what} is empty (expected at least a 'type')")
        return None
    type_name = r.scalar(fields, "type", key, where.what) if fields else None
    if type_name is None:
        return None
    if type_name not in READERS:
        expected = ", ".join(READERS)
        r.problem(
            fields["type"],
            f"{where.what}: unknown type '{type_name}' (expected one of: {expected})",
        )
        return None
    reading, allowed = READERS[type_name]
    r.unknown_keys(fields, set(allowed | {"type"}), f"{where.what} ({type_name})")
    return reading(r, fields, where)
