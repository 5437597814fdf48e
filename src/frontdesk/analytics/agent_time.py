"""Agent time by state, from the routing engine's `acd.agent_state` events, and occupancy.

Occupancy = time on calls and in wrap-up / time staffed, where staffed is available, reserved
(a call ringing), on a call or in wrap-up; breaks and logged-out time are not staffed. Time is
counted only inside the window [since, until), so a report for one day takes only that day's
share of a state that began the day before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

# the values of acd.AgentState
BUSY_STATES = frozenset({"on-call", "wrap-up"})
STAFFED_STATES = frozenset({"available", "reserved", "on-call", "wrap-up"})


class AgentTime:
    """Seconds each agent spent in each state within a window; fed events in time order."""

    def __init__(self, since: float = -math.inf, until: float = math.inf) -> None:
        self.since, self.until = since, until
        self.seconds: dict[str, dict[str, float]] = {}
        self._current: dict[str, tuple[str, float]] = {}

    def feed(self, at: float, kind: str, data: Mapping[str, Any]) -> None:
        if kind != "acd.agent_state":
            return
        self.state(at, str(data["agent_id"]), str(data["new"]))

    def state(self, at: float, agent: str, new: str) -> None:
        """The agent entered state `new` (an `AgentState` value) at `at`."""
        current = self._current
        previous = current.get(agent)
        if previous is not None:  # `_close`, inline: the simulator calls this for every change
            state, start = previous
            span = min(at, self.until) - max(start, self.since)
            if span > 0:
                states = self.seconds.get(agent)
                if states is None:
                    states = self.seconds[agent] = {}
                states[state] = states.get(state, 0.0) + span
        current[agent] = (new, at)

    def feed_all(self, events: Iterable[tuple[float, str, Mapping[str, Any]]]) -> AgentTime:
        for at, kind, data in events:
            self.feed(at, kind, data)
        return self

    def close(self, at: float) -> None:
        """Counts the states still going on up to `at` (the end of the data or now)."""
        for agent in list(self._current):
            state = self._current[agent][0]
            self._close(agent, at)
            self._current[agent] = (state, at)

    def _close(self, agent: str, at: float) -> None:
        previous = self._current.get(agent)
        if previous is None:
            return
        state, start = previous
        span = min(at, self.until) - max(start, self.since)
        if span > 0:
            states = self.seconds.setdefault(agent, {})
            states[state] = states.get(state, 0.0) + span

    def occupancy(self, agent: str | None = None) -> float | None:
        """Busy / staffed time of one agent, or of all together; None if nobody was staffed."""
        agents = [agent] if agent is not None else list(self.seconds)
        busy = staffed = 0.0
        for name in agents:
            for state, seconds in self.seconds.get(name, {}).items():
                busy += seconds if state in BUSY_STATES else 0.0
                staffed += seconds if state in STAFFED_STATES else 0.0
        return busy / staffed if staffed > 0 else None
