"""Walks the company file's YAML nodes, converting values and recording located problems.

The file is composed to nodes (not loaded to plain objects) so that each value keeps the line
it came from. Every helper converts one field; on a bad value it records
`file:line: what is wrong (what was expected)` and returns a harmless stand-in, so one pass
lists every problem of a file. Problems are the flow language's `Problem` (file, line,
message, severity), so flows-file findings and company-file findings share one list.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from frontdesk import FrontdeskError
from frontdesk.flows.errors import Problem, Severity

Fields = dict[str, yaml.Node]
NONE_WORDS = ("none", "null", "~")


class ConfigError(FrontdeskError):
    """The company file (or the flows file it names) has errors; `problems` lists them all,
    with the warnings found alongside."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR] or problems
        super().__init__("\n".join(str(p) for p in errors))


def line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def is_none(node: yaml.Node) -> bool:
    """`~`, `null` and the word `none` mean "not set"; an empty value does not (see callers)."""
    return isinstance(node, yaml.ScalarNode) and str(node.value).lower() in NONE_WORDS


class Reader:
    """Converts the fields of one company file; `base` is the folder relative paths start at."""

    def __init__(self, file: str, base: Path) -> None:
        self.file = file
        self.base = base
        self.problems: list[Problem] = []
        self._keys: dict[int, yaml.Node] = {}  # id of a value node -> its key node

    def key_of(self, value: yaml.Node) -> yaml.Node:
        """The key a value was read under (its line is where block values are announced)."""
        return self._keys.get(id(value), value)

    def problem(
        self, node: yaml.Node | None, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        self.problems.append(Problem(self.file, line_of(node), message, severity))

    def entries(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key, key node, value node) of a mapping in file order; repeated keys reported."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return []
        out: dict[str, tuple[str, yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in out:
                self.problem(key, f"{what}: key '{name}' appears twice")
            out[name] = (name, key, value)
            self._keys[id(value)] = key
        return list(out.values())

    def mapping(self, node: yaml.Node, what: str) -> Fields:
        return {name: value for name, _, value in self.entries(node, what)}

    def sequence(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)

    def unknown_keys(self, fields: Fields, allowed: set[str], what: str) -> None:
        for key, node in fields.items():
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                message = f"{what}: unknown key '{key}' (expected one of: {expected})"
                self.problem(self.key_of(node), message)

    def text(self, fields: Fields, key: str, where: yaml.Node, what: str) -> str:
        """A required non-empty scalar; "" after a problem when absent or malformed."""
        node = fields.get(key)
        if node is None:
            self.problem(where, f"{what}: '{key}' is missing (expected a text value)")
            return ""
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            self.problem(node, f"{what}: '{key}' must be a non-empty text value")
            return ""
        return str(node.value)

    def optional_text(
        self, fields: Fields, key: str, default: str | None, what: str = ""
    ) -> str | None:
        node = fields.get(key)
        if node is None:
            return default
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{_prefix(what)}'{key}' must be a text value")
            return default
        return str(node.value)

    def texts(
        self, fields: Fields, key: str, default: tuple[str, ...], what: str = ""
    ) -> tuple[str, ...]:
        node = fields.get(key)
        if node is None:
            return default
        out: list[str] = []
        for item in self.sequence(node, f"{_prefix(what)}'{key}'"):
            if not isinstance(item, yaml.ScalarNode) or item.value == "":
                self.problem(item, f"{_prefix(what)}each of '{key}' must be a non-empty text")
            else:
                out.append(str(item.value))
        return tuple(out)

    def integer(
        self, fields: Fields, key: str, default: int, lo: int, hi: int, what: str = ""
    ) -> int:
        node = fields.get(key)
        if node is None:
            return default
        text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        if not text.lstrip("-").isdigit():
            self.problem(node, f"{_prefix(what)}'{key}' must be a whole number from {lo} to {hi}")
            return default
        value = int(text)
        if not lo <= value <= hi:
            self.problem(
                node,
                f"{_prefix(what)}'{key}' is {value}; expected a whole number from {lo} to {hi}",
            )
            return default
        return value

    def number(
        self, fields: Fields, key: str, default: float, bounds: tuple[float, float], what: str
    ) -> float:
        node = fields.get(key)
        if node is None:
            return default
        lo, hi = bounds
        value = _float(node)
        if value is None or not lo <= value <= hi:
            self.problem(node, f"{_prefix(what)}'{key}' must be a number from {lo:g} to {hi:g}")
            return default
        return value

    def optional_number(
        self,
        fields: Fields,
        key: str,
        default: float | None,
        bounds: tuple[float, float],
        what: str,
    ) -> float | None:
        """Like `number`, but `none` (or null) turns the setting off."""
        node = fields.get(key)
        if node is None:
            return default
        if is_none(node):
            return None
        lo, hi = bounds
        value = _float(node)
        if value is None or not lo <= value <= hi:
            self.problem(
                node, f"{_prefix(what)}'{key}' must be a number from {lo:g} to {hi:g}, or none"
            )
            return default
        return value

    def boolean(self, fields: Fields, key: str, default: bool, what: str = "") -> bool:
        node = fields.get(key)
        if node is None:
            return default
        if not (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":bool")):
            self.problem(node, f"{_prefix(what)}'{key}' must be true or false")
            return default
        return str(node.value).lower() in ("true", "yes", "on")

    def choice(self, fields: Fields, key: str, default: str, choices: list[str], what: str) -> str:
        """One of `choices`, spelled exactly."""
        value = self.optional_text(fields, key, default, what) or default
        if value not in choices:
            listed = ", ".join(choices[:-1]) + " or " + choices[-1]
            self.problem(fields.get(key), f"{_prefix(what)}{key} '{value}' (expected {listed})")
            return default
        return value

    def path(self, fields: Fields, key: str, what: str) -> Path | None:
        """A file that must exist, relative to the company file's folder."""
        text = self.optional_text(fields, key, None, what)
        if not text:
            if key in fields:
                self.problem(fields[key], f"{_prefix(what)}'{key}' must name a file")
            return None
        path = self.base / Path(text).expanduser()
        if not path.is_file():
            self.problem(
                fields[key],
                f"{_prefix(what)}{key} file '{text}' does not exist"
                f" (looked for {path}; relative paths start at the company file's folder)",
            )
        return path


def _prefix(what: str) -> str:
    return f"{what}: " if what else ""


def _float(node: yaml.Node) -> float | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":bool"):
        return None
    try:
        return float(str(node.value))
    except ValueError:
        return None
