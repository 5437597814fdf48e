"""Every error and warning the flows loader and validator give, each at its file line.

Each case is a small flows document; the line the problem must be reported on carries a
`#<` marker, and the message must contain the given fragment.
"""

from __future__ import annotations

import pytest
from flowcase import marked_line, problems_of

from frontdesk.flows import FlowFileError, Severity, parse_flows

E, W = Severity.ERROR, Severity.WARNING

OK_TAIL = """
    bye: {type: hangup}
"""


def one_node(node: str) -> str:
    """A flow whose start node is `node` (YAML flow mapping), leading to `bye`."""
    return f"main:\n  nodes:\n    a: {node}\n    bye: {{type: hangup}}\n"


CASES: list[tuple[str, str, str, Severity]] = [
    # -- the document and the flows ----------------------------------------------------------
    ("yaml", "main:\n  nodes: x\n y: 2  #<\n", "not valid YAML", E),
    ("empty", "#<\n", "the file is empty", E),
    ("not a mapping", "- a  #<\n", "the flows file must be a mapping", E),
    ("no flow", "{}  #<\n", "defines no flow", E),
    ("flow not a mapping", "main: 3  #<\n", "flow 'main' must be a mapping", E),
    ("no nodes", "main:  #<\n  start: a\n", "'nodes' is missing", E),
    ("empty nodes", "main:\n  nodes: {}  #<\n", "has no nodes", E),
    (
        "flow field",
        "main:\n  colour: red  #<\n  nodes:\n    a: {type: hangup}\n",
        "unknown field 'colour'",
        E,
    ),
    (
        "twice",
        "main:\n  nodes:\n    a: {type: hangup}\n    a: {type: hangup}  #<\n",
        "key 'a' appears twice",
        E,
    ),
    (
        "no languages",
        "main:\n  languages: []  #<\n  nodes:\n    a: {type: hangup}\n",
        "'languages' must name at least one",
        E,
    ),
    (
        "languages not a list",
        "main:\n  languages: en  #<\n  nodes:\n    a: {type: hangup}\n",
        "'languages' must be a list",
        E,
    ),
    (
        "flow timezone",
        "main:\n  timezone: Mars/Olympus  #<\n  nodes:\n    a: {type: hangup}\n",
        "unknown timezone 'Mars/Olympus'",
        E,
    ),
    (
        "phrases",
        "main:  #<\n  languages: [en, xx]\n  nodes:\n    a: {type: hangup}\n",
        "no built-in phrases for 'xx'",
        W,
    ),
    (
        "start",
        "main:  #<\n  start: zz\n  nodes:\n    a: {type: hangup}\n",
        "start node 'zz' does not exist",
        E,
    ),
    # -- nodes in general ---------------------------------------------------------------------
    ("node not a mapping", "main:\n  nodes:\n    a: 3  #<\n", "node 'a' must be a mapping", E),
    ("node empty", "main:\n  nodes:\n    a: {}  #<\n", "node 'a' is empty", E),
    ("no type", one_node("{next: bye}  #<"), "'type' is missing", E),
    ("type", one_node("{type: sing, next: bye}  #<"), "unknown type 'sing'", E),
    (
        "field",
        one_node("{type: say, text: hi, next: bye, loud: yes}  #<"),
        "unknown field 'loud'",
        E,
    ),
    ("no text", one_node("{type: say, next: bye}  #<"), "'text' is missing", E),
    ("no next", one_node("{type: say, text: hi}  #<"), "'next' is missing", E),
    ("bad next", one_node("{type: say, text: hi, next: [bye]}  #<"), "must be the id of a node", E),
    ("target", one_node("{type: say, text: hi, next: nowhere}  #<"), "points to 'nowhere'", E),
    (
        "scalar",
        one_node("{type: gather, prompt: p, into: [x], next: bye, on_fail: bye}  #<"),
        "must be a single non-empty value",
        E,
    ),
    (
        "variable",
        one_node("{type: gather, prompt: p, into: 9x, next: bye, on_fail: bye}  #<"),
        "'9x' is not a variable name",
        E,
    ),
    (
        "number",
        one_node(
            "{type: lookup, source: crm, key: k, into: r, next: bye, on_error: bye, "
            "timeout_s: 99}  #<"
        ),
        "must be a number from 0.1 to 30",
        E,
    ),
    (
        "integer",
        one_node("{type: survey, next: bye, retries: 9}  #<"),
        "'retries' must be a whole number from 0 to 5",
        E,
    ),
    (
        "template syntax",
        one_node("{type: say, text: 'Hi {caller.name', next: bye}  #<"),
        "'{' is not closed",
        E,
    ),
    ("lone brace", one_node("{type: say, text: 'Hi }', next: bye}  #<"), "has no opening '{'", E),
    ("template kind", one_node("{type: queue, queue: [a, b]}  #<"), "'queue' must be a text", E),
    (
        "language code",
        one_node("{type: say, text: {EN: hi}, next: bye}  #<"),
        "'EN' is not a language code",
        E,
    ),
    # -- expressions -------------------------------------------------------------------------
    (
        "expression",
        "main:\n  nodes:\n    a:\n      type: branch\n      cases:\n"
        "        - {if: 'crm.tier === 1', goto: bye}  #<\n      else: bye\n" + OK_TAIL,
        "cannot read `crm.tier === 1`: unexpected character '=' at column 12",
        E,
    ),
    (
        "function",
        "main:\n  nodes:\n    a:\n      type: branch\n      cases:\n"
        "        - {if: 'shout(1)', goto: bye}  #<\n      else: bye\n" + OK_TAIL,
        "unknown function 'shout'",
        E,
    ),
    (
        "arity",
        "main:\n  nodes:\n    a:\n      type: branch\n      cases:\n"
        "        - {if: 'days_since()', goto: bye}  #<\n      else: bye\n" + OK_TAIL,
        "days_since() takes 1 argument(s), not 0",
        E,
    ),
    (
        "empty expression",
        one_node("{type: survey, next: bye}\n    b: {type: set, vars: {x: ''}, next: bye}  #<"),
        "must be an expression",
        E,
    ),
    (
        "quote",
        one_node("{type: set, vars: {x: '\"abc'}, next: bye}  #<"),
        "quoted text is not closed",
        E,
    ),
    (
        "character",
        one_node("{type: set, vars: {x: 'a & b'}, next: bye}  #<"),
        "unexpected character '&' at column 3",
        E,
    ),
    # -- menus ---------------------------------------------------------------------------------
    ("no options", one_node("{type: menu, on_fail: bye}  #<"), "'options' is missing", E),
    (
        "zero options",
        one_node("{type: menu, options: [], on_fail: bye}  #<"),
        "at least one option",
        E,
    ),
    (
        "options list",
        one_node("{type: menu, options: {a: 1}, on_fail: bye}  #<"),
        "'options' must be a list",
        E,
    ),
    (
        "key",
        one_node("{type: menu, options: [{key: '12', label: x, goto: bye}], on_fail: bye}  #<"),
        "key '12' must be one of 0-9",
        E,
    ),
    (
        "mixed keys",
        one_node(
            "{type: menu, on_fail: bye, options: [{key: '1', label: x, goto: bye},"
            " {label: y, goto: bye}]}  #<"
        ),
        "give every option a 'key' or none",
        E,
    ),
    (
        "same key",
        one_node(
            "{type: menu, on_fail: bye, options: [{key: '1', label: x, goto: bye},"
            " {key: '1', label: y, goto: bye}]}  #<"
        ),
        "key '1' is used by two",
        E,
    ),
    (
        "option label",
        one_node("{type: menu, on_fail: bye, options: [{goto: bye}]}  #<"),
        "option: 'label' is missing",
        E,
    ),
    (
        "option field",
        one_node("{type: menu, on_fail: bye, options: [{label: x, goto: bye, say: z}]}  #<"),
        "unknown field 'say'",
        E,
    ),
    (
        "option target",
        "main:\n  nodes:\n    a:\n      type: menu\n      on_fail: bye\n"
        "      options:\n        - {label: x, goto: nope}  #<\n" + OK_TAIL,
        "option 1 'goto' points to 'nope'",
        E,
    ),
    (
        "wide",
        "main:\n  nodes:\n    a:  #<\n      type: menu\n      on_fail: bye\n      options:\n"
        + "".join(f"        - {{label: o{i}, goto: bye}}\n" for i in range(6))
        + OK_TAIL,
        "menu 'a' has 6 options; keep menus to 5",
        W,
    ),
    (
        "deep",
        "main:\n  nodes:\n"
        + "".join(
            f"    m{i}: {{type: menu, on_fail: bye, options: [{{label: x, goto: m{i + 1}}}]}}\n"
            for i in range(3)
        )
        + "    m3: {type: menu, on_fail: bye, options: [{label: x, goto: bye}]}  #<\n"
        + OK_TAIL,
        "menu 'm3' is 4 levels deep (m0 > m1 > m2 > m3)",
        W,
    ),
    # -- gather, lookup, branch ---------------------------------------------------------------
    (
        "digits",
        one_node(
            "{type: gather, prompt: p, into: x, next: bye, on_fail: bye, min_digits: 5,"
            " max_digits: 3}  #<"
        ),
        "'min_digits' (5) is more than 'max_digits' (3)",
        E,
    ),
    (
        "terminator",
        one_node(
            "{type: gather, prompt: p, into: x, next: bye, on_fail: bye, terminator: '0'}  #<"
        ),
        "'terminator' must be #, * or none",
        E,
    ),
    (
        "source",
        one_node("{type: lookup, source: ldap, key: k, into: r, next: bye, on_error: bye}  #<"),
        "source 'ldap' (expected crm or http)",
        E,
    ),
    (
        "needs url",
        one_node("{type: lookup, source: http, into: r, next: bye, on_error: bye}  #<"),
        "a http lookup needs 'url'",
        E,
    ),
    (
        "takes no",
        one_node(
            "{type: lookup, source: crm, key: k, url: u, into: r, next: bye, on_error: bye}  #<"
        ),
        "a crm lookup takes no 'url'",
        E,
    ),
    (
        "no fallback",
        one_node("{type: lookup, source: crm, key: k, into: r, next: bye}  #<"),
        "'on_error' is missing",
        E,
    ),
    ("cases", one_node("{type: branch, else: bye}  #<"), "'cases' is missing", E),
    (
        "case if",
        "main:\n  nodes:\n    a:\n      type: branch\n      cases:\n"
        "        - {goto: bye}  #<\n      else: bye\n" + OK_TAIL,
        "case: 'if' is missing",
        E,
    ),
    (
        "case kind",
        one_node("{type: branch, cases: [{if: [1], goto: bye}], else: bye}  #<"),
        "must be an expression",
        E,
    ),
    # -- hours ---------------------------------------------------------------------------------
    ("weekly", one_node("{type: hours, open: bye, closed: bye}  #<"), "'weekly' is missing", E),
    (
        "day",
        one_node("{type: hours, open: bye, closed: bye, weekly: {funday: closed}}  #<"),
        "unknown day 'funday'",
        E,
    ),
    (
        "range",
        one_node("{type: hours, open: bye, closed: bye, weekly: {mon: '9 to 5'}}  #<"),
        "'9 to 5' is not a time range",
        E,
    ),
    (
        "impossible",
        one_node("{type: hours, open: bye, closed: bye, weekly: {mon: '09:00-25:00'}}  #<"),
        "has an impossible time",
        E,
    ),
    (
        "backwards",
        one_node("{type: hours, open: bye, closed: bye, weekly: {mon: '17:00-09:00'}}  #<"),
        "ends before it starts",
        E,
    ),
    (
        "overlap",
        one_node(
            "{type: hours, open: bye, closed: bye, weekly: {mon: '09:00-13:00, 12:00-17:00'}}  #<"
        ),
        "overlap",
        E,
    ),
    (
        "holiday",
        one_node(
            "{type: hours, open: bye, closed: bye, weekly: {mon: closed}, "
            "holidays: [christmas]}  #<"
        ),
        "holiday 'christmas' is not a date",
        E,
    ),
    (
        "node timezone",
        one_node(
            "{type: hours, timezone: Nowhere, open: bye, closed: bye, weekly: {mon: closed}}  #<"
        ),
        "unknown timezone 'Nowhere'",
        E,
    ),
    # -- set, queue, callback, transfer, forward ------------------------------------------------
    ("vars", one_node("{type: set, next: bye}  #<"), "'vars' is missing", E),
    (
        "vars mapping",
        one_node("{type: set, vars: [a], next: bye}  #<"),
        "'vars' must be a mapping",
        E,
    ),
    (
        "var name",
        one_node("{type: set, vars: {a-b: '1'}, next: bye}  #<"),
        "'a-b' is not a variable name",
        E,
    ),
    (
        "skill",
        one_node("{type: queue, queue: q, skills: {parcels: 7}}  #<"),
        "'parcels' must be a whole number from 1 to 5",
        E,
    ),
    (
        "window day",
        one_node(
            "{type: callback, queue: q, windows: [{label: x, day: monday, "
            "from: '09:00', to: '10:00'}]}  #<"
        ),
        "day 'monday' (expected today",
        E,
    ),
    (
        "window time",
        one_node("{type: callback, queue: q, windows: [{label: x, from: '9am', to: '10:00'}]}  #<"),
        "'from' is '9am' (expected a time",
        E,
    ),
    (
        "window order",
        one_node(
            "{type: callback, queue: q, windows: [{label: x, from: '11:00', to: '10:00'}]}  #<"
        ),
        "window: it ends before it starts",
        E,
    ),
    (
        "windows",
        one_node(
            "{type: callback, queue: q, windows: ["
            + ", ".join("{label: x, from: '09:00', to: '10:00'}" for _ in range(9))
            + "]}  #<"
        ),
        "at most 8 windows",
        E,
    ),
    (
        "transfer",
        one_node("{type: transfer, agent: bob, team: sales}  #<"),
        "exactly one of 'number', 'agent' or 'team'",
        E,
    ),
    (
        "forward",
        one_node("{type: forward}  #<"),
        "exactly one of 'number' (a mobile) or 'agent'",
        E,
    ),
    ("voicemail", one_node("{type: voicemail, team: t}  #<"), "'promise' is missing", E),
    # -- paths and loops -----------------------------------------------------------------------
    (
        "unreachable",
        "main:\n  nodes:\n    a: {type: hangup}\n    lost: {type: hangup}  #<\n",
        "node 'lost' can never be reached from 'a'",
        W,
    ),
    (
        "never ends",
        "main:\n  nodes:\n    a: {type: say, text: hi, next: m}  #<\n"
        "    m: {type: menu, on_fail: a, options: [{label: x, goto: a}]}\n",
        "no path from 'a', 'm' ever ends the call",
        E,
    ),
    (
        "missing expression",
        "main:\n  nodes:\n    a: {type: say, text: hi, next: b}\n"
        "    b: {type: branch, cases: [{if: 'x ==', goto: bye}], else: bye}  #<\n" + OK_TAIL,
        "expected a value but found the end of the expression at column 5",
        E,
    ),
    (
        "silent loop",
        "main:\n  nodes:\n    a: {type: say, text: hi, next: b}\n"
        "    b:  #<\n      type: branch\n      cases: [{if: 'crm.x', goto: bye}]\n      else: c\n"
        "    c: {type: say, text: again, next: b}\n" + OK_TAIL,
        "nodes b -> c -> b loop without asking the caller anything",
        E,
    ),
    (
        "self loop",
        "main:\n  nodes:\n    a: {type: lookup, source: crm, key: k, into: r, next: bye,"
        " on_error: a}  #<\n" + OK_TAIL,
        "nodes a -> a loop without asking",
        E,
    ),
    # -- names and languages -------------------------------------------------------------------
    (
        "unknown name",
        one_node("{type: say, text: 'Hi {customer.name}', next: bye}  #<"),
        "unknown name 'customer'",
        W,
    ),
    (
        "bare root",
        one_node("{type: say, text: 'Hi {caller}', next: bye}  #<"),
        "'caller' needs a field",
        W,
    ),
    (
        "caller field",
        one_node("{type: say, text: 'Hi {caller.nickname}', next: bye}  #<"),
        "'caller.nickname' is not a caller field",
        W,
    ),
    (
        "never set",
        one_node("{type: say, text: 'Hi {vars.who}', next: bye}  #<"),
        "'vars.who' is never set",
        W,
    ),
    (
        "input outside",
        one_node("{type: branch, cases: [{if: 'input == 1', goto: bye}], else: bye}  #<"),
        "unknown name 'input'",
        W,
    ),
    (
        "translation",
        "main:\n  languages: [en, fr]\n  nodes:\n"
        "    a: {type: say, text: {en: hi}, next: bye}  #<\n" + OK_TAIL,
        "has no fr version",
        W,
    ),
    (
        "extra language",
        "main:\n  nodes:\n    a: {type: say, text: {en: hi, de: hallo}, next: bye}  #<\n" + OK_TAIL,
        "written in de, which the flow does not speak",
        W,
    ),
]


