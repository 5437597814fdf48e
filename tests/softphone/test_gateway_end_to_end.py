"""The browser softphone end to end, without a browser: a real `frontdesk serve`, a sipp
caller talking (espeak-ng speech streamed by sipp; the second caller plays the g711a.pcap
sip-tester ships), the gateway in this process, and an
aiortc peer connection playing the agent's browser (a 700 Hz tone as its microphone).

Checked: the agent is logged in by `start_session` (the call reaches the browser at all, with
the caller's CRM name and number), the browser hears the whisper and then the caller, the
caller hears the browser's tone (in the call recording's second channel: what the caller
hears), hanging up in the browser sends BYE (sipp waits for it and fails without it), and
after `end_session` a second call no longer rings the agent. A key pressed in the browser
reaches the server's media engine as an RFC 4733 event on the agent's leg (`call.dtmf`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from browser_peer import BrowserPeer, ToneTrack, dominant_frequency, rms
from e2e_support import play, sipp, speech, start_centre, wait_for, wait_process

from frontdesk.config.loader import load_setup
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav
from frontdesk.softphone.events import (
    Answered,
    Ended,
    Incoming,
    Registered,
    SoftphoneEvent,
    Unregistered,
)
from frontdesk.softphone.gateway import SoftphoneGateway

pytestmark = pytest.mark.peer
TONE_HZ = 700.0


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    proc = start_centre(tmp_path, monkeypatch)
    yield proc
    assert proc.stop() == 0, proc.log()[-3000:]  # type: ignore[attr-defined]


def test_a_call_rings_the_browser_audio_flows_both_ways_and_the_browser_hangs_up(
    centre: object, tmp_path: Path
) -> None:
    server = centre
    company = load_setup(server.company_path).company  # type: ignore[attr-defined]
    talker = speech(tmp_path)
    events: list[SoftphoneEvent] = []
    timeline: dict[str, float] = {}
    timeline_refs: dict[str, str] = {}

    async def scenario() -> None:
        gateway = SoftphoneGateway(server.host, server.port, lambda: company, events.append)  # type: ignore[attr-defined]
        browser = BrowserPeer(ToneTrack(TONE_HZ))
        try:
            answer = await gateway.start_session("alice", await browser.offer())
            await browser.accept(answer)
            await wait_for(events, Registered, 5)
            await asyncio.sleep(0.8)  # the contact centre logs agents in on its next tick
            talking = f'  <nop><action><exec rtp_stream="{talker},-1,8"/></action></nop>\n'
            caller = sipp(server, tmp_path, DEMO_CALLERS["known_caller"], talking,
                           we_hang_up=False)  # fmt: skip
            incoming = await wait_for(events, Incoming, 20)
            assert isinstance(incoming, Incoming)
            assert incoming.caller_name == "Susan Clark"
            assert incoming.caller_number == DEMO_CALLERS["known_caller"]
            assert incoming.headers["Call-ID"] == incoming.call_ref
            timeline["answered"] = time.monotonic()
            timeline_refs["leg"] = incoming.call_ref
            gateway.answer("alice", incoming.call_ref)
            await wait_for(events, Answered, 5)
            [status] = gateway.sessions()
            assert status.registered and status.calls[0].state == "TALKING"
            connected = await asyncio.to_thread(server.wait_for_events, "call.connected", 1, 15)  # type: ignore[attr-defined]
            assert connected, "the caller was never bridged to the browser"
            timeline["connected"] = time.monotonic()
            gateway.send_dtmf("alice", "5")  # a key pressed in the browser
            await asyncio.sleep(3.0)  # the caller's speech reaches the browser
            timeline["hangup"] = time.monotonic()
            media_at_hangup = gateway.sessions()[0].media
            gateway.hangup("alice", incoming.call_ref)
            ended = await wait_for(events, Ended, 5)
            assert isinstance(ended, Ended) and ended.reason == "local_bye"
            code, out = await wait_process(caller, 20)
            assert code == 0, out[-2000:] + server.log()[-3000:]  # type: ignore[attr-defined]

            await gateway.end_session("alice")
            assert any(isinstance(e, Unregistered) for e in events)
            await asyncio.sleep(0.8)  # logged out on the next tick
            rung = sum(isinstance(e, Incoming) for e in events)
            second = sipp(server, tmp_path, DEMO_CALLERS["delivery_today"],
                           play("g711a.pcap", 4000), we_hang_up=True)  # fmt: skip
            code, out = await wait_process(second, 20)
            assert code == 0, out[-2000:]
            assert sum(isinstance(e, Incoming) for e in events) == rung
        finally:
            await gateway.close()
            await browser.close()

        whisper = browser.audio_between(timeline["answered"] + 0.3, timeline["connected"])
        talk = browser.audio_between(timeline["connected"] + 0.5, timeline["hangup"])
        before = browser.audio_between(timeline["answered"] - 2.0, timeline["answered"])
        assert rms(before) < 50, "the browser hears something before the call is answered"
        assert rms(whisper) > 300, f"no whisper heard (rms {rms(whisper):.0f})"
        loudest = max((rms(talk[i : i + 4000]) for i in range(0, len(talk), 4000)), default=0.0)
        assert loudest > 300, (
            f"the caller's speech did not reach the browser: {len(talk)} samples heard in "
            f"{timeline['hangup'] - timeline['connected'] - 0.5:.1f} s, loudest 0.5 s at "
            f"rms {loudest:.0f}; bridge {media_at_hangup}"
        )

    asyncio.run(scenario())
    keys = [e for e in server.events("call.dtmf") if e.call_id == timeline_refs["leg"]]  # type: ignore[attr-defined]
    assert [k.data["digit"] for k in keys] == ["5"], server.events("call.dtmf")  # type: ignore[attr-defined]
    offered = [e for e in server.events("acd.offered")]  # type: ignore[attr-defined]
    assert [list(e.data["agent_ids"]) for e in offered] == [["alice"]]  # the second: nobody
    recordings = server.wait_for_events("call.recording", 2, timeout=15)  # type: ignore[attr-defined]
    connected = server.events("call.connected")[0]  # type: ignore[attr-defined]
    [recording] = [r for r in recordings if r.call_id == connected.call_id]
    audio = read_wav(str(recording.data["path"]))
    heard = audio.samples[:, 1].astype(np.float64)  # what the caller heard
    # The last 2 s before the browser hung up are the browser's tone, through the bridge.
    end = len(heard) - int(0.3 * 8000)
    tail = heard[end - 2 * 8000 : end]
    assert abs(dominant_frequency(tail) - TONE_HZ) < 10, dominant_frequency(tail)
    assert 0.08 < rms(tail) < 0.3, rms(tail)  # 8000/32768 peak: 0.17 rms, through G.711


def test_a_reload_keeps_the_login_and_a_browser_that_goes_away_logs_the_agent_out(
    centre: object,
) -> None:
    server = centre
    company = load_setup(server.company_path).company  # type: ignore[attr-defined]
    events: list[SoftphoneEvent] = []

    async def scenario() -> None:
        gateway = SoftphoneGateway(server.host, server.port, lambda: company, events.append,  # type: ignore[attr-defined]
                                   grace_s=1.0)  # fmt: skip
        first, second = BrowserPeer(ToneTrack(TONE_HZ)), BrowserPeer(ToneTrack(TONE_HZ))
        try:
            await first.accept(await gateway.start_session("alice", await first.offer()))
            await wait_for(events, Registered, 5)
            # A page reload: a new peer connection (PCMU this time) replaces the first one.
            answer = await gateway.start_session("alice", await second.offer(prefer="PCMU"))
            await second.accept(answer)
            await first.close()
            deadline = time.monotonic() + 5
            while second.pc.connectionState != "connected" and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            [status] = gateway.sessions()
            assert status.registered and status.codec == "PCMU" and status.browser == "connected"
            await asyncio.sleep(1.5)  # longer than the grace: the first link's end is ignored
            assert not any(isinstance(e, Unregistered) for e in events)
            assert sum(isinstance(e, Registered) for e in events) == 1
            await second.close()  # the browser goes away for good
            gone = await wait_for(events, Unregistered, 5)
            assert isinstance(gone, Unregistered) and gone.reason == "browser_gone"
            assert gateway.sessions() == []
        finally:
            await gateway.close()
            await first.close()
            await second.close()

    asyncio.run(scenario())
    registrations = server.wait_for_events("endpoint.registered", 2, timeout=5)  # type: ignore[attr-defined]
    assert registrations[0].data["contacts"] == 1 and registrations[-1].data["contacts"] == 0
