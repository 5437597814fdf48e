"""Callbacks held again after a restart (`RoutingEngine.restore_callback`).

The reference is the engine that never stopped: the same callers and callbacks, served by one
agent, come out in some order (priority, entry time, the promise of a booked callback). A new
engine — another monotonic clock, the same wall clock — given back only the callbacks, as the
follow-up store keeps them (wall times), must serve them in that same order, ahead of a caller
who rang again after the restart.
"""

from __future__ import annotations

import random

import pytest
from acd_script import Harness, agent

from frontdesk.acd import AcdError, ContactSpec, DialCallback, Offer, QueueConfig, RoutingEngine
from frontdesk.acd import events as ev
from frontdesk.acd.states import ContactState
from frontdesk.clock import ManualClock

QUEUE = QueueConfig("q", ring_timeout=None, callback_promise_grace=300)
WALL = 1_700_000_000.0  # the harness's wall clock at t=0


def serve_everyone(engine: RoutingEngine, clock: ManualClock, agent_id: str) -> list[str]:
    """The agent takes every offer in turn (callbacks: dialled, connected) until none is left;
    the contacts in the order served."""
    served: list[str] = []
    decisions = engine.agent_available(agent_id)
    while True:
        offers = [d for d in decisions if isinstance(d, Offer)] or [
            d for d in engine.tick() if isinstance(d, Offer)
        ]
        if not offers:
            return served
        contact = offers[0].contact_id
        served.append(contact)
        clock.advance(1)
        decisions = engine.offer_accepted(contact, agent_id)
        if any(isinstance(d, DialCallback) for d in decisions):
            clock.advance(1)
            decisions = engine.callback_result(contact, True, "connected")
        clock.advance(1)
        decisions += engine.call_ended(agent_id)


def before_the_restart() -> Harness:
    """ann on a break; callers queue, three keep their place, one books a time."""
    harness = Harness([QUEUE], [agent("ann")])
    harness.run(
        [
            (0, "login ann", []),
            (0, "break ann lunch", []),
            (1, "arrive c1 q caller=+447700900001", []),
            (2, "arrive c2 q caller=+447700900002", []),
            (3, "arrive c3 q prio=5 caller=+447700900003", []),
            (10, "callback c2 +447700900002", []),
            (12, "callback c1 +447700900001", []),
            (14, "callback c3 +447700900003", []),
            (15, "schedule s1 q +447700900009 at=30", []),
            (16, "arrive c4 q caller=+447700900004", []),
        ]
    )
    return harness


def held_places(harness: Harness) -> list[tuple[ContactSpec, str, float, float | None]]:
    """What telephony writes to the follow-up store for each callback: its spec, the number,
    when its place dates from (wall) and a booked promise (wall)."""
    engine, clock = harness.engine, harness.clock
    offset = clock.wall() - clock.now()
    places = []
    for contact in engine.contacts.values():
        if not contact.number:
            continue  # a live caller: gone with the restart
        promised = None if contact.promised_at is None else contact.promised_at + offset
        place = promised if promised is not None else contact.entered_at + offset
        places.append((contact.spec, contact.number, place, promised))
    return places


def restarted(harness: Harness, down_s: float) -> tuple[RoutingEngine, ManualClock, list[object]]:
    """A new engine `down_s` after the first one's present, with every held callback back —
    newest place first, so only the places' own times can put them back in order."""
    wall_now = harness.clock.wall() + down_s
    clock = ManualClock(start=5000.0, wall_offset=wall_now - 5000.0)
    engine = RoutingEngine(clock, random.Random(0))
    engine.add_queue(QUEUE)
    engine.add_agent(agent("ann"))
    engine.agent_login("ann")
    engine.agent_break("ann", "lunch")
    for spec, number, place, promised in sorted(held_places(harness), key=lambda p: -p[2]):
        engine.restore_callback(spec, number, place, promised)
    return engine, clock, list(engine.drain_events())


