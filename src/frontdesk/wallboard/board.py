"""The live model behind the supervisor wallboard: fed every event, asked for snapshots.

Sans-IO: `feed(at, kind, call_id, data)` takes each event-log event in order (the same
tuples the event log stores and its listeners get); `snapshot(now)` gives a JSON-ready dict.
Starting up is replaying: feed today's stored events, then the live ones. `seed()` gives
the long-call flags talk times from earlier days.

Costs: `feed` does a constant amount of work per event (dict look-ups, one `Tally.add` when
a call finishes). `snapshot` is linear in queues, agents, waiting callers, pending callbacks
and calls in progress (the in-progress calls' records, see `today.py`).

"Today" is the local day of the company's time zone holding the latest moment seen (an
event's `at` or a snapshot's `now`); when it changes, today's counters start again at zero.
Live state (who waits, agents' states, callbacks owed) carries over midnight. A
`server.started` event clears live state: the new process's routing engine starts empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from frontdesk.acd.states import AgentState
from frontdesk.analytics.agent_time import AgentTime
from frontdesk.analytics.derive import CallDeriver
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.records import CallOutcome, CallRecord
from frontdesk.analytics.slices import zone
from frontdesk.config.company import Company
from frontdesk.wallboard.agents import AgentBoard
from frontdesk.wallboard.days import LocalDay, day_of
from frontdesk.wallboard.errors import WallboardError
from frontdesk.wallboard.live import LineBoard
from frontdesk.wallboard.longcalls import LongCalls
from frontdesk.wallboard.settings import WallboardSettings
from frontdesk.wallboard.today import DayTallies

Handler = Callable[[float, "str | None", Mapping[str, Any]], None]
Event = tuple[float, str, "str | None", Mapping[str, Any]]
_OPEN = CallOutcome.OPEN


class Wallboard:
    """`queues` maps queue names to their team; `agents` maps agent ids to (name, teams).

    `targets` gives queues their own service-level time T (seconds); other queues use
    `settings.metrics.target_s`. Queues and agents first named by events are added as seen.
    """

    def __init__(
        self,
        settings: WallboardSettings,
        timezone: str,
        queues: Mapping[str, str],
        agents: Mapping[str, tuple[str, Sequence[str]]],
        *,
        targets: Mapping[str, float] | None = None,
    ) -> None:
        try:
            self._tz = zone(timezone)
        except AnalyticsError as exc:
            raise WallboardError(str(exc)) from None
        for name, target in (targets or {}).items():
            if not (math.isfinite(target) and target >= 0):
                raise WallboardError(f"queue {name}: the target answer time must be >= 0 s")
        self.settings = settings
        self.timezone = timezone
        self.version = 0
        self._queue_teams = dict(queues)
        self._deriver = CallDeriver({a: teams[0] for a, (_, teams) in agents.items() if teams})
        self._day: LocalDay | None = None
        self._day_end = -math.inf
        self._latest = -math.inf  # the latest event time seen
        self._agent_time = AgentTime()
        self._voicemail_messages = 0
        self._today = DayTallies(settings.metrics, targets or {})
        self._lines = LineBoard()
        self._agents = AgentBoard(agents, self._lines.caller_of)
        self._long = LongCalls(
            settings.talk_history_size,
            settings.long_call_percentile,
            settings.long_call_min_samples,
        )
        self._handlers = self._handler_table()

    @classmethod
    def from_company(cls, company: Company, settings: WallboardSettings | None = None) -> Wallboard:
        """A board for a loaded company file: its queues, teams, agents, targets and zone."""
        return cls(
            settings or WallboardSettings(),
            company.timezone,
            {q.name: q.team for q in company.queues},
            {a.id: (a.name, a.teams) for a in company.agents},
            targets={q.name: q.target_answer_s for q in company.queues},
        )

    def _handler_table(self) -> dict[str, tuple[Handler, ...]]:
        lines, agents = self._lines, self._agents
        return {
            "acd.agent_state": (self._agent_state, agents.state_changed),
            "acd.offered": (agents.offered,),
            "acd.queued": (lines.queued,),
            "acd.answered": (lines.left_line, agents.answered),
            "acd.abandoned": (lines.left_line,),
            "acd.voicemail": (lines.left_line,),
            "acd.rejected": (lines.left_line,),
            "acd.callback_requested": (lines.callback_requested,),
            "acd.callback_attempted": (lines.callback_attempted, agents.callback_attempted),
            "acd.callback_failed_attempt": (lines.callback_failed,),
            "acd.callback_connected": (lines.callback_connected, agents.callback_connected),
            "acd.callback_promise_missed": (lines.promise_missed,),
            "acd.call_ended": (agents.call_ended,),
            "acd.closed": (lines.closed,),
            "call.received": (lines.call_received,),
            "call.flow_started": (lines.flow_started,),
            "call.attributes": (lines.call_attributes,),
            "call.callback_promised": (lines.callback_promised,),
            "call.overflowed": (lines.left_line,),
            "call.ended": (lines.call_ended,),
            "call.voicemail": (self._voicemail_left,),
            "server.started": (self._restarted,),
        }

    # ------------------------------------------------------------ inputs

    def feed(self, at: float, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        """Takes one event, in event-log order."""
        if at >= self._day_end:
            self._roll(at)
        if at > self._latest:
            self._latest = at
        record = self._deriver.feed(at, kind, call_id, data)
        if record is not None:
            self._finished(record)
        handlers = self._handlers.get(kind)
        if handlers is not None:
            for handle in handlers:
                handle(at, call_id, data)
        if handlers is not None or record is not None:
            self.version += 1

    def replay(self, events: Iterable[Event]) -> None:
        """Feeds stored events in order (e.g. today's, at start-up, before the live ones)."""
        feed = self.feed
        for at, kind, call_id, data in events:
            feed(at, kind, call_id, data)

    def seed(self, records: Iterable[CallRecord], before: float | None = None) -> None:
        """Learns normal talk times from earlier calls (oldest first).

        Records offered at or after `before` are skipped: pass the start of the events you
        replay, so no call is learned twice."""
        for record in records:
            if before is None or record.offered_at < before:
                self._long.learn(record)

    def _finished(self, record: CallRecord) -> None:
        self._long.learn(record)
        self._lines.callers.pop(record.call_id, None)
        day = self._day
        if day is not None and day.holds(record.offered_at):
            self._today.add(record)

    def _roll(self, t: float) -> None:
        day = day_of(t, self._tz)
        if self._day is not None and day.start <= self._day.start:
            return
        self._day, self._day_end = day, day.end
        self._today.reset()
        self._voicemail_messages = 0
        # occupancy counts from midnight; states going on at midnight carry over
        self._agent_time = AgentTime(day.start, day.end)
        for agent_id, view in self._agents.agents.items():
            if view.since is not None:
                self._agent_time.state(day.start, agent_id, view.state.value)
        self.version += 1

    def _agent_state(self, at: float, _call_id: str | None, data: Mapping[str, Any]) -> None:
        if data.get("agent_id") and data.get("new"):
            self._agent_time.state(at, str(data["agent_id"]), str(data["new"]))

    def _voicemail_left(self, at: float, _call_id: str | None, _data: Mapping[str, Any]) -> None:
        if self._day is not None and self._day.holds(at):
            self._voicemail_messages += 1

    def _restarted(self, at: float, _call_id: str | None, _data: Mapping[str, Any]) -> None:
        self._lines.restart()
        self._agents.restart(at)

    # ------------------------------------------------------------ output

    def snapshot(self, now: float) -> dict[str, Any]:
        """Everything on the wallboard at `now` (wall-clock epoch seconds), JSON-ready."""
        if now >= self._day_end:
            self._roll(now)
        day = self._day
        assert day is not None
        # time in states counted up to now (or the latest event, if a snapshot lags the feed)
        self._agent_time.close(max(now, self._latest))
        in_progress: dict[str, list[CallRecord]] = {}
        for record in self._deriver.open_records():
            if record.outcome is not _OPEN and day.holds(record.offered_at):
                in_progress.setdefault(record.queue, []).append(record)
        agents, states, long_calls = self._agents_json(now)
        queues = {
            name: self._queue_json(name, now, in_progress.get(name, ()), states, long_calls)
            for name in self._queue_names(in_progress)
        }
        every = [r for records in in_progress.values() for r in records]
        return {
            "version": self.version,
            "at": now,
            "timezone": self.timezone,
            "day": day.as_json(),
            "settings": self._settings_json(),
            "queues": queues,
            "agents": agents,
            "totals": self._totals_json(queues, every, agents),
        }

    def _queue_names(self, in_progress: Mapping[str, object]) -> list[str]:
        known = self._queue_teams
        seen = {*self._lines.lines, *self._today.queues, *in_progress}
        return [*known, *sorted(q for q in seen if q and q not in known)]

    def _queue_json(
        self,
        name: str,
        now: float,
        in_progress: Iterable[CallRecord],
        states: Mapping[str, Mapping[str, int]],
        long_calls: Mapping[str, int],
    ) -> dict[str, Any]:
        team = self._queue_teams.get(name)
        counts = dict(states[""])  # agents of no team serve every queue
        for state, n in states.get(team, {}).items() if team else ():
            counts[state] += n
        line = self._lines.lines.get(name)
        live = (line or self._lines.line(name)).snapshot(now, self.settings)
        return {
            "team": team,
            "target_s": self._today.settings_for(name).target_s,
            **live,
            "agents": counts,
            "long_call_after_s": self._long.threshold(name),
            "talk_samples": self._long.samples(name),
            "long_calls": long_calls.get(name, 0),
            "today": self._today.queue_figures(name, in_progress),
        }

    def _agents_json(
        self, now: float
    ) -> tuple[dict[str, Any], dict[str, dict[str, int]], dict[str, int]]:
        """Agents' entries; counts by state per team ("" = agents serving every queue);
        calls flagged long per queue."""
        agents: dict[str, Any] = {}
        states: dict[str, dict[str, int]] = {"": _zero_states()}
        long_calls: dict[str, int] = {}
        board, today, long = self._agents, self._today, self._long
        for agent_id, view in board.agents.items():
            entry = agents[agent_id] = board.view_json(view, now, long, today.agent_today(agent_id))
            entry["occupancy_today"] = self._agent_time.occupancy(agent_id)
            state = entry["state"]
            for team in view.teams or ("",):
                counts = states.get(team)
                if counts is None:
                    counts = states[team] = _zero_states()
                counts[state] += 1
            call = entry["current_call"]
            if call is not None and call["long"]:
                long_calls[call["queue"]] = long_calls.get(call["queue"], 0) + 1
        return agents, states, long_calls

    def _totals_json(
        self,
        queues: Mapping[str, Mapping[str, Any]],
        in_progress: list[CallRecord],
        agents: Mapping[str, Mapping[str, Any]],
    ) -> dict[str, Any]:
        def total(key: str) -> int:
            return sum(q[key] for q in queues.values())

        def listed(key: str) -> int:
            return sum(len(q[key]) for q in queues.values())

        waits = [q["longest_current_wait_s"] for q in queues.values()]
        counts = _zero_states()
        for entry in agents.values():
            counts[entry["state"]] += 1
        return {
            "target_s": self.settings.metrics.target_s,
            "waiting": total("waiting"),
            "longest_current_wait_s": max((w for w in waits if w is not None), default=None),
            "vip_waiting": sum(q["vip_waiting"]["count"] for q in queues.values()),
            "open_case_waiting": sum(q["open_case_waiting"]["count"] for q in queues.values()),
            "callbacks_pending": total("callbacks_pending"),
            "callbacks_at_risk": listed("callbacks_at_risk"),
            "callbacks_missed": listed("callbacks_missed"),
            "long_calls": total("long_calls"),
            "agents": counts,
            "voicemail_messages_today": self._voicemail_messages,
            "today": self._today.total_figures(in_progress, self._agent_time.occupancy()),
        }

    def _settings_json(self) -> dict[str, Any]:
        s, m = self.settings, self.settings.metrics
        return {
            "target_s": m.target_s,
            "short_abandon_s": m.short_abandon_s,
            "service_level_definition": m.definition.value,
            "at_risk_within_s": s.at_risk_within_s,
            "promise_grace_s": s.promise_grace_s,
            "long_call_percentile": s.long_call_percentile,
            "long_call_min_samples": s.long_call_min_samples,
        }


_STATE_NAMES = tuple(state.value for state in AgentState)


def _zero_states() -> dict[str, int]:
    return dict.fromkeys(_STATE_NAMES, 0)
