"""Expressions, templates and helper functions: values, edge cases, syntax errors with columns."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.flows import ExpressionSyntaxError
from frontdesk.flows.evaluate import evaluate
from frontdesk.flows.expr import names_used, parse
from frontdesk.flows.functions import Now
from frontdesk.flows.template import parse_template

NOW = Now(dt.datetime(2025, 5, 14, 10, 30, tzinfo=ZoneInfo("Europe/London")), "en")
DATA = {
    "crm": {
        "name": "Susan",
        "tier": "gold",
        "services": ["parcels", "freight"],
        "cases": [
            {"topic": "billing", "opened": "2025-05-13", "status": "closed"},
            {"topic": "parcel", "opened": "2025-05-12", "status": "open"},
            {"topic": "old", "opened": "2025-04-01", "status": "open"},
        ],
        "account": {"team": "key"},
    },
    "vars": {"n": 3, "f": 2.5, "empty": ""},
}


def value(text: str) -> object:
    return evaluate(parse(text), DATA, NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-vars.n + 1", -2),
        ("7 % 4", 3),
        ("vars.n / 0", None),  # no crash on division by zero
        ('"a" + "b"', "ab"),
        ('"a" + 1', None),
        ("vars.f > vars.n", False),
        ('crm.tier == "gold" and not (vars.n < 2)', True),
        ('crm.tier == "silver" or vars.n >= 3', True),
        ('"freight" in crm.services', True),
        ('"pallets" not in crm.services', True),
        ('"old" in "gold"', True),
        ('"team" in crm.account', True),
        ("1 in 5", False),
        ("crm.missing.deeper", None),  # missing data reads as none, never an error
        ("crm.missing == none", True),
        ('vars.n == "3"', False),  # kinds never mix
        ('vars.n < "4"', False),
        ("true == 1", False),
        ("3 == 3.0", True),
        ("[1, 2, vars.n]", [1, 2, 3]),
        ("[]", []),
        ("len(crm.services)", 2),
        ("len(vars.n)", None),
        ('days_since("2025-05-11")', 3),
        ('days_since("not a date")', None),
        ("latest_open(crm.cases, 3).topic", "parcel"),
        ("latest_open(crm.cases, 1)", None),
        ("latest_open(vars.n, 3)", None),
        ('find(crm.cases, "topic", "old").opened', "2025-04-01"),
        ('find(crm.cases, "topic", "none")', None),
        ("today()", "2025-05-14"),
        ("hour()", 10),
        ("greeting()", "Good morning"),
        ('time_text("13:00")', "1 pm"),
        ('time_text("12:00")', "noon"),
        ('time_text("09:15")', "9:15 am"),
        ("time_text(17)", "5 pm"),
        ('time_text("soon")', None),
        ('date_text("2025-05-15")', "tomorrow"),
        ('date_text("2025-05-20")', "Tuesday 20 May"),
        ('digits_text("123")', "1 2 3"),
        ('starts_with("+33612", "+33")', True),
        ('luhn("79927398713")', True),  # the usual worked example of the Luhn check
        ('luhn("79927398710")', False),
        ('luhn("1")', False),
    ],
)
def test_values(text: str, expected: object) -> None:
    assert value(text) == expected


def test_french_and_german_phrasing_of_times_and_dates() -> None:
    french = Now(NOW.local, "fr")
    german = Now(NOW.local.replace(hour=19), "de")
    assert evaluate(parse('time_text("13:30")'), DATA, french) == "13 h 30"
    assert evaluate(parse('date_text("2025-05-20")'), DATA, french) == "le mardi 20 mai"
    assert evaluate(parse("greeting()"), DATA, german) == "Guten Abend"
    assert evaluate(parse('date_text("2025-05-13")'), DATA, german) == "gestern"


@pytest.mark.parametrize(
    ("text", "reason", "column"),
    [
        ("", "the expression is empty", 1),
        ("1 +", "expected a value but found the end of the expression", 4),
        ("(1", "expected ')' but found the end of the expression", 3),
        ("a b", "expected an operator or the end but found 'b'", 3),
        ("crm.", "expected a field name after '.' but found the end", 5),
        ("crm.and", "expected a field name after '.'", 5),
        ("a && b", "unexpected character '&'", 3),
        ("'open", "a quoted text is not closed", 1),
        ("and", "expected a value but found 'and'", 1),
        ("nope(1)", "unknown function 'nope'", 1),
        ("len(1, 2)", "len() takes 1 argument(s), not 2", 1),
        ("[1, 2", "expected ']'", 6),
    ],
)
def test_syntax_errors_say_what_and_where(text: str, reason: str, column: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    assert reason in info.value.reason
    assert info.value.column == column


def test_names_used_lists_data_paths() -> None:
    tree = parse('caller.first_name == "x" and len(vars.cases) > crm.limit.max')
    assert names_used(tree) == [
        ("caller", "first_name"),
        ("vars", "cases"),
        ("crm", "limit", "max"),
    ]


def test_templates_render_with_fallbacks_and_literal_braces() -> None:
    template = parse_template("Hi {crm.nickname|there}, {{not a placeholder}} {vars.n}x{vars.f}")
    assert template.render(DATA, NOW) == "Hi there, {not a placeholder} 3x2.5"
    assert parse_template("{vars.empty|nobody}").render(DATA, NOW) == "nobody"
    assert parse_template("{crm.services}").render(DATA, NOW) == "parcels, freight"
    assert parse_template("{crm.account}|{vars.n > 1}").render(DATA, NOW) == "|"
    assert parse_template('{"a|b"|c}').render(DATA, NOW) == "a|b"  # a bar in quotes is text


def test_template_errors_give_the_column_in_the_whole_text() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_template("Hello {caller.}")
    assert info.value.column == 15
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_template("Hello {caller")
    assert info.value.column == 7


@given(st.text(max_size=40))
def test_parsing_never_fails_other_than_with_a_syntax_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionSyntaxError as exc:
        assert 1 <= exc.column <= len(text) + 1
        return
    evaluate(tree, DATA, NOW)  # and evaluating whatever parses never raises