def test_callbacks_held_again_keep_the_order_the_engine_that_never_stopped_serves_them() -> None:
    reference = before_the_restart()
    reference.clock.set(50)
    order = serve_everyone(reference.engine, reference.clock, "ann")
    assert sorted(order) == ["c1", "c2", "c3", "c4", "s1"]
    assert order != ["c1", "c2", "c3", "s1", "c4"]  # priorities and the promise do matter

    engine, clock, events = restarted(before_the_restart(), down_s=4)  # wall t=20
    assert not [e for e in events if isinstance(e, ev.CallbackRequested)]  # asked only once
    clock.advance(1)
    engine.contact_arrives(ContactSpec("c4-again", "q", caller="+447700900004"))
    clock.advance(29)  # wall t=50, as in the reference
    again = serve_everyone(engine, clock, "ann")
    assert again == ["c4-again" if c == "c4" else c for c in order]


def test_kept_places_are_in_line_at_once_with_their_entry_times() -> None:
    harness = before_the_restart()
    engine, clock, events = restarted(harness, down_s=4)
    queued = {e.contact_id: e for e in events if isinstance(e, ev.ContactQueued)}
    assert sorted(queued) == ["c1", "c2", "c3"]  # s1 waits for its promised time
    offset = clock.wall() - clock.now()
    for contact_id, event in queued.items():
        assert event.callback
        first = harness.engine.contacts[contact_id].entered_at
        before = first + harness.clock.wall() - harness.clock.now()
        assert abs(event.entered_at + offset - before) < 1e-6  # the same wall instant
        assert engine.contact_state(contact_id) is ContactState.CALLBACK_WAITING
    assert engine.contact_state("s1") is ContactState.CALLBACK_SCHEDULED


def test_a_promise_that_passed_while_down_is_due_at_once_and_reported_missed() -> None:
    harness = before_the_restart()  # s1 promised for wall t=45
    engine, clock, events = restarted(harness, down_s=400)  # back at wall t=416: 371 s late
    clock.advance(1)
    engine.contact_arrives(ContactSpec("new", "q", caller="+447700900005"))
    engine.tick()
    events += engine.drain_events()
    missed = [e for e in events if isinstance(e, ev.CallbackPromiseMissed)]
    assert [e.contact_id for e in missed] == ["s1"]
    assert missed[0].promised_at + clock.wall() - clock.now() == WALL + 45
    order = serve_everyone(engine, clock, "ann")
    assert order.index("s1") < order.index("new")


def test_a_promise_still_ahead_waits_for_its_time() -> None:
    engine, clock, _ = restarted(before_the_restart(), down_s=4)  # wall t=20, promise at 45
    clock.advance(24)
    engine.tick()
    assert engine.contact_state("s1") is ContactState.CALLBACK_SCHEDULED
    clock.advance(1)
    engine.tick()
    assert engine.contact_state("s1") is ContactState.CALLBACK_WAITING
    assert not [e for e in engine.drain_events() if isinstance(e, ev.CallbackPromiseMissed)]


def test_attempts_made_before_the_restart_still_count() -> None:
    clock = ManualClock(start=0.0, wall_offset=WALL)
    engine = RoutingEngine(clock, random.Random(0))
    engine.add_queue(QueueConfig("q", ring_timeout=None, callback_max_attempts=3))
    engine.add_agent(agent("ann"))
    engine.restore_callback(ContactSpec("k", "q"), "+447700900001", WALL - 60, None, attempts=2)
    [offer] = engine.agent_login("ann")
    assert isinstance(offer, Offer) and offer.callback
    [dial] = engine.offer_accepted("k", "ann")
    assert isinstance(dial, DialCallback) and dial.attempt == 3
    engine.callback_result("k", False, "no-answer")
    assert engine.contact_state("k") is ContactState.CALLBACK_FAILED  # the third was the last


def test_a_refused_restore_changes_nothing() -> None:
    clock = ManualClock(start=0.0, wall_offset=WALL)
    engine = RoutingEngine(clock, random.Random(0))
    engine.add_queue(QueueConfig("q"))
    engine.restore_callback(ContactSpec("k", "q"), "+447700900001", WALL)
    for spec, number in ((ContactSpec("k", "q"), "+4477"), (ContactSpec("j", "q"), ""),
                         (ContactSpec("j", "nowhere"), "+4477")):  # fmt: skip
        with pytest.raises(AcdError):
            engine.restore_callback(spec, number, WALL)
    assert engine.waiting("q") == ["k"]
