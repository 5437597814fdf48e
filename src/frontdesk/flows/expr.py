"""Condition and value expressions of the flow language: tokenizer and recursive-descent parser.

Expressions are read once when a flows file is loaded, into a small tree that `evaluate`
walks; nothing is ever passed to Python's `eval`. Grammar, lowest precedence first::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") sum)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | postfix
    postfix    := primary ("." NAME)*
    primary    := NUMBER | STRING | "true" | "false" | "none" | NAME "(" args? ")"
                | NAME | "(" expr ")" | "[" args? "]"
    args       := expr ("," expr)*

Names are roots of the data (`caller`, `crm`, `vars`, ...); `.field` reads a mapping key.
Calls name one of the helpers in `functions.FUNCTIONS`, checked here for name and arity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.flows.errors import ExpressionSyntaxError
from frontdesk.flows.functions import ARITY

_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<number>\d+(?:\.\d+)?)|(?P<string>\"[^\"]*\"|'[^']*')"
    r"|(?P<name>[A-Za-z_]\w*)|(?P<op>==|!=|<=|>=|[<>+\-*/%().,\[\]])"
)
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "none"})
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, name, op, end
    text: str
    column: int  # 1-based


@dataclass(frozen=True, slots=True)
class Literal:
    value: object


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True, slots=True)
class Attr:
    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ListOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # arithmetic or comparison
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Logic:
    op: str  # "and" or "or"
    items: tuple[Expr, ...]


Expr = Literal | Name | Attr | Call | ListOf | Unary | Binary | Logic


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in "\"'":
                raise ExpressionSyntaxError("a quoted text is not closed", pos + 1)
            raise ExpressionSyntaxError(f"unexpected character {char!r}", pos + 1)
        kind = match.lastgroup or "op"
        if kind != "space":
            tokens.append(Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def is_op(self, *texts: str) -> bool:
        token = self.current
        return token.kind in ("op", "name") and token.text in texts

    def advance(self) -> Token:
        token = self.current
        if token.kind != "end":
            self.pos += 1
        return token

    def expect(self, text: str) -> None:
        if not self.is_op(text):
            raise self.unexpected(f"expected '{text}'")
        self.advance()

    def unexpected(self, expected: str) -> ExpressionSyntaxError:
        token = self.current
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        return ExpressionSyntaxError(f"{expected} but found {found}", token.column)

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise ExpressionSyntaxError("the expression is empty", 1)
        tree = self.or_expr()
        if self.current.kind != "end":
            raise self.unexpected("expected an operator or the end")
        return tree

    def or_expr(self) -> Expr:
        items = [self.and_expr()]
        while self.is_op("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Logic("or", tuple(items))

    def and_expr(self) -> Expr:
        items = [self.not_expr()]
        while self.is_op("and"):
            self.advance()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else Logic("and", tuple(items))

    def not_expr(self) -> Expr:
        if self.is_op("not"):
            self.advance()
            return Unary("not", self.not_expr())
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.sum()
        if self.is_op("not") and self.tokens[self.pos + 1].text == "in":
            self.pos += 2
            return Binary("not in", left, self.sum())
        if self.is_op(*COMPARISONS):
            op = self.advance().text
            return Binary(op, left, self.sum())
        return left

    def sum(self) -> Expr:
        tree = self.product()
        while self.is_op("+", "-"):
            op = self.advance().text
            tree = Binary(op, tree, self.product())
        return tree

    def product(self) -> Expr:
        tree = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.advance().text
            tree = Binary(op, tree, self.unary())
        return tree

    def unary(self) -> Expr:
        if self.is_op("-"):
            self.advance()
            return Unary("-", self.unary())
        tree = self.primary()
        while self.is_op("."):
            self.advance()
            token = self.current
            if token.kind != "name" or token.text in _KEYWORDS:
                raise self.unexpected("expected a field name after '.'")
            self.advance()
            tree = Attr(tree, token.text)
        return tree

    def primary(self) -> Expr:
        token = self.current
        if token.kind == "number":
            self.advance()
            return Literal(float(token.text) if "." in token.text else int(token.text))
        if token.kind == "string":
            self.advance()
            return Literal(token.text[1:-1])
        if token.kind == "name":
            return self.named()
        if self.is_op("("):
            self.advance()
            tree = self.or_expr()
            self.expect(")")
            return tree
        if self.is_op("["):
            self.advance()
            return ListOf(self.arguments("]"))
        raise self.unexpected("expected a value")

    def named(self) -> Expr:
        token = self.advance()
        constants = {"true": True, "false": False, "none": None}
        if token.text in constants:
            return Literal(constants[token.text])
        if token.text in _KEYWORDS:
            self.pos -= 1
            raise self.unexpected("expected a value")
        if not self.is_op("("):
            return Name(token.text, token.column)
        if token.text not in ARITY:
            known = ", ".join(sorted(ARITY))
            raise ExpressionSyntaxError(
                f"unknown function '{token.text}' (expected one of: {known})", token.column
            )
        self.advance()
        args = self.arguments(")")
        if len(args) != ARITY[token.text]:
            raise ExpressionSyntaxError(
                f"{token.text}() takes {ARITY[token.text]} argument(s), not {len(args)}",
                token.column,
            )
        return Call(token.text, args)

    def arguments(self, closing: str) -> tuple[Expr, ...]:
        args: list[Expr] = []
        if self.is_op(closing):
            self.advance()
            return ()
        args.append(self.or_expr())
        while self.is_op(","):
            self.advance()
            args.append(self.or_expr())
        self.expect(closing)
        return tuple(args)


def parse(text: str) -> Expr:
    """Reads an expression; raises ExpressionSyntaxError saying what and at which column."""
    return _Parser(text).parse()


def names_used(tree: Expr) -> list[tuple[str, ...]]:
    """Every data path read by an expression, e.g. ("caller", "first_name")."""
    found: list[tuple[str, ...]] = []
    _collect(tree, found)
    return found


def _collect(tree: Expr, found: list[tuple[str, ...]]) -> None:
    path = _path(tree)
    if path is not None:
        found.append(path)
    elif isinstance(tree, Attr):
        _collect(tree.target, found)
    elif isinstance(tree, Call | ListOf):
        for arg in tree.args if isinstance(tree, Call) else tree.items:
            _collect(arg, found)
    elif isinstance(tree, Unary):
        _collect(tree.operand, found)
    elif isinstance(tree, Binary):
        _collect(tree.left, found)
        _collect(tree.right, found)
    elif isinstance(tree, Logic):
        for item in tree.items:
            _collect(item, found)


def _path(tree: Expr) -> tuple[str, ...] | None:
    if isinstance(tree, Name):
        return (tree.name,)
    if isinstance(tree, Attr):
        inner = _path(tree.target)
        return None if inner is None else (*inner, tree.name)
    return None
