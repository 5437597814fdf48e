"""alice's desk phone for the web tests: baresip answering by itself, playing a 440 Hz tone and
writing what it hears as WAV (its sndfile module), so a test can check what the agent heard."""

from __future__ import annotations

import subprocess
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from conftest import ServerProcess
from test_baresip import baresip_dir, write_tone


@contextmanager
def recording_agent(centre: ServerProcess, tmp_path: Path) -> Iterator[Path]:
    """Registers extension 1001 (alice); yields the folder of sndfile's `*-dec.wav` files."""
    account = (f"<sip:1001@{centre.host}:{centre.port}>;auth_pass=alice1001;answermode=auto"
               ";regint=60")  # fmt: skip
    (tmp_path / "alice").mkdir()
    folder = baresip_dir(tmp_path / "alice", centre, account)
    write_tone(folder / "tone.wav", 60.0)  # baresip hangs up when its source ends
    heard = tmp_path / "alice" / "heard"
    heard.mkdir()
    with (folder / "config").open("a") as config:
        config.write(f"module sndfile.so\nsnd_path {heard}\n")
    proc = subprocess.Popen(["baresip", "-4", "-f", str(folder)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        centre.wait_for_events("endpoint.registered", 1, timeout=20)
        time.sleep(0.6)  # the contact centre logs agents in on its next tick
        yield heard
    finally:
        proc.terminate()
        proc.wait(5)


def what_the_agent_heard(heard: Path, timeout: float = 10.0) -> np.ndarray:
    """The newest call's audio as the phone heard it: mono, 8 kHz, full scale 1.0."""
    deadline = time.monotonic() + timeout
    while not (found := sorted(heard.glob("*dec*.wav"))) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert found, list(heard.iterdir())
    with wave.open(str(found[-1]), "rb") as f:
        rate, frames = f.getframerate(), f.readframes(f.getnframes())
        data = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
        if f.getnchannels() > 1:
            data = data.reshape(-1, f.getnchannels())[:, 0]
    return data if rate == 8000 else data[:: max(rate // 8000, 1)]
