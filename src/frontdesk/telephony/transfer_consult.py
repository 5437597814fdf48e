"""Calls between colleagues, and the consultation that makes an attended transfer.

An agent's phone may call a colleague's extension through Frontdesk (it authenticates like
any call from a phone). Frontdesk rings the colleague's registered phone and, when they
answer, answers the agent's call and bridges the two. If the agent is talking with a caller
at that moment, the call is a *consultation*: the caller is held (music), the colleague's leg
is opened in the caller's media group so that it can later be bridged to the caller, and a
REFER with Replaces naming this call (transfer.py) completes the transfer. From the desk the
same consultation runs without a second call on the agent's phone: Frontdesk rings the
colleague and bridges them to the agent's existing leg; Complete and Cancel are buttons.

The behaviour is the table of `transfer_state.py`; this module carries out its effects.
While consulted, a colleague who was available is put on a "consult" break so the routing
engine offers them nobody, and made ready again afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from frontdesk.acd.states import AgentState
from frontdesk.config import Agent
from frontdesk.sip import sdp
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.events import DialogRequest
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.message import Request
from frontdesk.sip.refer import Replaces
from frontdesk.sip.transaction import Transaction
from frontdesk.sip.uri import SipUri
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.legs import Leg, LegState
from frontdesk.telephony.transfer import complete_by_refer, hand_to_colleague
from frontdesk.telephony.transfer_state import (
    ConsultInput,
    ConsultMachine,
    ConsultState,
    Effect,
    Via,
)
from frontdesk.telephony.transfer_target import TransferRefused, colleague

if TYPE_CHECKING:
    from frontdesk.telephony.agent_line import AgentLine
    from frontdesk.telephony.contact_centre import ContactCentre

log = logging.getLogger("frontdesk.calls")
RING_S = 30.0  # the colleague's phone rings this long before the consultation fails
BREAK = "consult"


class Consults:
    """Calls between colleagues: by the agent's own call to the colleague (until that call
    ends: the switchboard routes its requests here) and, while in progress, by agent."""

    def __init__(self) -> None:
        self.by_call: dict[str, Consult] = {}
        self.by_agent: dict[str, Consult] = {}

    def add(self, consult: Consult) -> None:
        if consult.call_id is not None:
            self.by_call[consult.call_id] = consult
        self.by_agent[consult.agent.id] = consult

    def release(self, consult: Consult) -> None:
        if self.by_agent.get(consult.agent.id) is consult:
            del self.by_agent[consult.agent.id]

    def forget_call(self, consult: Consult) -> None:
        if consult.call_id is not None and self.by_call.get(consult.call_id) is consult:
            del self.by_call[consult.call_id]

    def matching(self, replaces: Replaces) -> Consult | None:
        """The consultation whose agent-side dialog `replaces` names."""
        consult = self.by_call.get(replaces.call_id)
        dialog = consult.dialog if consult is not None else None
        if consult is None or dialog is None:
            return None
        return consult if replaces.matches(*dialog.id) else None

    def busy(self, agent_id: str) -> bool:
        return any(agent_id in (c.agent.id, c.colleague.id) for c in self.by_agent.values())


class Consult:
    def __init__(self, centre: ContactCentre, agent: Agent, mate: Agent, line: AgentLine | None,
                 via: Via, now: float) -> None:  # fmt: skip
        self.centre, self.agent, self.colleague, self.line = centre, agent, mate, line
        self.machine = ConsultMachine(via, now)
        self.leg: Leg | None = None  # the colleague's
        self.restore_ready = False
        # The agent's own call to the colleague (Via.PHONE): its INVITE, dialog and media.
        self.txn: Transaction | None = None
        self.call_id: str | None = None
        self.dialog: Dialog | None = None
        self.answer: tuple[bytes, sdp.NegotiatedMedia | None] | None = None
        self.port = 0
        self.fail_status = 480
        self._bridged: Callable[[], None] | None = None

    @property
    def group(self) -> str:
        """The media group of the colleague's leg: the caller's, so the two can be bridged."""
        if self.line is not None:
            return self.line.contact
        assert self.call_id is not None
        return self.call_id

    def can_complete(self) -> bool:
        """Answered, and the caller still with the agent (what the hand-over needs)."""
        line = self.line
        return (self.machine.state is ConsultState.TALKING and line is not None
                and line.talking and line.leg is not None
                and line.contact in self.centre.calls)  # fmt: skip

    # -- starting ------------------------------------------------------------------------------
    def ring(self, now: float) -> None:
        """Rings the colleague (raises TelephonyError when they cannot be rung)."""
        centre, s = self.centre, self.centre.services
        mate = self.colleague
        state = centre.engine.agents.get(mate.id)
        if centre.consults.busy(mate.id) or (
            state is not None and state.state in (AgentState.RESERVED, AgentState.ON_CALL)
        ):
            raise TransferRefused(f"{mate.name} is on a call", 486)
        bindings = centre.registrar.lookup(mate.extension, now)
        if not bindings:
            raise TransferRefused(f"{mate.name}'s phone is not registered", 480)
        shown = NameAddr(SipUri("sip", s.company.domain, user=self.agent.extension),
                         f'"{self.agent.name}"')  # fmt: skip
        self.leg = centre.dialer.dial(bindings[0].uri, bindings[0].peer, shown, self.group, self,
                                      now, "consult")  # fmt: skip
        centre.consults.add(self)
        if state is not None and state.state is AgentState.AVAILABLE:
            try:
                centre.set_presence(mate.id, False, BREAK)
                self.restore_ready = True
            except TelephonyError as exc:
                log.info("could not keep %s free for the consultation: %s", mate.id, exc)
        if self.line is not None:
            self.line.consult = self
            self.line.hold_caller(BREAK)
        leg = self.leg
        s.later(RING_S, lambda t: self._ring_timeout(leg), "CONSULT")
        s.log.append(s.clock.wall(), "call.consult_started", self._contact, agent=self.agent.id,
                     colleague=mate.id, via=self.machine.via.value, leg=leg.id)  # fmt: skip

    def _ring_timeout(self, leg: Leg) -> None:
        if leg.state in (LegState.DIALING, LegState.RINGING):
            self.centre.dialer.hang_up(leg, self.centre.services.clock.now())

    # -- inputs ------------------------------------------------------------------------------------
    def complete(self, now: float, bridged: Callable[[], None] | None = None) -> None:
        """The caller goes to the colleague; `bridged` runs once they are bridged, before the
        agent's calls end (the REFER's final NOTIFY)."""
        if not self.can_complete():
            raise TelephonyError(f"{self.colleague.name} has not answered yet")
        self._bridged = bridged
        self._feed(ConsultInput.COMPLETE)

    def cancel(self) -> None:
        if self._feed(ConsultInput.CANCEL) is None:
            raise TelephonyError("the consultation is already over")

    def line_ended(self) -> None:
        """The agent's leg with the caller ended. From the desk that leg was the agent's side
        of the consultation; from a phone the call between colleagues simply goes on."""
        if self.machine.via is Via.DESK:
            self._feed(ConsultInput.AGENT_LEFT)
        elif self.line is not None:
            self.line.consult, self.line = None, None

    def leg_ringing(self, leg: Leg) -> None:
        if self.txn is not None and self.machine.state is ConsultState.RINGING:
            self.centre.services.ua.reply(self.txn, 180, now=self.centre.services.clock.now())

    def leg_answered(self, leg: Leg) -> None:
        s = self.centre.services
        s.log.append(s.clock.wall(), "call.consult_answered", self._contact, agent=self.agent.id,
                     colleague=self.colleague.id)  # fmt: skip
        if self._feed(ConsultInput.ANSWERED) is None:
            self.centre.dialer.hang_up(leg, s.clock.now())

    def leg_failed(self, leg: Leg, status: int, reason: str) -> None:
        self.fail_status = status if status >= 400 and status not in (408, 487) else 480
        self._feed(ConsultInput.FAILED)

    def leg_ended(self, leg: Leg, reason: str) -> None:
        self._feed(ConsultInput.COLLEAGUE_LEFT)

    # -- effects -------------------------------------------------------------------------------
    @property
    def _contact(self) -> str | None:
        return self.line.contact if self.line is not None else self.call_id

    def _feed(self, event: ConsultInput) -> tuple[Effect, ...] | None:
        s = self.centre.services
        effects = self.machine.feed(event, s.clock.now())
        for effect in effects or ():
            self._do(effect, event)
        return effects

    def _do(self, effect: Effect, event: ConsultInput) -> None:
        s, centre = self.centre.services, self.centre
        now = s.clock.now()
        line, leg = self.line, self.leg
        if effect is Effect.ANSWER_AGENT and self.txn is not None and self.answer is not None:
            body, agreed = self.answer
            self.dialog = s.ua.reply(self.txn, 200, body=body, content_type="application/sdp",
                                     now=now)  # fmt: skip
            if agreed is not None and self.call_id is not None:
                s.media.start(self.call_id, agreed)
        elif effect is Effect.REFUSE_AGENT and self.txn is not None:
            s.ua.reply(self.txn, self.fail_status, now=now)
            self._forget_call()
        elif effect is Effect.BYE_AGENT and self.dialog is not None:
            s.ua.bye(self.dialog, now)
        elif effect is Effect.BRIDGE_AGENT and leg is not None:
            mine = self.call_id if self.machine.via is Via.PHONE else _leg_stream(line)
            if mine is not None:
                s.media.stop_play(mine)
                s.media.bridge(mine, leg.stream)
        elif effect is Effect.HANG_UP_COLLEAGUE and leg is not None:
            centre.dialer.hang_up(leg, now)
        elif effect is Effect.BACK_TO_CALLER and line is not None and line.leg is not None:
            s.media.stop_play(line.leg.stream)
            s.media.bridge(line.contact, line.leg.stream)
        elif effect is Effect.HAND_OVER and line is not None and leg is not None:
            hand_to_colleague(line, leg, self.colleague.id, self.restore_ready,
                              self.machine.via.value, self._bridged)  # fmt: skip
            self.restore_ready = False
        elif effect is Effect.RELEASE:
            self._release(event)

    def _release(self, event: ConsultInput) -> None:
        centre, s = self.centre, self.centre.services
        centre.consults.release(self)
        completed = self.machine.state is ConsultState.COMPLETED
        if self.line is not None:
            self.line.consult = None
            if not completed:
                self.line.resume_caller(BREAK)
        if self.restore_ready:
            self.restore_ready = False
            try:
                centre.set_presence(self.colleague.id, True)
            except TelephonyError as exc:
                log.info("could not make %s ready after the consultation: %s",
                         self.colleague.id, exc)  # fmt: skip
        m = self.machine
        talked = (m.ended_at or 0.0) - m.answered_at if m.answered_at is not None else 0.0
        outcome = "completed" if completed else event.value
        s.log.append(s.clock.wall(), "call.consult_ended", self._contact, agent=self.agent.id,
                     colleague=self.colleague.id, outcome=outcome,
                     talk_s=round(max(talked, 0.0), 3))  # fmt: skip

    # -- the agent's phone's own call (Via.PHONE) ---------------------------------------------
    def on_request(self, event: DialogRequest, now: float) -> None:
        """A request in the agent's call to the colleague: a re-INVITE (hold), or a REFER
        replacing the caller's leg (the other way to complete an attended transfer)."""
        s = self.centre.services
        request = event.request
        if request.method == "INVITE" and request.body and self.call_id is not None:
            try:
                body, agreed = _answer_sdp(self.centre, request, self.port)
            except sdp.SdpError as exc:
                s.ua.reply(event.txn, exc.status, now=now)
                return
            s.ua.reply(event.txn, 200, body=body, content_type="application/sdp", now=now)
            if agreed is not None:
                s.media.update(self.call_id, agreed)
        elif request.method == "REFER":
            self._refer_on_consult(event, now)
        elif request.method in ("INFO", "UPDATE", "NOTIFY"):
            s.ua.reply(event.txn, 200, now=now)
        else:
            s.ua.reply(event.txn, 501, now=now)

    def _refer_on_consult(self, event: DialogRequest, now: float) -> None:
        from frontdesk.sip.refer import ReferError, read_refer

        s, line = self.centre.services, self.line
        try:
            target = read_refer(event.request)
        except ReferError as exc:
            s.ua.reply(event.txn, exc.status, now=now)
            return
        dialog = line.leg.dialog if line is not None and line.leg is not None else None
        if (target.replaces is None or line is None or dialog is None
                or not target.replaces.matches(*dialog.id)):  # fmt: skip
            s.ua.reply(event.txn, 403, headers={"Warning": '399 frontdesk "only the caller\'s '
                       'call can be transferred to this colleague"'}, now=now)  # fmt: skip
            return
        complete_by_refer(self, line, event, now)

    def phone_gone(self) -> None:
        """The agent's call to the colleague ended (BYE) or was cancelled."""
        self._forget_call()
        self._feed(ConsultInput.AGENT_LEFT)

    def _forget_call(self) -> None:
        if self.call_id is not None:
            self.centre.consults.forget_call(self)
            self.centre.services.media.close(self.call_id)


