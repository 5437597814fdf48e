"""Searching the index: every filter and scope against a plain-Python model, and pagination.

The calls are made once (real routing engine, telephony's event shapes); Hypothesis then
draws queries, scopes and page sizes, and the index's answer must be exactly the model's:
the entries that pass each filter as docs/web-records.md states it, newest first.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from history_centre import HistoryCentre
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.history import CallEntry, CallIndex, CallSearch, HistoryError, Scope
from frontdesk.history.rows import digits

QUEUES = {"parcels": "parcels", "billing": "money", "nobody": "money"}  # nobody: no agents
AGENTS = {"alice": "parcels", "bob": "parcels", "carol": "billing"}
CALLERS = ["+447700900123", "+447700900124", "+33612345678", "+15551234567", "1001"]
NAMES = [None, "Susan Ray", "Tom O'Hale", "100%_sure Ltd", "Zoë Martin"]
DISPOSITIONS = ["resolved", "complaint", None]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> CallIndex:
    folder: Path = tmp_path_factory.mktemp("search")
    centre = HistoryCentre(folder / "data", QUEUES, AGENTS)
    rng = random.Random(11)
    for i in range(45):
        queue = rng.choice(["parcels", "billing"])
        agent = rng.choice([a for a, q in AGENTS.items() if q == queue])
        caller, name = rng.choice(CALLERS), rng.choice(NAMES)
        if i % 7 == 3:
            centre.arrive(f"c{i:02d}", queue, caller, name=name)
            centre.after(rng.uniform(1, 30))
            centre.abandon(f"c{i:02d}")
            continue
        together = i % 9 == 0  # two calls arriving at the same instant (ties in the order)
        if together:
            centre.arrive(f"t{i:02d}", "nobody", caller, name=name)
        centre.talk(f"c{i:02d}", queue, agent, caller, talk_s=rng.uniform(10, 300),
                    wait_s=rng.uniform(1, 40), name=name)  # fmt: skip
        if together:
            centre.abandon(f"t{i:02d}")
        if rng.random() < 0.5:
            centre.recorded(f"c{i:02d}", folder / f"c{i}.wav", 30.0)
        disposition = rng.choice(DISPOSITIONS)
        if disposition:
            centre.wrap(f"c{i:02d}", agent, disposition)
        centre.after(rng.uniform(0, 600))
    centre.log.flush()
    found = CallIndex(centre.engine_db, lambda: centre.company)
    found.catch_up(centre.log)
    return found


def everything(index: CallIndex) -> list[CallEntry]:
    return index.search(CallSearch(), Scope(everything=True), limit=200).entries


def model(entries: list[CallEntry], q: CallSearch, scope: Scope) -> list[str]:
    def visible(e: CallEntry) -> bool:
        return scope.everything or bool(set(e.teams) & scope.teams) or scope.agent in e.agents

    def passes(e: CallEntry) -> bool:
        wanted = digits(q.number).lstrip("0")
        return all((
            q.since is None or e.started_at >= q.since,
            q.until is None or e.started_at < q.until,
            not q.number or digits(e.caller).endswith(wanted),
            not q.contact or q.contact.casefold() in e.name.casefold(),
            not q.agent or q.agent in e.agents,
            not q.queue or q.queue in e.queues,
            not q.team or q.team in e.teams,
            not q.disposition or e.disposition == q.disposition,
            not q.outcome or e.outcome == q.outcome,
            q.long is None or bool(e.long) == q.long,
            q.has_recording is None or bool(e.recordings) == q.has_recording,
        ))  # fmt: skip

    chosen = [e for e in entries if visible(e) and passes(e)]
    chosen.sort(key=lambda e: (e.started_at, e.call_id), reverse=True)
    return [e.call_id for e in chosen]


searches = st.builds(
    CallSearch,
    since=st.none() | st.floats(1_699_999_000, 1_700_020_000),
    until=st.none() | st.floats(1_699_999_000, 1_700_020_000),
    number=st.sampled_from(["", "900123", "07700900123", "+447700900124", "612345678", "1001"]),
    contact=st.sampled_from(["", "ray", "O'H", "100%", "_", "ZOË", "nobody"]),
    agent=st.sampled_from(["", "alice", "bob", "carol"]),
    queue=st.sampled_from(["", "parcels", "billing", "nobody"]),
    team=st.sampled_from(["", "parcels", "money"]),
    disposition=st.sampled_from(["", "resolved", "complaint"]),
    outcome=st.sampled_from(["", "answered", "abandoned"]),
    long=st.none() | st.booleans(),
    has_recording=st.none() | st.booleans(),
)
scopes = st.builds(
    Scope,
    everything=st.booleans(),
    teams=st.frozensets(st.sampled_from(["parcels", "money", "other"]), max_size=2),
    agent=st.none() | st.sampled_from(["alice", "bob", "carol"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=searches, scope=scopes)
def test_search_answers_what_the_model_says(index: CallIndex, query: CallSearch,
                                            scope: Scope) -> None:  # fmt: skip
    got = [e.call_id for e in index.search(query, scope, limit=200).entries]
    assert got == model(everything(index), query, scope)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(1, 12), scope=scopes)
def test_pages_follow_each_other_without_gaps_or_repeats(index: CallIndex, limit: int,
                                                         scope: Scope) -> None:  # fmt: skip
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        page = index.search(CallSearch(), scope, limit=limit, cursor=cursor)
        assert len(page.entries) <= limit
        seen += [e.call_id for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == model(everything(index), CallSearch(), scope)


def test_the_data_covers_what_the_filters_need(index: CallIndex) -> None:
    entries = everything(index)
    assert len(entries) == 50
    assert {e.outcome for e in entries} == {"answered", "abandoned"}
    assert any(e.recordings for e in entries) and any(not e.recordings for e in entries)
    starts = [e.started_at for e in entries]
    assert len(set(starts)) < len(starts)  # ties in started_at: the call id breaks them


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WzEsIDJd", "e30", "WyJ4IiwgImEiXQ"])
def test_a_cursor_not_given_out_is_refused(index: CallIndex, cursor: str) -> None:
    with pytest.raises(HistoryError, match="cursor"):
        index.search(CallSearch(), Scope(everything=True), cursor=cursor)


@pytest.mark.parametrize("number", ["abc", "000", "+"])
def test_a_number_without_digits_is_refused(index: CallIndex, number: str) -> None:
    with pytest.raises(HistoryError, match="digits"):
        index.search(CallSearch(number=number), Scope(everything=True))


@pytest.mark.parametrize("limit", [0, 201])
def test_limits_are_bounded(index: CallIndex, limit: int) -> None:
    with pytest.raises(HistoryError, match="limit"):
        index.search(CallSearch(), Scope(everything=True), limit=limit)


def test_no_scope_sees_nothing(index: CallIndex) -> None:
    assert index.search(CallSearch(), Scope()).entries == []
