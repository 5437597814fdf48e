"""RFC 4733 telephone-events (§2.3 payload, §2.5 procedures) and SIP INFO DTMF bodies."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.media import MediaError
from frontdesk.media.dtmf import (
    DtmfReceiver,
    DtmfSender,
    DtmfSource,
    TelephoneEvent,
    parse_info_body,
    plan_digit,
)


def test_payload_from_the_section_2_3_diagram() -> None:
    # event 5 | E=1 R=0 volume 10 | duration 800 (100 ms at 8 kHz)
    data = bytes([0x05, 0x8A, 0x03, 0x20])
    te = TelephoneEvent.parse(data)
    assert te == TelephoneEvent(event=5, end=True, volume=10, duration=800)
    assert te.digit == "5" and bytes(te) == data
    assert TelephoneEvent.parse(bytes([11, 0x0A, 0, 0])).digit == "#"
    assert TelephoneEvent.parse(bytes([16, 0x0A, 0, 0])).digit is None  # flash is not a digit
    with pytest.raises(MediaError):
        TelephoneEvent.parse(b"\x05\x8a\x03")


@given(st.binary(max_size=8))
def test_garbage_payloads_only_raise_media_error(data: bytes) -> None:
    try:
        te = TelephoneEvent.parse(data)
    except MediaError:
        return
    assert bytes(te) == bytes([data[0], data[1] & 0xBF, data[2], data[3]])  # R bit dropped


def _feed(rx: DtmfReceiver, packets: list[tuple[float, int, TelephoneEvent]]) -> list:  # type: ignore[type-arg]
    out = []
    for now, ts, te in packets:
        out += rx.packet(ts, bytes(te), now)
    return out


def _sent(
    digit: str, ts: int, start: float, duration: float = 0.1
) -> list[tuple[float, int, TelephoneEvent]]:
    return [(start + p.offset, p.timestamp, p.event) for p in plan_digit(digit, ts, duration)]


def test_sender_plan_follows_section_2_5_1() -> None:
    plan = plan_digit("7", timestamp=1000, duration=0.12, interval=0.05)
    assert [p.marker for p in plan] == [True, False, False, False, False, False]
    assert [p.event.duration for p in plan] == [400, 800, 960, 960, 960, 960]
    assert [p.event.end for p in plan] == [False, False, False, True, True, True]
    assert {p.timestamp for p in plan} == {1000} and {p.event.event for p in plan} == {7}
    assert [round(p.offset, 3) for p in plan] == [0.0, 0.05, 0.1, 0.15, 0.17, 0.19]


def test_one_digit_with_redundant_ends_is_reported_once() -> None:
    rx = DtmfReceiver()
    digits = _feed(rx, _sent("5", 8000, start=1.0))
    assert [(d.digit, d.duration, d.timestamp, d.source) for d in digits] == [
        ("5", 0.1, 8000, DtmfSource.RFC4733)
    ]
    assert digits[0].start == pytest.approx(1.0 - 0.05)  # first packet already reports 50 ms


def test_lost_start_and_duplicates_and_retransmitted_start() -> None:
    rx = DtmfReceiver()
    packets = _sent("9", 500, start=0.0, duration=0.2)
    stream = packets[1:2] + packets[1:2] + [packets[0]] + packets[2:]  # start lost, then late
    digits = _feed(rx, stream)
    assert [(d.digit, d.duration) for d in digits] == [("9", 0.2)]


def test_long_press_grows_with_duration_updates() -> None:
    rx = DtmfReceiver()
    digits = _feed(rx, _sent("0", 0, start=0.0, duration=2.0))
    assert [(d.digit, d.duration) for d in digits] == [("0", 2.0)]


def test_all_end_packets_lost_is_closed_by_the_next_digit_or_by_time() -> None:
    rx = DtmfReceiver(stale_after=0.3)
    first = [p for p in _sent("1", 0, 0.0) if not p[2].end]
    second = _sent("2", 2400, 0.3)
    digits = _feed(rx, first + second)
    assert [(d.digit, d.duration) for d in digits] == [("1", 0.1), ("2", 0.1)]
    third = [p for p in _sent("3", 8000, 1.0) if not p[2].end]
    assert _feed(rx, third) == []
    assert rx.poll(1.2) == []
    assert [d.digit for d in rx.poll(1.5)] == ["3"]
    assert rx.poll(2.0) == []


def test_same_digit_twice_is_two_events_because_timestamps_differ() -> None:
    rx = DtmfReceiver()
    digits = _feed(rx, _sent("4", 0, 0.0) + _sent("4", 1600, 0.3))
    assert [(d.digit, d.timestamp) for d in digits] == [("4", 0), ("4", 1600)]


def test_reordered_stream_of_digits_yields_each_digit_once_in_order() -> None:
    rng = random.Random(7)
    packets = []
    for i, digit in enumerate("0123456789*#ABCD"):
        packets += _sent(digit, 2400 * i, 0.3 * i)
    for _trial in range(20):
        shuffled = packets[:]
        for i in range(len(shuffled) - 1):  # swap neighbours: mild reordering as on the net
            if rng.random() < 0.3:
                shuffled[i], shuffled[i + 1] = shuffled[i + 1], shuffled[i]
        rx = DtmfReceiver()
        digits = _feed(rx, shuffled) + rx.poll(100.0)
        assert "".join(d.digit for d in digits) == "0123456789*#ABCD"


def test_sender_queues_digits_with_gaps_and_a_receiver_gets_them() -> None:
    sender = DtmfSender(duration=0.08, gap=0.06)
    sender.send("12#", now=10.0, timestamp=160_000)
    rx = DtmfReceiver()
    got = []
    now = 10.0
    while sender.active:
        for p in sender.due(now):
            got += rx.packet(p.timestamp, bytes(p.event), now)
        now += 0.01
    assert [(d.digit, d.duration) for d in got] == [("1", 0.08), ("2", 0.08), ("#", 0.08)]
    starts = [d.timestamp for d in got]
    assert starts[0] == 160_000 and all(b > a for a, b in itertools.pairwise(starts))


@pytest.mark.parametrize(
    ("content_type", "body", "digit", "duration"),
    [
        ("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n", "5", 0.16),
        ("Application/DTMF-Relay; charset=utf-8", "Signal= *\nDuration= 250", "*", 0.25),
        ("application/dtmf-relay", b"Signal=11\r\nDuration=100", "#", 0.1),
        ("application/dtmf-relay", b"Signal=a", "A", 0.25),
        ("application/dtmf", b"7", "7", 0.25),
    ],
)
def test_sip_info_bodies(content_type: str, body: bytes, digit: str, duration: float) -> None:
    d = parse_info_body(content_type, body)
    assert (d.digit, d.duration, d.source) == (digit, duration, DtmfSource.SIP_INFO)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/dtmf-relay", b"Duration=160"),
        ("application/dtmf-relay", b"Signal=X"),
        ("application/dtmf-relay", b"Signal=1\r\nDuration=long"),
        ("text/plain", b"Signal=1"),
    ],
)
def test_bad_sip_info_bodies(content_type: str, body: bytes) -> None:
    with pytest.raises(MediaError):
        parse_info_body(content_type, body)
