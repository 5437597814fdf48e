"""The consultation before an attended transfer, as a table: states, inputs, what to do.

An agent consults a colleague while the caller waits on hold with music. From the desk
(`Via.DESK`), Frontdesk rings the colleague and bridges them to the agent's existing leg;
from a phone (`Via.PHONE`), the agent's phone places a call to the colleague's extension
through Frontdesk and Frontdesk bridges that call to the colleague's leg. Either way the
consultation ends in one of three ways: completed (the caller is bridged to the colleague and
the agent leaves), cancelled or failed (the agent is back with the caller), or abandoned by
one side. Each transition names the effects call control carries out, in order; the table
is the whole behaviour, and a transition it does not list is refused (`None`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Via(enum.Enum):
    DESK = "desk"
    PHONE = "phone"


class ConsultState(enum.Enum):
    RINGING = "ringing"  # the colleague's phone rings
    TALKING = "talking"  # agent and colleague are bridged; the caller hears music
    COMPLETED = "completed"  # the caller was handed to the colleague
    ENDED = "ended"  # cancelled, failed, or one side hung up


class ConsultInput(enum.Enum):
    ANSWERED = "answered"  # the colleague answered
    FAILED = "failed"  # the colleague's phone refused, timed out or was unreachable
    COMPLETE = "complete"  # the agent completes the transfer (desk button, REFER/Replaces)
    CANCEL = "cancel"  # the agent goes back to the caller (desk button)
    COLLEAGUE_LEFT = "colleague-left"  # the colleague hung up
    AGENT_LEFT = "agent-left"  # the agent's consult call ended (phone: BYE or CANCEL)


class Effect(enum.Enum):
    ANSWER_AGENT = "answer-agent"  # phone: 200 OK to the agent's call to the colleague
    REFUSE_AGENT = "refuse-agent"  # phone: the colleague's failure, passed to the agent
    BYE_AGENT = "bye-agent"  # phone: end the agent's call to the colleague
    BRIDGE_AGENT = "bridge-agent"  # the agent's side <-> the colleague
    HANG_UP_COLLEAGUE = "hang-up-colleague"  # CANCEL or BYE the colleague's leg
    BACK_TO_CALLER = "back-to-caller"  # the agent's leg <-> the caller again, music off
    HAND_OVER = "hand-over"  # the caller <-> the colleague; the agent's leg ends
    RELEASE = "release"  # the consultation is over: forget it, the caller's consult hold ends


@dataclass(frozen=True, slots=True)
class Step:
    state: ConsultState
    effects: tuple[Effect, ...]


_R, _T = ConsultState.RINGING, ConsultState.TALKING
_C, _E = ConsultState.COMPLETED, ConsultState.ENDED
_I, _X = ConsultInput, Effect

CONSULT_TABLE: dict[tuple[Via, ConsultState, ConsultInput], Step] = {
    (Via.DESK, _R, _I.ANSWERED): Step(_T, (_X.BRIDGE_AGENT,)),
    (Via.DESK, _R, _I.FAILED): Step(_E, (_X.BACK_TO_CALLER, _X.RELEASE)),
    (Via.DESK, _R, _I.CANCEL): Step(_E, (_X.HANG_UP_COLLEAGUE, _X.BACK_TO_CALLER, _X.RELEASE)),
    (Via.DESK, _R, _I.AGENT_LEFT): Step(_E, (_X.HANG_UP_COLLEAGUE, _X.RELEASE)),
    (Via.DESK, _T, _I.COMPLETE): Step(_C, (_X.HAND_OVER, _X.RELEASE)),
    (Via.DESK, _T, _I.CANCEL): Step(_E, (_X.HANG_UP_COLLEAGUE, _X.BACK_TO_CALLER, _X.RELEASE)),
    (Via.DESK, _T, _I.COLLEAGUE_LEFT): Step(_E, (_X.BACK_TO_CALLER, _X.RELEASE)),
    (Via.DESK, _T, _I.AGENT_LEFT): Step(_E, (_X.HANG_UP_COLLEAGUE, _X.RELEASE)),
    (Via.PHONE, _R, _I.ANSWERED): Step(_T, (_X.ANSWER_AGENT, _X.BRIDGE_AGENT)),
    (Via.PHONE, _R, _I.FAILED): Step(_E, (_X.REFUSE_AGENT, _X.RELEASE)),
    (Via.PHONE, _R, _I.AGENT_LEFT): Step(_E, (_X.HANG_UP_COLLEAGUE, _X.RELEASE)),
    (Via.PHONE, _T, _I.COMPLETE): Step(_C, (_X.HAND_OVER, _X.BYE_AGENT, _X.RELEASE)),
    (Via.PHONE, _T, _I.COLLEAGUE_LEFT): Step(_E, (_X.BYE_AGENT, _X.RELEASE)),
    (Via.PHONE, _T, _I.AGENT_LEFT): Step(_E, (_X.HANG_UP_COLLEAGUE, _X.RELEASE)),
}


class ConsultMachine:
    """One consultation's state; `feed` returns the effects to carry out, or None when the
    input does not apply in this state (nothing changes then)."""

    def __init__(self, via: Via, started_at: float) -> None:
        self.via = via
        self.state = ConsultState.RINGING
        self.started_at = started_at
        self.answered_at: float | None = None
        self.ended_at: float | None = None

    def feed(self, event: ConsultInput, now: float) -> tuple[Effect, ...] | None:
        step = CONSULT_TABLE.get((self.via, self.state, event))
        if step is None:
            return None
        self.state = step.state
        if event is ConsultInput.ANSWERED:
            self.answered_at = now
        if step.state in (ConsultState.COMPLETED, ConsultState.ENDED):
            self.ended_at = now
        return step.effects

    @property
    def over(self) -> bool:
        return self.state in (ConsultState.COMPLETED, ConsultState.ENDED)
