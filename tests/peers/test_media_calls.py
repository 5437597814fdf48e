"""Real calls with media: sipp calls `frontdesk serve`, sends and receives RTP on loopback.

What is checked comes from the peer's side of the wire: the prompt sipp heard (echoed back
by `-rtp_echo`, so it can only be in the recording's caller channel if sipp received it), the
RFC 4733 digits from the pcaps that ship with sipp, the BYE sipp receives when the media
worker is killed or the RTP stops.
"""

from __future__ import annotations

import os
import random
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ServerProcess, free_port, run_sipp, start_server
from scipy.signal import correlate
from sipp_caller import caller_scenario, play

from frontdesk.config import load_demo_company
from frontdesk.media.tts import TtsCache
from frontdesk.media.wav import load_8k_mono, read_wav

pytestmark = pytest.mark.peer


def _scenario(tmp_path: Path, body: str, we_hang_up: bool) -> str:
    path = tmp_path / f"media-{time.monotonic_ns()}.xml"
    path.write_text(caller_scenario(body, we_hang_up=we_hang_up))
    return str(path)


def _media_port() -> int:
    port = free_port()
    return port - port % 2


@pytest.fixture
def media_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    # A port range of its own, so RTP from other tests running on this machine cannot land
    # on our streams (they would be latched instead of sipp's).
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 200}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    monkeypatch.setenv("FRONTDESK_MEDIA_TIMEOUT", "2")
    proc = start_server(tmp_path)
    yield proc
    assert proc.stop() == 0, proc.log()


