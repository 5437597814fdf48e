"""A simulated caller's call: its states, what it plans to do, and what it does next.

A caller is placed with a `CallerPlan` (number, name, the route of keys through the flow).
Their call then moves through `CALL_TABLE` on inputs the carrier feeds it: the answer of the
INVITE, and the routing engine's events about their contact from the event log — queued,
answered by an agent, the agent gone, their place kept for a callback. The event log stands in
for the caller's ears: a person knows when a human picks up; the simulation reads it there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any

from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.routes import Outcome, Route
from frontdesk.demo.voice import Voice
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.sdp import SessionDescription
from frontdesk.sip.transaction import Transaction

# How often callers go each way, among the ways their flow offers (renormalised over those).
ROUTE_WEIGHTS: Mapping[Outcome, float] = {
    Outcome.QUEUE: 0.85,
    Outcome.SELF_SERVICE: 0.6,  # only offered to callers with a delivery today: most use it
    Outcome.CALLBACK: 0.06,
    Outcome.VOICEMAIL: 0.02,
    Outcome.OTHER: 0.0,
}


class CallPhase(Enum):
    DIALLING = auto()
    IN_FLOW = auto()  # menus, prompts, self-service
    QUEUED = auto()
    WITH_AGENT = auto()
    AFTER_AGENT = auto()  # back in the flow after the agent hung up (the survey)
    LEAVING = auto()  # place kept for a callback: Frontdesk says when, then hangs up
    ENDED = auto()


class CallInput(Enum):
    CONNECTED = auto()  # 200 OK to the INVITE
    QUEUED = auto()  # acd.queued
    ANSWERED = auto()  # acd.answered
    AGENT_LEFT = auto()  # acd.call_ended
    PLACE_KEPT = auto()  # acd.callback_requested
    ENDED = auto()  # BYE either way, a failed INVITE, a timeout


_LIVE = (CallPhase.IN_FLOW, CallPhase.QUEUED, CallPhase.WITH_AGENT, CallPhase.AFTER_AGENT,
         CallPhase.LEAVING)  # fmt: skip
CALL_TABLE: dict[tuple[CallPhase, CallInput], CallPhase] = {
    (CallPhase.DIALLING, CallInput.CONNECTED): CallPhase.IN_FLOW,
    (CallPhase.IN_FLOW, CallInput.QUEUED): CallPhase.QUEUED,
    (CallPhase.QUEUED, CallInput.QUEUED): CallPhase.QUEUED,  # moved to another queue
    (CallPhase.AFTER_AGENT, CallInput.QUEUED): CallPhase.QUEUED,
    (CallPhase.QUEUED, CallInput.ANSWERED): CallPhase.WITH_AGENT,
    (CallPhase.WITH_AGENT, CallInput.AGENT_LEFT): CallPhase.AFTER_AGENT,
    (CallPhase.QUEUED, CallInput.PLACE_KEPT): CallPhase.LEAVING,
    (CallPhase.DIALLING, CallInput.ENDED): CallPhase.ENDED,
    **{(phase, CallInput.ENDED): CallPhase.ENDED for phase in _LIVE},
}
EVENT_INPUTS: Mapping[str, CallInput] = {
    "acd.queued": CallInput.QUEUED,
    "acd.answered": CallInput.ANSWERED,
    "acd.call_ended": CallInput.AGENT_LEFT,
    "acd.callback_requested": CallInput.PLACE_KEPT,
}


@dataclass(frozen=True, slots=True)
class CallerPlan:
    number: str
    name: str  # "" for a caller the CRM does not know
    route: Route
    record: Mapping[str, Any] | None  # what the CRM knows of them (for their words)


def choose_route(behaviour: Behaviour, routes: Sequence[Route]) -> Route | None:
    """A route by `ROUTE_WEIGHTS` of its outcome, then uniformly among those of that outcome."""
    kinds = sorted({r.outcome for r in routes if ROUTE_WEIGHTS.get(r.outcome, 0.0) > 0})
    if not kinds:
        return None
    kind = Outcome(behaviour.pick([(k.value, ROUTE_WEIGHTS[k]) for k in kinds]))
    return behaviour.rng.choice([r for r in routes if r.outcome is kind])


class SimCall:
    """One simulated caller's call, as the carrier sees it."""

    def __init__(self, plan: CallerPlan, voice: Voice, address: tuple[str, int],
                 offer: SessionDescription, invite: Transaction) -> None:  # fmt: skip
        self.plan, self.voice, self.address = plan, voice, address
        self.offer, self.invite = offer, invite
        self.call_id = invite.request.call_id
        self.phase = CallPhase.DIALLING
        self.generation = 0  # counts phase changes: a timer set in one phase ignores the next
        self.dialog: Dialog | None = None
        self.timers: set[asyncio.TimerHandle] = set()
        self.abandoned = False  # hung up while queued
        self.pressed_callback = False

    def feed(self, what: CallInput) -> bool:
        nxt = CALL_TABLE.get((self.phase, what))
        if nxt is None:
            return False
        self.phase = nxt
        self.generation += 1
        return True

    def cancel_timers(self) -> None:
        for handle in self.timers:
            handle.cancel()
        self.timers.clear()
