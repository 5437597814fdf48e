"""A whole contact centre in memory: the real `ContactCentre`, routing engine, agent lines,
inbound calls, follow-up store and writer, with a fake dialer, media engine and prompts.

The fakes keep the contracts the real ones have: a leg's end or failure reaches its owner
later (after `settle`), never inside the call that asked for it; every `Play` ends with one
playback-done — at its end (`finish`), or cut short by the next play or a stop — exactly as
the media engine reports; a prompt is "made" at once, its file named after its words, so
tests can read what was said on which stream and when. Time is a `ManualClock`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from frontdesk.accounts.model import Principal
from frontdesk.api import errors
from frontdesk.api.context import ctx
from frontdesk.clock import ManualClock
from frontdesk.config import Company, load_demo_company
from frontdesk.flows import actions as a
from frontdesk.followup import FollowupStore
from frontdesk.followup.held import HeldPlace
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.registrar import Binding
from frontdesk.sip.uri import SipUri
from frontdesk.store.eventlog import open_engine
from frontdesk.telephony.call_media import CallMedia
from frontdesk.telephony.contact_centre import ContactCentre
from frontdesk.telephony.conversation import InboundCall
from frontdesk.telephony.followups import TaskFollowUps
from frontdesk.telephony.legs import Leg, LegState
from frontdesk.telephony.services import Services

PROMPTS = Path("/prompts")


class Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str | None, dict[str, Any]]] = []

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.events.append((kind, call_id, data))

    def of(self, kind: str) -> list[tuple[str | None, dict[str, Any]]]:
        return [(call, data) for k, call, data in self.events if k == kind]


class Prompts:
    def voice_for(self, voice: str, language: str) -> str:
        return voice or f"voice-{language}"

    def cached(self, text: str, voice: str) -> Path:
        return PROMPTS / text


class Media(CallMedia):
    """Every stream can play and record; what was asked is in `commands`."""

    def __init__(self, log: Log, clock: ManualClock) -> None:
        super().__init__(None, log, clock.wall, clock.now)
        self.commands: list[tuple[str, str, str]] = []  # (what, stream, detail)
        self.playing: dict[str, Path] = {}
        self.done: list[tuple[str, bool]] = []  # playback-done events not yet delivered

    def can_play(self, stream: str) -> bool:
        return True

    def play(self, stream: str, path: Path, loop: bool = False) -> bool:
        self._cut(stream)
        self.playing[stream] = path
        self.commands.append(("play", stream, path.name))
        return True

    def tone(self, stream: str, tone: str) -> bool:
        return self.play(stream, Path(f"tone:{tone}"))

    def stop_play(self, stream: str) -> None:
        self.commands.append(("stop", stream, ""))
        self._cut(stream)

    def _cut(self, stream: str) -> None:
        if self.playing.pop(stream, None) is not None:
            self.done.append((stream, True))

    def finish(self, stream: str) -> str:
        """The prompt playing on `stream` reaches its end; returns its words."""
        path = self.playing.pop(stream)
        self.done.append((stream, False))
        return path.name

    def record(self, stream: str, folder: str, when_media: bool = True) -> Path | None:
        self.commands.append(("record", stream, "at once" if not when_media else "at media"))
        return Path(f"/{folder}/{stream}.wav")

    def stop_recording(self, stream: str) -> None:
        self.commands.append(("record-stop", stream, ""))

    def pause_recording(self, stream: str) -> None:
        self.commands.append(("record-pause", stream, ""))

    def resume_recording(self, stream: str) -> None:
        self.commands.append(("record-resume", stream, ""))

    def bridge(self, a: str, b: str) -> bool:
        self.commands.append(("bridge", a, b))
        return True

    def unbridge(self, stream: str) -> None:
        self.commands.append(("unbridge", stream, ""))

    def said(self, stream: str) -> list[str]:
        return [detail for what, s, detail in self.commands if what == "play" and s == stream]


class Dialer:
    """Legs that ring until the test answers or fails them; ends reach owners on `settle`."""

    def __init__(self) -> None:
        self.legs: list[Leg] = []
        self.later: list[Callable[[], None]] = []

    def dial(self, target: SipUri, peer: Any, caller: NameAddr, group: str, listener: Any,
             now: float, purpose: str) -> Leg:  # fmt: skip
        leg = Leg(f"{purpose}-{len(self.legs) + 1}", str(target.user), purpose, listener)
        self.legs.append(leg)
        return leg

    def dial_number(self, number: str, caller: NameAddr, group: str, listener: Any, now: float,
                    purpose: str) -> Leg:  # fmt: skip
        leg = Leg(f"{purpose}-{len(self.legs) + 1}", number, purpose, listener)
        self.legs.append(leg)
        return leg

    def hang_up(self, leg: Leg, now: float) -> None:
        if leg.state is LegState.ENDED:
            return
        answered, leg.state = leg.state is LegState.ANSWERED, LegState.ENDED
        if answered:
            self.later.append(lambda: leg.listener.leg_ended(leg, "local_bye"))
        else:
            self.later.append(lambda: leg.listener.leg_failed(leg, 487, "Request Terminated"))

    def answer(self, leg: Leg) -> None:
        leg.state = LegState.ANSWERED
        leg.listener.leg_answered(leg)

    def fail(self, leg: Leg, status: int, reason: str) -> None:
        leg.state = LegState.ENDED
        leg.listener.leg_failed(leg, status, reason)

    def bye_from_far_end(self, leg: Leg) -> None:
        leg.state = LegState.ENDED
        leg.listener.leg_ended(leg, "remote_bye")

    def ringing(self, target: str) -> Leg:
        """The leg to `target` (extension or number) that rings now."""
        found = [g for g in self.legs if g.target == target and g.state is LegState.DIALING]
        assert len(found) == 1, f"expected one leg ringing {target}, found {found}"
        return found[0]


class Phones:
    """The registrar as the contact centre reads it: which extensions have a phone."""

    def __init__(self) -> None:
        self.registered: set[str] = set()

    def lookup(self, aor: str, now: float) -> list[Binding]:
        if aor not in self.registered:
            return []
        uri = SipUri("sip", "127.0.0.1", aor, port=5070)
        return [Binding(NameAddr(uri), now + 3600, "reg", 1, ("127.0.0.1", 5070))]  # type: ignore[arg-type]


class Rig:
    def __init__(self, tmp_path: Path, company: Company | None = None) -> None:
        self.clock = ManualClock(100.0)
        self.tmp_path = tmp_path
        self.log = Log()
        self.media = Media(self.log, self.clock)
        self.dialer = Dialer()
        self.phones = Phones()
        self.ended: list[tuple[str, str]] = []
        timers = type("Timers", (), {"schedule": lambda *args: None})()
        ua = type("UA", (), {"timers": timers})()
        self.services = Services(
            company or load_demo_company(),
            None,
            ua,
            self.media,  # type: ignore[arg-type]
            Prompts(),
            self.clock,
            self.log,
        )  # type: ignore[arg-type]
        self.store = FollowupStore(open_engine(tmp_path), self.clock)
        self.centre = ContactCentre(self.services, self.dialer, self.phones,  # type: ignore[arg-type]
                                    self._hang_up)  # fmt: skip
        self.followups = TaskFollowUps(self.store, self.services)
        self.followups.on_reached = self.centre.callers_reached
        self.services.followups = self.followups
        self.services.music = PROMPTS / "music-on-hold.wav"
        self.calls: dict[str, InboundCall] = {}

    def _hang_up(self, call_id: str, reason: str, detail: str, now: float) -> None:
        self.ended.append((call_id, reason))
        self.dialer.later.append(lambda: self.centre.call_ended(call_id, "local_bye"))

    def close(self) -> None:
        self.followups.close()

    def api_client(self, router: APIRouter, gate: Callable[..., Any],
                   who: Principal) -> httpx.AsyncClient:  # fmt: skip
        """`router`'s routes over this centre, with `who` let through `gate` (agent,
        supervisor): the API's real handlers and errors, the rest of the app left out."""
        rig = self

        class Context:
            centre, followups = rig.centre, rig.store
            data_dir, event_log, clock = rig.tmp_path, rig.log, rig.clock

            def company(self) -> Company:
                return rig.services.company

        app = FastAPI()
        errors.install(app)
        app.include_router(router)
        app.dependency_overrides[gate] = lambda: who
        app.dependency_overrides[ctx] = Context
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")

    # -- people -------------------------------------------------------------------------------
    def log_in(self, *agents: str) -> None:
        company = self.services.company
        for agent_id in agents:
            agent = company.agent(agent_id)
            assert agent is not None
            self.phones.registered.add(agent.extension)
        self.centre.tick(self.clock.now())

    def phone_of(self, agent_id: str) -> str:
        agent = self.services.company.agent(agent_id)
        assert agent is not None
        return agent.extension

    def queue_caller(self, call_id: str, caller: str, queue: str = "parcels",
                     language: str = "en") -> InboundCall:  # fmt: skip
        """An answered inbound call whose flow reached `queue`, speaking `language`."""
        company = self.services.company
        call = InboundCall(self.services, self.centre, call_id, caller, company.numbers[0])
        self.centre.live[call_id] = call
        self.services.media.listeners[call_id] = call
        self.calls[call_id] = call
        self.centre.enqueue(call, a.Enqueue(queue, (), 0, None, language))
        return call

    def hold_callback(self, contact_id: str, number: str, queue: str = "parcels",
                      waited_s: float = 60.0) -> int:  # fmt: skip
        """A kept place stored with its task and held by the engine, as after a restart."""
        wall = self.clock.wall()
        place = HeldPlace(contact_id, queue, number, wall - waited_s, language="en")
        task = self.store.add_callback(number, queue, queue, due_at=wall + 600,
                                       call_id=contact_id, place=place)  # fmt: skip
        held = [h for h in self.store.held_callbacks() if h.task_id == task.id]
        assert self.centre.restore_callback(held[0])
        return task.id

    # -- time passing -------------------------------------------------------------------------
    async def settle(self) -> None:
        """Delivers what the fakes owe (leg ends, playback ends) and lets queued follow-up
        writes land and their follow-ups run, until nothing is left."""
        for _ in range(50):
            moved = False
            while self.dialer.later or self.media.done:
                moved = True
                if self.dialer.later:
                    self.dialer.later.pop(0)()
                else:
                    stream, stopped = self.media.done.pop(0)
                    listener = self.media.listeners.get(stream)
                    if listener is not None:
                        listener.on_playback_done(stream, stopped)
            await self.followups.writer.run(lambda: None)  # every write asked for so far
            for _ in range(3):
                await asyncio.sleep(0)  # their follow-ups, back on the loop
            if not moved and not self.dialer.later and not self.media.done:
                return

    async def finish_prompts(self, stream: str) -> list[str]:
        """Lets every prompt on `stream` play to its end (music is left looping)."""
        said = []
        for _ in range(20):
            await self.settle()
            playing = self.media.playing.get(stream)
            if playing is None or "music" in playing.name or playing.name.startswith("tone:"):
                return said
            said.append(self.media.finish(stream))
        raise AssertionError(f"prompts never ended on {stream}: {said}")
