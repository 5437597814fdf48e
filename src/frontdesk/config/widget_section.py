"""Reads the company file's `widget:` section: the website widget's keys, sites and limits.

The widget's own checker (`frontdesk.widget.settings.settings_from_mapping`) decides what is
valid, so the company file and `<data dir>/widgets.yaml` (the older place, still read when the
company file has no `widget:` section) can never disagree. This module places its finding on
the line of the setting it names (`widget.widgets[0].origins[1]` → that list item's line) and
checks what only the whole company knows: a widget's number is one of the company's numbers
(or an alias), its callback queue one of its queues.
"""

from __future__ import annotations

import re

import yaml

from frontdesk.config.company import Company
from frontdesk.config.reader import Reader
from frontdesk.widget import SettingsError
from frontdesk.widget.settings import WidgetSettings, settings_from_mapping

_STEP = re.compile(r"\.([A-Za-z_]+)|\[(\d+)\]")


def read_widget(r: Reader, node: yaml.Node) -> WidgetSettings | None:
    data = yaml.SafeLoader("").construct_document(node)
    try:
        return settings_from_mapping(data if data is not None else {}, "widget")
    except SettingsError as exc:
        r.problem(node_at(node, str(exc)), str(exc))
        return None


def node_at(root: yaml.Node, message: str) -> yaml.Node:
    """The deepest node the message's setting path (`widget.limits.x`, `widget.widgets[0]...`)
    reaches; the section itself when the path leads nowhere."""
    match = re.match(r"widget((?:\.[A-Za-z_]+|\[\d+\])*)", message)
    node = root
    for key, index in _STEP.findall(match.group(1) if match else ""):
        found: yaml.Node | None = None
        if key and isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            found = node.value[int(index)]
        if found is None:
            break
        node = found
    return node


def check_widget_names(r: Reader, company: Company, node: yaml.Node) -> None:
    """Every widget dials one of the company's numbers and books into one of its queues."""
    if company.widget is None:
        return
    dialled = {n.number for n in company.numbers} | {a for n in company.numbers for a in n.aliases}
    queues = {q.name for q in company.queues}
    for i, widget in enumerate(company.widget.widgets):
        where = f"widget.widgets[{i}]"
        if widget.number not in dialled:
            r.problem(node_at(node, f"{where}.number"), f"{where}.number: {widget.number} is "
                      "not one of the company's numbers or aliases")  # fmt: skip
        if widget.callback_queue is not None and widget.callback_queue not in queues:
            r.problem(node_at(node, f"{where}.callback_queue"), f"{where}.callback_queue: no "
                      f"queue named {widget.callback_queue!r}")  # fmt: skip
