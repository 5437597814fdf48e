"""The simulation beside a running server: agents on their phones, callers arriving.

`DemoSimulation.start()` registers the simulated agents, listens to the server's event log (the
routing engine's events about each caller's contact go to that caller) and starts the Poisson
arrivals; `stop()` hangs every simulated call up with BYE and un-registers the agents, before
the server itself stops. Everything runs in the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import zlib
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from frontdesk.config import Agent
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.demo.agents import AgentState, SimAgent
from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.callers import CallerPlan, choose_route
from frontdesk.demo.carrier import Carrier
from frontdesk.demo.media_io import VoiceTicker
from frontdesk.demo.routes import RoutePlanner
from frontdesk.demo.settings import DemoSettings
from frontdesk.demo.speech import (
    AGENT_VOICES,
    CALLER_LEAD_S,
    CALLER_VOICES,
    ScriptBook,
    agent_lines,
    caller_lines,
)
from frontdesk.demo.voice import Script
from frontdesk.flows.walk import WalkCrm
from frontdesk.flows.walk_data import StoreCrm
from frontdesk.sip.transaction import Peer

if TYPE_CHECKING:
    from frontdesk.server import Server

log = logging.getLogger("frontdesk.demo")
REGISTER_WAIT_S = 5.0
LOGOUT_WAIT_S = 2.0
END_SHIFT_WAIT_S = 3.0
REPORT_EVERY_S = 30.0
AGENT_START_GAP_S = 0.2  # agents log in one after another, as people arrive
COUNTED = ("acd.answered", "acd.abandoned", "acd.callback_requested", "acd.callback_connected",
           "call.survey", "acd.agent_state")  # fmt: skip


class DemoSimulation:
    def __init__(self, server: Server, settings: DemoSettings, playing: tuple[Agent, ...],
                 carrier: Carrier, behaviour: Behaviour, ticker: VoiceTicker,
                 book: ScriptBook) -> None:  # fmt: skip
        self.server, self.settings, self.playing = server, settings, playing
        self.carrier, self.behaviour, self.ticker, self.book = carrier, behaviour, ticker, book
        self.agents: list[SimAgent] = []
        self.events: Counter[str] = Counter()
        self.logged_in: set[str] = set()  # agents the log saw logging in
        self._scripts: dict[tuple[str, str], Script] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = False
        self._loop: asyncio.AbstractEventLoop | None = None
        company = server.switchboard.company
        number = company.numbers[0]
        flow = server.options.setup.flows.flows[number.flow]
        self.dialled = number.number
        self._zone = ZoneInfo(flow.timezone)
        self.planner = RoutePlanner(flow, self._crm, server.clock)

    def _crm(self) -> WalkCrm:
        return StoreCrm(self.server.crm, self._zone)

    # -- start ----------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        host, port = self.server.bound[0]
        peer = Peer("udp", host, port)
        self.carrier.connect(peer, self.dialled)
        self._listening = True
        self.server.event_log.listen(self._on_log)
        scripts = await asyncio.gather(
            *(
                self._script(
                    agent_lines(agent.name.split()[0]), AGENT_VOICES[i % len(AGENT_VOICES)]
                )
                for i, agent in enumerate(self.playing)
            )
        )
        for agent, script in zip(self.playing, scripts, strict=True):
            sim = SimAgent(agent, peer, self.behaviour, self.ticker, script, self._presence,
                           self.ticker.now)  # fmt: skip
            self.agents.append(sim)
            await sim.start(host)
            await asyncio.sleep(AGENT_START_GAP_S)
        await self._registered()
        self._tasks.append(asyncio.create_task(self._arrive_forever(), name="demo arrivals"))
        self._tasks.append(asyncio.create_task(self._report_forever(), name="demo report"))

    async def _registered(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REGISTER_WAIT_S
        while loop.time() < deadline:
            if all(a.state is not AgentState.OFFLINE for a in self.agents):
                return
            await asyncio.sleep(0.05)
        late = [a.agent.id for a in self.agents if a.state is AgentState.OFFLINE]
        log.warning("demo agents not registered after %.0f s: %s", REGISTER_WAIT_S, late)

    def _presence(self, agent_id: str, ready: bool, reason: str) -> None:
        self.server.centre.set_presence(agent_id, ready, reason)
        self.server.services.kick()

    # -- the event log --------------------------------------------------------------------------
    def _on_log(self, at: float, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        """Called in whichever thread appends, before the event is stored: hand over to the
        loop, never act in the middle of the server's own work."""
        if not self._listening or self._loop is None or not kind.startswith(("acd.", "call.")):
            return
        self._loop.call_soon_threadsafe(self._event, kind, call_id, dict(data))

    def _event(self, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        if kind in COUNTED:
            self.events[kind] += 1
        if kind == "acd.agent_state" and data.get("new") != "logged-out":
            self.logged_in.add(str(data.get("agent_id")))
        if self._listening:
            self.carrier.on_acd(kind, call_id, data)

    # -- callers --------------------------------------------------------------------------------
    async def _arrive_forever(self) -> None:
        loop = asyncio.get_running_loop()
        for at in self.behaviour.arrivals(loop.time()):
            await asyncio.sleep(max(0.0, at - loop.time()))
            try:
                await self.place_caller()
            except Exception:
                log.exception("a demo caller could not be placed")

    async def place_caller(self) -> None:
        taken = {call.plan.number for call in self.carrier.calls.values()}
        number = self.behaviour.caller_number(tuple(DEMO_CALLERS.values()), taken)
        record = self._crm().record(number)
        route = choose_route(self.behaviour, self.planner.routes(number, known=record is not None))
        if route is None:
            log.warning("the demo flow offers caller %s no way through: not calling", number)
            return
        lines, language = caller_lines(record)
        voices = CALLER_VOICES[language]
        voice = voices[zlib.crc32(number.encode()) % len(voices)]
        script = await self._script(lines, voice, CALLER_LEAD_S)
        name = str(record.get("name") or "") if record else ""
        await self.carrier.place(CallerPlan(number, name, route, record), script)
        log.debug("caller %s dials: keys %r to %s %s", number, route.digits, route.outcome,
                  route.target)  # fmt: skip

    async def _script(self, lines: tuple[str, ...], voice: str, lead_s: float = 0.0) -> Script:
        """Scripts are made once per wording and voice, in a worker thread (espeak-ng)."""
        key = ("\n".join(lines), voice)
        found = self._scripts.get(key)
        if found is None:
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(None, self.book.script, lines, voice, lead_s)
            self._scripts[key] = found
        return found

    # -- reporting ------------------------------------------------------------------------------
    async def _report_forever(self) -> None:
        while True:
            await asyncio.sleep(REPORT_EVERY_S)
            print(f"frontdesk demo: {self.summary()}", file=sys.stderr, flush=True)

    def summary(self) -> str:
        e, t = self.events, self.carrier.tally
        on_break = sum(1 for a in self.agents if a.state is AgentState.ON_BREAK and not a.leaving)
        return (
            f"{_count(t['placed'], 'caller')} so far; {e['acd.answered']} answered by agents, "
            f"{e['acd.abandoned']} gave up waiting, {e['acd.callback_requested']} asked for a "
            f"callback ({e['acd.callback_connected']} called back), "
            f"{e['call.survey']} rated their call; {len(self.carrier.calls)} on the line now, "
            f"{_count(on_break, 'agent')} on a break"
        )

    # -- the end --------------------------------------------------------------------------------
    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        leaving = [agent for agent in self.agents if not agent.end_shift()]
        await self.carrier.stop()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + END_SHIFT_WAIT_S
        while leaving and loop.time() < deadline:
            await asyncio.sleep(0.05)
            leaving = [agent for agent in leaving if not agent.end_shift()]
        if leaving:
            log.warning("demo agents still on a call at the end: %s", [a.agent.id for a in leaving])
        await asyncio.gather(*(agent.stop() for agent in self.agents))
        await self.ticker.stop()
        await self._logged_out()
        self._listening = False

    async def _logged_out(self) -> None:
        """The server logs an agent out on its next tick after the un-REGISTER: wait for that,
        so the wallboard and the reports see the shift end before the server stops."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOGOUT_WAIT_S
        ours = {agent.agent.id for agent in self.agents}
        while ours & self.server.centre.logged_in and loop.time() < deadline:
            await asyncio.sleep(0.05)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
