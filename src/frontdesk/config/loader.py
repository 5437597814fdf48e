"""Reads a company YAML file and checks it, reporting every problem with file and line.

The YAML is composed to nodes (not loaded to plain objects) so that each value keeps the line
it came from; every check reports `file:line: what is wrong (what was expected)`. All problems
are collected before failing, so `frontdesk check` can list them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from frontdesk import FrontdeskError
from frontdesk.config.company import Agent, Company, Number, RecordingPolicy, Trunk
from frontdesk.textfile import UnreadableFile, read_utf8


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(FrontdeskError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Reader:
    """Walks YAML nodes, converting values and recording problems instead of raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.file, line, message))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return {}
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            if key.value in out:
                self.problem(key, f"{what}: key '{key.value}' appears twice")
            out[str(key.value)] = value
        return out

    def sequence(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)

    def text(self, fields: dict[str, yaml.Node], key: str, where: yaml.Node, what: str) -> str:
        node = fields.get(key)
        if node is None:
            self.problem(where, f"{what}: '{key}' is missing (expected a text value)")
            return ""
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            self.problem(node, f"{what}: '{key}' must be a non-empty text value")
            return ""
        return str(node.value)

    def optional_text(
        self, fields: dict[str, yaml.Node], key: str, default: str | None
    ) -> str | None:
        node = fields.get(key)
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"'{key}' must be a text value")
            return default
        return str(node.value)

    def texts(
        self, fields: dict[str, yaml.Node], key: str, default: tuple[str, ...]
    ) -> tuple[str, ...]:
        node = fields.get(key)
        if node is None:
            return default
        items = self.sequence(node, f"'{key}'")
        return tuple(str(item.value) for item in items if isinstance(item, yaml.ScalarNode))

    def integer(
        self, fields: dict[str, yaml.Node], key: str, default: int, lo: int, hi: int
    ) -> int:
        node = fields.get(key)
        if node is None:
            return default
        try:
            value = int(str(node.value))
        except (TypeError, ValueError):
            self.problem(node, f"'{key}' must be a whole number from {lo} to {hi}")
            return default
        if not lo <= value <= hi:
            self.problem(node, f"'{key}' is {value}; expected a whole number from {lo} to {hi}")
        return value

    def unknown_keys(self, fields: dict[str, yaml.Node], allowed: set[str], what: str) -> None:
        for key, node in fields.items():
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                self.problem(node, f"{what}: unknown key '{key}' (expected one of: {expected})")


def _read_agent(r: _Reader, node: yaml.Node) -> Agent:
    f = r.mapping(node, "agent")
    allowed = {"id", "name", "extension", "password", "skills", "languages", "mobile"}
    r.unknown_keys(f, allowed, "agent")
    skills: list[tuple[str, int]] = []
    for skill_name, level_node in r.mapping(f["skills"], "skills").items() if "skills" in f else []:
        level = r.integer({skill_name: level_node}, skill_name, 1, 1, 5)
        skills.append((skill_name, level))
    extension = r.text(f, "extension", node, "agent")
    if extension and not extension.isdigit():
        r.problem(f["extension"], f"agent: extension '{extension}' must be digits only")
    return Agent(
        id=r.text(f, "id", node, "agent"),
        name=r.text(f, "name", node, "agent"),
        extension=extension,
        password=r.text(f, "password", node, "agent"),
        skills=tuple(skills),
        languages=r.texts(f, "languages", ("en",)),
        mobile=r.optional_text(f, "mobile", None),
    )


def _read_number(r: _Reader, node: yaml.Node) -> Number:
    f = r.mapping(node, "number")
    r.unknown_keys(
        f, {"number", "aliases", "flow", "language", "ring_s", "hangup_after_s"}, "number"
    )
    number = r.text(f, "number", node, "number")
    if number and not (number.startswith("+") and number[1:].isdigit()):
        r.problem(f.get("number"), f"number '{number}' must be in E.164 form, like +442079460100")
    return Number(
        number=number,
        aliases=r.texts(f, "aliases", ()),
        flow=r.optional_text(f, "flow", "main") or "main",
        language=r.optional_text(f, "language", "en") or "en",
        ring_s=r.integer(f, "ring_s", 0, 0, 120),
        hangup_after_s=r.integer(f, "hangup_after_s", 0, 1, 86400)
        if "hangup_after_s" in f
        else None,
    )


