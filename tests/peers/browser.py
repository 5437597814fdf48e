"""Chromium for the web tests: the system's /usr/bin/chromium driven by Playwright, with fake
media devices (the microphone plays a WAV file we choose) and no network beyond loopback."""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"


def write_loud_tone(path: Path, hz: float, seconds: float = 120.0, rate: int = 48000) -> Path:
    """A steady tone for the fake microphone (Chromium loops the file)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = bytearray()
        for i in range(int(rate * seconds)):
            frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * i / rate)))
        out.writeframes(bytes(frames))
    return path


@contextmanager
def chromium(microphone: Path | None = None) -> Iterator[Browser]:
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--autoplay-policy=no-user-gesture-required"]  # fmt: skip
    if microphone is not None:
        args.append(f"--use-file-for-fake-audio-capture={microphone}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(browser: Browser, base: str, username: str, password: str, **options: Any) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 900}, **options).new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url, timeout=15000)
    page.wait_for_load_state("domcontentloaded")
    return page


def meter(audio_id: str, with_time: bool = False) -> str:
    """Page-side meter of what an <audio> element plays: an AnalyserNode on its stream,
    the RMS every 50 ms pushed to `window.__heard` (with the wall time when `with_time`)."""
    sample = "[Date.now() / 1000, rms]" if with_time else "rms"
    return f"""() => {{
  const audio = document.getElementById('{audio_id}');
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  ctx.createMediaStreamSource(audio.srcObject).connect(analyser);
  const data = new Float32Array(analyser.fftSize);
  window.__heard = [];
  window.__meter = setInterval(() => {{
    analyser.getFloatTimeDomainData(data);
    let sum = 0; for (const x of data) sum += x * x;
    const rms = Math.sqrt(sum / data.length);
    window.__heard.push({sample});
  }}, 50);
  return ctx.state;
}}"""


HEARING_METER = meter("remote-audio")  # what the agent hears on the desk
