"""Evaluates parsed flow expressions against caller, CRM and flow data.

Evaluation never raises on data: a missing field reads as `none`, a field of something that is
not a mapping is `none`, arithmetic on non-numbers or division by zero gives `none`, and
comparing values of different kinds is simply false. A live caller must never hit a crash
because a CRM record lacks a field.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from frontdesk.flows.expr import Attr, Binary, Call, Expr, ListOf, Literal, Logic, Name, Unary
from frontdesk.flows.functions import FUNCTIONS, Now

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def evaluate(tree: Expr, names: Mapping[str, Any], now: Now) -> Any:
    """The value of an expression; `names` maps roots (caller, crm, vars, ...) to data."""
    if isinstance(tree, Literal):
        return tree.value
    if isinstance(tree, Name):
        return names.get(tree.name)
    if isinstance(tree, Attr):
        target = evaluate(tree.target, names, now)
        return target.get(tree.name) if isinstance(target, Mapping) else None
    if isinstance(tree, Call):
        function, _ = FUNCTIONS[tree.function]
        return function(now, *(evaluate(arg, names, now) for arg in tree.args))
    if isinstance(tree, ListOf):
        return [evaluate(item, names, now) for item in tree.items]
    if isinstance(tree, Unary):
        value = evaluate(tree.operand, names, now)
        if tree.op == "not":
            return not value
        return -value if _is_number(value) else None
    if isinstance(tree, Logic):
        if tree.op == "and":
            return all(evaluate(item, names, now) for item in tree.items)
        return any(evaluate(item, names, now) for item in tree.items)
    return _binary(tree, names, now)


def truth(tree: Expr, names: Mapping[str, Any], now: Now) -> bool:
    return bool(evaluate(tree, names, now))


def _binary(tree: Binary, names: Mapping[str, Any], now: Now) -> Any:
    left = evaluate(tree.left, names, now)
    right = evaluate(tree.right, names, now)
    op = tree.op
    if op in _ARITHMETIC:
        return _arithmetic(op, left, right)
    if op in ("==", "!="):
        same = _equal(left, right)
        return same if op == "==" else not same
    if op in ("in", "not in"):
        inside = _contains(right, left)
        return inside if op == "in" else not inside
    both_numbers = _is_number(left) and _is_number(right)
    both_texts = isinstance(left, str) and isinstance(right, str)
    return (both_numbers or both_texts) and _ORDERING[op](left, right)


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (_is_number(left) and _is_number(right)):
        return None
    if op in ("/", "%") and right == 0:
        return None
    return _ARITHMETIC[op](left, right)


def _equal(left: Any, right: Any) -> bool:
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is not type(right) and not (
        isinstance(left, Mapping) and isinstance(right, Mapping)
    ):
        return False
    return bool(left == right)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, Mapping):
        return isinstance(item, str) and item in container
    if isinstance(container, Sequence):
        return any(_equal(item, member) for member in container)
    return False
