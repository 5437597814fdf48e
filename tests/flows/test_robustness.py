"""Invariants: any document is either loaded or refused with located problems (never a crash),
and any sequence of caller inputs leaves a demo-flow run in a sensible state."""

from __future__ import annotations

import datetime as dt

import yaml
from flowcase import LONDON, clock_at
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.flows import (
    FlowFileError,
    FlowRun,
    RunState,
    call_context,
    load_demo_flows,
    parse_flows,
)
from frontdesk.flows import actions as a
from frontdesk.flows.read_ends import READERS
from frontdesk.flows.walk_data import walk_crm

FIELDS = sorted({field for _, allowed in READERS.values() for field in allowed} | {"type"})
scalars = st.one_of(
    st.sampled_from([*READERS, "a", "b", "1", "#", "09:00-17:00", "{caller.name}", "x ==", ""]),
    st.integers(-3, 40),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["if", "goto", "label", "key", "en", "mon"]), inner, max_size=3
        )
    ),
    max_leaves=6,
)
nodes = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)
documents = st.dictionaries(
    st.sampled_from(["main", "night"]),
    st.fixed_dictionaries(
        {"nodes": st.dictionaries(st.sampled_from(["a", "b", "c"]), nodes, max_size=3)}
    ),
    max_size=2,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_document_loads_or_is_refused_with_located_problems(doc: dict) -> None:
    text = yaml.safe_dump(doc)
    try:
        parse_flows(text, "fuzz.yaml")
    except FlowFileError as exc:
        assert exc.problems
        lines = len(text.splitlines()) + 1
        assert all(p.file == "fuzz.yaml" and 1 <= p.line <= lines for p in exc.problems)


# Every demo caller's record as the live store gives it (flow_record), read once.
with walk_crm(dt.datetime(2025, 5, 14, 10, 0, tzinfo=LONDON), LONDON) as _crm:
    RECORDS = {number: _crm.record(number) for number in DEMO_CALLERS.values()}
FLOW = load_demo_flows().flows["main"]
inputs = st.lists(
    st.one_of(st.text("0123456789*#", min_size=1, max_size=3), st.just("timeout")), max_size=12
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([*RECORDS, "anonymous"]),
    inputs,
)
def test_any_inputs_leave_the_run_waiting_for_something_or_finished(
    number: str, keys: list[str]
) -> None:
    run = FlowRun(FLOW, call_context(number, RECORDS.get(number), FLOW.languages), clock_at())
    pending = run.start()
    for key in keys:
        if run.state is RunState.FINISHED:
            assert (run.digits(key) if key != "timeout" else run.timeout()) == []
            continue
        if run.state is RunState.SPEAKING:
            pending = run.speech_done()
        elif run.state is RunState.HANDED_OFF:
            pending = run.agent_left()
        elif run.state is RunState.LOOKUP:
            pending = run.lookup_result(error="down")
        else:
            pending = run.digits(key) if key != "timeout" else run.timeout()
        expected_wait = {
            RunState.SPEAKING: (a.Say, a.Play),
            RunState.LOOKUP: (a.Lookup,),
            RunState.HANDED_OFF: (a.Enqueue, a.Transfer, a.Forward),
            RunState.FINISHED: (a.Hangup, a.Voicemail),
        }
        if pending and run.state in expected_wait:
            assert isinstance(pending[-1], expected_wait[run.state]), (run.state, pending)
        if pending and run.state in (RunState.MENU, RunState.GATHER, RunState.SURVEY):
            assert isinstance(pending[-1], a.CollectDigits)
