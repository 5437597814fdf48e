"""Adaptive jitter buffer, driven in virtual time (no sleeps)."""

from __future__ import annotations

import random

import numpy as np

from frontdesk.media.codec import Pcmu
from frontdesk.media.g711 import ULAW_DECODE
from frontdesk.media.jitter import FrameKind, JitterBuffer, PlayoutFrame
from frontdesk.media.rtp import RtpHeader, RtpPacket


def _packet(i: int, ssrc: int = 1, ts0: int = 0, seq0: int = 0) -> RtpPacket:
    code = 0x80 + (i % 100)  # every frame is one distinct constant level
    header = RtpHeader(0, (seq0 + i) % 65536, (ts0 + 160 * i) % (1 << 32), ssrc)
    return RtpPacket(header, bytes([code]) * 160)


def _label(frame: PlayoutFrame) -> int | None:
    if frame.kind is not FrameKind.AUDIO:
        return None
    level = int(frame.samples[-1])
    return int(np.nonzero(level == ULAW_DECODE)[0][0]) - 0x80 if level else None


def _run(
    arrivals: list[tuple[float, RtpPacket]], jb: JitterBuffer, until: float
) -> list[PlayoutFrame]:
    arrivals = sorted(arrivals, key=lambda a: a[0])
    out, k = [], 0
    t = 0.0
    while t < until:
        while k < len(arrivals) and arrivals[k][0] <= t:
            jb.push(arrivals[k][1], arrivals[k][0])
            k += 1
        out.append(jb.pop(t))
        t = round(t + 0.02, 6)
    return out


def test_steady_stream_plays_every_frame_in_order() -> None:
    jb = JitterBuffer(Pcmu())
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(100)]
    frames = _run(arrivals, jb, 2.2)
    labels = [_label(f) for f in frames]
    played = [x for x in labels if x is not None]
    assert played == [i % 100 for i in range(100)]
    last_audio = max(i for i, f in enumerate(frames) if f.kind is FrameKind.AUDIO)
    assert all(f.kind is not FrameKind.CONCEALED for f in frames[:last_audio])
    s = jb.stats
    assert (s.lost, s.late, s.played) == (0, 0, 100)
    assert s.target_delay == jb.min_delay  # no jitter: the smallest delay


def test_reordering_and_duplicates() -> None:
    jb = JitterBuffer(Pcmu())
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(50)]
    arrivals[10], arrivals[11] = (
        (arrivals[11][0], arrivals[10][1]),
        (arrivals[10][0], arrivals[11][1]),
    )
    arrivals.append((0.02 * 20 + 0.005, _packet(20)))  # duplicate
    played = [x for x in map(_label, _run(arrivals, jb, 1.5)) if x is not None]
    assert played == list(range(50))
    assert jb.stats.duplicates == 1


def test_loss_is_concealed_with_a_fade_then_silence_and_faded_back_in() -> None:
    jb = JitterBuffer(Pcmu(), conceal_frames=3)
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(60) if not 20 <= i < 25]
    frames = _run(arrivals, jb, 1.6)
    kinds = [f.kind for f in frames]
    first_gap = next(i for i, f in enumerate(frames) if f.kind is FrameKind.CONCEALED)
    assert kinds[first_gap : first_gap + 5] == [FrameKind.CONCEALED] * 3 + [FrameKind.SILENCE] * 2
    before = frames[first_gap - 1].samples.astype(np.float64)
    faded = [np.abs(frames[first_gap + k].samples).mean() for k in range(3)]
    assert faded[0] < np.abs(before).mean() and faded[0] > faded[1] > faded[2] > 0
    resumed = frames[first_gap + 5]
    assert resumed.kind is FrameKind.AUDIO and resumed.samples[0] == 0  # fade-in from silence
    assert resumed.samples[-1] == ULAW_DECODE[0x80 + 25]
    assert jb.stats.lost == 5
    assert jb.stats.concealed == kinds.count(FrameKind.CONCEALED)


def test_late_packets_are_dropped_and_counted() -> None:
    jb = JitterBuffer(Pcmu(), initial_delay=0.02, max_delay=0.02)
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(40) if i != 10]
    arrivals.append((0.02 * 10 + 0.3, _packet(10)))  # 300 ms late
    _run(arrivals, jb, 1.0)
    assert jb.stats.late == 1 and jb.stats.lost == 1


