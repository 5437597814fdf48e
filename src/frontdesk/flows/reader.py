"""Reads flow YAML nodes into values, recording located problems instead of raising.

The YAML is composed to nodes so every value keeps its line; each helper converts one field,
and on a bad value records `file:line: what is wrong (what was expected)` and returns a
harmless stand-in, so that one pass lists every problem of a file.
"""

from __future__ import annotations

import yaml

from frontdesk.flows.errors import ExpressionSyntaxError, Problem, Severity
from frontdesk.flows.expr import Expr, parse
from frontdesk.flows.model import Text
from frontdesk.flows.template import Template, parse_template

Fields = dict[str, yaml.Node]


class Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(
        self, node: yaml.Node | None, message: str, severity: Severity = Severity.ERROR
    ) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.file, line, message, severity))

    def entries(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(name, key node, value node) of a mapping, in file order, without repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return []
        out: dict[str, tuple[str, yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in out:
                self.problem(key, f"{what}: key '{name}' appears twice")
            out[name] = (name, key, value)
        return list(out.values())

    def mapping(self, node: yaml.Node, what: str) -> Fields:
        return {name: value for name, _, value in self.entries(node, what)}

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)

    def unknown_keys(self, fields: Fields, allowed: set[str], what: str) -> None:
        for key, node in fields.items():
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                self.problem(node, f"{what}: unknown field '{key}' (expected one of: {expected})")

    def scalar(self, fields: Fields, key: str, where: yaml.Node, what: str) -> str | None:
        """A required non-empty scalar; None (after a problem) when absent or malformed."""
        node = fields.get(key)
        if node is None:
            self.problem(where, f"{what}: '{key}' is missing")
            return None
        if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() == "":
            self.problem(node, f"{what}: '{key}' must be a single non-empty value")
            return None
        return str(node.value)

    def optional_scalar(self, fields: Fields, key: str, what: str) -> str | None:
        if key not in fields:
            return None
        return self.scalar(fields, key, fields[key], what)

    def target(self, fields: Fields, key: str, where: yaml.Node, what: str) -> str:
        """A node id to continue at; "" when missing (the problem is recorded here)."""
        node = fields.get(key)
        if node is None:
            self.problem(where, f"{what}: '{key}' is missing (expected the id of a node)")
            return ""
        if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() == "":
            self.problem(node, f"{what}: '{key}' must be the id of a node")
            return ""
        return str(node.value)

    def optional_target(self, fields: Fields, key: str, what: str) -> str | None:
        if key not in fields:
            return None
        return self.target(fields, key, fields[key], what) or None

    def number(
        self, fields: Fields, key: str, default: float, bounds: tuple[float, float], what: str
    ) -> float:
        node = fields.get(key)
        if node is None:
            return default
        lo, hi = bounds
        try:
            value = float(str(node.value)) if isinstance(node, yaml.ScalarNode) else None
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            self.problem(node, f"{what}: '{key}' must be a number from {lo:g} to {hi:g}")
            return default
        return value

    def integer(
        self, fields: Fields, key: str, default: int, bounds: tuple[int, int], what: str
    ) -> int:
        node = fields.get(key)
        if node is None:
            return default
        lo, hi = bounds
        text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        if not text.lstrip("-").isdigit() or not lo <= int(text) <= hi:
            self.problem(node, f"{what}: '{key}' must be a whole number from {lo} to {hi}")
            return default
        return int(text)

    def expression(self, node: yaml.Node, what: str) -> Expr | None:
        if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() == "":
            self.problem(node, f'{what} must be an expression such as `crm.tier == "gold"`')
            return None
        text = str(node.value)
        try:
            return parse(text)
        except ExpressionSyntaxError as exc:
            self.problem(node, f"{what}: cannot read `{text}`: {exc}")
            return None

    def template(self, node: yaml.Node, what: str) -> Template | None:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be a text")
            return None
        text = str(node.value)
        try:
            return parse_template(text)
        except ExpressionSyntaxError as exc:
            self.problem(node, f"{what}: cannot read the text `{text}`: {exc}")
            return None

    def required_text(self, fields: Fields, key: str, where: yaml.Node, what: str) -> Text | None:
        if key not in fields:
            self.problem(where, f"{what}: '{key}' is missing (expected a text)")
            return None
        return self.text(fields[key], f"{what}: '{key}'")

    def optional_text(self, fields: Fields, key: str, what: str) -> Text | None:
        return self.text(fields[key], f"{what}: '{key}'") if key in fields else None

    def text(self, node: yaml.Node, what: str) -> Text | None:
        """A text in one language for all, or a mapping of language codes to texts."""
        if isinstance(node, yaml.ScalarNode):
            template = self.template(node, what)
            return Text((("", template),)) if template is not None else None
        variants: list[tuple[str, Template]] = []
        for language, value in self.mapping(node, what).items():
            if len(language) not in (2, 3) or not language.isalpha() or not language.islower():
                self.problem(value, f"{what}: '{language}' is not a language code like en or fr")
                continue
            template = self.template(value, f"{what} ({language})")
            if template is not None:
                variants.append((language, template))
        return Text(tuple(variants)) if variants else None
