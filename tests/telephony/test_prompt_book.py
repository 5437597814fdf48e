"""Prompts are made by espeak-ng in a speech process of the server's own (telephony/prompts.py):
what it makes is an 8 kHz WAV of the sentence, and a speech process that dies costs one prompt,
not every later one."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from frontdesk.media import MediaError
from frontdesk.media.wav import read_wav
from frontdesk.telephony.prompts import PromptBook


def test_a_prompt_is_made_once_and_is_8k_speech(tmp_path: Path) -> None:
    async def scenario() -> tuple[Path, Path, Path | None]:
        book = PromptBook(tmp_path)
        try:
            both = await asyncio.gather(book.prepare("Thank you for calling.", "en"),
                                        book.prepare("Thank you for calling.", "en"))  # fmt: skip
            return both[0], both[1], book.cached("Thank you for calling.", "en")
        finally:
            book.close()

    first, second, cached = asyncio.run(scenario())
    assert first == second == cached
    audio = read_wav(first)
    assert audio.rate == 8000 and audio.samples.shape[1] == 1
    assert 0.8 < len(audio.samples) / 8000 < 3.0  # four words
    assert float(abs(audio.samples).max()) > 0.1  # speech, not silence


def test_a_speech_process_that_dies_costs_one_prompt(tmp_path: Path) -> None:
    async def scenario() -> Path:
        book = PromptBook(tmp_path)
        before = set(multiprocessing.active_children())
        try:
            await book.prepare("One.", "en")
            new = set(multiprocessing.active_children()) - before
            ours = [p for p in new if p.pid is not None]
            assert ours, "the prompt was made in a process of its own"
            for process in ours:
                os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
                process.join(5)
            with pytest.raises(MediaError, match="speech process stopped"):
                await book.prepare("Two.", "en")
            return await book.prepare("Three.", "en")
        finally:
            book.close()

    assert read_wav(asyncio.run(scenario())).rate == 8000
