"""The RTP bridge's conversions, in memory: tones through both directions keep frequency and
level, RTP sequence numbers and timestamps advance as RFC 3550 §5.1 says, silence when idle,
and keys go out as well-formed RFC 4733 telephone-events."""

from __future__ import annotations

import fractions
import itertools
import random

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from frontdesk.media.dtmf import DtmfReceiver, TelephoneEvent
from frontdesk.media.g711 import ULAW_ENCODE, ulaw_decode, ulaw_encode
from frontdesk.media.rtp import RtpHeader, RtpPacket
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.bridge import MAX_BACKLOG_S, EngineMedia, RtpBridge

PCMU = EngineMedia(("127.0.0.1", 40000), "PCMU", 0, 101)
ULAW_SILENCE = int(ULAW_ENCODE[32768])  # the code for sample 0 (0xFF, G.711 Table 2a)


def tone(freq: float, rate: int, start: int, count: int, amplitude: float) -> NDArray[np.int16]:
    t = (start + np.arange(count)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def browser_frame(samples: NDArray[np.int16], rate: int, layout: str, pts: int) -> av.AudioFrame:
    data = np.repeat(samples, 2) if layout == "stereo" else samples
    frame = av.AudioFrame.from_ndarray(data.reshape(1, -1), format="s16", layout=layout)
    frame.sample_rate, frame.pts = rate, pts
    frame.time_base = fractions.Fraction(1, rate)
    return frame


def frequency(samples: NDArray[np.float64], rate: int = 8000) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum[1:]) + 1) * rate / len(samples)


def rms(samples: NDArray[np.float64]) -> float:
    return float(np.sqrt(np.mean(np.asarray(samples, dtype=np.float64) ** 2)))


def run_to_engine(bridge: RtpBridge, rate: int, layout: str, seconds: float) -> list[RtpPacket]:
    """Browser frames of 20 ms interleaved with the bridge's ticks, as in real time."""
    size = rate // 50
    packets = []
    for k in range(int(seconds * 50)):
        samples = tone(1000.0, rate, k * size, size, 10000.0)
        bridge.from_browser(browser_frame(samples, rate, layout, k * size))
        packets += [RtpPacket.parse(p) for p in bridge.tick(k * 0.02)]
    return packets


@pytest.mark.parametrize(("rate", "layout"), [(48000, "stereo"), (48000, "mono"), (8000, "mono")])
def test_a_browser_tone_reaches_the_engine_with_its_frequency_and_level(
    rate: int, layout: str
) -> None:
    bridge = RtpBridge(random.Random(1))
    bridge.connect(PCMU)
    packets = run_to_engine(bridge, rate, layout, 1.0)
    assert all(p.header.payload_type == 0 and len(p.payload) == 160 for p in packets)
    pcm = np.concatenate([ulaw_decode(p.payload) for p in packets[10:]]).astype(np.float64)
    assert abs(frequency(pcm) - 1000.0) <= 10.0
    # 10000 peak is 7071 rms; G.711 µ-law and the resampler's filter cost well under 0.5 dB.
    assert abs(20 * np.log10(rms(pcm) / 7071.0)) < 0.5


def test_an_engine_tone_reaches_the_browser_with_its_frequency_and_level() -> None:
    bridge = RtpBridge(random.Random(2))
    bridge.connect(PCMU)
    heard = []
    for k in range(100):
        pcm = tone(1000.0, 8000, k * 160, 160, 10000.0)
        header = RtpHeader(0, (500 + k) & 0xFFFF, 8000 + k * 160, 1234, marker=k == 0)
        bridge.from_engine(bytes(RtpPacket(header, ulaw_encode(pcm))), k * 0.02)
        frame = bridge.to_browser(k * 0.02)
        assert (frame.sample_rate, frame.layout.name, frame.samples) == (8000, "mono", 160)
        heard.append(frame.to_ndarray().reshape(-1))
    audio = np.concatenate(heard[20:]).astype(np.float64)
    assert abs(frequency(audio) - 1000.0) <= 10.0
    assert abs(20 * np.log10(rms(audio) / 7071.0)) < 0.5


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), ticks=st.integers(2, 400))
def test_sequence_numbers_and_timestamps_advance_by_one_packet_each_tick(
    seed: int, ticks: int
) -> None:
    bridge = RtpBridge(random.Random(seed))
    bridge.connect(PCMU)
    headers = [RtpPacket.parse(p).header for k in range(ticks) for p in bridge.tick(k * 0.02)]
    assert len(headers) == ticks and len({h.ssrc for h in headers}) == 1
    for a, b in itertools.pairwise(headers):
        assert (b.sequence - a.sequence) % 65536 == 1
        assert (b.timestamp - a.timestamp) % 2**32 == 160
    assert headers[0].marker and not any(h.marker for h in headers[1:])


def test_frames_to_the_browser_have_increasing_timestamps() -> None:
    bridge = RtpBridge()
    pts = [bridge.to_browser(k * 0.02).pts for k in range(5)]
    assert pts == [0, 160, 320, 480, 640]


