"""Plays prompts one after another on one stream, and says when the last one has ended.

Prompts are files or sentences (made into files by `PromptBook`, possibly in a thread). Each
`Play` sent to the media engine ends with exactly one `PlaybackDone` — at its end, or when cut
short by the next `Play` or a `StopPlay` — so counting outstanding plays tells a finished
sequence from one that was replaced. Starting a new sequence (a caller's key cut the prompt
short) or music discards the old one: its late results are recognised by a generation number.
Without media (no SDP, no engine) prompts are skipped at once, so flows still advance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from frontdesk.media import MediaError
from frontdesk.telephony.services import Services

log = logging.getLogger("frontdesk.calls")

Prompt = Path | tuple[str, str]  # a file, or (text, voice)


class Speaker:
    def __init__(self, services: Services, stream: str) -> None:
        self.services = services
        self.stream = stream
        self.generation = 0
        self.busy = False  # a sequence is playing (or being prepared)
        self._items: list[Prompt] = []
        self._then: Callable[[], None] | None = None
        self._outstanding = 0  # Play commands whose PlaybackDone has not come back

    def say(self, items: list[Prompt], then: Callable[[], None] | None = None) -> None:
        """Plays `items` in turn (replacing what plays), then calls `then`."""
        self.generation += 1
        self._items, self._then = list(items), then
        self.busy = True
        self._next()

    def music(self, path: Path | None) -> None:
        """Loops `path` until something else is played or `stop()`."""
        self.generation += 1
        self._items, self._then, self.busy = [], None, False
        if path is not None and self.services.media.play(self.stream, path, loop=True):
            self._outstanding += 1

    def tone(self, name: str) -> None:
        """A short tone (the voicemail beep), not waited for."""
        if self.services.media.tone(self.stream, name):
            self._outstanding += 1

    def stop(self) -> None:
        self.forget()
        self.services.media.stop_play(self.stream)

    def forget(self) -> None:
        """Drops what was to play and the callback, without touching the stream. An ended call
        must do this: the callback holds the call, so keeping it would leave the call to the
        cycle collector instead of freeing it."""
        self.generation += 1
        self._items, self._then, self.busy = [], None, False

    def on_playback_done(self, stopped: bool) -> None:
        self._outstanding = max(0, self._outstanding - 1)
        if self._outstanding == 0 and self.busy:
            self._next()

    def _next(self) -> None:
        if not self._items:
            self.busy = False
            then, self._then = self._then, None
            if then is not None:
                then()
            return
        item = self._items.pop(0)
        if isinstance(item, Path):
            self._play(item)
            return
        text, voice = item
        cached = self.services.prompts.cached(text, voice)
        if cached is not None:
            self._play(cached)
        elif not self.services.media.can_play(self.stream):
            self._next()
        else:
            generation = self.generation
            self.services.spawn(self._prepare(text, voice, generation), f"prompt {text[:30]!r}")

    async def _prepare(self, text: str, voice: str, generation: int) -> None:
        try:
            path: Path | None = await self.services.prompts.prepare(text, voice)
        except MediaError as exc:
            log.warning("cannot speak %r: %s", text, exc)
            path = None
        if generation != self.generation:
            return  # replaced while it was being made
        if path is None:
            self._next()
        else:
            self._play(path)

    def _play(self, path: Path) -> None:
        if self.services.media.play(self.stream, path):
            self._outstanding += 1
        else:
            self._next()