def test_delay_adapts_to_jitter_and_keeps_late_packets_rare() -> None:
    rng = random.Random(5)
    jb = JitterBuffer(Pcmu(), min_delay=0.02, max_delay=0.2)
    # Network delay uniform in 0..80 ms for 10 s, then steady for 10 s.
    arrivals = [(0.02 * i + rng.uniform(0, 0.08), _packet(i)) for i in range(500)]
    arrivals += [(0.02 * i + 0.001, _packet(i)) for i in range(500, 1000)]
    _run(arrivals, jb, 20.5)
    s = jb.stats
    assert s.late + s.lost < 0.03 * 1000
    assert 0.015 < s.target_delay <= 0.03  # back near the minimum once the jitter went away
    assert s.played + s.late == 1000


def test_target_delay_grows_under_jitter() -> None:
    rng = random.Random(9)
    jb = JitterBuffer(Pcmu(), min_delay=0.02, max_delay=0.2)
    arrivals = [(0.02 * i + rng.uniform(0, 0.12), _packet(i)) for i in range(300)]
    _run(arrivals, jb, 6.3)
    assert 0.09 < jb.stats.target_delay <= 0.2


def test_ssrc_change_and_timestamp_jump_keep_the_audio_flowing() -> None:
    jb = JitterBuffer(Pcmu())
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(30)]
    arrivals += [
        (0.02 * i + 0.001, _packet(i, ssrc=2, ts0=9_000_000 - 160 * 30)) for i in range(30, 60)
    ]
    arrivals += [(0.02 * i + 0.001, _packet(i, ssrc=2, ts0=50_000_000)) for i in range(60, 90)]
    played = [x for x in map(_label, _run(arrivals, jb, 2.0)) if x is not None]
    assert jb.stats.resets == 2
    assert played == list(range(90))
    assert jb.stats.lost == 0


def test_timestamp_wrap_and_silence_suppression_do_not_reset() -> None:
    jb = JitterBuffer(Pcmu())
    ts0 = (1 << 32) - 160 * 10
    arrivals = [(0.02 * i + 0.001, _packet(i, ts0=ts0)) for i in range(40)]
    # A talkspurt gap: packets 40-59 not sent (DTX), timestamps keep time.
    arrivals += [(0.02 * i + 0.001, _packet(i, ts0=ts0)) for i in range(60, 90)]
    played = [x for x in map(_label, _run(arrivals, jb, 2.0)) if x is not None]
    assert jb.stats.resets == 0
    assert played == list(range(40)) + list(range(60, 90))


def test_timestamps_off_the_frame_grid_are_followed() -> None:
    # A sender whose timestamps shift by half a frame mid-call (same SSRC, small jump).
    jb = JitterBuffer(Pcmu())
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(30)]
    arrivals += [(0.02 * i + 0.001, _packet(i, ts0=80)) for i in range(30, 60)]
    played = [x for x in map(_label, _run(arrivals, jb, 1.5)) if x is not None]
    assert played == list(range(60))
    assert jb.stats.played == 60


def test_a_timeline_stepping_back_a_little_is_followed_after_a_short_gap() -> None:
    # The same SSRC's timestamps step back by 0.5 s (a sender switching sources, less than
    # the `jump` that re-bases at once): every packet is late; after LATE_RESYNC of them the
    # buffer follows the new timeline instead of playing silence for the rest of the call.
    jb = JitterBuffer(Pcmu())
    arrivals = [(0.02 * i + 0.001, _packet(i)) for i in range(50)]
    back = 25  # 0.5 s of timestamps
    arrivals += [(0.02 * i + 0.001, _packet(i - back)) for i in range(50, 150)]
    frames = _run(arrivals, jb, 3.2)
    tail = frames[-60:-16]  # well after the step, before the stream ends at 3.0 s
    assert all(f.kind is FrameKind.AUDIO for f in tail), [f.kind for f in tail]
    assert jb.stats.resets == 1
    assert jb.stats.late <= 10  # about LATE_RESYNC packets, not the rest of the call
