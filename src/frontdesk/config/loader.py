"""Reads a company file, the flows file it names, and checks them together.

Every problem is reported as `file:line: what is wrong (what was expected)`, all of them in
one pass: the company file's own (read by `sections` and `people`), those of its flows file
(read by `frontdesk.flows.loader`), and the cross-references between them (`crossref`). Any
error refuses the company; warnings travel with the loaded `Setup`.

    setup = load_setup(Path("company.yaml"))   # raises ConfigError listing every problem
    setup.company, setup.flows, setup.warnings
    check_company(Path("company.yaml"))         # never raises: errors and warnings

The flows are the file `company.flows` names, the built-in demo flows (`flows: demo`), or,
when it names none, flows written for the company (`starter_flows`). The built-in demo
(`load_demo_setup`) is `demo.yaml` with the demo flows, read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from frontdesk.config import crossref
from frontdesk.config.company import Company
from frontdesk.config.people import read_agent, read_queue, read_team
from frontdesk.config.reader import ConfigError, Reader
from frontdesk.config.sections import NO_HEAD, read_head, read_number, read_sip, read_trunk
from frontdesk.config.starter_flows import SOURCE as STARTER_SOURCE
from frontdesk.config.starter_flows import starter_flows
from frontdesk.config.widget_section import check_widget_names, read_widget
from frontdesk.flows.errors import FlowFileError, Problem, Severity
from frontdesk.flows.loader import load_demo_flows, load_flows, parse_flows
from frontdesk.flows.model import FlowSet
from frontdesk.textfile import UnreadableFile, read_utf8

TOP_KEYS = {"company", "numbers", "agents", "trunks", "sip", "teams", "queues", "widget"}
DEMO_FILE = "demo.yaml"
DEMO_SOURCE = "<built-in demo>"

__all__ = [
    "Attempt", "ConfigError", "Problem", "Setup", "Severity", "attempt_load", "check_company",
    "load_company", "load_demo_company", "load_demo_setup", "load_setup", "parse_company",
    "parse_setup", "read_setup",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Setup:
    """A company that loaded, the flows it runs, and what the checks advised."""

    company: Company
    flows: FlowSet
    warnings: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Attempt:
    """One reading of the files: the setup when there was no error, every problem found, and
    the files the company depends on (to watch), including named ones that do not exist."""

    setup: Setup | None
    problems: tuple[Problem, ...]
    files: tuple[Path, ...]


def read_setup(text: str, file: str, base: Path) -> Attempt:
    """Reads a company document; relative paths in it start at `base`."""
    r = Reader(file, base)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return Attempt(None, (Problem(file, line, f"not valid YAML: {reason}"),), ())
    if root is None:
        message = "the file is empty (expected a company description)"
        return Attempt(None, (Problem(file, 1, message),), ())
    company, entries = _read_company(r, root)
    files = [company.flows_file] if company.flows_file else []
    files += [Path(q.music) for q in company.queues if q.music]
    flows = _read_flows(r, company, entries)
    problems = sorted(r.problems, key=lambda p: (p.file != file, p.file, p.line))
    errors = any(p.severity is Severity.ERROR for p in problems)
    setup = None if errors or flows is None else Setup(company, flows, tuple(problems))
    return Attempt(setup, tuple(problems), tuple(files))


def _read_company(r: Reader, root: yaml.Node) -> tuple[Company, dict[str, list[yaml.Node]]]:
    top = r.mapping(root, "the company file")
    r.unknown_keys(top, TOP_KEYS, "the company file")
    if "company" not in top:
        r.problem(root, "'company' is missing (expected name and domain)")
    head = read_head(r, top["company"]) if "company" in top else NO_HEAD
    entries = {
        key: r.sequence(top.get(key), key) for key in TOP_KEYS - {"company", "sip", "widget"}
    }
    numbers = tuple(read_number(r, n) for n in entries["numbers"])
    if not numbers:
        r.problem(root, "no 'numbers': a company needs at least one number callers can dial")
    agents = tuple(read_agent(r, n) for n in entries["agents"])
    seen: dict[str, str] = {}
    for agent, node in zip(agents, entries["agents"], strict=True):
        if agent.extension in seen:
            r.problem(
                node,
                f"extension {agent.extension} is used by both {seen[agent.extension]}"
                f" and {agent.id}",
            )
        seen[agent.extension] = agent.id
    company = Company(
        name=head.name,
        domain=head.domain,
        numbers=numbers,
        agents=agents,
        trunks=tuple(read_trunk(r, n) for n in entries["trunks"]),
        source=r.file,
        digest_algorithms=read_sip(r, top["sip"]) if "sip" in top else ("MD5",),
        recording=head.recording,
        recording_notice=head.recording_notice,
        timezone=head.timezone,
        teams=tuple(read_team(r, n, head.timezone) for n in entries["teams"]),
        queues=tuple(read_queue(r, n) for n in entries["queues"]),
        flows_file=head.flows_file,
        demo_flows=head.demo_flows,
        crm=head.crm,
        smtp=head.smtp,
        dispositions=head.dispositions,
        widget=read_widget(r, top["widget"]) if "widget" in top else None,
    )
    crossref.check_names(r, company, entries)
    if "widget" in top:
        check_widget_names(r, company, top["widget"])
    crossref.check_staffing(r, company, entries["queues"])
    return company, entries


def _read_flows(r: Reader, company: Company, entries: dict[str, list[yaml.Node]]) -> FlowSet | None:
    """The flows the company runs, with their problems and cross-references added to `r`."""
    path = company.flows_file
    if path is not None and not path.is_file():
        return None  # already reported where `flows` is named
    try:
        if path is not None:
            flows = load_flows(path)
        elif company.demo_flows:
            flows = load_demo_flows()
        else:
            flows = parse_flows(starter_flows(company), STARTER_SOURCE)
    except FlowFileError as exc:
        r.problems.extend(exc.problems)
        return None
    r.problems.extend(flows.warnings)
    crossref.check_numbers_flows(r, company, flows, entries["numbers"])
    r.problems.extend(crossref.check_flows(company, flows, chosen=not company.demo_flows))
    return flows


def attempt_load(path: Path) -> Attempt:
    """Reads the company file at `path` without raising: the watcher and `check` use this."""
    try:
        text = read_utf8(path)
    except UnreadableFile as exc:
        return Attempt(None, (Problem(str(path), 1, str(exc)),), (path,))
    attempt = read_setup(text, str(path), path.parent)
    return Attempt(attempt.setup, attempt.problems, (path, *attempt.files))


def _setup_of(attempt: Attempt) -> Setup:
    if attempt.setup is None:
        raise ConfigError(list(attempt.problems))
    return attempt.setup


def load_setup(path: Path) -> Setup:
    """The company at `path` with its flows; raises ConfigError listing every problem."""
    return _setup_of(attempt_load(path))


def load_company(path: Path) -> Company:
    return load_setup(path).company


def check_company(path: Path) -> list[Problem]:
    """Every error and warning about the company file at `path` (empty: all is well)."""
    return list(attempt_load(path).problems)


def parse_setup(text: str, file: str, base: Path | None = None) -> Setup:
    """Checks a company document given as text; raises ConfigError listing every problem."""
    return _setup_of(read_setup(text, file, base if base is not None else Path(file).parent))


def parse_company(text: str, file: str, base: Path | None = None) -> Company:
    return parse_setup(text, file, base).company


def load_demo_setup() -> Setup:
    """The built-in demo company (config/demo.yaml) with the built-in demo flows."""
    package = resources.files("frontdesk.config")
    text = package.joinpath(DEMO_FILE).read_text(encoding="utf-8")
    return parse_setup(text, DEMO_SOURCE, Path(str(package)))


def load_demo_company() -> Company:
    return load_demo_setup().company


def company_or_demo(path: str | None) -> Company:
    """The company `frontdesk serve` would run: the file at `path`, or the demo company."""
    return load_company(Path(path)) if path else load_demo_company()


def company_flows(path: Path) -> FlowSet | None:
    """The flows a company file runs, or None when `path` is not a company file (no top-level
    `company:`). A company file with errors raises FlowFileError with every problem."""
    try:
        root = yaml.compose(read_utf8(path))
    except (UnreadableFile, yaml.YAMLError):
        return None  # not for this reader to say; the flows reader will
    if not isinstance(root, yaml.MappingNode):
        return None
    if not any(isinstance(k, yaml.ScalarNode) and k.value == "company" for k, _ in root.value):
        return None
    attempt = attempt_load(path)
    if attempt.setup is None:
        raise FlowFileError(list(attempt.problems))
    return attempt.setup.flows
