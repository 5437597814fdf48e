"""Watching the server's event loop for stalls, and saying where they came from.

Everything in the main process — SIP, call control, the web side — shares one asyncio loop, so
anything that holds it (a slow callback, a long garbage collection, a thread holding the
interpreter lock) delays every call's signalling and every web request at once. A stall shows
up in the figures as a tail that is the same on every path; this module names its cause.

A heartbeat task touches a timestamp every `beat_s`; a watchdog thread wakes every `beat_s / 2`
and, when the heartbeat is older than `threshold_s`, samples the main thread's stack (once per
stall) and, when the loop runs again, logs one warning with the stall's length and that stack.
Garbage collections are timed through `gc.callbacks` and those longer than `gc_threshold_s` are
logged with their generation and size. Counters (`stalls`, `worst_s`, `gc_worst_s`) are kept
for tests and benchmarks.

The thread only reads the stack and the clock; it changes nothing the loop owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("frontdesk.loop")


@dataclass
class LoopStats:
    stalls: int = 0
    worst_s: float = 0.0
    gc_collections: int = 0
    gc_worst_s: float = 0.0
    gc_slow: list[tuple[int, float, int]] = field(default_factory=list)  # (gen, s, freed)


class LoopWatch:
    def __init__(self, threshold_s: float = 0.25, beat_s: float = 0.05,
                 gc_threshold_s: float = 0.05) -> None:  # fmt: skip
        self.threshold_s = threshold_s
        self.beat_s = beat_s
        self.gc_threshold_s = gc_threshold_s
        self.stats = LoopStats()
        self._last_beat = time.monotonic()
        self._main_id = threading.get_ident()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat: asyncio.Task[None] | None = None
        self._stack: list[str] | None = None
        self._stall_from = 0.0
        self._gc_started = 0.0

    def start(self) -> None:
        """From inside the running loop (the thread that runs it is the one watched)."""
        self._main_id = threading.get_ident()
        self._last_beat = time.monotonic()
        self._beat = asyncio.get_running_loop().create_task(self._beat_forever())
        self._thread = threading.Thread(target=self._watch, name="loop-watch", daemon=True)
        self._thread.start()
        gc.callbacks.append(self._on_gc)

    async def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        if self._thread is not None:
            self._thread.join(1.0)

    async def _beat_forever(self) -> None:
        while True:
            now = time.monotonic()
            late = now - self._last_beat - self.beat_s
            if late > self.threshold_s:
                self._report(late)
            self._last_beat = now
            await asyncio.sleep(self.beat_s)

    def _report(self, late: float) -> None:
        self.stats.stalls += 1
        self.stats.worst_s = max(self.stats.worst_s, late)
        where = "".join(self._stack or ["  (no stack sampled)\n"])
        self._stack = None
        log.warning("the event loop stalled for %.0f ms; it was in:\n%s", late * 1000, where)

    def _watch(self) -> None:
        while not self._stop.wait(self.beat_s / 2):
            silent = time.monotonic() - self._last_beat - self.beat_s
            if silent > self.threshold_s and self._stack is None:
                frame = sys._current_frames().get(self._main_id)
                if frame is not None:
                    self._stack = traceback.format_stack(frame)[-12:]

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        self.stats.gc_collections += 1
        self.stats.gc_worst_s = max(self.stats.gc_worst_s, took)
        if took > self.gc_threshold_s:
            generation = int(info.get("generation", -1))
            collected = int(info.get("collected", 0))
            self.stats.gc_slow.append((generation, took, collected))
            log.warning("garbage collection of generation %d took %.0f ms (%d objects freed)",
                        generation, took * 1000, collected)  # fmt: skip
