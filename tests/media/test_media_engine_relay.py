"""Engine relay: two streams bridged in a worker, driven from real sockets (RFC 3550, 4961)."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
from engine_harness import FarEnd, rfc3550_jitter_ms, run, stream_audio, until

from frontdesk.media.engine import Configure, Event, MediaEngine, StreamStats
from frontdesk.media.g711 import alaw_decode, alaw_encode, ulaw_encode


def _speech_like(frames: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(160 * frames) / 8000.0
    x = 6000 * np.sin(2 * np.pi * 300 * t) + rng.normal(0, 800, len(t))
    pcm = np.clip(x, -32768, 32767).astype(np.int16)
    return [pcm[i * 160 : (i + 1) * 160] for i in range(frames)]


def test_bridged_streams_relay_both_ways_without_loss() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        caller, agent = FarEnd(), FarEnd()
        port_a = engine.open_stream("a", group="call")
        port_b = engine.open_stream("b", group="call")
        engine.configure(Configure("a", caller.address, "PCMU", 0, 101))
        engine.configure(Configure("b", agent.address, "PCMU", 0, 101))
        engine.bridge("a", "b")
        frames = [ulaw_encode(f) for f in _speech_like(100, 1)]
        await asyncio.gather(
            stream_audio(caller, port_a, frames, ssrc=0xAAAA),
            stream_audio(agent, port_b, frames[::-1], ssrc=0xBBBB),
        )
        await until(lambda: agent.count() >= 100 and caller.count() >= 100)
        for far, sent in ((agent, frames), (caller, frames[::-1])):
            got = far.received
            assert [r.payload for r in got] == sent  # nothing lost, reordered or altered
            assert len({r.ssrc for r in got}) == 1  # one steady outgoing source
            assert all((b.seq - a.seq) % 65536 == 1 for a, b in itertools.pairwise(got))
            assert all(b.ts - a.ts == 160 for a, b in itertools.pairwise(got))
            # Relaying must not add timing noise of the order of a packet interval (20 ms); on
            # a loaded 2-core machine the scheduler alone adds a few ms, so the bound is loose.
            assert rfc3550_jitter_ms(got) < 15.0
        engine.close_stream("a")
        engine.close_stream("b")
        await until(lambda: sum(isinstance(e, StreamStats) for e in events) == 2)
        stats = {e.stream: e for e in events if isinstance(e, StreamStats)}
        assert stats["a"].received == 100 and stats["a"].relayed == 100
        assert stats["b"].sent == 100 and stats["a"].lost == 0 and stats["a"].final

    run(body)


def test_pcmu_to_pcma_is_transcoded_and_dtmf_payload_type_mapped() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        caller, agent = FarEnd(), FarEnd()
        port_a = engine.open_stream("a", group="x")
        engine.open_stream("b", group="x")
        engine.configure(Configure("a", caller.address, "PCMU", 0, 101))
        engine.configure(Configure("b", agent.address, "PCMA", 8, 96))
        engine.bridge("a", "b")
        pcm = _speech_like(10, 2)
        await stream_audio(caller, port_a, [ulaw_encode(f) for f in pcm])
        caller.send(port_a, 101, 2000, 9000, 0x1234, bytes([5, 0x8A, 0x03, 0x20]), marker=True)
        await until(lambda: agent.count() >= 11)
        audio, event = agent.received[:10], agent.received[10]
        assert {r.pt for r in audio} == {8}
        for r, frame in zip(audio, pcm, strict=True):
            # PCMA of the µ-law-decoded frame: within one A-law step of the original.
            assert r.payload == alaw_encode(alaw_decode(r.payload))
            assert np.max(np.abs(alaw_decode(r.payload).astype(int) - frame)) < 1100
        assert event.pt == 96 and event.payload == bytes([5, 0x8A, 0x03, 0x20])

    run(body)


def test_latch_follows_the_real_source_and_rejects_an_injector() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone, injector, agent = FarEnd(), FarEnd(), FarEnd()
        elsewhere = FarEnd()  # the (stale) address the SDP named
        port_a = engine.open_stream("a", group="y")
        engine.open_stream("b", group="y")
        engine.configure(Configure("a", elsewhere.address, "PCMU", 0, None))
        engine.configure(Configure("b", agent.address, "PCMU", 0, None))
        engine.bridge("a", "b")
        frames = [bytes([0x55]) * 160] * 20
        await asyncio.gather(
            stream_audio(phone, port_a, frames, ssrc=1),
            stream_audio(injector, port_a, [bytes([0x11]) * 160] * 20, ssrc=1),
            stream_audio(agent, engine_port(engine, "b"), frames, ssrc=2),
        )
        await until(lambda: agent.count() >= 20)
        await asyncio.sleep(0.1)
        phone.drain()
        # Only the first source is relayed; the agent's audio goes to where it came from.
        assert {r.payload[0] for r in agent.received} == {0x55} or {
            r.payload[0] for r in agent.received
        } == {0x11}
        assert len(agent.received) == 20
        latched = phone if agent.received[0].payload[0] == 0x55 else injector
        other = injector if latched is phone else phone
        assert latched.count() >= 19
        assert not other.drain() and not elsewhere.drain()

    run(body)


def engine_port(engine: MediaEngine, stream: str) -> int:
    return engine.port_of(stream)


def test_a_phone_that_moved_is_relatched_after_silence() -> None:
    # Once latched, the stream's socket is connected to the phone (the kernel drops anyone
    # else); after relatch_after (0.5 s) of silence it listens to everyone again, so a phone
    # that moved (new address, new SSRC: RFC 4961, `RtpLatch`) is followed.
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone, moved, agent = FarEnd(), FarEnd(), FarEnd()
        port_a = engine.open_stream("a", group="m")
        port_b = engine.open_stream("b", group="m")
        engine.configure(Configure("a", phone.address, "PCMU", 0, None))
        engine.configure(Configure("b", agent.address, "PCMU", 0, None))
        engine.bridge("a", "b")
        await stream_audio(phone, port_a, [bytes([0x11]) * 160] * 10, ssrc=1)
        await stream_audio(moved, port_a, [bytes([0x22]) * 160] * 5, ssrc=2)  # too soon
        await asyncio.sleep(1.0)
        await stream_audio(moved, port_a, [bytes([0x33]) * 160] * 10, ssrc=3)
        await stream_audio(agent, port_b, [bytes([0x44]) * 160] * 10, ssrc=4)
        await until(lambda: agent.count() >= 20 and moved.count() >= 10)
        assert [r.payload[0] for r in agent.received] == [0x11] * 10 + [0x33] * 10
        assert {r.payload[0] for r in moved.received} == {0x44}  # the agent now goes there
        assert not phone.drain()

    run(body)


def test_a_stream_told_not_to_send_stays_silent_after_latching() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        caller, agent = FarEnd(), FarEnd()
        port_a = engine.open_stream("a", group="s")
        port_b = engine.open_stream("b", group="s")
        # The caller holds us (its a=sendonly): we must not send to it, latched or not.
        engine.configure(Configure("a", caller.address, "PCMU", 0, None, send=False))
        engine.configure(Configure("b", agent.address, "PCMU", 0, None))
        engine.bridge("a", "b")
        await asyncio.gather(
            stream_audio(caller, port_a, [bytes(160)] * 10, ssrc=5),
            stream_audio(agent, port_b, [bytes(160)] * 10, ssrc=6),
        )
        await until(lambda: agent.count() >= 10)
        await asyncio.sleep(0.1)
        assert caller.count() == 0

    run(body)