def _sipp(server: ServerProcess, tmp_path: Path, scenario: str, *extra: str) -> None:
    args = ("-sf", scenario, "-m", "1", "-mi", "127.0.0.1", "-mp", str(_media_port()))
    result = run_sipp(server, tmp_path, *args, *extra, timeout=40)
    assert result.returncode == 0, result.screen + result.output + server.log()


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def _active_seconds(channel: np.ndarray, threshold: float = 0.01) -> float:
    """Seconds of 20 ms frames whose RMS is above the threshold (full scale = 1.0)."""
    frames = channel[: len(channel) // 160 * 160].reshape(-1, 160)
    return float(np.sum(np.sqrt(np.mean(frames**2, axis=1)) > threshold) * 0.02)


def _greeting(server: ServerProcess) -> np.ndarray:
    """The first prompt of every call to the demo line: the recording notice."""
    text = load_demo_company().recording_notice
    assert text
    path = TtsCache(server.tts_dir, voice="en-gb").path_for(text)
    return load_8k_mono(path).astype(np.float64) / 32768.0


def _recording(server: ServerProcess) -> tuple[np.ndarray, dict[str, object]]:
    # The call's own recording (the demo flow may also take a voicemail when the test's keys
    # reach its menu in time, which is a second recording in data/voicemail/).
    events = server.wait_for_events("call.recording", 1)
    [event] = [e for e in events if "/recordings/" in str(e.data["path"])]
    audio = read_wav(str(event.data["path"]))
    assert audio.rate == 8000 and audio.samples.shape[1] == 2
    return audio.samples, dict(event.data)


def test_caller_hears_the_tts_greeting(media_server: ServerProcess, tmp_path: Path) -> None:
    # sipp echoes every RTP packet it receives: the recording's caller channel (left) holds
    # exactly what reached sipp, the right channel what Frontdesk sent.
    scenario = _scenario(tmp_path, '  <pause milliseconds="6500"/>\n', we_hang_up=True)
    _sipp(media_server, tmp_path, scenario, "-rtp_echo")
    samples, data = _recording(media_server)
    heard, sent = samples[:, 0], samples[:, 1]
    greeting = _greeting(media_server)
    spoken = _active_seconds(greeting)
    assert spoken > 1.0  # the sentence really was synthesised
    # The notice comes first, then the flow's greeting and menu: more than the notice is heard.
    assert _active_seconds(heard) > spoken + 1.0, (_active_seconds(heard), spoken)
    assert _rms(heard) > 0.02
    # What sipp heard first is the notice: normalised cross-correlation near 1 at a small lag
    # (the echo's round trip plus the recorder's jitter buffer).
    heard = heard[: len(greeting) + 4000]
    corr = correlate(heard, greeting, mode="full", method="fft")
    lag = int(np.argmax(corr)) - (len(greeting) - 1)
    peak = float(corr.max()) / (np.linalg.norm(greeting) * np.linalg.norm(heard))
    assert peak > 0.85 and 0 <= lag < 0.5 * 8000, (peak, lag)
    assert _active_seconds(sent) > spoken + 1.0
    assert float(data["duration_s"]) == pytest.approx(len(samples) / 8000, abs=0.02)


def test_recording_and_rfc4733_digits_of_a_real_call(
    media_server: ServerProcess, tmp_path: Path
) -> None:
    body = play("g711a.pcap", 7300)
    for digit in "123":
        body += play(f"dtmf_2833_{digit}.pcap", 400)
    scenario = _scenario(tmp_path, body, we_hang_up=True)
    started = time.monotonic()
    _sipp(media_server, tmp_path, scenario)
    call_seconds = time.monotonic() - started
    digits = media_server.wait_for_events("call.dtmf", 3)
    assert "".join(str(e.data["digit"]) for e in digits) == "123"
    assert [e.at for e in digits] == sorted(e.at for e in digits)
    assert all(100 <= int(e.data["duration_ms"]) <= 400 for e in digits)
    samples, data = _recording(media_server)
    caller, ours = samples[:, 0], samples[:, 1]
    # The recording runs from sipp's first packet to the BYE: the 7 s pcap, the three digits
    # and the pauses (8.5 s), and never longer than the whole sipp run. Slack below: the
    # recording starts when the call's flow starts (after the caller lookup), and on a loaded
    # machine sipp starts its pcap late and runs the pauses short.
    seconds = len(samples) / 8000
    assert 7.0 <= seconds <= call_seconds, (seconds, call_seconds)
    assert float(data["duration_s"]) == pytest.approx(seconds, abs=0.02)
    assert _active_seconds(caller) > 3.0  # g711a.pcap is speech with pauses
    assert _active_seconds(ours) > 2.0  # the greeting
    assert _rms(caller) > 0.01 and _rms(ours) > 0.01


def _worker_pid(server: ServerProcess) -> int:
    found = re.findall(r"media worker 0 started \(pid (\d+)\)", server.log())
    assert found, server.log()
    return int(found[-1])


def test_killed_media_worker_ends_the_call_with_bye(
    media_server: ServerProcess, tmp_path: Path
) -> None:
    scenario = _scenario(tmp_path, play("g711a.pcap", 0), we_hang_up=False)
    pid = _worker_pid(media_server)

    def kill_soon() -> None:
        media_server.wait_for_events("call.answered", 1)
        time.sleep(1.0)
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    _sipp(media_server, tmp_path, scenario)  # passes only if sipp receives the BYE
    killer.join()
    [ended] = media_server.wait_for_events("call.ended", 1)
    assert ended.data["reason"] == "media_lost"
    assert "killed by signal 9" in str(ended.data["detail"])
    assert "media_lost" in media_server.log()
    # A new worker took over: the next call has media again.
    deadline = time.monotonic() + 10
    while "media worker 0 started" not in media_server.log().split(str(pid))[-1]:
        assert time.monotonic() < deadline, media_server.log()
        time.sleep(0.1)


def test_rtp_that_stops_ends_the_call_but_silence_from_the_start_does_not(
    media_server: ServerProcess, tmp_path: Path
) -> None:
    # One digit (0.14 s of RTP), then nothing: after the 2 s timeout Frontdesk hangs up.
    scenario = _scenario(tmp_path, play("dtmf_2833_5.pcap", 0), we_hang_up=False)
    _sipp(media_server, tmp_path, scenario)
    [ended] = media_server.wait_for_events("call.ended", 1)
    assert ended.data["reason"] == "media_timeout"
    assert 2.0 <= float(ended.data["duration_s"]) <= 4.0
    # A call that never sends RTP (signalling-only, like sipp's built-in uac) is not cut off.
    result = run_sipp(media_server, tmp_path, "-sn", "uac", "-s", "100", "-m", "1", "-d", "3000")
    assert result.returncode == 0, result.screen
    ended_all = media_server.wait_for_events("call.ended", 2)
    assert [e.data["reason"] for e in ended_all] == ["media_timeout", "remote_bye"]