def _leg_stream(line: AgentLine | None) -> str | None:
    return line.leg.stream if line is not None and line.leg is not None else None


def _answer_sdp(centre: ContactCentre, request: Request, port: int
                ) -> tuple[bytes, sdp.NegotiatedMedia | None]:  # fmt: skip
    if request.content_type != "application/sdp":
        raise sdp.SdpError("the INVITE body is not SDP", status=415)
    offer = sdp.SessionDescription.parse(request.body)
    answer, agreed = sdp.negotiate_answer(offer, sdp.DEFAULT_CODECS, centre.dialer.media_host,
                                          port, 3_000_000 + port, 1)  # fmt: skip
    return bytes(answer), agreed


def call_colleague(centre: ContactCentre, txn: Transaction, agent: Agent, now: float) -> None:
    """An agent's phone dialled an extension (or agent id): ring that colleague, and if the
    agent is talking with a caller, make it a consultation for an attended transfer."""
    s = centre.services
    request = txn.request
    uri = request.uri
    user = uri.user if isinstance(uri, SipUri) else None
    try:
        mate = colleague(s.company, user, agent.id,
                         lambda ext: bool(centre.registrar.lookup(ext, now)))  # fmt: skip
    except TransferRefused as exc:  # who is called comes first: 404 unknown, 480 not there
        _refuse_call(centre, txn, exc.status, str(exc), now)
        return
    if not request.body:
        s.ua.reply(txn, 488, headers={"Warning": '399 frontdesk "an SDP offer is required"'},
                   now=now)  # fmt: skip
        return
    try:
        line = centre.line_of(agent.id)
        if line is not None and (not line.talking or line.callback or line.consult is not None):
            line = None
        consult = Consult(centre, agent, mate, line, Via.PHONE, now)
        consult.txn, consult.call_id = txn, request.call_id
        consult.port = port = s.media.open(request.call_id, group=consult.group)
    except TransferRefused as exc:
        _refuse_call(centre, txn, exc.status, str(exc), now)
        return
    except TelephonyError as exc:
        _refuse_call(centre, txn, 503, str(exc), now)
        return
    try:
        consult.answer = _answer_sdp(centre, request, port)
        consult.ring(now)
    except sdp.SdpError as exc:
        s.media.close(request.call_id)
        _refuse_call(centre, txn, exc.status, str(exc), now)
    except TelephonyError as exc:
        s.media.close(request.call_id)
        status = exc.status if isinstance(exc, TransferRefused) else 503
        _refuse_call(centre, txn, status, str(exc), now)


