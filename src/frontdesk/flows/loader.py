"""Reads a flows file: a YAML mapping of flow names to flows, each with settings and nodes.

    main:
      languages: [en, fr]        # the first is the default
      timezone: Europe/London    # for opening hours and date helpers
      voices: {en: en-gb}        # TTS voice per language (default: the language code)
      start: welcome             # default: the first node
      nodes:
        welcome: {type: say, text: "Hello {caller.first_name|there}.", next: bye}
        bye: {type: hangup}

Every problem is reported with file and line; the file is refused when any is an error, and
warnings travel with the loaded `FlowSet`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from frontdesk.flows.errors import FlowFileError, Problem, Severity
from frontdesk.flows.hours import check_timezone
from frontdesk.flows.model import Flow, FlowSet, Node
from frontdesk.flows.read_ends import read_node
from frontdesk.flows.reader import Reader
from frontdesk.flows.validate import flow_language_warnings, validate_flow
from frontdesk.textfile import UnreadableFile, read_utf8

FLOW_KEYS = {"nodes", "start", "languages", "timezone", "voices", "description"}
DEMO_FILE = "flows_demo.yaml"


def _read_flow(
    r: Reader, name: str, key: yaml.Node, node: yaml.Node
) -> tuple[Flow | None, set[str]]:
    """The flow (None when unusable) and the ids of all nodes it declares, readable or not."""
    what = f"flow '{name}'"
    fields = r.mapping(node, what)
    r.unknown_keys(fields, FLOW_KEYS, what)
    languages = (
        tuple(
            str(item.value)
            for item in (r.sequence(fields["languages"], f"{what}: 'languages'"))
            if isinstance(item, yaml.ScalarNode)
        )
        if "languages" in fields
        else ("en",)
    )
    if not languages:
        r.problem(fields["languages"], f"{what}: 'languages' must name at least one language")
        languages = ("en",)
    timezone = r.optional_scalar(fields, "timezone", what) or "UTC"
    problem = check_timezone(timezone)
    if problem:
        r.problem(fields["timezone"], f"{what}: {problem}")
        timezone = "UTC"
    voices = (
        {
            lang: str(voice.value)
            for lang, voice in r.mapping(fields["voices"], f"{what}: 'voices'").items()
        }
        if "voices" in fields
        else None
    )
    if "nodes" not in fields:
        r.problem(key, f"{what}: 'nodes' is missing (expected a mapping of node ids to nodes)")
        return None, set()
    raw = r.entries(fields["nodes"], f"{what}: 'nodes'")
    if not raw:
        r.problem(fields["nodes"], f"{what} has no nodes")
        return None, set()
    nodes: dict[str, Node] = {}
    for nid, id_node, spec in raw:
        built = read_node(r, nid, id_node, spec, timezone)
        if built is not None:
            nodes[nid] = built
    start = r.optional_scalar(fields, "start", what) or raw[0][0]
    flow = Flow(name, key.start_mark.line + 1, start, nodes, languages, timezone, voices)
    return flow, {nid for nid, _, _ in raw}


def parse_flows(text: str, file: str) -> FlowSet:
    """Checks a flows document; raises FlowFileError listing every problem found."""
    r = Reader(file)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise FlowFileError([Problem(file, line, f"not valid YAML: {reason}")]) from None
    if root is None:
        raise FlowFileError([Problem(file, 1, "the file is empty (expected flows by name)")])
    flows: dict[str, Flow] = {}
    top = r.entries(root, "the flows file")
    if not top and isinstance(root, yaml.MappingNode):
        r.problem(root, "the flows file defines no flow")
    for name, key, node in top:
        flow, declared = _read_flow(r, name, key, node)
        if flow is not None:
            flows[name] = flow
            r.problems.extend(flow_language_warnings(flow, file))
            r.problems.extend(validate_flow(flow, file, declared))
    problems = sorted(r.problems, key=lambda p: p.line)
    if any(p.severity is Severity.ERROR for p in problems):
        raise FlowFileError(problems)
    return FlowSet(file, flows, tuple(problems))


def load_flows(path: Path) -> FlowSet:
    try:
        text = read_utf8(path)
    except UnreadableFile as exc:
        raise FlowFileError([Problem(str(path), 1, str(exc))]) from None
    return parse_flows(text, str(path))


def load_demo_flows() -> FlowSet:
    """The demo company's flows (src/frontdesk/config/flows_demo.yaml)."""
    text = resources.files("frontdesk.config").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    return parse_flows(text, "<built-in demo flows>")
