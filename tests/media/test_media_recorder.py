"""Call recording: stereo and mixed files, pause/resume, events, and crash survival."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from frontdesk.media import MediaError
from frontdesk.media.recorder import (
    CallRecorder,
    RecordingStarted,
    RecordingStopped,
    RecordMode,
    RecState,
)
from frontdesk.media.tones import ToneGenerator, ToneSpec
from frontdesk.media.wav import read_wav, repair_wav


def _tones() -> tuple[ToneGenerator, ToneGenerator]:
    return ToneGenerator(ToneSpec((500.0,), ())), ToneGenerator(ToneSpec((1500.0,), ()))


def _peak(x: np.ndarray) -> float:  # type: ignore[type-arg]
    return float(np.argmax(np.abs(np.fft.rfft(x))) * 8000 / len(x))


def test_stereo_puts_caller_left_and_agent_right(tmp_path: Path) -> None:
    caller, agent = _tones()
    rec = CallRecorder(tmp_path / "calls" / "a.wav", RecordMode.STEREO)
    started = rec.start(100.0)
    assert started == RecordingStarted(str(tmp_path / "calls" / "a.wav"), 2, 100.0)
    for i in range(50):
        rec.write(caller.next_frame(), agent.next_frame(), 100.0 + 0.02 * i)
    stopped = rec.stop(101.0)
    assert isinstance(stopped, RecordingStopped) and stopped.duration == 1.0
    audio = read_wav(tmp_path / "calls" / "a.wav")
    assert audio.rate == 8000 and audio.samples.shape == (8000, 2)
    assert _peak(audio.samples[:, 0]) == 500 and _peak(audio.samples[:, 1]) == 1500


def test_caller_mode_keeps_the_far_end_alone(tmp_path: Path) -> None:
    caller, agent = _tones()  # the agent side stands for the tone played before a voicemail
    rec = CallRecorder(tmp_path / "v.wav", RecordMode.CALLER)
    rec.start(0.0)
    for i in range(50):
        rec.write(caller.next_frame(), agent.next_frame(), 0.02 * i)
    stopped = rec.stop(1.0)
    assert isinstance(stopped, RecordingStopped) and stopped.channels == 1
    audio = read_wav(tmp_path / "v.wav")
    spectrum = np.abs(np.fft.rfft(audio.samples[:, 0]))
    assert _peak(audio.samples[:, 0]) == 500
    assert spectrum[1500 * len(audio.samples) // 8000] < spectrum.max() * 1e-3


def test_mixed_mono_and_pause(tmp_path: Path) -> None:
    caller, agent = _tones()
    rec = CallRecorder(tmp_path / "m.wav", RecordMode.MIXED)
    rec.start(0.0)
    for i in range(25):
        rec.write(caller.next_frame(), agent.next_frame(), 0.02 * i)
    rec.pause(0.5)
    for i in range(25):  # card number being read out: not recorded
        rec.write(caller.next_frame(), agent.next_frame(), 0.5 + 0.02 * i)
    rec.resume(1.0)
    for i in range(25):
        rec.write(caller.next_frame(), agent.next_frame(), 1.0 + 0.02 * i)
    stopped = rec.stop(1.5)
    assert isinstance(stopped, RecordingStopped)
    assert stopped.duration == 1.0 and stopped.paused == ((0.5, 1.0),) and stopped.channels == 1
    audio = read_wav(tmp_path / "m.wav")
    spectrum = np.abs(np.fft.rfft(audio.samples[:, 0]))
    top = sorted(np.argsort(spectrum)[-2:] * 8000 / len(audio.samples))
    assert top == [500.0, 1500.0]
    with pytest.raises(MediaError):
        rec.pause(2.0)
    assert rec.state is RecState.STOPPED


def test_header_is_patched_while_recording(tmp_path: Path) -> None:
    caller, agent = _tones()
    rec = CallRecorder(tmp_path / "p.wav", flush_interval=0.5)
    rec.start(0.0)
    for i in range(60):
        rec.write(caller.next_frame(), agent.next_frame(), 0.02 * (i + 1))
    # Without closing: the header already covers at least all but the last 0.5 s.
    data = (tmp_path / "p.wav").read_bytes()
    declared = int.from_bytes(data[40:44], "little")
    assert declared >= (1.2 - 0.5) * 8000 * 4 and len(data) - 44 >= declared
    rec.stop(1.3)
    assert int.from_bytes((tmp_path / "p.wav").read_bytes()[40:44], "little") == 60 * 160 * 4


CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from frontdesk.media.recorder import CallRecorder, RecordMode
    rec = CallRecorder(sys.argv[1], RecordMode.STEREO, flush_interval=0.5)
    start = time.monotonic()
    rec.start(start)
    n = 0
    while True:
        frame = np.full(160, 1000 + n % 1000, dtype=np.int16)
        rec.write(frame, -frame, time.monotonic())
        n += 1
        print(n, flush=True)
        # Real time: a frame every 20 ms.
        time.sleep(max(0.0, start + 0.02 * n - time.monotonic()))
    """
)


def test_kill_9_mid_recording_loses_at_most_a_second(tmp_path: Path) -> None:
    path = tmp_path / "crash.wav"
    command = [sys.executable, "-c", CHILD, str(path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        frames = 0
        deadline = time.monotonic() + 30
        while frames < 130 and time.monotonic() < deadline:  # 2.6 s of audio
            frames = int(child.stdout.readline())
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    duration = frames * 0.02
    assert duration >= 2.6
    layout = repair_wav(path)
    audio = read_wav(path)
    assert layout.data_size == layout.declared_size
    assert len(audio.samples) / 8000 >= duration - 1.0
    left = np.rint(audio.samples[:, 0] * 32768).astype(np.int64)
    right = np.rint(audio.samples[:, 1] * 32768).astype(np.int64)
    assert np.array_equal(left, -right)  # whole stereo frames, nothing torn
    expected = 1000 + (np.arange(len(left)) // 160) % 1000
    assert np.array_equal(left, expected)
