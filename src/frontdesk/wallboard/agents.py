"""Each agent's presence as the routing engine last said it, and the call they are on.

State comes from `acd.agent_state` (the engine's own states: available, reserved = an offer
is ringing, on-call, wrap-up, on-break with its reason, logged-out) with the time it began.
The current call is set by `acd.answered` (talking from then) or `acd.callback_attempted`
(dialling the customer; talking from `acd.callback_connected`) and lasts while the agent is
on-call. An agent the events have not mentioned yet is shown logged-out, since unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontdesk.acd.states import AgentState
from frontdesk.wallboard.callers import Caller
from frontdesk.wallboard.longcalls import LongCalls

_STATES = {state.value: state for state in AgentState}
_ON_CALL, _RESERVED, _BREAK = AgentState.ON_CALL, AgentState.RESERVED, AgentState.ON_BREAK


@dataclass(slots=True)
class CurrentCall:
    call_id: str
    queue: str
    caller: Caller | None
    since: float
    talking_since: float | None  # None while a callback is being dialled
    callback: bool

    def as_json(self, now: float, long_calls: LongCalls) -> dict[str, Any]:
        talking = None if self.talking_since is None else max(now - self.talking_since, 0.0)
        threshold = long_calls.threshold(self.queue)
        return {
            "call_id": self.call_id,
            "queue": self.queue,
            "caller": None if self.caller is None else self.caller.as_json(),
            "callback": self.callback,
            "since": self.since,
            "talking_s": None if talking is None else round(talking, 1),
            "long": threshold is not None and talking is not None and talking > threshold,
        }


@dataclass(slots=True)
class AgentView:
    agent_id: str
    name: str
    teams: tuple[str, ...]
    state: AgentState = AgentState.LOGGED_OUT
    since: float | None = None
    reason: str = ""
    call: CurrentCall | None = None
    ringing: tuple[str, str] | None = None  # (call id, queue) of the offer ringing


class AgentBoard:
    """Agents' states and current calls; callers' data is looked up through `caller_of`."""

    def __init__(
        self,
        agents: Mapping[str, tuple[str, Sequence[str]]],
        caller_of: Callable[[str | None], Caller | None],
    ) -> None:
        self.agents: dict[str, AgentView] = {
            agent_id: AgentView(agent_id, name, tuple(teams))
            for agent_id, (name, teams) in agents.items()
        }
        self._caller_of = caller_of

    def agent(self, data: Mapping[str, Any]) -> AgentView | None:
        """The agent an event names (`agent_id`), added if new; None if it names none."""
        agent_id = data.get("agent_id")
        if not agent_id:
            return None
        key = str(agent_id)
        view = self.agents.get(key)
        if view is None:  # not in the company file (yet): shown under its id
            view = self.agents[key] = AgentView(key, key, ())
        return view

    def restart(self, at: float) -> None:
        """A new server process: every agent logs in again from scratch."""
        for view in self.agents.values():
            view.state, view.since, view.reason = AgentState.LOGGED_OUT, at, ""
            view.call = view.ringing = None

    def state_changed(self, at: float, _call_id: str | None, data: Mapping[str, Any]) -> None:
        state = _STATES.get(str(data.get("new")))
        view = self.agent(data)
        if state is None or view is None:
            return
        view.state, view.since, view.reason = state, at, str(data.get("reason") or "")
        if state is not _ON_CALL:
            view.call = None
        if state is not _RESERVED:
            view.ringing = None

    def offered(self, _at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        if call_id is None:
            return
        ringing = (call_id, str(data.get("queue", "")))
        for agent_id in data.get("agent_ids") or ():
            view = self.agent({"agent_id": agent_id})
            if view is not None:
                view.ringing = ringing

    def answered(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        view = self.agent(data)
        if call_id is not None and view is not None:
            queue = str(data.get("queue", ""))
            view.call = CurrentCall(call_id, queue, self._caller_of(call_id), at, at, False)

    def callback_attempted(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        view = self.agent(data)
        if call_id is not None and view is not None:
            queue = str(data.get("queue", ""))
            view.call = CurrentCall(call_id, queue, self._caller_of(call_id), at, None, True)

    def callback_connected(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        view = self.agent(data)
        call = None if view is None else view.call
        if call is not None and call.call_id == call_id:
            call.talking_since = at

    def call_ended(self, _at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        view = self.agent(data)
        if view is not None and view.call is not None and view.call.call_id == call_id:
            view.call = None

    def view_json(
        self, view: AgentView, now: float, long_calls: LongCalls, today: tuple[int, float | None]
    ) -> dict[str, Any]:
        since = view.since
        ringing = view.ringing
        return {
            "name": view.name,
            "teams": list(view.teams),
            "state": view.state.value,
            "break_reason": view.reason if view.state is _BREAK else None,
            "since": since,
            "time_in_state_s": None if since is None else round(max(now - since, 0.0), 1),
            "handled_today": today[0],
            "aht_s_today": today[1],
            "current_call": None if view.call is None else view.call.as_json(now, long_calls),
            "ringing": None if ringing is None else {"call_id": ringing[0], "queue": ringing[1]},
        }
