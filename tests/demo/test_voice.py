"""A simulated person's RTP: 20 ms G.711 packets of their script (RFC 3550 §5.1, RFC 3551
§4.5.14: one octet per sample, 160 per 20 ms at 8 kHz), silence until they talk, and keys as
RFC 4733 telephone-events that Frontdesk's own receiver decodes once each."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from frontdesk.demo import DemoError
from frontdesk.demo.speech import murmur
from frontdesk.demo.voice import Script, Voice
from frontdesk.media import FRAME_SAMPLES
from frontdesk.media.dtmf import DtmfReceiver
from frontdesk.media.g711 import alaw_encode, ulaw_encode
from frontdesk.media.rtp import RtpPacket
from frontdesk.softphone.bridge import EngineMedia

PCMU = EngineMedia(("127.0.0.1", 40000), "PCMU", 0, 101)
PCMA = EngineMedia(("127.0.0.1", 40000), "PCMA", 8, None)


def script() -> Script:
    ramp = (np.arange(FRAME_SAMPLES * 5 + 37) * 97 % 20000 - 10000).astype(np.int16)
    return Script(ramp)


def run(voice: Voice, start: float, frames: int) -> list[RtpPacket]:
    out = []
    for k in range(frames):
        out += [RtpPacket.parse(d) for d in voice.tick(start + k * 0.02)]
    return out


def test_a_script_is_padded_to_whole_frames_with_silence() -> None:
    s = script()
    assert s.frames == 6 and len(s.samples) == 6 * FRAME_SAMPLES
    assert not s.samples[FRAME_SAMPLES * 5 + 37 :].any()


def test_no_call_no_packets() -> None:
    voice = Voice(script(), random.Random(1))
    assert voice.tick(0.0) == []
    voice.connect(PCMU)
    voice.disconnect()
    assert voice.tick(0.0) == []


def test_silence_until_talking_then_the_script_in_order_looping() -> None:
    s = script()
    voice = Voice(s, random.Random(1))
    voice.connect(PCMU)
    quiet = run(voice, 0.0, 3)
    assert all(p.payload == ulaw_encode(np.zeros(FRAME_SAMPLES, np.int16)) for p in quiet)
    voice.talk()
    talking = run(voice, 0.06, s.frames + 2)
    frames = [s.samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(s.frames)]
    expected = [ulaw_encode(f) for f in (*frames, frames[0], frames[1])]
    assert [p.payload for p in talking] == expected
    packets = quiet + talking
    assert all(p.header.payload_type == 0 for p in packets)
    assert [p.header.marker for p in packets] == [True] + [False] * (len(packets) - 1)
    seqs = [p.header.sequence for p in packets]
    stamps = [p.header.timestamp for p in packets]
    assert all((b - a) % 65536 == 1 for a, b in itertools.pairwise(seqs))
    assert all((b - a) % 2**32 == FRAME_SAMPLES for a, b in itertools.pairwise(stamps))
    assert len({p.header.ssrc for p in packets}) == 1


def test_pcma_when_that_is_what_was_agreed_and_held_or_muted_is_silent() -> None:
    s = script()
    voice = Voice(s, random.Random(2))
    voice.connect(PCMA)
    voice.talk()
    first = run(voice, 0.0, 1)[0]
    assert first.header.payload_type == 8
    assert first.payload == alaw_encode(s.samples[:FRAME_SAMPLES])
    voice.held = True
    assert run(voice, 0.02, 1)[0].payload == alaw_encode(np.zeros(FRAME_SAMPLES, np.int16))


def test_keys_go_as_telephone_events_decoded_once_each_with_audio_held_back() -> None:
    voice = Voice(Script(murmur("hello there")), random.Random(3))
    voice.connect(PCMU)
    voice.talk()
    voice.press("4*", 0.0)
    receiver, digits, audio_during_keys = DtmfReceiver(), [], 0
    for k in range(40):
        now = k * 0.02
        for packet in (RtpPacket.parse(d) for d in voice.tick(now)):
            if packet.header.payload_type == 101:
                digits += receiver.packet(packet.header.timestamp, packet.payload, now)
            elif k < 10:
                audio_during_keys += 1
    assert [d.digit for d in digits] == ["4", "*"]
    assert audio_during_keys == 0


def test_keys_need_a_call_that_agreed_on_telephone_events() -> None:
    voice = Voice(script(), random.Random(4))
    voice.connect(PCMA)
    with pytest.raises(DemoError, match="RFC 4733"):
        voice.press("1", 0.0)


def test_only_rtp_of_the_agreed_codec_counts_as_heard() -> None:
    talker, listener = Voice(script(), random.Random(5)), Voice(script(), random.Random(6))
    talker.connect(PCMU)
    listener.connect(PCMU)
    for data in talker.tick(0.0) + talker.tick(0.02):
        listener.receive(data)
    listener.receive(b"\x80\xc8" + bytes(30))  # RTCP sender report
    listener.receive(b"junk")
    other = Voice(script(), random.Random(7))
    other.connect(PCMA)
    for data in other.tick(0.0):
        listener.receive(data)
    assert listener.heard == 2
