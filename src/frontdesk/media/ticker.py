"""One schedule for all streams: a 20 ms ticker split into staggered slots (sans-IO).

The engine sleeps until `next_deadline()`, then asks `due(now)` which (tick, slot) pairs are
due and services the streams assigned to those slots. Deadlines are computed from the start
time and the tick number, never from the previous wake-up, so oversleeping does not make the
schedule drift. After a stall the ticker catches up, but never with more than `max_burst`
periods at once: older ticks are counted as skipped rather than sent as a burst that would
only overflow the far side's jitter buffer.

Spreading streams over slots (e.g. four 5 ms slots) levels the CPU load and the packet rate
within each 20 ms period instead of sending every stream's packet at the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.media import FRAME_SECONDS, MediaError


@dataclass(frozen=True, slots=True)
class SlotTick:
    tick: int  # period number since start
    slot: int  # 0 .. slots-1
    deadline: float


class Ticker:
    def __init__(
        self, start: float, period: float = FRAME_SECONDS, slots: int = 1, max_burst: int = 3
    ) -> None:
        if period <= 0 or slots < 1 or max_burst < 1:
            raise MediaError("a ticker needs a positive period, at least one slot and burst")
        self.start, self.period, self.slots, self.max_burst = start, period, slots, max_burst
        self._step = period / slots
        self._next = 0  # index of the next slot-tick: tick * slots + slot
        self.skipped = 0

    def _deadline(self, index: int) -> float:
        return self.start + index * self._step

    def next_deadline(self) -> float:
        return self._deadline(self._next)

    def due(self, now: float) -> list[SlotTick]:
        # Small epsilon: a wake-up a hair early because of float rounding still counts.
        last = int((now - self.start) / self._step + 1e-9)
        if last < self._next:
            return []
        limit = self.max_burst * self.slots
        if last - self._next + 1 > limit:
            first = last - limit + 1
            self.skipped += first - self._next
            self._next = first
        out = [
            SlotTick(k // self.slots, k % self.slots, self._deadline(k))
            for k in range(self._next, last + 1)
        ]
        self._next = last + 1
        return out


class SlotAssigner:
    """Puts each new stream in the least loaded slot."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise MediaError("there must be at least one slot")
        self._load = [0] * slots
        self._slot_of: dict[str, int] = {}

    def assign(self, stream: str) -> int:
        if stream in self._slot_of:
            return self._slot_of[stream]
        slot = min(range(len(self._load)), key=self._load.__getitem__)
        self._load[slot] += 1
        self._slot_of[stream] = slot
        return slot

    def release(self, stream: str) -> None:
        slot = self._slot_of.pop(stream, None)
        if slot is not None:
            self._load[slot] -= 1

    def load(self) -> tuple[int, ...]:
        return tuple(self._load)
