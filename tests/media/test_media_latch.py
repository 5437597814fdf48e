"""Symmetric RTP latching and the inactivity detector, in memory with ManualClock."""

from __future__ import annotations

from frontdesk.clock import ManualClock
from frontdesk.media.latch import (
    InactivityDetector,
    InactivityReason,
    LatchState,
    RtpLatch,
)

PHONE = ("203.0.113.5", 40000)
NAT_MOVED = ("203.0.113.5", 41234)
ATTACKER = ("198.51.100.9", 5004)


def test_latches_once_to_where_media_really_comes_from() -> None:
    latch = RtpLatch(expected=("10.0.0.2", 4000))
    assert latch.send_to == ("10.0.0.2", 4000)  # SDP address until media arrives
    accept, event = latch.observe(PHONE, 0xAAAA, now=0.0)
    assert accept and event is not None and event.previous is None
    assert latch.send_to == PHONE and latch.state is LatchState.LATCHED


def test_foreign_packets_during_a_live_stream_are_dropped() -> None:
    latch = RtpLatch()
    latch.observe(PHONE, 0xAAAA, 0.0)
    latch.observe(PHONE, 0xAAAA, 0.02)
    # Injected packets, even with a new SSRC, while the real source is still talking.
    assert latch.observe(ATTACKER, 0xBBBB, 0.03) == (False, None)
    assert latch.observe(ATTACKER, 0xAAAA, 2.0) == (False, None)  # same SSRC: never relatch
    assert latch.send_to == PHONE and latch.rejected == 2


def test_relatches_on_new_ssrc_after_silence() -> None:
    latch = RtpLatch(relatch_after=0.5)
    latch.observe(PHONE, 0xAAAA, 0.0)
    accept, event = latch.observe(NAT_MOVED, 0xCCCC, 0.7)
    assert accept and event is not None and event.previous == PHONE
    assert latch.send_to == NAT_MOVED
    assert latch.observe(PHONE, 0xAAAA, 0.72) == (False, None)  # the old binding is gone


def test_reset_allows_a_fresh_latch() -> None:
    latch = RtpLatch()
    latch.observe(PHONE, 1, 0.0)
    latch.reset(expected=("10.0.0.3", 5000))
    assert latch.send_to == ("10.0.0.3", 5000)
    accept, event = latch.observe(ATTACKER, 1, 0.01)
    assert accept and event is not None


def test_inactivity_reports_once_with_a_reason_and_then_resumption() -> None:
    clock = ManualClock()
    det = InactivityDetector(started=clock.now(), timeout=5.0)
    clock.advance(4.9)
    assert det.check(clock.now()) is None
    clock.advance(0.2)
    event = det.check(clock.now())
    assert event is not None and event.reason is InactivityReason.NEVER_STARTED
    assert det.check(clock.now() + 10) is None  # only once
    resumed = det.packet(clock.now())
    assert resumed is not None and abs(resumed.after - 5.1) < 1e-9
    clock.advance(1.0)
    det.packet(clock.now())
    assert det.next_check() == clock.now() + 5.0
    clock.advance(5.0)
    event = det.check(clock.now())
    assert event is not None and event.reason is InactivityReason.STOPPED
    assert "5.0 s" in event.message
