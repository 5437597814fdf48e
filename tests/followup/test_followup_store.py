"""The follow-up store: one open task per caller per team, the missed-calls list, working and
closing tasks, and refusals that change nothing.

Numbers are from Ofcom's drama ranges (07700 900xxx), which are never allocated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from followup_time import DAY, HOUR, WEDNESDAY_1000
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from frontdesk.clock import ManualClock
from frontdesk.followup import FollowupError, FollowupStore, MissReason, TaskKind, TaskStatus
from frontdesk.followup.schema import attempts, missed, tasks

SUSAN = "+447700900123"
SUSAN_NATIONAL = "07700 900123"
TOM = "+447700900456"
DUE = WEDNESDAY_1000 + 4 * HOUR


def counts(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (tasks, missed, attempts)
        ]


def test_a_missed_call_opens_a_task(store: FollowupStore) -> None:
    task = store.add_missed_call("c1", SUSAN, "parcels", "parcels-uk", "rang_out", DUE)
    assert task is not None
    assert (task.kind, task.status, task.caller_key) == (
        TaskKind.MISSED_CALL,
        TaskStatus.OPEN,
        SUSAN,
    )
    assert (task.unanswered_calls, task.call_id, task.due_at) == (1, "c1", DUE)
    assert task.created_at == WEDNESDAY_1000
    assert store.get(task.id) == task
    assert store.open_tasks() == (task,)


def test_a_second_missed_call_joins_the_open_task(store: FollowupStore, clock: ManualClock) -> None:
    first = store.add_missed_call("c1", SUSAN, "parcels", "parcels-uk", "abandoned", DUE)
    clock.advance(600)
    second = store.add_missed_call("c2", SUSAN_NATIONAL, "parcels", None, "after_hours", DUE + 600)
    assert first is not None and second is not None
    assert second.id == first.id
    assert (second.unanswered_calls, second.last_call_id, second.call_id) == (2, "c2", "c1")
    assert second.due_at == DUE  # the earlier promise stands
    assert len(store.open_tasks()) == 1
    assert [m.call_id for m in store.calls_of(first.id)] == ["c2", "c1"]


def test_another_team_or_caller_gets_its_own_task(store: FollowupStore) -> None:
    a = store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    b = store.add_missed_call("c2", SUSAN, "billing", None, "rang_out", DUE)
    c = store.add_missed_call("c3", TOM, "parcels", None, "rang_out", DUE)
    assert a is not None and b is not None and c is not None
    assert len({a.id, b.id, c.id}) == 3
    assert [t.id for t in store.open_tasks(team="parcels")] == [a.id, c.id]


def test_reporting_the_same_call_twice_changes_nothing(
    store: FollowupStore, engine: Engine
) -> None:
    first = store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    again = store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    assert again == first
    assert counts(engine) == [1, 1, 0]


def test_a_voicemail_turns_a_missed_call_task_into_a_voicemail(
    store: FollowupStore, clock: ManualClock
) -> None:
    missed_task = store.add_missed_call("c1", SUSAN, "parcels", None, "abandoned", DUE)
    clock.advance(HOUR)
    voicemail = store.add_voicemail(
        "c2", SUSAN, "parcels", "parcels-uk", "/rec/c2.wav", 31.5, DUE + HOUR, "by 3 pm today"
    )
    assert missed_task is not None and voicemail.id == missed_task.id
    assert voicemail.kind is TaskKind.VOICEMAIL
    assert (voicemail.recording_path, voicemail.recording_s) == ("/rec/c2.wav", 31.5)
    assert voicemail.unanswered_calls == 2
    assert voicemail.due_at == DUE and voicemail.promise == "by 3 pm today"


def test_ring_out_then_voicemail_on_the_same_call_is_one_call(store: FollowupStore) -> None:
    store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    task = store.add_voicemail("c1", SUSAN, "parcels", None, "/rec/c1.wav", 12.0, DUE, None)
    assert task.unanswered_calls == 1 and task.kind is TaskKind.VOICEMAIL
    (entry,) = store.missed_calls()
    assert (entry.reason, entry.recording_path, entry.task_id) == (
        MissReason.VOICEMAIL,
        "/rec/c1.wav",
        task.id,
    )
    with pytest.raises(FollowupError, match="already stored"):
        store.add_voicemail("c1", SUSAN, "parcels", None, "/rec/other.wav", 3.0, DUE, None)


def test_withheld_numbers_are_listed_but_open_no_task(store: FollowupStore) -> None:
    assert store.add_missed_call("c1", "anonymous", "parcels", None, "after_hours", DUE) is None
    (entry,) = store.missed_calls()
    assert (entry.caller, entry.task_id, entry.still_open) == ("anonymous", None, False)
    first = store.add_voicemail("c2", "anonymous", "parcels", None, "/rec/a.wav", 9.0, DUE, None)
    second = store.add_voicemail("c3", "anonymous", "parcels", None, "/rec/b.wav", 7.0, DUE, None)
    assert first.id != second.id and first.caller_key is None  # someone must listen to each
    with pytest.raises(FollowupError, match="not a number that can be called back"):
        store.add_callback("anonymous", "parcels", None, due_at=DUE)


def test_missed_calls_list_says_what_is_still_open(
    store: FollowupStore, clock: ManualClock
) -> None:
    store.add_missed_call("c1", SUSAN, "parcels", None, "after_hours", DUE)
    clock.advance(60)
    store.add_missed_call("c2", TOM, "billing", None, "no_agent", DUE)
    clock.advance(60)
    closed = store.caller_reached(TOM, by="ann")
    listed = store.missed_calls()
    assert [(m.call_id, m.reason, m.still_open) for m in listed] == [
        ("c2", MissReason.NO_AGENT, False),
        ("c1", MissReason.AFTER_HOURS, True),
    ]
    assert [t.caller for t in closed] == [TOM]
    assert [m.call_id for m in store.missed_calls(since=WEDNESDAY_1000 + 30)] == ["c2"]
    assert [m.call_id for m in store.missed_calls(team="parcels")] == ["c1"]


def test_callback_as_soon_as_possible_and_in_a_window(store: FollowupStore) -> None:
    soon = store.add_callback(SUSAN, "parcels", "parcels-uk", due_at=DUE, call_id="c1")
    assert (soon.kind, soon.unanswered_calls, soon.not_before) == (TaskKind.CALLBACK, 0, None)
    window = (WEDNESDAY_1000 + DAY, WEDNESDAY_1000 + DAY + 2 * HOUR)
    booked = store.add_callback(TOM, "parcels", None, window=window, promise="tomorrow 10-12")
    assert (booked.not_before, booked.not_after, booked.due_at) == (*window, window[1])


def test_a_booked_window_is_not_moved_by_later_calls(store: FollowupStore) -> None:
    window = (WEDNESDAY_1000 + DAY, WEDNESDAY_1000 + DAY + 2 * HOUR)
    booked = store.add_callback(SUSAN, "parcels", None, window=window)
    after = store.add_voicemail("c9", SUSAN, "parcels", None, "/rec/c9.wav", 5.0, DUE, "by 2 pm")
    assert after.id == booked.id and after.kind is TaskKind.CALLBACK
    assert (after.due_at, after.not_before, after.recording_path) == (
        window[1],
        window[0],
        "/rec/c9.wav",
    )


def test_booking_on_an_open_task_turns_it_into_a_callback(store: FollowupStore) -> None:
    missed_task = store.add_missed_call("c1", SUSAN, "parcels", None, "abandoned", DUE)
    soon = store.add_callback(SUSAN, "parcels", None, due_at=DUE + HOUR)
    assert missed_task is not None and soon.id == missed_task.id
    assert (soon.kind, soon.due_at) == (TaskKind.CALLBACK, DUE)  # never later than promised


def test_attempts_then_completion(store: FollowupStore, clock: ManualClock) -> None:
    task = store.add_voicemail("c1", SUSAN, "parcels", None, "/rec/c1.wav", 20.0, DUE, None)
    clock.advance(HOUR)
    tried = store.attempt(task.id, "no-answer", by="ann")
    clock.advance(HOUR)
    tried = store.attempt(task.id, "busy")
    assert (tried.attempts, tried.last_outcome, tried.status) == (2, "busy", TaskStatus.OPEN)
    assert [(a.outcome, a.by) for a in store.attempts_of(task.id)] == [
        ("no-answer", "ann"),
        ("busy", None),
    ]
    done = store.complete(task.id, by="ann", note="address changed")
    assert (done.status, done.done_by, done.note) == (TaskStatus.DONE, "ann", "address changed")
    assert done.closed_at == WEDNESDAY_1000 + 2 * HOUR
    assert store.open_tasks() == ()
    with pytest.raises(FollowupError, match="is done"):
        store.attempt(task.id, "no-answer")


def test_cancel_needs_a_reason_and_closes(store: FollowupStore) -> None:
    task = store.add_callback(SUSAN, "parcels", None, due_at=DUE)
    with pytest.raises(FollowupError, match="reason for cancelling is empty"):
        store.cancel(task.id, "  ")
    cancelled = store.cancel(task.id, "duplicate of a web request")
    assert (cancelled.status, cancelled.note) == (
        TaskStatus.CANCELLED,
        "duplicate of a web request",
    )
    with pytest.raises(FollowupError, match="is cancelled"):
        store.complete(task.id, by="ann")


def test_after_closing_a_new_call_opens_a_new_task(store: FollowupStore) -> None:
    first = store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    assert first is not None
    store.complete(first.id, by="ann")
    second = store.add_missed_call("c2", SUSAN, "parcels", None, "rang_out", DUE)
    assert second is not None and second.id != first.id


def test_caller_reached_closes_every_team_but_not_later_tasks(
    store: FollowupStore, clock: ManualClock
) -> None:
    a = store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    b = store.add_voicemail("c2", SUSAN, "billing", None, "/rec/c2.wav", 4.0, DUE, None)
    reached_at = clock.wall()
    clock.advance(60)
    c = store.add_callback(SUSAN, "sales", None, due_at=DUE)  # booked after the answered call
    closed = store.caller_reached(SUSAN_NATIONAL, by="bob", at=reached_at)
    assert a is not None and {t.id for t in closed} == {a.id, b.id}
    assert all(t.status is TaskStatus.DONE and t.done_by == "bob" for t in closed)
    assert [t.id for t in store.open_tasks()] == [c.id]
    assert store.caller_reached("anonymous", by="bob") == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s.add_missed_call("", SUSAN, "parcels", None, "rang_out", DUE),
            "call id is empty",
        ),
        (lambda s: s.add_missed_call("c1", SUSAN, "", None, "rang_out", DUE), "team is empty"),
        (lambda s: s.add_missed_call("c1", SUSAN, "parcels", None, "lost", DUE), "not a reason"),
        (
            lambda s: s.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", float("nan")),
            "due time",
        ),
        (
            lambda s: s.add_voicemail("c1", SUSAN, "parcels", None, "/r.wav", -1.0, DUE, None),
            "duration is negative",
        ),
        (lambda s: s.add_callback(SUSAN, "parcels", None), "either as soon as possible"),
        (
            lambda s: s.add_callback(SUSAN, "parcels", None, window=(DUE, DUE - 1)),
            "ends before it starts",
        ),
        (
            lambda s: s.add_callback(SUSAN, "parcels", None, window=(0.0, 60.0)),
            "already over",
        ),
        (lambda s: s.complete(999, by="ann"), "there is no task 999"),
        (lambda s: s.open_tasks(kind="fax"), "not a kind of task"),
    ],
)
def test_refusals_change_nothing(
    store: FollowupStore, engine: Engine, change: Callable[[FollowupStore], object], message: str
) -> None:
    store.add_missed_call("c0", TOM, "parcels", None, "rang_out", DUE)
    before = counts(engine)
    with pytest.raises(FollowupError, match=message):
        change(store)
    assert counts(engine) == before


def test_a_bad_region_is_refused(engine: Engine, clock: ManualClock) -> None:
    with pytest.raises(FollowupError, match="region code"):
        FollowupStore(engine, clock, region="XX")


def test_tasks_survive_reopening_the_store(engine: Engine, clock: ManualClock) -> None:
    task = FollowupStore(engine, clock).add_callback(SUSAN, "parcels", None, due_at=DUE)
    assert FollowupStore(engine, clock).get(task.id) == task


def test_overdue(store: FollowupStore) -> None:
    task = store.add_callback(SUSAN, "parcels", None, due_at=DUE)
    assert not task.overdue(DUE) and task.overdue(DUE + 1)
    assert not store.complete(task.id, by="ann").overdue(DUE + 1)


def test_the_database_refuses_a_second_open_task_for_a_caller(
    store: FollowupStore, engine: Engine
) -> None:
    task = store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    assert task is not None
    row = {c: getattr(task, c) for c in ("kind", "status", "caller", "caller_key", "team")}
    row |= {"created_at": 0.0, "updated_at": 0.0, "due_at": DUE, "language": "en"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(tasks).values(row))


def test_writers_in_parallel_lose_no_call(engine: Engine, clock: ManualClock) -> None:
    # Two stores stand for two processes (each has its own lock); three threads each.
    stores = [FollowupStore(engine, clock), FollowupStore(engine, clock)]

    def calls(worker: int) -> None:
        for n in range(8):
            store = stores[worker % 2]
            store.add_missed_call(f"w{worker}-{n}", SUSAN, "parcels", None, "rang_out", DUE)

    threads = [threading.Thread(target=calls, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (task,) = stores[0].open_tasks()
    assert task.unanswered_calls == 48
    assert len(stores[0].calls_of(task.id)) == 48
