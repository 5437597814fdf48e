"""Receiver statistics: RFC 3550 §A.1 validation and probation, §A.3 loss, §A.8 jitter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.media.rtp_stats import ReceiverStats, SourceStats


def test_probation_needs_two_sequential_packets() -> None:
    s = SourceStats(1, first_seq=10)
    assert not s.update_seq(10)  # MIN_SEQUENTIAL = 2: the first only starts probation
    assert s.update_seq(11)
    assert s.received == 1 and s.base_seq == 11


def test_probation_restarts_on_a_gap() -> None:
    s = SourceStats(1, first_seq=10)
    assert not s.update_seq(10)
    assert not s.update_seq(20)  # not sequential: probation starts over from 20
    assert s.update_seq(21)


def test_wrap_counts_cycles_and_extends_the_highest_sequence() -> None:
    s = SourceStats(1, first_seq=65530)
    for seq in [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2]:
        s.update_seq(seq)
    assert s.cycles == 65536 and s.extended_max == 65536 + 2
    assert s.expected == 8 and s.lost == 0


def test_restart_after_a_large_jump_needs_two_sequential_packets() -> None:
    s = SourceStats(1, first_seq=100)
    for seq in range(100, 110):
        s.update_seq(seq)
    assert not s.update_seq(40000)  # beyond MAX_DROPOUT: suspicious
    assert s.update_seq(40001)  # sequential after it: the sender restarted, resync
    assert s.base_seq == 40001 and s.received == 1


def test_duplicates_and_reordering() -> None:
    s = SourceStats(1, first_seq=0)
    for seq in [0, 1, 2, 4, 3, 3, 5]:
        s.update_seq(seq)
    assert s.extended_max == 5 and s.received == 6  # duplicate counted, as §A.3 notes
    assert s.lost == -1


def test_fraction_lost_per_interval() -> None:
    s = SourceStats(1, first_seq=0)
    s.update_seq(0)
    for seq in range(1, 102):
        if seq % 10:
            s.update_seq(seq)
    block = s.report_block(now=1.0)
    # Probation took seq 0, so base is 1; highest 101: expected 101, received 91
    # (10, 20 .. 100 missing); fraction = (10 << 8) // 101 = 25 (§A.3)
    assert block.fraction_lost == 25 and block.cumulative_lost == 10
    assert block.highest_seq == 101
    for seq in range(102, 201):
        s.update_seq(seq)
    second = s.report_block(now=2.0)
    assert second.fraction_lost == 0 and second.cumulative_lost == 10


def test_jitter_is_zero_for_constant_transit() -> None:
    s = SourceStats(1, first_seq=0)
    for i in range(50):
        s.update_jitter(160 * i, 5.0 + 0.02 * i)
    assert s.jitter == pytest.approx(0.0, abs=1e-6)


def test_jitter_converges_as_the_a8_recurrence_says() -> None:
    # Transit alternating by 80 timestamp units: |D| = 80 each step, so after n steps
    # J = 80 * (1 - (15/16) ** n) (closed form of J += (|D| - J) / 16 from J = 0).
    s = SourceStats(1, first_seq=0)
    for i in range(61):
        s.update_jitter(160 * i, 0.02 * i + (0.01 if i % 2 else 0.0))
    assert s.jitter == pytest.approx(80 * (1 - (15 / 16) ** 60), rel=1e-9)


def test_report_block_carries_lsr_and_dlsr() -> None:
    s = SourceStats(1, first_seq=0)
    s.sender_report(0xB7052000, now=10.0)
    block = s.report_block(now=10.5)
    assert block.lsr == 0xB7052000 and block.dlsr == 32768  # 0.5 s in 1/65536 s


def test_receiver_follows_an_ssrc_change() -> None:
    rx = ReceiverStats()
    events = []
    for i in range(5):
        events.append(rx.packet(1, 100 + i, 160 * i, 0.02 * i))
    for i in range(5):
        events.append(rx.packet(2, 9000 + i, 555 + 160 * i, 0.1 + 0.02 * i))
    changes = [e[1] for e in events if e[1] is not None]
    assert [(c.old_ssrc, c.new_ssrc) for c in changes] == [(None, 1), (1, 2)]
    assert rx.sources[1].received == 4 and rx.sources[2].received == 4
    assert {b.ssrc for b in rx.report_blocks(1.0)} == {1, 2}


@given(st.lists(st.integers(0, 0xFFFF), max_size=200))
def test_counters_stay_consistent_for_any_sequence(seqs: list[int]) -> None:
    s = SourceStats(1, first_seq=seqs[0] if seqs else 0)
    for seq in seqs:
        s.update_seq(seq)
    block = s.report_block(now=1.0)
    assert 0 <= block.fraction_lost <= 255
    assert -(1 << 23) <= block.cumulative_lost < 1 << 23
    assert s.received <= len(seqs)


@given(
    st.integers(0, 65535),
    st.lists(st.tuples(st.integers(-3, 40), st.integers(0, 2000), st.floats(0, 0.2)),
             min_size=1, max_size=200),
)  # fmt: skip
def test_the_short_cut_of_packet_gives_what_the_a1_and_a8_steps_give(
    first: int, steps: list[tuple[int, int, float]]
) -> None:
    # The receive path's `packet` takes a short cut for the next packet in order; whatever the
    # order (gaps, duplicates, reordering, wraps), it must end in the state of §A.1 + §A.8.
    fast, slow = SourceStats(7, first), SourceStats(7, first)
    seq, ts, now = first, 1000, 0.0
    for dseq, dts, dt in steps:
        seq, ts, now = (seq + dseq) % 65536, (ts + dts) % (1 << 32), now + dt
        fast.packet(seq, ts, now)
        if slow.update_seq(seq):
            slow.update_jitter(ts, now)
    names = [n for n in SourceStats.__slots__ if n != "jitter"]
    assert [getattr(fast, n) for n in names] == [getattr(slow, n) for n in names]
    assert fast.jitter == pytest.approx(slow.jitter, rel=1e-12, abs=1e-9)
