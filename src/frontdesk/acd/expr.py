"""Skill requirement expressions: a tiny, safe language compiled once into Python closures.

Queues say which agents may take a caller with expressions such as
``language == contact.language and parcels >= 3``. They are never passed to `eval`: a
tokenizer and a recursive-descent parser build a small tree, which is compiled to closures.

Grammar, lowest precedence first::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand (("==" | "!=" | ">=" | "<=" | ">" | "<") operand)?
    operand    := NUMBER | STRING | "true" | "false" | NAME | "(" expr ")"

Meaning of names: a bare name is an agent attribute — a skill's proficiency (0 when the agent
lacks the skill), ``language`` (the set of languages the agent speaks; ``==`` on a set means
"contains") or ``id``. ``contact.<name>`` is an attribute of the caller; it is bound to a
constant when the caller is queued, so one compiled requirement serves every caller alike.
Comparing values of different kinds is false (``!=`` is true), never an error.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from frontdesk.acd.errors import ExpressionError

Value = int | float | str | bool | frozenset[str]
Attributes = Mapping[str, Value]
CONTACT_PREFIX = "contact."

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>\"[^\"]*\"|'[^']*')"
    r"|(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)|(?P<op>==|!=|>=|<=|>|<|\(|\)))"
)
_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


@dataclass(frozen=True, slots=True)
class Const:
    value: Value


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Const | Name | Compare | And | Or | Not


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            column = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise ExpressionError(
                f"cannot read {text!r}: unexpected character {text[column]!r} at column "
                f"{column + 1}"
            )
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def fail(self, why: str) -> ExpressionError:
        where = self.tokens[self.pos][2] + 1 if self.pos < len(self.tokens) else len(self.text)
        return ExpressionError(f"cannot read {self.text!r}: {why} at column {where}")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        if self.pos >= len(self.tokens):
            raise self.fail("the expression ends too early")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("an empty requirement is not allowed; write `true` for anyone")
        node = self.or_expr()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.peek()!r}")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek() == "or":
            self.pos += 1
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.peek() == "and":
            self.pos += 1
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self.peek() == "not":
            self.pos += 1
            return Not(self.not_expr())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        op = self.peek()
        if op in ("==", "!=", ">=", "<=", ">", "<"):
            self.pos += 1
            return Compare(op, left, self.operand())
        return left

    def operand(self) -> Node:
        kind, text, _ = self.take()
        if kind == "number":
            return Const(float(text) if "." in text else int(text))
        if kind == "string":
            return Const(text[1:-1])
        if kind == "name":
            if text in ("true", "false"):
                return Const(text == "true")
            if text in _KEYWORDS:
                self.pos -= 1
                raise self.fail(f"expected a value but found {text!r}")
            return Name(text)
        if text == "(":
            node = self.or_expr()
            if self.take()[1] != ")":
                self.pos -= 1
                raise self.fail("expected ')'")
            return node
        self.pos -= 1
        raise self.fail(f"expected a value but found {text!r}")


def parse(text: str) -> Node:
    """Parses an expression; raises ExpressionError saying where it went wrong."""
    return _Parser(text).parse()


def contact_names(node: Node) -> tuple[str, ...]:
    """The caller attributes (without the ``contact.`` prefix) an expression refers to."""
    found: list[str] = []
    _walk_names(node, found)
    return tuple(sorted({n[len(CONTACT_PREFIX) :] for n in found if n.startswith(CONTACT_PREFIX)}))


def agent_names(node: Node) -> tuple[str, ...]:
    """The agent attributes (skills, language, id) an expression refers to."""
    found: list[str] = []
    _walk_names(node, found)
    return tuple(sorted({n for n in found if not n.startswith(CONTACT_PREFIX)}))


def _walk_names(node: Node, found: list[str]) -> None:
    if isinstance(node, Name):
        found.append(node.name)
    elif isinstance(node, Compare):
        _walk_names(node.left, found)
        _walk_names(node.right, found)
    elif isinstance(node, And | Or):
        for item in node.items:
            _walk_names(item, found)
    elif isinstance(node, Not):
        _walk_names(node.item, found)


def truthy(value: Value) -> bool:
    return bool(value)


def compare(op: str, left: Value, right: Value) -> bool:
    """Compares two values with the language's rules (sets mean membership, kinds never mix)."""
    if isinstance(left, frozenset) or isinstance(right, frozenset):
        if op not in ("==", "!="):
            return False
        if isinstance(left, frozenset) and isinstance(right, frozenset):
            inside = bool(left & right)
        elif isinstance(left, frozenset):
            inside = right in left
        else:
            inside = isinstance(right, frozenset) and left in right
        return inside if op == "==" else not inside
    if isinstance(left, str) != isinstance(right, str):
        return op == "!="
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    return _ORDERING[op](left, right)


