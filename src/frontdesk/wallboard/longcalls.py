"""What "far longer than normal" means per queue: a high percentile of recent talk times.

Each queue keeps the talk times of its last `talk_history_size` handled calls (answered, or
called back and connected, with some talk), in arrival order and sorted, so adding one costs
a binary search and a short memory move, and a percentile is read in constant time. A queue
has no threshold until `long_call_min_samples` talk times are known: with few calls, a high
percentile says little and every flag would be noise.

The percentile is the linear interpolation between order statistics (Hyndman & Fan 1996,
definition 7; numpy's default `linear` method): for sorted x[0..n-1], h = (n-1)p/100,
value = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
"""

from __future__ import annotations

import bisect
import math
from collections import deque

from frontdesk.analytics.records import CallOutcome, CallRecord


def percentile(ordered: list[float], p: float) -> float:
    """Definition 7 of Hyndman & Fan over an ascending, non-empty list."""
    h = (len(ordered) - 1) * p / 100.0
    low = math.floor(h)
    if low + 1 >= len(ordered):
        return ordered[-1]
    return ordered[low] + (h - low) * (ordered[low + 1] - ordered[low])


class TalkTimes:
    """The most recent talk times of one queue, in order of arrival and sorted."""

    __slots__ = ("_ordered", "_recent", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._recent: deque[float] = deque()
        self._ordered: list[float] = []

    def __len__(self) -> int:
        return len(self._recent)

    def add(self, talk_s: float) -> None:
        if len(self._recent) == self._size:
            oldest = self._recent.popleft()
            del self._ordered[bisect.bisect_left(self._ordered, oldest)]
        self._recent.append(talk_s)
        bisect.insort(self._ordered, talk_s)

    def percentile(self, p: float) -> float:
        return percentile(self._ordered, p)


class LongCalls:
    """Talk-time history of every queue, and each queue's long-call threshold."""

    def __init__(self, size: int, p: float, min_samples: int) -> None:
        self._size, self._p, self._min = size, p, min_samples
        self._queues: dict[str, TalkTimes] = {}
        self._thresholds: dict[str, float | None] = {}  # cached until the queue's next call

    def learn(self, record: CallRecord) -> None:
        """Takes the talk time of a finished call, if it was handled and talked."""
        handled = record.outcome is CallOutcome.ANSWERED or record.callback_kept
        talk = record.talk_s
        if handled and talk > 0 and math.isfinite(talk):
            queue = record.final_queue or record.queue
            times = self._queues.get(queue)
            if times is None:
                times = self._queues[queue] = TalkTimes(self._size)
            times.add(talk)
            self._thresholds.pop(queue, None)

    def samples(self, queue: str) -> int:
        times = self._queues.get(queue)
        return 0 if times is None else len(times)

    def threshold(self, queue: str) -> float | None:
        """Talk seconds above which a call of `queue` is flagged; None without enough history."""
        if queue in self._thresholds:
            return self._thresholds[queue]
        times = self._queues.get(queue)
        found = None
        if times is not None and len(times) >= self._min:
            found = times.percentile(self._p)
        self._thresholds[queue] = found
        return found
