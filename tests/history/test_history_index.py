"""The call index follows the stored event log: entries, late events, restarts, batching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from history_centre import HistoryCentre
from sqlalchemy import event, func, select

from frontdesk.analytics.derive import derive_calls
from frontdesk.history import CallIndex
from frontdesk.history.builder import number_of
from frontdesk.history.schema import calls, tags

QUEUES = {"parcels": "parcels", "billing": "money"}
AGENTS = {"alice": "parcels", "bob": "parcels", "carol": "billing"}


@pytest.fixture
def centre(tmp_path: Path) -> HistoryCentre:
    return HistoryCentre(tmp_path / "data", QUEUES, AGENTS)


def index_of(centre: HistoryCentre) -> CallIndex:
    return CallIndex(centre.engine_db, lambda: centre.company)


def analytics_record(centre: HistoryCentre, call_id: str) -> object:
    stored = [(e.at, e.kind, e.call_id, e.data) for e in centre.log.read()]
    [record] = [r for r in derive_calls(stored) if r.call_id == call_id]
    return record


def test_an_answered_call_becomes_one_entry_with_what_the_history_needs(
    centre: HistoryCentre, tmp_path: Path
) -> None:
    started = centre.wall()
    centre.arrive("c1", "parcels", "+447700900123", "Susan Ray", True, True, agent="alice")
    centre.after(12.0)
    centre.answer("c1", "alice", "parcels")
    centre.after(95.0)
    centre.hang_up("c1", "alice")
    # the media engine finishes the file when the stream closes: after the call's end
    centre.recorded("c1", tmp_path / "recordings" / "c1.wav", 107.2)
    centre.wrap("c1", "alice", "resolved", notes="Parcel re-sent.")
    centre.log.flush()
    index = index_of(centre)
    assert index.catch_up(centre.log) == 1
    entry = index.get("c1")
    assert entry is not None
    record = analytics_record(centre, "c1")
    # the figures are analytics' own, not a second definition
    assert (entry.wait_s, entry.talk_s, entry.outcome) == (
        record.wait_s,  # type: ignore[attr-defined]
        record.talk_s,  # type: ignore[attr-defined]
        record.outcome.value,  # type: ignore[attr-defined]
    )
    assert entry.wait_s == pytest.approx(12.0) and entry.talk_s == pytest.approx(95.0)
    assert entry.started_at == started and entry.ended_at == pytest.approx(started + 107.0)
    assert (entry.caller, entry.name, entry.vip, entry.open_case) == (
        "+447700900123", "Susan Ray", True, True,
    )  # fmt: skip
    assert (entry.dialled, entry.queue, entry.team, entry.agents) == (
        "+442079460100", "parcels", "parcels", ("alice",),
    )  # fmt: skip
    assert (entry.disposition, entry.notes_chars, entry.handled) == ("resolved", 15, True)
    [recording] = entry.recordings
    assert (recording.kind, recording.channels, recording.duration_s) == ("call", 2, 107.2)
    assert recording.path == str(tmp_path / "recordings" / "c1.wav")
    assert entry.voicemail is False and entry.long is None  # no history to judge by yet


def test_a_wrap_up_and_a_recording_after_the_call_change_its_entry(
    centre: HistoryCentre, tmp_path: Path
) -> None:
    centre.talk("c1", "parcels", "alice", "+447700900123", talk_s=60.0)
    centre.log.flush()
    index = index_of(centre)
    index.catch_up(centre.log)
    entry = index.get("c1")
    assert entry is not None and entry.disposition == "" and entry.recordings == ()
    centre.recorded("c1", tmp_path / "recordings" / "c1.wav", 66.0)
    centre.wrap("c1", "alice", "complaint", notes="x" * 40)
    centre.log.flush()
    assert index.catch_up(centre.log) == 1
    entry = index.get("c1")
    assert entry is not None and (entry.disposition, entry.notes_chars) == ("complaint", 40)
    assert len(entry.recordings) == 1


def test_a_call_that_spans_a_restart_gets_its_whole_entry(centre: HistoryCentre) -> None:
    centre.talk("before", "billing", "carol", "+33612345678", talk_s=30.0)
    centre.arrive("across", "parcels", "+447700900999", name="Tom Hale", agent="bob")
    centre.after(3.0)
    centre.answer("across", "bob", "parcels")
    centre.log.flush()
    first = index_of(centre)
    assert first.catch_up(centre.log) == 1  # "before" only: "across" is still talking
    assert first.get("across") is None
    # the server stops; the call ends while the index is not running
    centre.after(40.0)
    centre.hang_up("across", "bob")
    centre.talk("while-down", "parcels", "alice", "+447700900555", talk_s=20.0)
    centre.log.flush()
    second = index_of(centre)  # a new process: nothing in memory, only the cursor
    assert second.catch_up(centre.log) == 2
    across = second.get("across")
    assert across is not None
    assert (across.name, across.caller, across.agents) == ("Tom Hale", "+447700900999", ("bob",))
    assert across.talk_s == pytest.approx(40.0)
    assert second.get("while-down") is not None
    # nothing new: nothing written, the rows are not doubled
    assert second.catch_up(centre.log) == 0
    with centre.engine_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(calls)).scalar() == 3
        top = max(e.seq for e in centre.log.read())
    assert second.cursor == top


def test_catching_up_on_many_calls_writes_in_batches(centre: HistoryCentre) -> None:
    for i in range(1200):
        caller = f"+4477009{i:05d}"
        for kind, data in (
            ("call.received", {"caller": f"sip:{caller}@x", "number": "+442079460100"}),
            ("acd.queued", {"queue": "parcels"}),
            ("acd.abandoned", {"queue": "parcels", "wait": 4.0}),
            ("acd.closed", {"outcome": "abandoned", "wait": 4.0}),
            ("call.ended", {"reason": "remote_bye"}),
        ):
            centre.log.append(1_700_000_000.0 + i, kind, f"bulk-{i}", **data)
    centre.log.flush()
    index = index_of(centre)
    commits: list[int] = []
    event.listen(centre.engine_db, "commit", lambda conn: commits.append(1))
    assert index.catch_up(centre.log) == 1200
    assert len(commits) <= 3  # 500 calls a transaction, the cursor in the last one
    with centre.engine_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(calls)).scalar() == 1200


def test_abandoned_voicemail_and_transferred_calls(centre: HistoryCentre, tmp_path: Path) -> None:
    centre.arrive("gone", "parcels", "+447700900001")
    centre.after(30.0)
    centre.abandon("gone")
    centre.arrive("msg", "billing", "+447700900002")
    centre.after(2.0)
    message = tmp_path / "voicemail" / "msg.wav"
    centre.routing.contact_abandoned("msg")  # left the queue for voicemail (as a test shape)
    centre.phone("call.voicemail", "msg", team="money", path=str(message), duration_s=7.5,
                 caller="+447700900002")  # fmt: skip
    centre.hang_up("msg")
    centre.after(0.5)
    centre.recorded("msg", message, 7.5, channels=1)
    centre.arrive("moved", "parcels", "+447700900003", agent="alice")
    centre.after(1.0)
    centre.answer("moved", "alice", "parcels")
    centre.after(20.0)
    centre.phone("call.transferred", "moved", agent="alice", target_kind="agent", to="carol")
    centre.phone("call.connected", "moved", agent="carol", queue="billing", leg="leg-2")
    centre.after(30.0)
    centre.hang_up("moved", "alice")
    centre.wrap("moved", "carol", "escalated")
    centre.log.flush()
    index = index_of(centre)
    index.catch_up(centre.log)
    gone, msg, moved = (index.get(c) for c in ("gone", "msg", "moved"))
    assert gone is not None and gone.outcome == "abandoned" and gone.agents == ()
    assert gone.wait_s == pytest.approx(30.0) and gone.long is False
    assert msg is not None and msg.voicemail and [r.kind for r in msg.recordings] == ["voicemail"]
    assert moved is not None and moved.agents == ("alice", "carol")
    assert moved.queues == ("parcels", "billing") and set(moved.teams) == {"parcels", "money"}
    with centre.engine_db.connect() as conn:
        found = conn.execute(select(tags.c.kind, tags.c.value).where(tags.c.call_id == "moved"))
        assert set(found) == {
            ("agent", "alice"),
            ("agent", "carol"),
            ("queue", "parcels"),
            ("queue", "billing"),
            ("team", "parcels"),
            ("team", "money"),
        }
        stored = conn.execute(select(calls.c.recordings).where(calls.c.call_id == "msg"))
        assert json.loads(stored.scalar_one())[0][0] == str(message)


@pytest.mark.parametrize(
    ("field", "number"),
    [
        ("sip:+447700900123@198.51.100.7:5060", "+447700900123"),  # RFC 3261 §19.1 user part
        ("<sip:1001@10.0.0.2;transport=udp>", "1001"),
        ("tel:+33612345678;phone-context=+33", "+33612345678"),  # RFC 3966 §3
        ("+15551234567", "+15551234567"),  # an import's plain number
        ("sip:@", ""),
    ],
)
def test_the_callers_number_is_read_from_the_field(field: str, number: str) -> None:
    assert number_of(field) == number


def test_beside_the_server_a_pass_follows_each_finished_call(centre: HistoryCentre) -> None:
    """start() catches up at once; feed() of an entry-changing event brings the next pass on
    (well before the periodic one, PERIOD_S); stop() ends the task."""
    import asyncio

    from frontdesk.history.index import PERIOD_S, SETTLE_S

    centre.talk("early", "parcels", "alice", "+447700900100", talk_s=10.0)
    centre.log.flush()
    index = index_of(centre)

    async def run() -> float:
        await index.start()
        await asyncio.sleep(0.3)
        assert index.get("early") is not None  # the catch-up at start
        centre.talk("live", "parcels", "bob", "+447700900200", talk_s=10.0)
        centre.log.flush()
        fed = asyncio.get_running_loop().time()
        index.feed(centre.wall(), "call.ended", "live", {"reason": "remote_bye"})
        while index.get("live") is None:
            await asyncio.sleep(0.05)
        took = asyncio.get_running_loop().time() - fed
        await index.stop()
        return took

    took = asyncio.run(run())
    assert took < min(PERIOD_S, SETTLE_S + 1.0)


def test_a_page_asked_again_is_kept_until_the_index_changes(centre: HistoryCentre) -> None:
    from frontdesk.history.search import CallSearch, Scope

    index = index_of(centre)
    everyone = Scope(everything=True)
    centre.arrive("k1", "parcels", "+447700900201", agent="alice")
    centre.after(3.0)
    centre.answer("k1", "alice", "parcels")
    centre.after(30.0)
    centre.hang_up("k1", "alice")
    centre.log.flush()
    index.catch_up(centre.log)
    first = index.search(CallSearch(), everyone, limit=20)
    assert index.search(CallSearch(), everyone, limit=20) is first  # asked again: kept
    assert [e.call_id for e in first.entries] == ["k1"]
    centre.arrive("k2", "parcels", "+447700900202", agent="alice")
    centre.after(3.0)
    centre.answer("k2", "alice", "parcels")
    centre.after(30.0)
    centre.hang_up("k2", "alice")
    centre.log.flush()
    assert index.catch_up(centre.log) == 1
    again = index.search(CallSearch(), everyone, limit=20)
    assert [e.call_id for e in again.entries] == ["k2", "k1"]  # the write made it stale
