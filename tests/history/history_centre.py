"""Calls for the history tests: the real routing engine, telephony's event shapes, a real log.

The engine's events are stored as `ContactCentre._log_events` stores them (engine time moved
to the wall clock); telephony's with the keys their writers use: switchboard.py
(`call.received`, `call.ended`), conversation.py (`call.flow_started`, `call.attributes`),
agent_line.py (`call.connected`), call_media.py (`call.recording`), voicemail.py
(`call.voicemail`), desk/wrapups.py (`call.wrapped`).
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

from frontdesk.acd import AgentSpec, ContactSpec, QueueConfig, RoutingEngine
from frontdesk.clock import ManualClock
from frontdesk.config import Company
from frontdesk.config.company import Queue, Team
from frontdesk.store.eventlog import EventLog, open_engine

WALL0 = 1_700_000_000.0


def company(queues: dict[str, str]) -> Company:
    """A company with just the queues (name -> team) the index reads."""
    from frontdesk.config.loader import load_demo_setup

    demo = load_demo_setup().company
    teams = tuple(Team(name=t) for t in sorted(set(queues.values())))
    return dataclasses.replace(
        demo, teams=teams, queues=tuple(Queue(name=q, team=t) for q, t in queues.items())
    )


class HistoryCentre:
    def __init__(self, data_dir: Path, queues: dict[str, str], agents: dict[str, str]) -> None:
        """`queues`: queue -> team; `agents`: agent id -> its queue."""
        self.engine_db = open_engine(data_dir)
        self.log = EventLog(self.engine_db)
        self.clock = ManualClock(5_000.0, WALL0 - 5_000.0)
        self.routing = RoutingEngine(self.clock, random.Random(3))
        self.company = company(queues)
        for queue in queues:
            self.routing.add_queue(QueueConfig(queue, ring_timeout=None))
        for agent, queue in agents.items():
            self.routing.add_agent(AgentSpec(agent, (queue,)))
            self.routing.agent_login(agent)
        self._engine_events()

    def wall(self) -> float:
        return self.clock.wall()

    def at(self, wall: float) -> None:
        self.clock.set(wall - self.clock.wall() + self.clock.now())

    def after(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.routing.tick()
        self._engine_events()

    def _engine_events(self) -> None:
        offset = self.clock.wall() - self.clock.now()
        for event in self.routing.drain_events():
            kind, call_id, data = event.to_record()
            self.log.append(round(event.at + offset, 3), kind, call_id, **data)

    def phone(self, kind: str, call_id: str, **data: Any) -> None:
        self.log.append(self.clock.wall(), kind, call_id, **data)

    # -- a call's steps ------------------------------------------------------------------------
    def arrive(
        self,
        call_id: str,
        queue: str,
        caller: str,
        name: str | None = None,
        vip: bool = False,
        open_case: bool = False,
        agent: str | None = None,
    ) -> None:
        """A caller reaches `queue`; `agent` is the one the engine should offer the call to."""
        self.phone("call.received", call_id, caller=f"sip:{caller}@198.51.100.7:5060",
                   dialed="sip:100@frontdesk.test", number="+442079460100",
                   source="198.51.100.7:5060")  # fmt: skip
        self.phone("call.flow_started", call_id, flow="main", caller=caller, known=bool(name),
                   language="en")  # fmt: skip
        self.phone("call.attributes", call_id, name=name, vip=vip, tier="gold" if vip else None,
                   open_case=open_case, known=bool(name), language="en", country="GB")  # fmt: skip
        self.routing.contact_arrives(
            ContactSpec(call_id, queue, caller=caller, preferred_agent=agent)
        )
        self._engine_events()

    def answer(self, call_id: str, agent: str, queue: str) -> None:
        self.routing.offer_accepted(call_id, agent)
        self._engine_events()
        self.phone("call.connected", call_id, agent=agent, queue=queue, leg=f"leg-{call_id}")

    def hang_up(self, call_id: str, agent: str | None = None) -> None:
        self.phone("call.ended", call_id, reason="remote_bye", duration_s=1.0)
        if agent is not None:
            self.routing.call_ended(agent)
            self._engine_events()

    def abandon(self, call_id: str) -> None:
        self.routing.contact_abandoned(call_id)
        self._engine_events()
        self.phone("call.missed", call_id, caller="", queue=None, why="abandoned in queue")
        self.hang_up(call_id)

    def recorded(self, call_id: str, path: Path, seconds: float, channels: int = 2) -> None:
        self.phone("call.recording", call_id, path=str(path), channels=channels,
                   duration_s=round(seconds, 3), paused=[])  # fmt: skip

    def wrap(self, call_id: str, agent: str, disposition: str, notes: str = "") -> None:
        self.phone("call.wrapped", call_id, agent=agent, disposition=disposition, queue=None,
                   next_action_at=None, notes_chars=len(notes))  # fmt: skip

    def talk(self, call_id: str, queue: str, agent: str, caller: str, talk_s: float,
             wait_s: float = 5.0, **extra: Any) -> None:  # fmt: skip
        """A whole answered call: arrive, wait, answer, talk, both hang up."""
        self.arrive(call_id, queue, caller, agent=agent, **extra)
        self.after(wait_s)
        self.answer(call_id, agent, queue)
        self.after(talk_s)
        self.hang_up(call_id, agent)
        self.after(1.0)
