"""Finished SIP calls are freed by reference counting alone: the server collects its old heap
only every few minutes (collector.py), so a reference cycle on the call path would keep each
call's messages, transactions and dialogs alive until then."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from wire import Node, Wire, invite

from frontdesk.sip.events import DialogConfirmed, IncomingRequest

SDP = (
    b"v=0\r\no=- 1 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 0\r\n"
)


@pytest.fixture
def collector_off() -> Iterator[None]:
    """No automatic collections, and what a collection finds is kept in `gc.garbage`."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
        gc.collect()


def _call(wire: Wire, caller: Node, callee: Node, hang_up_by_caller: bool) -> None:
    invite(caller, callee, wire.now, SDP)
    wire.pump()
    incoming = next(e for e in callee.events if isinstance(e, IncomingRequest))
    callee.ua.reply(incoming.txn, 180, now=wire.now)
    callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=wire.now)
    wire.run_until(wire.now + 0.1)
    assert any(isinstance(e, DialogConfirmed) for e in callee.events)
    side = caller if hang_up_by_caller else callee
    side.ua.bye(next(iter(side.ua.dialogs.values())), wire.now)
    wire.run_until(wire.now + 0.1)
    caller.events.clear()
    callee.events.clear()


def _frontdesk_garbage() -> list[str]:
    gc.collect()
    return sorted({type(o).__qualname__ for o in gc.garbage
                   if type(o).__module__.startswith("frontdesk")})  # fmt: skip


def test_calls_that_ran_their_course_leave_no_cycles(collector_off: None) -> None:
    wire = Wire()
    caller = wire.node("127.0.0.1", 5061, 1)
    callee = wire.node("127.0.0.1", 5060, 2)
    for n in range(20):
        _call(wire, caller, callee, hang_up_by_caller=n % 2 == 0)
    wire.run_until(wire.now + 40.0)  # Timers J, L and the rest run out
    assert caller.ua.txns.live == 0 and callee.ua.txns.live == 0
    assert not caller.ua.dialogs and not callee.ua.dialogs
    assert _frontdesk_garbage() == []


def test_the_check_sees_a_cycle_when_there_is_one(collector_off: None) -> None:
    wire = Wire()
    caller = wire.node("127.0.0.1", 5061, 1)
    callee = wire.node("127.0.0.1", 5060, 2)
    _call(wire, caller, callee, hang_up_by_caller=True)
    node = wire.nodes.pop(("127.0.0.1", 5061))
    node.events.append(node)  # type: ignore[arg-type]  # the node, and its agent, held by itself
    del node, caller
    assert "UserAgent" in _frontdesk_garbage()