def test_idle_means_silence_for_the_browser_and_nothing_for_the_engine() -> None:
    bridge = RtpBridge()
    frames = [bridge.to_browser(k * 0.02).to_ndarray() for k in range(10)]
    assert not np.any(np.concatenate(frames))
    bridge.from_browser(browser_frame(tone(1000.0, 48000, 0, 960, 9000.0), 48000, "mono", 0))
    assert bridge.tick(0.0) == []


def test_a_call_without_browser_audio_sends_silence_to_the_engine() -> None:
    bridge = RtpBridge()
    bridge.connect(PCMU)
    packets = [RtpPacket.parse(p) for k in range(5) for p in bridge.tick(k * 0.02)]
    assert len(packets) == 5
    assert all(set(p.payload) == {ULAW_SILENCE} for p in packets)
    assert bridge.stats.to_engine_silent == 5


def test_muted_and_held_send_silence_instead_of_the_browser() -> None:
    for attribute in ("muted", "held"):
        bridge = RtpBridge()
        bridge.connect(PCMU)
        setattr(bridge, attribute, True)
        packets = run_to_engine(bridge, 48000, "mono", 0.3)
        assert all(set(p.payload) == {ULAW_SILENCE} for p in packets), attribute
        setattr(bridge, attribute, False)
        more = run_to_engine(bridge, 48000, "mono", 0.3)
        assert rms(ulaw_decode(more[-1].payload).astype(np.float64)) > 5000


def test_browser_audio_waiting_for_the_engine_is_bounded() -> None:
    bridge = RtpBridge()
    bridge.connect(PCMU)
    for k in range(50):  # one second of browser audio, no tick: the engine side stalled
        bridge.from_browser(browser_frame(tone(440, 48000, k * 960, 960, 8000), 48000, "mono", 0))
    queued = sum(1 for k in range(100) if set(RtpPacket.parse(bridge.tick(k)[0]).payload) != {
        ULAW_SILENCE})  # fmt: skip
    assert queued * 0.02 <= MAX_BACKLOG_S
    assert bridge.stats.dropped_browser_samples > 0.8 * 8000


def test_a_key_goes_out_as_rfc_4733_events_and_is_read_back_once() -> None:
    bridge = RtpBridge(random.Random(3))
    bridge.connect(PCMU)
    bridge.tick(0.0)
    bridge.send_dtmf("5", 0.02)
    packets = [RtpPacket.parse(p) for k in range(1, 30) for p in bridge.tick(k * 0.02)]
    events = [p for p in packets if p.header.payload_type == 101]
    decoded = [TelephoneEvent.parse(p.payload) for p in events]
    assert decoded[0].event == 5 and events[0].header.marker  # §2.5.1.1: M on the first
    assert not any(p.header.marker for p in events[1:])
    assert len({p.header.timestamp for p in events}) == 1  # §2.5.1.2: one event, one timestamp
    durations = [e.duration for e in decoded]
    assert durations == sorted(durations) and durations[-1] == 800  # 100 ms at 8 kHz
    assert [e.end for e in decoded][-3:] == [True] * 3  # §2.5.1.4: end packet sent three times
    sequences = [p.header.sequence for p in packets]
    assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(sequences))
    receiver = DtmfReceiver()
    digits = [d for p in events for d in receiver.packet(p.header.timestamp, p.payload, 0.0)]
    assert [d.digit for d in digits] == ["5"]


def test_keys_need_a_call_that_agreed_on_telephone_events() -> None:
    bridge = RtpBridge()
    with pytest.raises(SoftphoneError):
        bridge.send_dtmf("1", 0.0)
    bridge.connect(EngineMedia(("127.0.0.1", 4000), "PCMU", 0, None))
    with pytest.raises(SoftphoneError):
        bridge.send_dtmf("1", 0.0)


def test_rtcp_other_payload_types_and_garbage_from_the_engine_are_ignored() -> None:
    bridge = RtpBridge()
    bridge.connect(PCMU)
    bridge.from_engine(b"\x81\xc8\x00\x06" + bytes(24), 0.0)  # an RTCP sender report
    bridge.from_engine(bytes(RtpPacket(RtpHeader(8, 1, 160, 9), bytes(160))), 0.0)  # PCMA
    bridge.from_engine(b"\x00garbage", 0.0)
    assert bridge.stats.from_engine_packets == 0


def test_audio_that_stays_queued_for_a_second_is_dropped_to_keep_the_delay_short() -> None:
    bridge = RtpBridge()
    bridge.connect(PCMU)
    pts = 0
    for _ in range(5):  # a burst: 100 ms arrive before the first tick
        bridge.from_browser(browser_frame(tone(440, 48000, pts, 960, 8000), 48000, "mono", pts))
        pts += 960
    levels = []
    for k in range(150):  # then one frame in, one frame out, every 20 ms
        bridge.from_browser(browser_frame(tone(440, 48000, pts, 960, 8000), 48000, "mono", pts))
        pts += 960
        bridge.tick(k * 0.02)
        levels.append(round(bridge.backlog_s * 8000))
    assert min(levels[:40]) >= 4 * 160  # the burst is still there during the first second
    assert max(levels[-40:]) <= 160 + 80  # then at most one frame and a half waits
    assert bridge.stats.to_engine_silent == 0  # and the engine never ran dry for it
