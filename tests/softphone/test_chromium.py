"""The softphone with a real browser: Chromium (Debian's, driven by Playwright) opens a bare
page (softphone_page.html), takes its fake microphone (a 700 Hz tone WAV), offers WebRTC to
the gateway and plays what comes back. A sipp caller dials the queue, the gateway answers.

Checked: Chromium and aiortc agree on Opus; the caller hears Chromium's microphone (the
recording's second channel carries 700 Hz); Chromium receives audio with energy from the
call (its own inbound-rtp statistics); the browser's hang-up ends the call with BYE.
"""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from browser_peer import dominant_frequency, rms
from e2e_support import sipp, speech, start_centre, wait_for, wait_process

from frontdesk.config.loader import load_setup
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav
from frontdesk.softphone.events import Answered, Ended, Incoming, Registered, SoftphoneEvent
from frontdesk.softphone.gateway import SoftphoneGateway

pytestmark = pytest.mark.peer
CHROMIUM = Path("/usr/bin/chromium")
PAGE = Path(__file__).with_name("softphone_page.html")
ORIGIN = "http://127.0.0.1:8765"  # never contacted: Playwright serves the page itself
TONE_HZ = 700.0


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    proc = start_centre(tmp_path, monkeypatch)
    yield proc
    assert proc.stop() == 0, proc.log()[-3000:]  # type: ignore[attr-defined]


def _microphone(path: Path) -> Path:
    t = np.arange(48000 * 10) / 48000
    samples = (8000 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(samples.tobytes())
    return path


def test_chromium_takes_a_call_through_the_gateway(centre: object, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    server = centre
    company = load_setup(server.company_path).company  # type: ignore[attr-defined]
    mic, talker = _microphone(tmp_path / "mic.wav"), speech(tmp_path)
    events: list[SoftphoneEvent] = []
    marks: dict[str, float] = {}

    async def scenario() -> None:
        gateway = SoftphoneGateway(server.host, server.port, lambda: company, events.append)  # type: ignore[attr-defined]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                      f"--use-file-for-fake-audio-capture={mic}",
                      "--autoplay-policy=no-user-gesture-required",
                      "--disable-features=WebRtcHideLocalIpsWithMdns"],
            )  # fmt: skip
            try:
                page = await browser.new_page()
                await page.route(f"{ORIGIN}/**", lambda route: route.fulfill(
                    body=PAGE.read_text(), content_type="text/html"))  # fmt: skip
                await page.expose_function(
                    "softphoneOffer", lambda sdp: gateway.start_session("alice", sdp)
                )
                await page.goto(f"{ORIGIN}/softphone.html")
                await page.evaluate("window.startSoftphone()")
                await wait_for(events, Registered, 5)
                assert gateway.sessions()[0].codec == "opus"
                await asyncio.sleep(0.8)  # logged in on the contact centre's next tick
                body = f'  <nop><action><exec rtp_stream="{talker},-1,8"/></action></nop>\n'
                caller = sipp(server, tmp_path, DEMO_CALLERS["known_caller"], body,
                              we_hang_up=False)  # fmt: skip
                incoming = await wait_for(events, Incoming, 20)
                assert isinstance(incoming, Incoming)
                before = await page.evaluate("window.inboundAudio()")
                gateway.answer("alice", incoming.call_ref)
                await wait_for(events, Answered, 5)
                connected = await asyncio.to_thread(server.wait_for_events, "call.connected", 1, 15)  # type: ignore[attr-defined]
                assert connected
                await asyncio.sleep(3.0)
                after = await page.evaluate("window.inboundAudio()")
                assert after["state"] == "connected"
                assert after["packets"] > before["packets"] + 100
                assert after["energy"] > before["energy"] + 0.01, (before, after)
                marks["hangup"] = time.monotonic()
                gateway.hangup("alice", incoming.call_ref)
                await wait_for(events, Ended, 5)
                code, out = await wait_process(caller, 20)
                assert code == 0, out[-2000:]
            finally:
                await gateway.close()
                await browser.close()

    asyncio.run(scenario())
    connected = server.events("call.connected")[0]  # type: ignore[attr-defined]
    [recording] = [r for r in server.wait_for_events("call.recording", 1, timeout=15)  # type: ignore[attr-defined]
                   if r.call_id == connected.call_id]  # fmt: skip
    heard = read_wav(str(recording.data["path"])).samples[:, 1].astype(np.float64)
    end = len(heard) - int(0.3 * 8000)
    tail = heard[end - 2 * 8000 : end]  # what the caller heard just before the hang-up
    assert abs(dominant_frequency(tail) - TONE_HZ) < 10, dominant_frequency(tail)
    assert 0.08 < rms(tail) < 0.3, rms(tail)  # 8000/32768 peak: 0.17 rms
