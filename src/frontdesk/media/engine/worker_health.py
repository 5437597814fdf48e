"""What the media worker measures of itself beside its load: collector pauses and run delay.

The cycle collector: a collection stops the worker's loop, and a stop longer than a few
milliseconds is jitter on every stream the worker carries, so the worker reports its
collections (count, total time, longest) in `WorkerLoad`; the thresholds can be set with
FRONTDESK_MEDIA_GC_THRESHOLDS ("700,10,10" is Python's own). Figures: docs/media.md.
The run delay: how long the worker's thread waited for a CPU, lateness the scheduler caused.
"""

from __future__ import annotations

import gc
import os
import time
from typing import Any

ENV = "FRONTDESK_MEDIA_GC_THRESHOLDS"
# The loop allocates little and keeps little: young collections are rare and short, and the
# old generations are walked seldom (measured against Python's own: docs/media.md).
DEFAULT_THRESHOLDS = (50_000, 50, 100)


def thresholds_from_env() -> tuple[tuple[int, int, int], str | None]:
    """The thresholds asked for in the environment, or the default and why it was kept."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_THRESHOLDS, None
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or values[0] < 1 or min(values) < 0:
        return DEFAULT_THRESHOLDS, (
            f"{ENV}={text!r} is not three counts like 700,10,10 (the first above 0); "
            f"keeping {DEFAULT_THRESHOLDS}"
        )
    return (values[0], values[1], values[2]), None


class CollectorWatch:
    """Times every collection in this process through `gc.callbacks`, until `close()`."""

    def __init__(self) -> None:
        self.runs = 0
        self.total_s = 0.0
        self.longest_s = 0.0
        self._started = 0.0
        gc.callbacks.append(self._on_collect)

    def _on_collect(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        self.runs += 1
        self.total_s += took
        if took > self.longest_s:
            self.longest_s = took

    def close(self) -> None:
        if self._on_collect in gc.callbacks:
            gc.callbacks.remove(self._on_collect)


class RunDelay:
    """The kernel's run delay of this thread: time spent runnable but not running
    (/proc/thread-self/schedstat, second field, in ns; absent without CONFIG_SCHEDSTATS)."""

    def __init__(self) -> None:
        try:
            self.fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            self.fd = -1
        self.last = self._read()

    def _read(self) -> int:
        if self.fd < 0:
            return 0
        try:
            return int(os.pread(self.fd, 128, 0).split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    def waited_since_last(self) -> float:
        now = self._read()
        waited, self.last = now - self.last, now
        return max(waited, 0) / 1e9
