"""Text templates: `Hello {caller.first_name|there}` with expressions in braces and fallbacks.

A placeholder holds an expression (see `expr`), optionally followed by `|` and a fallback text
that is spoken when the value is missing or empty. `{{` and `}}` stand for literal braces.
Templates are parsed once at load time; rendering cannot fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontdesk.flows.errors import ExpressionSyntaxError
from frontdesk.flows.evaluate import evaluate
from frontdesk.flows.expr import Expr, names_used, parse
from frontdesk.flows.functions import Now


@dataclass(frozen=True, slots=True)
class Placeholder:
    expr: Expr
    fallback: str


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[str | Placeholder, ...]

    def render(self, names: Mapping[str, Any], now: Now) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                spoken = spoken_value(evaluate(part.expr, names, now))
                out.append(spoken if spoken else part.fallback)
        return "".join(out)

    def paths(self) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        for part in self.parts:
            if isinstance(part, Placeholder):
                found.extend(names_used(part.expr))
        return found


def spoken_value(value: Any) -> str:
    """How a value reads inside a sentence; missing, empty and structured values read as ""."""
    if value is None or isinstance(value, Mapping | bool):
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str | int):
        return str(value)
    if isinstance(value, Sequence):
        return ", ".join(spoken_value(item) for item in value if spoken_value(item))
    return ""


def _placeholder_end(text: str, start: int) -> tuple[int, int | None]:
    """Index of the closing brace of a placeholder opened at `start`, and of its '|' if any."""
    quote: str | None = None
    bar: int | None = None
    for index in range(start + 1, len(text)):
        char = text[index]
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "|" and bar is None:
            bar = index
        elif char == "}":
            return index, bar
    raise ExpressionSyntaxError("a '{' is not closed (write '{{' for a brace)", start + 1)


def parse_template(text: str) -> Template:
    """Reads a template; raises ExpressionSyntaxError with the column in the whole text."""
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "{}" and text.startswith(char * 2, index):
            literal.append(char)
            index += 2
            continue
        if char == "}":
            raise ExpressionSyntaxError(
                "a '}' has no opening '{' (write '}}' for a brace)", index + 1
            )
        if char != "{":
            literal.append(char)
            index += 1
            continue
        end, bar = _placeholder_end(text, index)
        source = text[index + 1 : bar if bar is not None else end]
        try:
            tree = parse(source)
        except ExpressionSyntaxError as exc:
            raise ExpressionSyntaxError(exc.reason, index + 1 + exc.column) from None
        if literal:
            parts.append("".join(literal))
            literal = []
        fallback = text[bar + 1 : end] if bar is not None else ""
        parts.append(Placeholder(tree, fallback))
        index = end + 1
    if literal:
        parts.append("".join(literal))
    return Template(text, tuple(parts))
