"""Who is in line now, and which callbacks are still owed: per queue, kept up event by event.

A caller waits from their first `acd.queued` (the routing engine measures waits from arrival,
and an overflow keeps it) until the engine takes them out of line: answered, abandoned, sent to
voicemail, refused, asked for a callback, closed, or telephony sent them elsewhere
(`call.overflowed`) or lost the call (`call.ended`). Ringing an agent is still waiting. A
callback re-entering the line (`acd.queued` with `callback` true) is no caller on hold.

A callback is pending from `acd.callback_requested` until `acd.callback_connected` or the
contact's `acd.closed` (failed for good, cancelled). Its promise is a wall-clock time:

* keep-my-place: telephony says what it promised in `call.callback_promised` (`promised_at`,
  wall clock); the engine does not watch that promise, so it is missed `promise_grace_s` after
  its time;
* booked callbacks: the engine's `promised_at` is on the engine's own clock (monotonic in the
  server, see `EngineClock`); the engine itself says when it is missed
  (`acd.callback_promise_missed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from frontdesk.wallboard.callers import Caller
from frontdesk.wallboard.settings import WallboardSettings


class EngineClock:
    """Maps the routing engine's clock to wall-clock time, learned from `acd.queued`.

    The server stores each engine event at `event.at + (wall - now)` but leaves times inside
    the data (`entered_at`, `promised_at`) on the engine's clock. A fresh contact enters the
    line at the event's own time and no contact enters later than it, so the smallest
    `at - entered_at` seen is that offset (to the millisecond `at` is rounded to). If the
    server ever stores those fields as wall time, the offset learned is 0 and nothing changes.
    A restart (`server.started`) starts a new engine clock, so the offset is learned again.
    """

    __slots__ = ("offset",)

    def __init__(self) -> None:
        self.offset: float | None = None

    def see(self, at: float, entered_at: Any) -> None:
        if isinstance(entered_at, int | float):
            offset = at - float(entered_at)
            if self.offset is None or offset < self.offset:
                self.offset = offset

    def to_wall(self, engine_time: Any) -> float | None:
        if self.offset is None or not isinstance(engine_time, int | float):
            return None
        return float(engine_time) + self.offset


@dataclass(slots=True)
class Waiter:
    call_id: str
    queue: str
    since: float
    caller: Caller


@dataclass(slots=True)
class PendingCallback:
    call_id: str
    queue: str
    number: str
    requested_at: float
    caller: Caller
    promise: float | None = None  # wall clock
    engine_watches: bool = False  # a booked promise: the engine says when it is missed
    missed: bool = False
    attempts: int = 0
    dialing: bool = False

    def is_missed(self, now: float, grace_s: float) -> bool:
        if self.missed:
            return True
        promise = self.promise
        return promise is not None and not self.engine_watches and now > promise + grace_s

    def as_json(self, now: float) -> dict[str, Any]:
        promise = self.promise
        return {
            "call_id": self.call_id,
            **self.caller.as_json(),
            "callback_number": self.number or None,
            "promised_at": promise,
            "due_in_s": None if promise is None else round(promise - now, 1),
            "attempts": self.attempts,
            "dialing": self.dialing,
        }


@dataclass(slots=True)
class QueueLine:
    waiting: dict[str, Waiter] = field(default_factory=dict)
    callbacks: dict[str, PendingCallback] = field(default_factory=dict)

    def snapshot(self, now: float, settings: WallboardSettings) -> dict[str, Any]:
        longest = max((now - w.since for w in self.waiting.values()), default=None)
        vip = [w for w in self.waiting.values() if w.caller.vip]
        open_case = [w for w in self.waiting.values() if w.caller.open_case]
        grace, horizon = settings.promise_grace_s, settings.at_risk_within_s
        missed, at_risk = [], []
        for callback in self.callbacks.values():
            if callback.is_missed(now, grace):
                missed.append(callback)
            elif callback.promise is not None and callback.promise - now <= horizon:
                at_risk.append(callback)
        at_risk.sort(key=lambda c: c.promise or 0.0)
        return {
            "waiting": len(self.waiting),
            "longest_current_wait_s": None if longest is None else round(max(longest, 0.0), 1),
            "vip_waiting": _who(vip, now),
            "open_case_waiting": _who(open_case, now),
            "callbacks_pending": len(self.callbacks),
            "callbacks_at_risk": [c.as_json(now) for c in at_risk],
            "callbacks_missed": [c.as_json(now) for c in missed],
        }


def _who(waiters: list[Waiter], now: float) -> dict[str, Any]:
    waiters.sort(key=lambda w: w.since)
    callers = [
        {"call_id": w.call_id, **w.caller.as_json(), "wait_s": round(max(now - w.since, 0.0), 1)}
        for w in waiters
    ]
    return {"count": len(waiters), "callers": callers}


class LineBoard:
    """Waiting callers and pending callbacks of every queue, and live callers' data."""

    def __init__(self) -> None:
        self.lines: dict[str, QueueLine] = {}
        self.waiters: dict[str, Waiter] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.callers: dict[str, Caller] = {}  # calls telephony still has
        self.engine_clock = EngineClock()

    def line(self, queue: str) -> QueueLine:
        line = self.lines.get(queue)
        if line is None:
            line = self.lines[queue] = QueueLine()
        return line

    def restart(self) -> None:
        """A new server process: its routing engine knows no caller or callback of the old."""
        for line in self.lines.values():
            line.waiting.clear()
            line.callbacks.clear()
        self.waiters.clear()
        self.callbacks.clear()
        self.callers.clear()
        self.engine_clock = EngineClock()

    def caller_of(self, call_id: str | None) -> Caller | None:
        if call_id is None:
            return None
        caller = self.callers.get(call_id)
        if caller is None and call_id in self.callbacks:
            caller = self.callbacks[call_id].caller
        return caller

    # ------------------------------------------------------------ telephony

    def _caller(self, call_id: str) -> Caller:
        caller = self.callers.get(call_id)
        if caller is None:
            caller = self.callers[call_id] = Caller()
        return caller

    def call_received(self, _at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        if call_id is not None:
            caller = self._caller(call_id)
            caller.take_number(data.get("caller"), override=False)
            attributes = data.get("attributes")
            if isinstance(attributes, Mapping):
                caller.take_attributes(attributes)

    def flow_started(self, _at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        if call_id is not None:  # the number as the flow read it (E.164), not the raw URI
            self._caller(call_id).take_number(data.get("caller"), override=True)

    def call_attributes(self, _at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        if call_id is not None:
            self._caller(call_id).take_attributes(data)

    def call_ended(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        self.left_line(at, call_id, data)
        if call_id is not None:
            self.callers.pop(call_id, None)

    # ------------------------------------------------------------ routing engine

    def queued(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        self.engine_clock.see(at, data.get("entered_at"))
        if call_id is None or data.get("callback"):
            return
        queue = str(data.get("queue", ""))
        waiter = self.waiters.get(call_id)
        if waiter is None:
            caller = self.callers.get(call_id) or Caller()
            waiter = self.waiters[call_id] = Waiter(call_id, queue, at, caller)
        else:
            del self.line(waiter.queue).waiting[call_id]
            waiter.queue = queue
        self.line(queue).waiting[call_id] = waiter

    def left_line(self, _at: float, call_id: str | None, _data: Mapping[str, Any]) -> None:
        waiter = self.waiters.pop(call_id, None) if call_id is not None else None
        if waiter is not None:
            del self.line(waiter.queue).waiting[waiter.call_id]

    def callback_requested(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        if call_id is None:
            return
        self.left_line(at, call_id, data)
        queue = str(data.get("queue", ""))
        # a booked callback's id is "callback:<the call that booked it>"
        caller = self.callers.get(call_id) or self.callers.get(call_id.removeprefix("callback:"))
        callback = PendingCallback(
            call_id, queue, str(data.get("number") or ""), at, caller or Caller()
        )
        if data.get("promised_at") is not None:
            callback.engine_watches = True
            callback.promise = self.engine_clock.to_wall(data["promised_at"])
        self.callbacks[call_id] = callback
        self.line(queue).callbacks[call_id] = callback

    def callback_promised(self, _at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        callback = self.callbacks.get(call_id) if call_id is not None else None
        promised = data.get("promised_at")
        if callback is not None and isinstance(promised, int | float):
            callback.promise = float(promised)

    def callback_attempted(self, _at: float, call_id: str | None, _data: Mapping[str, Any]) -> None:
        callback = self.callbacks.get(call_id) if call_id is not None else None
        if callback is not None:
            callback.attempts += 1
            callback.dialing = True

    def callback_failed(self, _at: float, call_id: str | None, _data: Mapping[str, Any]) -> None:
        callback = self.callbacks.get(call_id) if call_id is not None else None
        if callback is not None:
            callback.dialing = False

    def promise_missed(self, _at: float, call_id: str | None, _data: Mapping[str, Any]) -> None:
        callback = self.callbacks.get(call_id) if call_id is not None else None
        if callback is not None:
            callback.missed = True

    def closed(self, at: float, call_id: str | None, data: Mapping[str, Any]) -> None:
        """The engine is done with the contact: out of line, and no callback owed any more."""
        self.left_line(at, call_id, data)
        callback = self.callbacks.pop(call_id, None) if call_id is not None else None
        if callback is not None:
            del self.line(callback.queue).callbacks[callback.call_id]

    callback_connected = closed