def _read_trunk(r: _Reader, node: yaml.Node) -> Trunk:
    f = r.mapping(node, "trunk")
    allowed = {"name", "host", "port", "transport", "username", "password", "register"}
    r.unknown_keys(f, allowed, "trunk")
    transport = r.optional_text(f, "transport", "udp") or "udp"
    if transport not in ("udp", "tcp"):
        r.problem(f.get("transport"), f"trunk: transport '{transport}' (expected udp or tcp)")
    register = (r.optional_text(f, "register", "false") or "false").lower() in ("true", "yes")
    return Trunk(
        name=r.text(f, "name", node, "trunk"),
        host=r.text(f, "host", node, "trunk"),
        port=r.integer(f, "port", 5060, 1, 65535),
        transport=transport,
        username=r.optional_text(f, "username", None),
        password=r.optional_text(f, "password", None),
        register=register,
    )


def _read_recording(r: _Reader, head: dict[str, yaml.Node]) -> RecordingPolicy:
    value = r.optional_text(head, "recording", None) or RecordingPolicy.NONE.value
    try:
        return RecordingPolicy(value)
    except ValueError:
        choices = " or ".join(p.value for p in RecordingPolicy)
        r.problem(head.get("recording"), f"company: recording '{value}' (expected {choices})")
        return RecordingPolicy.NONE


def parse_company(text: str, file: str) -> Company:
    """Checks a company document; raises ConfigError listing every problem found."""
    r = _Reader(file)
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(file, line, f"not valid YAML: {reason}")]) from None
    if root is None:
        raise ConfigError([Problem(file, 1, "the file is empty (expected a company description)")])
    top = r.mapping(root, "the company file")
    r.unknown_keys(top, {"company", "numbers", "agents", "trunks", "sip"}, "the company file")
    head = r.mapping(top["company"], "company") if "company" in top else {}
    r.unknown_keys(head, {"name", "domain", "recording"}, "company")
    recording = _read_recording(r, head)
    if "company" not in top:
        r.problem(root, "'company' is missing (expected name and domain)")
    numbers = tuple(_read_number(r, n) for n in r.sequence(top.get("numbers"), "numbers"))
    agents = tuple(_read_agent(r, n) for n in r.sequence(top.get("agents"), "agents"))
    trunks = tuple(_read_trunk(r, n) for n in r.sequence(top.get("trunks"), "trunks"))
    algorithms: tuple[str, ...] = ("MD5",)
    if "sip" in top:
        sip = r.mapping(top["sip"], "sip")
        r.unknown_keys(sip, {"digest_algorithms"}, "sip")
        algorithms = r.texts(sip, "digest_algorithms", algorithms)
        for name in algorithms:
            if name not in ("SHA-256", "SHA-512-256", "MD5"):
                r.problem(
                    sip.get("digest_algorithms"),
                    f"digest algorithm '{name}' (expected SHA-256, SHA-512-256 or MD5)",
                )
        if not algorithms:
            r.problem(sip.get("digest_algorithms"), "digest_algorithms must name at least one")
    if not numbers:
        r.problem(root, "no 'numbers': a company needs at least one number callers can dial")
    seen: dict[str, str] = {}
    for agent, node in zip(agents, r.sequence(top.get("agents"), "agents"), strict=False):
        if agent.extension in seen:
            r.problem(
                node,
                f"extension {agent.extension} is used by both {seen[agent.extension]}"
                f" and {agent.id}",
            )
        seen[agent.extension] = agent.id
    company = Company(
        name=r.text(head, "name", top.get("company", root), "company") if head else "",
        domain=r.optional_text(head, "domain", "frontdesk.local") or "frontdesk.local",
        numbers=numbers,
        agents=agents,
        trunks=trunks,
        source=file,
        digest_algorithms=algorithms,
        recording=recording,
    )
    if r.problems:
        raise ConfigError(r.problems)
    return company


def load_company(path: Path) -> Company:
    try:
        text = read_utf8(path)
    except UnreadableFile as exc:
        raise ConfigError([Problem(str(path), 1, str(exc))]) from None
    return parse_company(text, str(path))


def load_demo_company() -> Company:
    text = resources.files("frontdesk.config").joinpath("demo.yaml").read_text(encoding="utf-8")
    return parse_company(text, "<built-in demo>")
