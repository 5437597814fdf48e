"""Spoken prompts for live calls: text to an 8 kHz WAV the media engine can play.

Flows speak personalised sentences ("Good morning Priya, ..."), so prompts are made on demand
with espeak-ng and cached on disk by text and voice (`media.tts.TtsCache`). Two calls asking for
the same sentence at once share one synthesis. The sentences every caller hears the same way
are made when the server starts (`warm`).

Synthesis runs in a process of its own, not a thread: converting espeak-ng's 22,050 Hz to 8 kHz
needs scipy.signal, whose import alone held the interpreter lock, and so the SIP and web loop,
for over half a second at the first prompt; resampling long sentences held it again. The
process is started with the first prompt and replaced if it dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from frontdesk.media import MediaError
from frontdesk.media.tts import TtsCache, prepare_prompt

log = logging.getLogger("frontdesk.calls")

# espeak-ng voice names for the languages flows speak, when a flow names none.
DEFAULT_VOICES = {"en": "en-gb", "fr": "fr-fr", "de": "de", "es": "es", "it": "it", "nl": "nl"}


class PromptBook:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._caches: dict[str, TtsCache] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[Path]] = {}
        self._pool: ProcessPoolExecutor | None = None

    def voice_for(self, voice: str, language: str) -> str:
        return voice or DEFAULT_VOICES.get(language.split("-")[0], language or "en")

    def cached(self, text: str, voice: str) -> Path | None:
        """The prompt's file when it was made before (no thread hop needed)."""
        path = self._cache(voice).path_for(text)
        return path if path.exists() else None

    async def prepare(self, text: str, voice: str) -> Path:
        """The WAV of `text` in `voice`; raises MediaError when it cannot be made."""
        found = self.cached(text, voice)
        if found is not None:
            return found
        key = (text, voice)
        pending = self._pending.get(key)
        try:
            if pending is None:
                loop = asyncio.get_running_loop()
                pool = self._speech_process()
                pending = loop.run_in_executor(pool, prepare_prompt, self.directory, voice, text)
                self._pending[key] = pending
                pending.add_done_callback(lambda _: self._pending.pop(key, None))
            return await asyncio.shield(pending)
        except BrokenProcessPool:
            self._pool = None  # the next prompt starts a new one
            raise MediaError("the speech process stopped while making a prompt") from None

    def _speech_process(self) -> ProcessPoolExecutor:
        if self._pool is None:
            spawn = multiprocessing.get_context("spawn")  # never fork the server's threads
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
        return self._pool

    def close(self) -> None:
        """Ends the speech process; prompts still being made are given up."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def warm(self, texts: list[tuple[str, str]]) -> None:
        """Makes fixed prompts, (text, voice), ahead of the first call."""
        for text, voice in texts:
            try:
                await self.prepare(text, voice)
            except MediaError as exc:
                log.warning("cannot prepare the prompt %r: %s", text, exc)

    def _cache(self, voice: str) -> TtsCache:
        cache = self._caches.get(voice)
        if cache is None:
            cache = self._caches[voice] = TtsCache(self.directory, voice=voice)
        return cache
