"""Engine events and failures: RFC 4733 digits, inactivity, a killed worker, conferences."""

from __future__ import annotations

import asyncio
import os
import signal

import numpy as np
import pytest
from engine_harness import FarEnd, run, stream_audio, until

from frontdesk.media.dtmf import plan_digit
from frontdesk.media.engine import (
    CommandFailed,
    Configure,
    DtmfReceived,
    EngineError,
    Event,
    MediaEngine,
    MediaInactive,
    MediaLost,
    MixRole,
)
from frontdesk.media.g711 import ulaw_decode, ulaw_encode


def test_rfc4733_digits_become_events_in_order() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone = FarEnd()
        port = engine.open_stream("s")
        engine.configure(Configure("s", phone.address, "PCMU", 0, 101))
        seq = 100
        for k, digit in enumerate("4#7"):
            for packet in plan_digit(digit, timestamp=8000 * k, duration=0.12):
                phone.send(port, 101, seq, packet.timestamp, 7, bytes(packet.event), packet.marker)
                seq += 1
                if packet.event.end:
                    phone.send(port, 101, seq - 1, packet.timestamp, 7, bytes(packet.event))
                await asyncio.sleep(0.01)
        await until(lambda: sum(isinstance(e, DtmfReceived) for e in events) == 3)
        digits = [e for e in events if isinstance(e, DtmfReceived)]
        assert "".join(d.digit for d in digits) == "4#7"  # duplicates folded, order kept
        assert all(d.duration == pytest.approx(0.12) for d in digits)
        assert digits[0].start < digits[1].start < digits[2].start

    run(body)


def test_inactivity_is_reported_once_after_media_stops_and_not_before_it_starts() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone, silent = FarEnd(), FarEnd()
        port = engine.open_stream("talks")
        engine.open_stream("never")
        engine.configure(Configure("talks", phone.address, "PCMU", 0, None,
                                   inactivity_timeout=0.5))  # fmt: skip
        engine.configure(Configure("never", silent.address, "PCMU", 0, None,
                                   inactivity_timeout=0.5))  # fmt: skip
        await stream_audio(phone, port, [bytes(160)] * 10)
        await until(lambda: any(isinstance(e, MediaInactive) for e in events), timeout=3.0)
        await asyncio.sleep(1.0)
        inactive = [e for e in events if isinstance(e, MediaInactive)]
        assert [e.stream for e in inactive] == ["talks"]
        assert 0.5 <= inactive[0].silent_for < 0.9
        assert "stopped" in inactive[0].message

    run(body)


def test_a_killed_worker_loses_its_streams_and_is_replaced() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        engine.open_stream("a", group="g1")
        engine.open_stream("b", group="g1")
        pid = engine.worker_of("a")
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await until(lambda: sum(isinstance(e, MediaLost) for e in events) == 2)
        lost = [e for e in events if isinstance(e, MediaLost)]
        assert sorted(e.stream for e in lost) == ["a", "b"]
        assert all("killed by signal 9" in e.message for e in lost)
        with pytest.raises(EngineError):
            engine.play("a", tone="beep")  # the stream is gone
        # A replacement worker carries new streams.
        phone = FarEnd()
        engine.open_stream("c")
        assert engine.worker_of("c") not in (None, pid)
        engine.configure(Configure("c", phone.address, "PCMU", 0, None))
        engine.play("c", tone="beep")
        await until(lambda: phone.count() >= 5)

    run(body)


def test_conference_mixes_everyone_but_yourself_and_a_listener_is_not_heard() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        ends = {name: FarEnd() for name in ("caller", "agent", "boss")}
        ports = {name: engine.open_stream(name, group="conf") for name in ends}
        for name, far in ends.items():
            engine.configure(Configure(name, far.address, "PCMU", 0, None))
        roles = {"caller": MixRole.MEMBER, "agent": MixRole.MEMBER, "boss": MixRole.LISTEN}
        engine.mix("conf", roles)
        tones = {"caller": 300.0, "agent": 700.0, "boss": 1300.0}
        t = np.arange(160 * 60) / 8000

        def frames(freq: float) -> list[bytes]:
            pcm = (4000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
            return [ulaw_encode(pcm[i : i + 160]) for i in range(0, len(pcm), 160)]

        await asyncio.gather(*(stream_audio(ends[n], ports[n], frames(tones[n]), ssrc=i + 1)
                               for i, n in enumerate(ends)))  # fmt: skip
        heard = {}
        for name, far in ends.items():
            far.drain()
            pcm = np.concatenate([ulaw_decode(r.payload) for r in far.received[-25:]])
            spectrum = np.abs(np.fft.rfft(pcm))
            freqs = np.fft.rfftfreq(len(pcm), 1 / 8000)
            heard[name] = {f for f in tones.values() if spectrum[np.argmin(abs(freqs - f))] >
                           0.1 * spectrum.max()}  # fmt: skip
        assert heard["caller"] == {700.0}  # the agent, not itself, not the listening boss
        assert heard["agent"] == {300.0}
        assert heard["boss"] == {300.0, 700.0}

    run(body)


def test_bad_commands_are_reported_not_fatal() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        engine.open_stream("a", group="one")
        engine.open_stream("b", group="two")
        with pytest.raises(EngineError, match="different workers"):
            engine.bridge("a", "b")
        engine.play("a", path="/nonexistent/prompt.wav")
        await until(lambda: any(isinstance(e, CommandFailed) for e in events))
        [failed] = [e for e in events if isinstance(e, CommandFailed)]
        assert failed.stream == "a" and failed.command == "Play"
        with pytest.raises(EngineError, match="already open"):
            engine.open_stream("a")

    run(body, workers=2)
