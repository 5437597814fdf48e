"""Today's figures per queue, in total and per agent, through analytics' one metric code.

Calls are counted by analytics' own derivation (`CallDeriver`) and formulas (`Tally`,
`figures()`): a finished call's record goes into today's tallies as it completes, in O(1).
A call whose queue part is over but which is not finished yet (an agent still talking, a
callback still owed, a voicemail being left) has a record too, its outcome so far
(`CallDeriver.open_records()`); the snapshot adds those to a copy of the tallies, so a call
counts as answered when it is answered, not when it hangs up. Callers still waiting are not
offered yet in analytics' sense; the board shows them as `waiting`.

Handle times (handled, AHT, talk, hold, wrap-up) need the call to be over: they come from
finished calls only. Per-queue figures use the queue's own target T; totals use the default
settings' T (tallies made under different T cannot be merged, and summing within-T counts of
different T would be a figure under no single definition).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from frontdesk.analytics.metrics import MetricSettings, Tally, figures
from frontdesk.analytics.records import CallRecord

HANDLE_FIELDS = ("handled", "aht_s", "talk_s", "hold_s", "wrap_s")


class DayTallies:
    def __init__(self, settings: MetricSettings, targets: Mapping[str, float]) -> None:
        self.settings = settings
        self._targets = dict(targets)
        self._queue_settings: dict[str, MetricSettings] = {}
        self.queues: dict[str, Tally] = {}
        self.total = Tally(settings)
        self._agents: dict[str, Tally] = {}
        self._agent_figures: dict[str, tuple[int, float | None]] = {}

    def settings_for(self, queue: str) -> MetricSettings:
        found = self._queue_settings.get(queue)
        if found is None:
            target = self._targets.get(queue)
            found = self.settings if target is None else replace(self.settings, target_s=target)
            self._queue_settings[queue] = found
        return found

    def reset(self) -> None:
        self.queues.clear()
        self.total = Tally(self.settings)
        self._agents.clear()
        self._agent_figures.clear()

    def add(self, record: CallRecord) -> None:
        """A finished call of today."""
        queue = record.queue
        tally = self.queues.get(queue)
        if tally is None:
            tally = self.queues[queue] = Tally(self.settings_for(queue))
        tally.add(record)
        self.total.add(record)
        agent = record.agent
        if agent:
            agent_tally = self._agents.get(agent)
            if agent_tally is None:
                agent_tally = self._agents[agent] = Tally(self.settings)
            agent_tally.add(record)
            self._agent_figures.pop(agent, None)

    def queue_figures(self, queue: str, in_progress: Iterable[CallRecord]) -> dict[str, Any]:
        settings = self.settings_for(queue)
        finished = self.queues.get(queue) or Tally(settings)
        return _with_progress(finished, in_progress)

    def total_figures(
        self, in_progress: Iterable[CallRecord], occupancy: float | None
    ) -> dict[str, Any]:
        return _with_progress(self.total, in_progress, occupancy)

    def agent_today(self, agent: str) -> tuple[int, float | None]:
        """Calls the agent handled today and finished, and their average handle time."""
        found = self._agent_figures.get(agent)
        if found is None:
            tally = self._agents.get(agent)
            if tally is None:
                found = (0, None)
            else:
                f = figures(tally)
                found = (f["handled"], f["aht_s"])
            self._agent_figures[agent] = found
        return found


def _with_progress(
    finished: Tally, in_progress: Iterable[CallRecord], occupancy: float | None = None
) -> dict[str, Any]:
    """Figures of finished plus in-progress calls; handle times of finished calls only."""
    merged = Tally(finished.settings)
    merged.merge(finished)
    merged.add_all(in_progress)
    result = figures(merged, occupancy)
    done = figures(finished)
    for name in HANDLE_FIELDS:
        result[name] = done[name]
    return result
