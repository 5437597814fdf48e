"""Text to speech with espeak-ng, converted to 8 kHz mono and cached on disk.

The cache key is sha256 of (text, voice, rate), so a prompt is synthesised once per wording.
`prepare()` does the slow part (the espeak-ng process, resampling, writing the cache file) and
is safe to run in a worker thread ahead of playback; `load()` then only reads a small WAV.
Files are written to a temporary name and renamed, so concurrent preparers never expose a
half-written file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from frontdesk.media import SAMPLE_RATE, MediaError
from frontdesk.media.wav import load_8k_mono, wav_header


class TtsCache:
    def __init__(
        self,
        directory: str | Path,
        voice: str = "en-us",
        rate: int = 160,
        program: str = "espeak-ng",
        timeout: float = 30.0,
    ) -> None:
        self.directory = Path(directory)
        self.voice, self.rate, self.program, self.timeout = voice, rate, program, timeout

    def key(self, text: str) -> str:
        material = "\0".join((text, self.voice, str(self.rate))).encode("utf-8")
        return hashlib.sha256(material).hexdigest()

    def path_for(self, text: str) -> Path:
        return self.directory / f"{self.key(text)}.wav"

    def prepare(self, text: str) -> Path:
        """Synthesise `text` unless it is cached; return the cached 8 kHz WAV's path."""
        target = self.path_for(text)
        if target.exists():
            return target
        if shutil.which(self.program) is None:
            raise MediaError(f"{self.program} is not installed, so text cannot be spoken")
        command = [self.program, "-v", self.voice, "-s", str(self.rate), "--stdout", "--", text]
        try:
            done = subprocess.run(command, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise MediaError(f"{self.program} took more than {self.timeout} s") from None
        if done.returncode != 0 or not done.stdout:
            reason = done.stderr.decode("utf-8", "replace").strip() or "no audio"
            raise MediaError(f"{self.program} failed for voice {self.voice!r}: {reason}")
        pcm = load_8k_mono(done.stdout)
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            data = pcm.astype("<i2").tobytes()
            f.write(wav_header(1, SAMPLE_RATE, len(data)) + data)
        os.replace(tmp, target)
        return target

    def load(self, text: str) -> NDArray[np.int16]:
        return load_8k_mono(self.prepare(text))


def prepare_prompt(directory: Path, voice: str, text: str) -> Path:
    """`TtsCache(directory, voice).prepare(text)` as a plain function, for a process pool."""
    return TtsCache(directory, voice=voice).prepare(text)
