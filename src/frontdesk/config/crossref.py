"""Checks that the names the company file and its flows mention refer to something.

Run once everything is read: names are unique, every team a queue or agent names exists, each
number's flow is in the flows file, and the queues, teams and agents a flow names literally
exist (a templated name such as "{crm.account.team}" is only known during a call). Each
problem carries the line of the reference. Findings that leave the company runnable but
probably not as meant (a queue nobody can answer, a setting with no effect) are warnings.

With `flows: demo` the company runs the built-in demo flows; the demo's references that this
company lacks are warnings, since the file's author did not write them. Flows written for the
company (no `flows:`) name only what the company has; a slip there would be an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import yaml

from frontdesk.config.company import Company, RecordingPolicy
from frontdesk.config.reader import Reader, line_of
from frontdesk.flows import model as m
from frontdesk.flows.errors import Problem, Severity
from frontdesk.flows.model import FlowSet
from frontdesk.flows.template import Template

WARNING = Severity.WARNING


def value_node(entry: yaml.Node, key: str) -> yaml.Node:
    """The value of `key` in a mapping entry, or the entry itself (to point at its line)."""
    if isinstance(entry, yaml.MappingNode):
        for k, v in entry.value:
            if k.value == key:
                return v  # type: ignore[no-any-return]
    return entry


def item_node(entry: yaml.Node, key: str, item: str) -> yaml.Node:
    """The list item `item` under `key` of an entry (for `teams: [a, b]`), else the list."""
    node = value_node(entry, key)
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            if isinstance(child, yaml.ScalarNode) and child.value == item:
                return child
    return node


def check_names(r: Reader, company: Company, entries: Mapping[str, Sequence[yaml.Node]]) -> None:
    """Unique names, and teams that exist, for what the company file itself says."""
    _unique(r, "team", [t.name for t in company.teams], entries["teams"], "name")
    _unique(r, "queue", [q.name for q in company.queues], entries["queues"], "name")
    _unique(r, "agent id", [a.id for a in company.agents], entries["agents"], "id")
    dialled = [(n.number, "number") for n in company.numbers] + [
        (alias, "aliases") for n in company.numbers for alias in n.aliases
    ]
    seen: set[str] = set()
    for (text, key), entry in zip(
        dialled, _numbers_entries(company, entries["numbers"]), strict=True
    ):
        if text and text in seen:
            r.problem(value_node(entry, key), f"'{text}' is dialled for two numbers")
        seen.add(text)
    teams = [t.name for t in company.teams]
    for queue, entry in zip(company.queues, entries["queues"], strict=True):
        if queue.team and queue.team not in teams:
            r.problem(
                value_node(entry, "team"),
                _unknown("queue '" + queue.name + "'", "team", queue.team, teams),
            )
    for agent, entry in zip(company.agents, entries["agents"], strict=True):
        for team in agent.teams:
            if team not in teams:
                r.problem(
                    item_node(entry, "teams", team),
                    _unknown(f"agent '{agent.id}'", "team", team, teams),
                )


def _numbers_entries(company: Company, entries: Sequence[yaml.Node]) -> list[yaml.Node]:
    """One entry per dialled text, in the order `check_names` lists them."""
    out = list(entries)
    for number, entry in zip(company.numbers, entries, strict=True):
        out.extend(entry for _ in number.aliases)
    return out


def check_staffing(r: Reader, company: Company, entries: Sequence[yaml.Node]) -> None:
    """Warnings about queues and settings that would not work as written."""
    for queue, entry in zip(company.queues, entries, strict=True):
        able = [a for a in company.agents if company.can_answer(a, queue)]
        if company.agents and not able:
            needs = ", ".join(f"{s} {level}" for s, level in queue.skills) or "no skill"
            r.problem(
                entry,
                f"queue '{queue.name}': no agent can answer it (it needs {needs} and"
                f" team {queue.team})",
                WARNING,
            )
        if queue.record and company.recording is RecordingPolicy.NONE:
            r.problem(
                value_node(entry, "record"),
                f"queue '{queue.name}': 'record' has no effect with recording: none"
                " (it counts with recording: queues)",
                WARNING,
            )
        if queue.max_wait_s is None and _has_key(entry, "on_max_wait"):
            r.problem(
                value_node(entry, "on_max_wait"),
                f"queue '{queue.name}': 'on_max_wait' has no effect without 'max_wait_s'",
                WARNING,
            )
    if company.recording is RecordingPolicy.QUEUES and not any(q.record for q in company.queues):
        r.problem(None, "recording is 'queues' but no queue says record: true", WARNING)


def _has_key(entry: yaml.Node, key: str) -> bool:
    return value_node(entry, key) is not entry


def check_flows(company: Company, flows: FlowSet, *, chosen: bool) -> list[Problem]:
    """Each number's flow exists (reported in the company file by the caller) and every name a
    flow uses literally is defined; `chosen` is False for the built-in demo flows, whose
    names are the demo company's (warnings then, so a company can try them)."""
    severity = Severity.ERROR if chosen else WARNING
    problems: list[Problem] = []

    why = "" if chosen else " (the built-in demo flows name the demo company's queues and teams)"

    def report(line: int, message: str) -> None:
        problems.append(Problem(flows.source, line, message + why, severity))

    queues = [q.name for q in company.queues]
    teams = [t.name for t in company.teams]
    agents = [a.id for a in company.agents]
    for flow in flows.flows.values():
        for node in flow.nodes.values():
            where = f"flow '{flow.name}', node '{node.id}'"
            for kind, name, known in _names_used(node, queues, teams, agents):
                if name is not None and name not in known:
                    report(node.line, _unknown(where, kind, name, known))
            if isinstance(node, m.Forward) and (agent_id := literal_text(node.agent)):
                agent = company.agent(agent_id)
                if agent is not None and agent.mobile is None:
                    report(node.line, f"{where}: agent '{agent_id}' has no mobile to forward to")
    return problems


