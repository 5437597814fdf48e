"""Engine playback and recording over real sockets: prompts, tones, loops, stereo recordings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from engine_harness import FarEnd, run, stream_audio, until

from frontdesk.media.engine import (
    CommandFailed,
    Configure,
    Event,
    MediaEngine,
    PlaybackDone,
    RecordAction,
    RecordingDone,
)
from frontdesk.media.g711 import alaw_decode, alaw_encode, ulaw_decode
from frontdesk.media.wav import WavWriter, read_wav


def _write_prompt(path: Path, seconds: float, freq: float = 440.0) -> np.ndarray:
    n = int(seconds * 8000)
    pcm = (8000 * np.sin(2 * np.pi * freq * np.arange(n) / 8000)).astype(np.int16)
    with path.open("wb") as f:
        writer = WavWriter(f, 1)
        writer.write(pcm)
        writer.patch()
    return pcm


def test_prompt_is_sent_every_20_ms_and_decodes_to_the_file(tmp_path: Path) -> None:
    prompt = _write_prompt(tmp_path / "p.wav", 0.51)  # 25.5 frames: the last is padded

    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone = FarEnd()
        engine.open_stream("s")
        engine.configure(Configure("s", phone.address, "PCMU", 0, None))
        engine.play("s", path=str(tmp_path / "p.wav"))
        await until(lambda: any(isinstance(e, PlaybackDone) for e in events))
        await asyncio.sleep(0.05)
        got = phone.drain()
        assert len(got) == 26
        audio = np.concatenate([ulaw_decode(r.payload) for r in got])
        expected = np.concatenate([prompt, np.zeros(len(audio) - len(prompt), np.int16)])
        # µ-law round trip: within half a quantisation step (at most 2**13 / 16 / 2 for 8000).
        assert np.max(np.abs(audio.astype(int) - expected)) <= 256
        gaps = np.diff([r.at for r in got])
        assert 0.015 < float(np.median(gaps)) < 0.025  # paced by the ticker, not burst out
        assert float(np.max(np.abs(np.diff([r.ts for r in got]) - 160))) == 0
        [done] = [e for e in events if isinstance(e, PlaybackDone)]
        assert done.played == pytest.approx(0.52) and not done.stopped

    run(body)


def test_loop_plays_until_stopped_and_another_play_replaces_it(tmp_path: Path) -> None:
    _write_prompt(tmp_path / "moh.wav", 0.1)

    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone = FarEnd()
        engine.open_stream("s")
        engine.configure(Configure("s", phone.address, "PCMA", 8, None))
        engine.play("s", path=str(tmp_path / "moh.wav"), loop=True)
        await asyncio.sleep(0.5)
        assert phone.count() >= 20  # five loops of a 0.1 s file and still going
        engine.play("s", tone="ringback:GB")
        await asyncio.sleep(0.3)
        engine.stop_play("s")
        await until(lambda: sum(isinstance(e, PlaybackDone) for e in events) == 2)
        assert all(e.stopped for e in events if isinstance(e, PlaybackDone))
        phone.drain()
        got = phone.received
        assert len({r.ssrc for r in got}) == 1  # one outgoing source across both plays
        assert sum(r.marker for r in got) == 2  # each new source is marked (RFC 3550 §8.2)
        tone = np.concatenate([alaw_decode(r.payload) for r in got if r.seq >= got[-10].seq])
        spectrum = np.abs(np.fft.rfft(tone))
        peak_hz = np.argmax(spectrum) * 8000 / len(tone)
        assert 390 <= peak_hz <= 460  # the UK ringback is 400 + 450 Hz
        engine.play("s", tone="siren")
        await until(lambda: any(isinstance(e, CommandFailed) for e in events))

    run(body)


def test_stereo_recording_has_the_caller_left_and_the_prompt_right(tmp_path: Path) -> None:
    _write_prompt(tmp_path / "p.wav", 1.0, freq=1000.0)
    record = tmp_path / "rec" / "call.wav"

    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone = FarEnd()
        port = engine.open_stream("s")
        engine.configure(Configure("s", phone.address, "PCMA", 8, None))
        engine.record("s", RecordAction.START, str(record), when_media=True)
        await asyncio.sleep(0.3)  # nothing received yet: the recording has not started
        assert not record.exists()
        engine.play("s", path=str(tmp_path / "p.wav"))
        caller = (6000 * np.sin(2 * np.pi * 300 * np.arange(8000 * 2) / 8000)).astype(np.int16)
        frames = [alaw_encode(caller[i : i + 160]) for i in range(0, len(caller), 160)]
        await stream_audio(phone, port, frames, pt=8)
        engine.record("s", RecordAction.STOP)
        await until(lambda: any(isinstance(e, RecordingDone) for e in events))
        [done] = [e for e in events if isinstance(e, RecordingDone)]
        audio = read_wav(record)
        assert audio.samples.shape[1] == 2 and done.channels == 2
        seconds = len(audio.samples) / 8000
        assert done.duration == pytest.approx(seconds)
        assert 1.9 <= seconds <= 2.3  # from the caller's first packet to STOP
        left, right = audio.samples[:, 0], audio.samples[:, 1]
        freq = np.fft.rfftfreq(8000, 1 / 8000)
        assert abs(freq[np.argmax(np.abs(np.fft.rfft(left[4000:12000])))] - 300) < 2
        assert abs(freq[np.argmax(np.abs(np.fft.rfft(right[:8000])))] - 1000) < 2
        # The prompt lasts 1 s: afterwards our side of the recording is silent.
        assert np.sqrt(np.mean(right[int(1.2 * 8000) :] ** 2)) < 1e-3

    run(body)