def _refuse_call(centre: ContactCentre, txn: Transaction, status: int, why: str,
                 now: float) -> None:  # fmt: skip
    s = centre.services
    warning = why[:200].replace('"', "'")
    s.ua.reply(txn, status, headers={"Warning": f'399 frontdesk "{warning}"'}, now=now)
    s.log.append(s.clock.wall(), "call.rejected", txn.request.call_id, status=status,
                 dialed=txn.request.uri_text, reason=why)  # fmt: skip


# -- the desk ---------------------------------------------------------------------------------
def consult_from_desk(centre: ContactCentre, agent_id: str, to: str) -> Consult:
    """The agent's Consult button: the caller is held, `to` (an agent or extension) rings."""
    s = centre.services
    now = s.clock.now()
    line = centre.line_of(agent_id)
    agent = s.company.agent(agent_id)
    if agent is None or line is None or line.leg is None or not line.talking or line.callback:
        raise TelephonyError(f"{agent_id} has no caller to consult about")
    if line.consult is not None:
        raise TelephonyError("a consultation is already in progress")
    mate = colleague(s.company, to, agent_id, lambda ext: bool(centre.registrar.lookup(ext, now)))
    consult = Consult(centre, agent, mate, line, Via.DESK, now)
    consult.ring(now)
    s.media.tone(line.leg.stream, "ringback:gb")
    return consult


def desk_consult(centre: ContactCentre, agent_id: str) -> Consult:
    consult = centre.consults.by_agent.get(agent_id)
    if consult is None:
        raise TelephonyError(f"{agent_id} is not consulting anyone")
    return consult
