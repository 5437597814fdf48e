"""The engine's timer queue: every timed check, due in (due time, order set) order.

Almost every timer is set a fixed delay after some moment that only moves forward: a ring
starts a fixed time after the previous one, max wait, ring timeouts, wrap-up and skips a
fixed time after now. Timers with the same delay therefore come due in the order they were
set. Each such *lane* is a FIFO, and only the lane heads sit in a heap, together with the few
timers that follow no lane (callbacks at promised times, preferred-agent windows). A push that
would break its lane's order (possible after a long quiet spell, when a caller skips rings)
goes to the heap instead. The order is exactly that of one heap of (due time, sequence) — the
sequence breaks ties — but with 200,000 callers waiting a push or a pop costs a FIFO operation
and a heap of a handful of entries instead of a heap of one entry per caller.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Hashable
from heapq import heappop, heappush
from typing import Any


class TimerKind(enum.IntEnum):
    RELAX = 1
    MAX_WAIT = 2
    RING_TIMEOUT = 3
    PREFERRED_END = 4
    SKIP_END = 5
    WRAP_END = 6
    CALLBACK_DUE = 7
    PROMISE_CHECK = 8


# (due, sequence, kind, target, check value, the lane it heads or None)
Timer = tuple[float, int, TimerKind, Any, float, "deque[Any] | None"]


class TimerQueue:
    __slots__ = ("_heap", "_lanes", "_seq")

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._lanes: dict[Hashable, deque[Timer]] = {}
        self._seq = 0

    def push(
        self, when: float, kind: TimerKind, target: object, check: float, lane: Hashable = None
    ) -> None:
        """Sets a timer; `lane` names the fixed delay it was set with (None: no lane)."""
        self._seq += 1
        if lane is None:
            heappush(self._heap, (when, self._seq, kind, target, check, None))
            return
        fifo = self._lanes.get(lane)
        if fifo is None:
            fifo = self._lanes[lane] = deque()
        if not fifo:
            timer = (when, self._seq, kind, target, check, fifo)
            fifo.append(timer)
            heappush(self._heap, timer)
        elif fifo[-1][0] <= when:
            fifo.append((when, self._seq, kind, target, check, fifo))
        else:
            heappush(self._heap, (when, self._seq, kind, target, check, None))

    def pop_due(self, now: float) -> Timer | None:
        """The earliest timer due by `now`, taken out of the queue, or None."""
        heap = self._heap
        if not heap or heap[0][0] > now:
            return None
        timer = heappop(heap)
        fifo = timer[5]
        if fifo is not None:
            fifo.popleft()
            if fifo:
                heappush(heap, fifo[0])
        return timer

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        loose = sum(1 for timer in self._heap if timer[5] is None)
        return loose + sum(len(fifo) for fifo in self._lanes.values())
