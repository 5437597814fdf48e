"""Expected wait and position: the queue-length estimator with abandonment, learned from history.

For a caller with `n` callers ahead who can be served by `s` working agents, each finishing at
rate mu, while each caller ahead gives up at rate theta, the time to reach an agent is a sum of
exponential phases: the line in front shrinks by one at rate s*mu + i*theta when i callers are
ahead. Its mean is the queue-length (QL) estimator for the M/M/s+M model of R. Ibrahim and
W. Whitt, "Real-time delay estimation in overloaded multiserver queues with abandonments",
Management Science 55(10), 2009:

    E[wait | n ahead] = sum_{i=0}^{n} 1 / (s*mu + i*theta)

mu is learned from recent handle times (talk + wrap-up) and theta from recent waits as the
censored exponential maximum-likelihood estimate: abandonments / total time waited (answered
callers contribute their wait as censored observations). When the history is thinner than
`min_history`, the estimator falls back to the head-of-line delay (how long the caller at the
head of the line has waited so far), scaled by the caller's place in line (see queries.py).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


class QueueHistory:
    """Recent handle times and waits of one queue, with running sums for O(1) rates."""

    def __init__(self, size: int) -> None:
        self._handles: deque[float] = deque()
        # two deques rather than (wait, abandoned) pairs: floats and bools are not objects the
        # garbage collector has to walk
        self._waits: deque[float] = deque()
        self._abandoned: deque[bool] = deque()
        self._size = size
        self._handle_sum = 0.0
        self._wait_sum = 0.0
        self._abandons = 0
        self.last_served_wait: float | None = None

    def record_handle(self, seconds: float) -> None:
        self._handles.append(seconds)
        self._handle_sum += seconds
        if len(self._handles) > self._size:
            self._handle_sum -= self._handles.popleft()

    def record_wait(self, seconds: float, abandoned: bool) -> None:
        self._waits.append(seconds)
        self._abandoned.append(abandoned)
        self._wait_sum += seconds
        self._abandons += abandoned
        if not abandoned:
            self.last_served_wait = seconds
        if len(self._waits) > self._size:
            self._wait_sum -= self._waits.popleft()
            self._abandons -= self._abandoned.popleft()

    @property
    def handle_samples(self) -> int:
        return len(self._handles)

    def service_rate(self) -> float | None:
        """Calls per second one agent completes, or None before any call completed."""
        if not self._handles or self._handle_sum <= 0:
            return None
        return len(self._handles) / self._handle_sum

    def abandon_rate(self) -> float:
        """Per-second hazard of a waiting caller giving up (0 when nobody has)."""
        if self._abandons == 0 or self._wait_sum <= 0:
            return 0.0
        return self._abandons / self._wait_sum


def queue_length_delay(ahead: int, servers: int, mu: float, theta: float) -> float:
    """Ibrahim & Whitt QL estimator: mean wait with `ahead` callers in front (M/M/s+M)."""
    if servers <= 0 or mu <= 0:
        raise ValueError("the estimator needs at least one agent and a positive service rate")
    base = servers * mu
    return sum(1.0 / (base + i * theta) for i in range(ahead + 1))


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    """Where a caller is and how long they should still expect to wait, with the basis."""

    contact_id: str
    queue: str
    position: int  # 1 = next to be served
    ahead: int
    expected_wait: float | None
    basis: str
    servers: int
    service_rate: float | None
    abandon_rate: float
    samples: int

    def describe(self) -> str:
        if self.expected_wait is None:
            return f"position {self.position}; no estimate ({self.basis})"
        return (
            f"position {self.position}, about {self.expected_wait:.0f} s to wait"
            f" ({self.basis}; {self.servers} agents, {self.samples} recent calls)"
        )
