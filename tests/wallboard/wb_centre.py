"""A routing engine on a manual clock whose events are stored the way the server stores them.

`ContactCentre._log_events` (src/frontdesk/telephony/contact_centre.py) writes each engine event
as `(round(event.at + wall - now, 3), *event.to_record())`; `Centre.flush()` does exactly that,
so the wallboard is fed the real shapes. The engine clock starts far from the wall clock, as a
monotonic clock does. Telephony events are written with the keys telephony uses
(switchboard.py `call.received`/`call.ended`, queue_wait.py `call.callback_promised`).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from frontdesk.acd import AgentSpec, ContactSpec, Decision, QueueConfig, RoutingEngine
from frontdesk.clock import ManualClock
from frontdesk.wallboard import Wallboard, WallboardSettings

Event = tuple[float, str, str | None, Mapping[str, Any]]
ENGINE_START = 5_000.0  # engine (monotonic) seconds at the first event


class Centre:
    def __init__(
        self,
        wall_start: float,
        queues: Iterable[QueueConfig],
        agents: Iterable[AgentSpec],
        board: Wallboard | None = None,
        settings: WallboardSettings | None = None,
        timezone: str = "UTC",
        teams: Mapping[str, str] | None = None,
    ) -> None:
        self.clock = ManualClock(ENGINE_START, wall_start - ENGINE_START)
        self.engine = RoutingEngine(self.clock, random.Random(7))
        self.log: list[Event] = []
        self.queues = list(queues)
        self.agents = list(agents)
        for queue in self.queues:
            self.engine.add_queue(queue)
        for spec in self.agents:
            self.engine.add_agent(spec)
        self.board = board or Wallboard(
            settings or WallboardSettings(),
            timezone,
            teams or {q.name: q.name for q in self.queues},
            {a.id: (a.name or a.id, ()) for a in self.agents},
            targets={q.name: q.target_answer_time for q in self.queues},
        )
        self._fed = 0
        self.flush()

    def now(self) -> float:
        """Wall-clock now."""
        return self.clock.wall()

    def to(self, wall: float) -> None:
        self.clock.set(wall - self.clock.wall() + self.clock.now())

    def after(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.tick()

    def flush(self) -> list[Decision]:
        offset = self.clock.wall() - self.clock.now()
        for event in self.engine.drain_events():
            kind, call_id, data = event.to_record()
            self.log.append((round(event.at + offset, 3), kind, call_id, data))
        self.feed_board()
        return []

    def feed_board(self) -> None:
        for at, kind, call_id, data in self.log[self._fed :]:
            self.board.feed(at, kind, call_id, data)
        self._fed = len(self.log)

    def do(self, decisions: Sequence[Decision]) -> list[Decision]:
        self.flush()
        return list(decisions)

    def tick(self) -> list[Decision]:
        return self.do(self.engine.tick())

    def phone(self, kind: str, call_id: str | None, **data: Any) -> None:
        """A telephony event at the wall clock's now."""
        self.log.append((self.clock.wall(), kind, call_id, data))
        self.feed_board()

    def arrive(self, call_id: str, queue: str, caller: str = "", **attributes: Any) -> None:
        """A caller reaches the queue: telephony's events, then the engine's."""
        self.phone("call.received", call_id, caller=f"sip:{caller}@trunk", number="+3310000")
        if attributes:
            self.phone("call.attributes", call_id, **attributes)
        self.do(self.engine.contact_arrives(ContactSpec(call_id, queue, caller=caller)))

    def hang_up(self, call_id: str, reason: str = "bye") -> None:
        self.phone("call.ended", call_id, reason=reason, duration_s=1.0)

    def abandon(self, call_id: str) -> None:
        self.do(self.engine.contact_abandoned(call_id))
        self.hang_up(call_id, "caller")

    def answer(self, call_id: str, agent_id: str) -> None:
        self.do(self.engine.offer_accepted(call_id, agent_id))

    def end(self, call_id: str, agent_id: str) -> None:
        """The caller and the agent hang up."""
        self.hang_up(call_id)
        self.do(self.engine.call_ended(agent_id))

    def login(self, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            self.do(self.engine.agent_login(agent_id))

    def snapshot(self) -> dict[str, Any]:
        return self.board.snapshot(self.now())
