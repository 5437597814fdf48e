"""A caller waiting in a queue: music, their position and expected wait, the callback key.

The first announcement comes at once ("You are number 3 in line. We expect to answer you in
about 4 minutes. To leave the line and keep your place, press star"), then music on hold, then
the announcement again every `announce_every_s`, with the queue's own messages in turn. The
estimate is the routing engine's (Erlang C on the queue's recent history, see docs/acd.md).
While an agent's phone rings for the caller there is no position to tell: music only.
Each announcement is logged (`call.queue_announced`: position, expected wait, words, voice).

Pressing the callback key asks the engine to keep the caller's place: the caller hears the time
we will call back — now plus the expected wait, rounded up to five minutes — and the call ends.
That time is said only once the callback task and the place the engine holds are stored, so a
promise the caller heard survives a crash of the server (see docs/followup.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from frontdesk.acd.errors import AcdError
from frontdesk.acd.estimate import WaitEstimate
from frontdesk.acd.states import ContactState
from frontdesk.config.company import Queue
from frontdesk.telephony import announcements as words

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre
    from frontdesk.telephony.conversation import InboundCall

log = logging.getLogger("frontdesk.calls")
NO_ESTIMATE_WAIT_S = 600.0  # promised when the engine has no history to estimate from


class QueueWait:
    def __init__(self, centre: ContactCentre, call: InboundCall, queue: Queue) -> None:
        self.centre = centre
        self.call = call
        self.queue = queue
        self.generation = 0
        self._message = 0
        self._leaving = False  # the callback key was accepted: the promise is being stored

    @property
    def _voice(self) -> str:
        return self.call.services.prompts.voice_for("", self.call.language)

    def start(self) -> None:
        self.call.on_key = self.key
        self._announce(self.generation)

    def stop(self) -> None:
        self.generation += 1
        self.call.on_key = None

    def _announce(self, generation: int) -> None:
        if generation != self.generation:
            return
        text = self._position_text()
        items: list[tuple[str, str]] = [(text, self._voice)] if text else []
        if self.queue.messages and generation > 0:
            message = self.queue.messages[self._message % len(self.queue.messages)]
            self._message += 1
            items.append((message, self._voice))
        self.call.speaker.say(items, then=lambda: self._music(generation))  # type: ignore[arg-type]

    def _music(self, generation: int) -> None:
        if generation != self.generation:
            return
        s = self.call.services
        music = s.music
        if self.queue.music:
            music = self.call._file(self.queue.music)
        self.call.speaker.music(music)
        if self.queue.announce_every_s > 0:
            self.generation += 1
            again = self.generation
            s.later(self.queue.announce_every_s, lambda now: self._announce(again), "ANNOUNCE")

    def _estimate(self) -> WaitEstimate | None:
        """The caller's position and wait; None while an agent rings for them, or gone."""
        engine, call_id = self.centre.engine, self.call.call_id
        try:
            if engine.contact_state(call_id) is not ContactState.WAITING:
                return None
            return engine.estimate(call_id)
        except AcdError:
            return None

    def _position_text(self) -> str:
        estimate = self._estimate()
        if estimate is None:
            return ""
        language = self.call.language
        text = words.position_and_wait(language, estimate.position, estimate.expected_wait)
        if self.queue.callback_key and self.call.caller:
            key = words.key_name(language, self.queue.callback_key)
            text += " " + words.say(language, "callback_key", key=key)
        s = self.call.services
        wait = estimate.expected_wait
        s.log.append(s.clock.wall(), "call.queue_announced", self.call.call_id,
                     queue=self.queue.name, position=estimate.position,
                     expected_wait=None if wait is None else round(wait, 1),
                     basis=estimate.basis, said=text, voice=self._voice)  # fmt: skip
        return text

    def offer_callback(self) -> None:
        """The engine suggests a callback (the caller waited long): say how to ask for one."""
        if not (self.queue.callback_key and self.call.caller):
            return
        self.generation += 1
        generation = self.generation
        key = words.key_name(self.call.language, self.queue.callback_key)
        text = words.say(self.call.language, "callback_asked", key=key)
        self.call.speaker.say([(text, self._voice)], then=lambda: self._music(generation))

    def key(self, digit: str) -> None:
        if digit != self.queue.callback_key or not self.call.caller or self._leaving:
            return
        call, s = self.call, self.call.services
        estimate = self._estimate()
        if estimate is None:
            return  # an agent is already ringing: too late to leave the line
        wait = estimate.expected_wait
        promised = s.clock.wall() + (wait if wait is not None else NO_ESTIMATE_WAIT_S)
        stored = self.centre.keep_place(call, promised)
        if stored is None:
            return
        self._leaving = True
        self.stop()
        call.outcome = "callback requested"
        call.speaker.music(s.music)  # a moment of music while the promise is written
        s.spawn(self._promise_when_stored(stored, promised), f"callback promise {call.call_id}")

    async def _promise_when_stored(self, stored: asyncio.Future[str | None],
                                   promised: float) -> None:  # fmt: skip
        call, s = self.call, self.call.services
        task = await stored
        if task is None:
            # Not written: the engine still keeps the place, but a crash would lose it.
            log.error("callback of %s not stored: promising it all the same", call.call_id)
        local = dt.datetime.fromtimestamp(promised, ZoneInfo(s.company.timezone))
        text = words.callback_promise(call.language, local)
        s.log.append(s.clock.wall(), "call.callback_promised", call.call_id, queue=self.queue.name,
                     promised_at=round(promised), said=text, voice=self._voice,
                     task=task)  # fmt: skip
        call.speaker.say(
            [(text, self._voice)], then=lambda: call.hang_up("callback_kept", "promised")
        )
