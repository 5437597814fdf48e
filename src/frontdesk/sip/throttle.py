"""Blocking source addresses that keep failing SIP digest authentication.

Internet-facing SIP servers are probed all day by scanners guessing extension passwords
(REGISTER and INVITE floods from the same address). `AuthFailureThrottle` counts failures per
source in a sliding window and blocks a source for a while once it reaches the limit. It is
sans-IO: every call is given `now` (seconds, from the injected clock), and memory is bounded by
forgetting the least recently seen source. What the caller does with a blocked source (drop
silently, or answer 403) is its choice; docs/sip-auth-and-sdp.md explains the recommendation.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from frontdesk.sip import SipError


@dataclass(slots=True)
class _Source:
    failures: list[float] = field(default_factory=list)  # at most max_failures, oldest first
    blocked_until: float | None = None


class AuthFailureThrottle:
    """Per-source authentication failure counter with temporary blocks."""

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 60.0,
        block_s: float = 300.0,
        max_sources: int = 100_000,
    ) -> None:
        if max_failures < 1 or window_s <= 0 or block_s <= 0 or max_sources < 1:
            raise SipError(
                "throttle needs max_failures >= 1, window_s > 0, block_s > 0, max_sources >= 1; "
                f"got {max_failures}, {window_s}, {block_s}, {max_sources}",
                status=500,
                peer_fault=False,
            )
        self.max_failures = max_failures
        self.window_s = window_s
        self.block_s = block_s
        self.max_sources = max_sources
        self._sources: OrderedDict[str, _Source] = OrderedDict()  # least recently seen first

    def record_failure(self, source: str, now: float) -> bool:
        """Count one failure; True exactly when this failure starts a block (log it then)."""
        entry = self._touch(source)
        if entry.blocked_until is not None:
            if now < entry.blocked_until:
                return False  # already blocked: the block is not extended
            entry.blocked_until = None  # served its time; failures were cleared at block start
        cutoff = now - self.window_s
        entry.failures = [t for t in entry.failures if t > cutoff]
        entry.failures.append(now)
        if len(entry.failures) < self.max_failures:
            return False
        entry.failures.clear()
        entry.blocked_until = now + self.block_s
        return True

    def is_blocked(self, source: str, now: float) -> bool:
        """Whether to refuse this source's requests now. Call it for every request."""
        entry = self._sources.get(source)
        if entry is None or entry.blocked_until is None or now >= entry.blocked_until:
            return False
        # A blocked source that keeps knocking stays remembered; quiet ones age out first.
        self._sources.move_to_end(source)
        return True

    def record_success(self, source: str, now: float) -> None:
        """Forget earlier failures: the source holds a good password (not if blocked)."""
        if not self.is_blocked(source, now):
            self._sources.pop(source, None)

    def unblock(self, source: str) -> None:
        """Lift a block by hand (an administrator vouching for the address)."""
        self._sources.pop(source, None)

    def blocked_until(self, source: str, now: float) -> float | None:
        entry = self._sources.get(source)
        if entry is None or entry.blocked_until is None or now >= entry.blocked_until:
            return None
        return entry.blocked_until

    @property
    def tracked_sources(self) -> int:
        return len(self._sources)

    def _touch(self, source: str) -> _Source:
        entry = self._sources.get(source)
        if entry is not None:
            self._sources.move_to_end(source)
            return entry
        if len(self._sources) >= self.max_sources:
            self._sources.popitem(last=False)
        entry = self._sources[source] = _Source()
        return entry