def _names_used(
    node: m.Node, queues: list[str], teams: list[str], agents: list[str]
) -> Iterable[tuple[str, str | None, list[str]]]:
    if isinstance(node, m.Queue | m.Callback):
        yield "queue", literal_text(node.queue), queues
    elif isinstance(node, m.Voicemail):
        yield "team", literal_text(node.team), teams
    elif isinstance(node, m.Transfer) and node.kind is not m.TransferKind.NUMBER:
        known = teams if node.kind is m.TransferKind.TEAM else agents
        yield node.kind.value, literal_text(node.to), known
    elif isinstance(node, m.Forward):
        yield "agent", literal_text(node.agent), agents


def literal_text(template: Template | None) -> str | None:
    """The text of a template without placeholders; None when it has any (or is absent)."""
    if template is None or not all(isinstance(part, str) for part in template.parts):
        return None
    return "".join(str(part) for part in template.parts)


def check_numbers_flows(
    r: Reader, company: Company, flows: FlowSet, entries: Sequence[yaml.Node]
) -> None:
    names = sorted(flows.flows)
    for number, entry in zip(company.numbers, entries, strict=True):
        if number.flow not in flows.flows:
            r.problem(
                value_node(entry, "flow"),
                _unknown(
                    f"number {number.number}",
                    "flow",
                    number.flow,
                    names,
                    where=f" in {flows.source}",
                ),
            )


def _unique(r: Reader, kind: str, names: list[str], entries: Sequence[yaml.Node], key: str) -> None:
    first: dict[str, int] = {}
    for name, entry in zip(names, entries, strict=True):
        node = value_node(entry, key)
        if name and name in first:
            r.problem(node, f"{kind} '{name}' is defined twice (first at line {first[name]})")
        first.setdefault(name, line_of(node))


def _unknown(what: str, kind: str, name: str, known: list[str], where: str = "") -> str:
    listed = ", ".join(known) if known else "none is defined"
    return f"{what}: {kind} '{name}' does not exist{where} (known: {listed})"
