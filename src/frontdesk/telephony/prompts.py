"""Spoken prompts for live calls: text to an 8 kHz WAV the media engine can play.

Flows speak personalised sentences ("Good morning Priya, ..."), so prompts are made on demand
with espeak-ng and cached on disk by text and voice (`media.tts.TtsCache`). Synthesis runs in
a thread: it takes tens of milliseconds and must never stall the SIP loop. Two calls asking for
the same sentence at once share one synthesis.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from frontdesk.media import MediaError
from frontdesk.media.tts import TtsCache

log = logging.getLogger("frontdesk.calls")

# espeak-ng voice names for the languages flows speak, when a flow names none.
DEFAULT_VOICES = {"en": "en-gb", "fr": "fr-fr", "de": "de", "es": "es", "it": "it", "nl": "nl"}


class PromptBook:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._caches: dict[str, TtsCache] = {}
        self._pending: dict[tuple[str, str], asyncio.Future[Path]] = {}

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
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.run_in_executor(None, self._cache(voice).prepare, text)
            self._pending[key] = pending
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    async def warm(self, texts: list[tuple[str, str]]) -> None:
        """Makes fixed prompts ahead of the first call (greetings, queue messages)."""
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
