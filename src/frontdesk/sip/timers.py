"""A heap of protocol timers shared by the transaction layer and the dialog layer.

Timers are never cancelled: an owner ignores a timer that no longer applies to its state
(the state-machine table simply has no entry for it), which keeps cancellation free.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Protocol


class TimerOwner(Protocol):
    def on_timer(self, kind: str, now: float) -> None: ...


class Later:
    """A timer owner that just calls a function with the time (for application timers)."""

    __slots__ = ("action",)

    def __init__(self, action: Callable[[float], object]) -> None:
        self.action = action

    def on_timer(self, kind: str, now: float) -> None:
        self.action(now)


class TimerHeap:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimerOwner, str]] = []
        self._counter = itertools.count()

    def schedule(self, when: float, owner: TimerOwner, kind: str) -> None:
        heapq.heappush(self._heap, (when, next(self._counter), owner, kind))

    def next_deadline(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def fire_due(self, now: float) -> int:
        """Runs every timer due at `now` (including ones scheduled while running)."""
        heap = self._heap
        fired = 0
        while heap and heap[0][0] <= now:
            _, _, owner, kind = heapq.heappop(heap)
            owner.on_timer(kind, now)
            fired += 1
        return fired

    def __len__(self) -> int:
        return len(self._heap)