@pytest.mark.parametrize(
    ("text", "fragment", "severity"),
    [pytest.param(text, fragment, severity, id=name) for name, text, fragment, severity in CASES],
)
def test_each_problem_is_reported_at_its_line(text: str, fragment: str, severity: Severity) -> None:
    problems = problems_of(text)
    line = marked_line(text)
    matching = [p for p in problems if fragment in p.message]
    assert matching, f"no problem mentions {fragment!r}; got {[str(p) for p in problems]}"
    assert any(p.line == line and p.severity is severity for p in matching), [
        str(p) for p in matching
    ]
    assert all(p.file == "t.yaml" for p in problems)


def test_warnings_alone_do_not_refuse_the_file() -> None:
    text = "main:\n  nodes:\n    a: {type: hangup}\n    lost: {type: hangup}\n"
    flows = parse_flows(text, "t.yaml")
    assert [p.severity for p in flows.warnings] == [W]


def test_errors_refuse_the_file_and_list_every_problem() -> None:
    text = one_node("{type: say, text: hi, next: nowhere}") + "    c: {type: sing}\n"
    with pytest.raises(FlowFileError) as info:
        parse_flows(text, "t.yaml")
    messages = [p.message for p in info.value.problems]
    assert any("points to 'nowhere'" in m for m in messages)
    assert any("unknown type 'sing'" in m for m in messages)
    assert "nowhere" in str(info.value)


def test_pointing_at_an_unreadable_node_is_not_reported_twice() -> None:
    text = one_node("{type: say, text: hi, next: c}") + "    c: {type: sing}\n"
    problems = problems_of(text)
    assert [p.message for p in problems if p.severity is E] == [
        "node 'c': unknown type 'sing' (expected one of: say, play, menu, gather, lookup, branch,"
        " hours, set, queue, voicemail, callback, transfer, forward, survey, hangup)"
    ]


def test_a_retry_loop_through_a_menu_is_allowed() -> None:
    text = (
        "main:\n  nodes:\n    m: {type: menu, on_fail: m, options: [{label: x, goto: bye},"
        " {label: again, goto: m}]}\n" + OK_TAIL
    )
    assert [p for p in problems_of(text) if p.severity is E] == []


def test_going_back_up_a_menu_is_not_depth() -> None:
    menus = "".join(
        f"    m{i}: {{type: menu, on_fail: bye, options: [{{label: x, goto: m{i + 1}}},"
        " {label: back, goto: m0}]}\n"
        for i in range(3)
    )
    text = "main:\n  nodes:\n" + menus + OK_TAIL.replace("bye", "m3: {type: hangup}\n    bye")
    assert not any("levels deep" in p.message for p in problems_of(text))
