"""When a browser session ends and when its use is written down: a pure rule, fed the time.

A session ends at the first of: `absolute_s` after login (whatever the activity), or `idle_s`
after its last recorded use. Uses are recorded at most once every `touch_every_s`, so a busy
browser costs one database write a minute, not one per request. The price is that the idle
clock may start up to `touch_every_s` early: a session idle for `idle_s - touch_every_s` may
already be over. With the defaults that is 1 minute out of 2 hours.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    absolute_s: float = 12 * HOUR  # one working day; then log in again
    idle_s: float = 2 * HOUR  # a desk left for a long lunch
    touch_every_s: float = 60.0

    def __post_init__(self) -> None:
        if not 0 < self.idle_s <= self.absolute_s:
            raise ValueError("the idle timeout must be positive and no longer than the lifetime")
        if not 0 <= self.touch_every_s < self.idle_s:
            raise ValueError("touches must be written more often than the idle timeout")

    def expires_at(self, created_at: float) -> float:
        return created_at + self.absolute_s

    def is_over(self, expires_at: float, last_seen_at: float, now: float) -> bool:
        return now >= expires_at or now >= last_seen_at + self.idle_s

    def needs_touch(self, last_seen_at: float, now: float) -> bool:
        return now - last_seen_at >= self.touch_every_s
