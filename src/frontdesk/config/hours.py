"""A team's opening hours, read with the very code that reads a flow's `hours` node.

The company file writes hours as the flows file does (`timezone`, `weekly`, `holidays`), and
adds `weekend` beside `weekdays` as a name for Saturday and Sunday. The flow reader is private
to `flows`, so this module is the one place outside it that calls it; a day written out
(`sat: closed`) wins over the group that contains it, wherever it appears.
"""

from __future__ import annotations

import yaml

from frontdesk.flows.errors import Problem
from frontdesk.flows.hours import WEEKDAYS, Schedule, parse_ranges
from frontdesk.flows.read_steps import Where, _schedule
from frontdesk.flows.reader import Reader

GROUPS = {"weekdays": WEEKDAYS[:5], "weekend": WEEKDAYS[5:]}
HOURS_KEYS = {"timezone", "weekly", "holidays"}


def read_schedule(
    node: yaml.Node, file: str, default_timezone: str, what: str
) -> tuple[Schedule, list[Problem]]:
    """The schedule of an `hours:` mapping, and every problem found in it (located in `file`)."""
    r = Reader(file)
    fields = r.mapping(node, what)
    r.unknown_keys(fields, HOURS_KEYS, what)
    if "weekly" in fields:
        fields["weekly"] = _expanded_weekly(r, fields["weekly"], what)
    where = Where(what, node, default_timezone)
    where.what = what
    return _schedule(r, fields, where), r.problems


def _expanded_weekly(r: Reader, node: yaml.Node, what: str) -> yaml.Node:
    """`weekly` with `weekend` written out as sat and sun (days given by name kept as given),
    and unknown day names reported here, where `weekend` can be listed among the choices."""
    if not isinstance(node, yaml.MappingNode):
        return node
    named = {str(key.value) for key, _ in node.value}
    groups: list[tuple[yaml.Node, yaml.Node]] = []
    days: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        day = str(key.value)
        if day == "weekdays":
            groups.append((key, value))
        elif day == "weekend":
            text = str(value.value) if isinstance(value, yaml.ScalarNode) else ""
            why = parse_ranges(text)[1]
            if why:  # said once here rather than once for each of sat and sun
                r.problem(value, f"{what}: weekend: {why}")
                continue
            groups.extend((_renamed(key, n), value) for n in GROUPS["weekend"] if n not in named)
        elif day in WEEKDAYS:
            days.append((key, value))
        else:
            choices = ", ".join(("weekdays", "weekend", *WEEKDAYS))
            r.problem(key, f"{what}: unknown day '{day}' (expected {choices})")
    # The flow reader lets a later entry win; groups go first so a named day always wins.
    pairs = groups + days
    return yaml.MappingNode(node.tag, pairs, node.start_mark, node.end_mark, node.flow_style)


def _renamed(key: yaml.Node, name: str) -> yaml.Node:
    return yaml.ScalarNode("tag:yaml.org,2002:str", name, key.start_mark, key.end_mark)
