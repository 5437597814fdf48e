"""A small script language for routing scenarios: inputs at times, and the decisions expected.

Each step is ``(time, command, expected decisions)``. Commands::

    login A [notready]      logout A        break A REASON      ready A      end A
    arrive C QUEUE [prio=N] [lang=xx] [pref=A] [for=S] [caller=X] [account=X]
    accept C A      decline C A      abandon C      tick
    callback C NUMBER [at=WALL_OFFSET]      result C ok|no-answer      cancel C
    expect WHO STATE        (agent or contact state, e.g. ``expect ann on-break``)
    schedule C QUEUE NUMBER at=WALL_OFFSET

Decisions are written ``offer C -> A[,B]``, ``cancel C -> A``, ``dial C by A``,
``voicemail C``, ``prompt C``, ``reject C``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from frontdesk.acd import (
    AgentSpec,
    CancelOffer,
    ContactSpec,
    Decision,
    DialCallback,
    EngineConfig,
    Offer,
    PromptCallback,
    QueueConfig,
    RejectContact,
    RoutingEngine,
    SendToVoicemail,
)
from frontdesk.acd.events import AcdEvent
from frontdesk.clock import ManualClock

Step = tuple[float, str, list[str]]


def describe(decision: Decision) -> str:
    if isinstance(decision, Offer):
        return f"offer {decision.contact_id} -> {','.join(decision.agent_ids)}"
    if isinstance(decision, CancelOffer):
        return f"cancel {decision.contact_id} -> {decision.agent_id}"
    if isinstance(decision, DialCallback):
        return f"dial {decision.contact_id} by {decision.agent_id}"
    if isinstance(decision, SendToVoicemail):
        return f"voicemail {decision.contact_id}"
    if isinstance(decision, PromptCallback):
        return f"prompt {decision.contact_id}"
    assert isinstance(decision, RejectContact)
    return f"reject {decision.contact_id}"


def agent(
    agent_id: str,
    queues: Sequence[str] = ("q",),
    skills: dict[str, int] | None = None,
    languages: Sequence[str] = ("en",),
) -> AgentSpec:
    return AgentSpec(agent_id, tuple(queues), skills or {}, tuple(languages))


@dataclass
class Harness:
    queues: Sequence[QueueConfig]
    agents: Sequence[AgentSpec]
    config: EngineConfig = field(default_factory=EngineConfig)
    seed: int = 0

    def __post_init__(self) -> None:
        self.clock = ManualClock()
        self.engine = RoutingEngine(self.clock, random.Random(self.seed), self.config)
        for queue in self.queues:
            self.engine.add_queue(queue)
        for spec in self.agents:
            self.engine.add_agent(spec)
        self.events: list[AcdEvent] = []

    def do(self, command: str) -> list[str]:
        words = command.split()
        verb, args = words[0], words[1:]
        options = dict(a.split("=", 1) for a in args if "=" in a)
        plain = [a for a in args if "=" not in a]
        engine = self.engine
        if verb == "login":
            out = engine.agent_login(plain[0], ready="notready" not in plain)
        elif verb == "logout":
            out = engine.agent_logout(plain[0])
        elif verb == "break":
            out = engine.agent_break(plain[0], " ".join(plain[1:]))
        elif verb == "ready":
            out = engine.agent_available(plain[0])
        elif verb == "end":
            out = engine.call_ended(plain[0])
        elif verb == "arrive":
            out = engine.contact_arrives(self.contact(plain[0], plain[1], options))
        elif verb == "accept":
            out = engine.offer_accepted(plain[0], plain[1])
        elif verb == "decline":
            out = engine.offer_declined(plain[0], plain[1])
        elif verb == "abandon":
            out = engine.contact_abandoned(plain[0])
        elif verb == "expect":
            self.expect_state(plain[0], plain[1])
            out = []
        elif verb == "tick":
            out = engine.tick()
        elif verb == "callback":
            at = self.clock.wall() + float(options["at"]) if "at" in options else None
            out = engine.request_callback(plain[0], plain[1], at)
        elif verb == "schedule":
            at = self.clock.wall() + float(options["at"])
            engine.schedule_callback(ContactSpec(plain[0], plain[1]), plain[2], at)
            out = []
        elif verb == "result":
            out = engine.callback_result(plain[0], plain[1] == "ok", plain[1])
        elif verb == "cancel":
            out = engine.cancel_callback(plain[0], "customer asked")
        else:
            raise ValueError(f"unknown script command {verb!r}")
        self.events.extend(engine.drain_events())
        return [describe(d) for d in out]

    def expect_state(self, who: str, state: str) -> None:
        if who in self.engine.agents:
            got = self.engine.agent_state(who).value
        else:
            got = self.engine.contact_state(who).value
        assert got == state, f"{who} is {got}, expected {state}"

    @staticmethod
    def contact(contact_id: str, queue: str, options: dict[str, str]) -> ContactSpec:
        return ContactSpec(
            contact_id,
            queue,
            priority=int(options.get("prio", "0")),
            language=options.get("lang", ""),
            account=options.get("account", ""),
            caller=options.get("caller", ""),
            preferred_agent=options.get("pref"),
            preferred_for=float(options["for"]) if "for" in options else None,
        )

    def run(self, steps: Sequence[Step]) -> None:
        for when, command, expected in steps:
            self.clock.set(when)
            got = self.do(command)
            assert got == expected, f"t={when} {command!r}: expected {expected}, got {got}"

    def kinds(self, kind: type[AcdEvent]) -> list[AcdEvent]:
        return [e for e in self.events if isinstance(e, kind)]