def bind(node: Node, contact: Attributes) -> Node:
    """Replaces ``contact.*`` names by the caller's values (missing ones become "") and folds."""
    if isinstance(node, Name):
        if node.name.startswith(CONTACT_PREFIX):
            return Const(contact.get(node.name[len(CONTACT_PREFIX) :], ""))
        return node
    if isinstance(node, Compare):
        left, right = bind(node.left, contact), bind(node.right, contact)
        if isinstance(left, Const) and isinstance(right, Const):
            return Const(compare(node.op, left.value, right.value))
        return Compare(node.op, left, right)
    if isinstance(node, Not):
        item = bind(node.item, contact)
        return Const(not truthy(item.value)) if isinstance(item, Const) else Not(item)
    if isinstance(node, And | Or):
        return _fold_junction(node, contact)
    return node


def _fold_junction(node: And | Or, contact: Attributes) -> Node:
    is_and = isinstance(node, And)
    kept: list[Node] = []
    for item in node.items:
        bound = bind(item, contact)
        if isinstance(bound, Const):
            if truthy(bound.value) != is_and:
                return Const(not is_and)
            continue
        kept.append(bound)
    if not kept:
        return Const(is_and)
    if len(kept) == 1:
        return kept[0]
    return And(tuple(kept)) if is_and else Or(tuple(kept))


def to_text(node: Node) -> str:
    """Canonical text of a tree; equal requirements give equal text."""
    if isinstance(node, Const):
        if isinstance(node.value, bool):
            return "true" if node.value else "false"
        if isinstance(node.value, str):
            return '"' + node.value + '"' if '"' not in node.value else "'" + node.value + "'"
        if isinstance(node.value, frozenset):
            raise ExpressionError("a set of values cannot be written as a constant")
        return repr(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Compare):
        return f"{_wrapped(node.left, 3)} {node.op} {_wrapped(node.right, 3)}"
    if isinstance(node, Not):
        return f"not {_wrapped(node.item, 2)}"
    joiner, level = (" and ", 1) if isinstance(node, And) else (" or ", 0)
    return joiner.join(_wrapped(item, level) for item in node.items)


def _binding(node: Node) -> int:
    """How tightly a node binds: or 0, and 1, not 2, comparison 3, operand 4."""
    if isinstance(node, Or):
        return 0
    if isinstance(node, And):
        return 1
    if isinstance(node, Not):
        return 2
    return 3 if isinstance(node, Compare) else 4


def _wrapped(node: Node, parent: int) -> str:
    text = to_text(node)
    return f"({text})" if _binding(node) <= parent else text


Test = Callable[[Attributes], bool]
_Getter = Callable[[Attributes], Value]


def compile_test(node: Node) -> Test:
    """Compiles a tree (with no ``contact.*`` names left) to a predicate on agent attributes."""
    if isinstance(node, Compare):
        left, right, op = _getter(node.left), _getter(node.right), node.op
        return lambda attrs: compare(op, left(attrs), right(attrs))
    if isinstance(node, And):
        tests = tuple(compile_test(item) for item in node.items)
        return lambda attrs: all(test(attrs) for test in tests)
    if isinstance(node, Or):
        tests = tuple(compile_test(item) for item in node.items)
        return lambda attrs: any(test(attrs) for test in tests)
    if isinstance(node, Not):
        inner = compile_test(node.item)
        return lambda attrs: not inner(attrs)
    get = _getter(node)
    return lambda attrs: truthy(get(attrs))


def _getter(node: Node) -> _Getter:
    if isinstance(node, Const):
        value = node.value
        return lambda attrs: value
    if isinstance(node, Name):
        if node.name.startswith(CONTACT_PREFIX):
            raise ExpressionError(f"{node.name} must be bound to a caller before compiling")
        name = node.name
        return lambda attrs: attrs.get(name, 0)
    test = compile_test(node)
    return lambda attrs: test(attrs)
