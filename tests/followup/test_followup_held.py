"""Callbacks' places kept with their tasks, and given back to a new routing engine.

A place is written in the same transaction as its task; `held_callbacks()` lists what a
restarted engine must hold again (open tasks, places not ended, oldest first, plus callback
tasks that never had a place). The re-seed test stores callbacks, "restarts" (a new store and
a new engine on the same database file, another monotonic clock) and checks the engine serves
them in their original order, the kept places with their entry times and the booked one at its
promised time.

Numbers are from Ofcom's drama ranges (07700 900xxx), which are never allocated.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from followup_time import HOUR, WEDNESDAY_1000
from sqlalchemy import Engine, func, select

from frontdesk.acd import DialCallback, Offer, QueueConfig, RoutingEngine
from frontdesk.acd.model import AgentSpec
from frontdesk.clock import ManualClock
from frontdesk.followup import FollowupError, FollowupStore
from frontdesk.followup.held import HeldPlace
from frontdesk.followup.schema import held_callbacks, tasks
from frontdesk.followup.writer import OrderedWriter
from frontdesk.telephony.followups import restore_into

SUSAN, TOM, PRIYA, ANON = "+447700900123", "+447700900456", "+447700900789", "+447700900321"
DUE = WEDNESDAY_1000 + 4 * HOUR


def keep(store: FollowupStore, caller: str, call_id: str, entered: float, priority: int = 0
         ) -> int:  # fmt: skip
    """A caller pressed the callback key: task and place, as telephony writes them."""
    place = HeldPlace(call_id, "parcels", caller, entered, None, priority, "en", "")
    return store.add_callback(caller, "parcels", "parcels", due_at=DUE, call_id=call_id,
                              place=place).id  # fmt: skip


def book(store: FollowupStore, caller: str, contact: str, at: float) -> int:
    place = HeldPlace(contact, "parcels", caller, at, at, None, "en")
    window = (at, at + HOUR)
    return store.add_callback(caller, "parcels", "parcels", window=window, call_id=contact,
                              place=place).id  # fmt: skip


def test_places_are_listed_oldest_first_with_their_tasks(store: FollowupStore) -> None:
    t = WEDNESDAY_1000
    tom = keep(store, TOM, "call-tom", t - 50)
    susan = keep(store, SUSAN, "call-susan", t - 80, priority=30)
    priya = book(store, PRIYA, "callback:call-priya", t + HOUR)
    held = store.held_callbacks()
    assert [h.task_id for h in held] == [susan, tom, priya]
    first = held[0].place
    assert (first.contact_id, first.number, first.place_at, first.promised_at, first.priority) == (
        "call-susan",
        SUSAN,
        t - 80,
        None,
        30,
    )
    assert held[2].place.promised_at == t + HOUR and all(h.written for h in held)


def test_a_place_the_engine_is_done_with_or_whose_task_closed_is_not_held(
    store: FollowupStore,
) -> None:
    t = WEDNESDAY_1000
    keep(store, SUSAN, "call-susan", t - 80)
    tom = keep(store, TOM, "call-tom", t - 50)
    keep(store, PRIYA, "call-priya", t - 40)
    assert store.release_callback("call-susan", "callback-failed")
    assert not store.release_callback("call-susan", "callback-failed")  # already ended
    store.caller_reached(PRIYA, "ann")
    assert [h.task_id for h in store.held_callbacks()] == [tom]
    assert not store.release_callback("nobody", "cancelled")


def test_failed_dials_count_on_the_place_and_on_the_task(store: FollowupStore) -> None:
    task = keep(store, SUSAN, "call-susan", WEDNESDAY_1000 - 80)
    store.callback_attempt_failed("call-susan", "no-answer", "ann")
    found = store.callback_attempt_failed("call-susan", "busy", "bob")
    assert found is not None and (found.attempts, found.last_outcome) == (2, "busy")
    assert [a.outcome for a in store.attempts_of(task)] == ["no-answer", "busy"]
    [held] = store.held_callbacks()
    assert held.attempts == 2
    assert store.callback_attempt_failed("nobody", "busy", None) is None


def test_callback_tasks_without_a_place_come_back_as_bookings(store: FollowupStore) -> None:
    t = WEDNESDAY_1000
    soon = store.add_callback(TOM, "parcels", "parcels", due_at=DUE, call_id="widget-callback:1")
    window = store.add_callback(SUSAN, "parcels", "parcels", window=(t + HOUR, t + 2 * HOUR))
    store.add_callback(PRIYA, "parcels", None, due_at=DUE)  # no queue: nobody to hold it
    store.add_missed_call("c9", ANON, "parcels", "parcels", "rang_out", DUE)  # not a callback
    held = {h.task_id: h for h in store.held_callbacks()}
    assert sorted(held) == [soon.id, window.id]
    assert not any(h.written for h in held.values())
    assert held[soon.id].place.contact_id == "widget-callback:1"
    assert held[soon.id].place.promised_at == soon.created_at
    assert held[window.id].place.contact_id == f"task-{window.id}"
    assert held[window.id].place.promised_at == t + HOUR


def test_a_place_is_written_with_its_task_or_not_at_all(store: FollowupStore, engine: Engine
                                                        ) -> None:  # fmt: skip
    def count() -> list[int]:
        with engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for table in (tasks, held_callbacks)]  # fmt: skip

    bad = HeldPlace("c1", "parcels", SUSAN, float("nan"))
    with pytest.raises(FollowupError, match="time the caller's place dates from"):
        store.add_callback(SUSAN, "parcels", "parcels", due_at=DUE, place=bad)
    with pytest.raises(FollowupError, match="not a number that can be called back"):
        store.add_callback("anonymous", "parcels", "parcels", due_at=DUE,
                           place=HeldPlace("c1", "parcels", SUSAN, WEDNESDAY_1000))  # fmt: skip
    assert count() == [0, 0]
    keep(store, SUSAN, "c1", WEDNESDAY_1000)
    assert count() == [1, 1]


def test_a_restarted_engine_serves_the_stored_callbacks_in_their_original_order(
    engine: Engine, clock: ManualClock
) -> None:
    t = clock.wall()
    store = FollowupStore(engine, clock)
    keep(store, TOM, "call-tom", t - 50)
    keep(store, SUSAN, "call-susan", t - 80)
    book(store, PRIYA, "callback:call-priya", t - 30)  # its time came while we were down
    keep(store, ANON, "call-anon", t - 120, priority=30)  # a VIP's place, the oldest too
    store.release_callback("call-anon", "callback-connected")  # ...already called back

    # The restart: another process, its monotonic clock anywhere, the same database.
    later = ManualClock(start=77.0, wall_offset=t + 60 - 77.0)
    routing = RoutingEngine(later, random.Random(0))
    routing.add_queue(QueueConfig("parcels", ring_timeout=None))
    routing.add_agent(AgentSpec("ann", ("parcels",), {}, ("en",)))
    for held in FollowupStore(engine, later).held_callbacks():
        restore_into(routing, held)
    later.advance(1)
    served = []
    decisions = routing.agent_login("ann")
    while offers := [d for d in decisions + routing.tick() if isinstance(d, Offer)]:
        contact = offers[0].contact_id
        served.append(contact)
        dial = routing.offer_accepted(contact, "ann")
        assert [d.number for d in dial if isinstance(d, DialCallback)]
        routing.callback_result(contact, True)
        decisions = routing.call_ended("ann")
    # The booked callback has the scheduled-callback priority; the kept places their turn.
    assert served == ["callback:call-priya", "call-susan", "call-tom"]


def test_the_writer_keeps_order_and_waits_for_queued_writes_on_close() -> None:
    writer = OrderedWriter()
    done: list[int] = []
    threads: set[str] = set()

    def write(n: int) -> int:
        time.sleep(0.002 if n % 3 == 0 else 0)  # uneven write times must not reorder them
        threads.add(threading.current_thread().name)
        done.append(n)
        return n

    futures = [writer.submit(lambda n=n: write(n)) for n in range(50)]
    writer.close()
    assert done == list(range(50)) and all(f.done() for f in futures)
    assert [f.result() for f in futures] == list(range(50))
    assert len(threads) == 1 and threading.current_thread().name not in threads
    with pytest.raises(FollowupError, match="closed"):
        writer.submit(lambda: 1)
