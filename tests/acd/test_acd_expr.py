"""Skill requirement expressions: grammar, meaning, errors, canonical text and binding.

The oracle for the numeric subset is Python itself: the grammar is a subset of Python's
expression syntax (and/or/not, one comparison, names, numbers, parentheses) with the same
precedence, so `eval` with missing names read as 0 gives the expected truth value.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.acd import ExpressionError, expr

NAMES = ["parcels", "billing", "french", "vip"]


def evaluate(text: str, attrs: dict[str, expr.Value]) -> bool:
    node = expr.parse(text)
    return expr.compile_test(expr.bind(node, {}))(attrs)


@pytest.mark.parametrize(
    ("text", "attrs", "expected"),
    [
        ('language == "fr" and parcels >= 3', {"language": frozenset({"fr"}), "parcels": 3}, True),
        ('language == "fr" and parcels >= 3', {"language": frozenset({"en"}), "parcels": 5}, False),
        ('language != "de"', {"language": frozenset({"fr", "en"})}, True),
        ("parcels >= 1", {}, False),  # a skill the agent lacks counts as proficiency 0
        ("not parcels", {}, True),
        ("parcels", {"parcels": 2}, True),
        ("parcels >= 1 or billing >= 4", {"billing": 4}, True),
        ("not (parcels >= 1 or billing >= 4)", {"billing": 4}, False),
        ('id == "ann"', {"id": "ann"}, True),
        ('parcels == "3"', {"parcels": 3}, False),  # kinds never mix
        ('parcels != "3"', {"parcels": 3}, True),
        ('parcels < "3"', {"parcels": 3}, False),
        ("language >= 1", {"language": frozenset({"fr"})}, False),
        ("true", {}, True),
        ("false or billing > 2.5", {"billing": 3}, True),
    ],
)
def test_meaning(text: str, attrs: dict[str, expr.Value], expected: bool) -> None:
    assert evaluate(text, attrs) is expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty requirement"),
        ("parcels >=", "ends too early"),
        ("parcels >= 3 and", "ends too early"),
        ("(parcels >= 3", "ends too early"),
        ("parcels 3", "unexpected '3' at column 9"),
        ("parcels ! 3", "unexpected character '!' at column 9"),
        ("parcels >= 'x", "unexpected character"),
        ("and parcels", "expected a value but found 'and' at column 1"),
        ("parcels >= )", "expected a value but found ')'"),
        ("(parcels >= 1 billing", "expected ')'"),
    ],
)
def test_errors_say_where(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        expr.parse(text)
    assert fragment in str(caught.value)


def test_contact_names_are_bound_and_folded() -> None:
    node = expr.parse("language == contact.language and (contact.vip == 1 or parcels >= 3)")
    assert expr.contact_names(node) == ("language", "vip")
    assert expr.agent_names(node) == ("language", "parcels")
    assert expr.to_text(expr.bind(node, {"language": "fr", "vip": 1})) == 'language == "fr"'
    assert (
        expr.to_text(expr.bind(node, {"language": "fr", "vip": 0}))
        == 'language == "fr" and parcels >= 3'
    )
    assert expr.to_text(expr.bind(node, {})) == 'language == "" and parcels >= 3'


def test_unbound_contact_names_cannot_be_compiled() -> None:
    with pytest.raises(ExpressionError, match="must be bound"):
        expr.compile_test(expr.parse("contact.vip == 1"))


def _operand() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NAMES), st.integers(0, 5).map(str), st.sampled_from(["true", "false"])
    )


def _comparison() -> st.SearchStrategy[str]:
    ops = st.sampled_from(["==", "!=", ">=", "<=", ">", "<"])
    return st.one_of(_operand(), st.tuples(_operand(), ops, _operand()).map(lambda t: " ".join(t)))


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(" ".join),
        children.map(lambda c: f"not ({c})"),
    )


EXPRESSIONS = st.recursive(_comparison(), _combine, max_leaves=8)
SKILLS = st.dictionaries(st.sampled_from(NAMES), st.integers(1, 5))


def python_oracle(text: str, skills: dict[str, int]) -> bool:
    code = text.replace("true", "True").replace("false", "False")
    scope: defaultdict[str, int] = defaultdict(int, skills)
    return bool(eval(code, {"__builtins__": {}}, scope))  # the oracle, on generated text only


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS, SKILLS)
def test_agrees_with_python_on_the_numeric_subset(text: str, skills: dict[str, int]) -> None:
    attrs: dict[str, expr.Value] = dict(skills)
    assert evaluate(text, attrs) == python_oracle(text, skills)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS, SKILLS)
def test_canonical_text_round_trips(text: str, skills: dict[str, int]) -> None:
    node = expr.parse(text)
    canonical = expr.to_text(node)
    assert expr.parse(canonical) == node
    attrs: dict[str, expr.Value] = dict(skills)
    assert evaluate(canonical, attrs) == evaluate(text, attrs)


@settings(max_examples=200, deadline=None)
@given(EXPRESSIONS, SKILLS, st.integers(0, 5))
def test_binding_preserves_meaning(text: str, skills: dict[str, int], vip: int) -> None:
    with_contact = text.replace("vip", "contact.vip")
    bound = expr.bind(expr.parse(with_contact), {"vip": vip})
    attrs: dict[str, expr.Value] = {k: v for k, v in skills.items() if k != "vip"}
    expected = python_oracle(text, {**attrs, "vip": vip})  # type: ignore[dict-item]
    assert expr.compile_test(bound)(attrs) == expected
