"""One agent's phone ringing for a caller, then talking with them; and forwards to numbers.

`AgentLine` is the leg to an agent for one offer of the routing engine. Answered, the agent
first hears the whisper (who is calling, in which language, why), then is bridged to the
caller. For a callback the agent answers first, hears the whisper, and Frontdesk dials the
customer (`dial_customer`), bridging them when they answer. Ring failures and cancellations
go back to the engine as declined offers; the end of the talk as `call_ended` (wrap-up).

Hold: when the agent's phone holds the call (a re-INVITE with sendonly or inactive, also what
the browser phone's hold button sends) or Frontdesk holds the caller for a consultation, the
caller hears the queue's music on hold instead of silence, and is bridged back on resume
(`hold_caller` / `resume_caller`, hold.py). A REFER from the agent's phone is a transfer
(transfer.py).

`ForwardLine` forwards a caller to a number through the trunk (an agent's mobile) or straight
to an agent's phone, bridging when answered and handing the caller back to the flow if not.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from frontdesk.flows.actions import Transfer
from frontdesk.sip.events import DialogRequest
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.registrar import Binding
from frontdesk.sip.uri import SipUri
from frontdesk.telephony import TelephonyError
from frontdesk.telephony import announcements as words
from frontdesk.telephony.hold import Held, HoldEvent, HoldTracker
from frontdesk.telephony.legs import Leg, LegState
from frontdesk.telephony.services import Services
from frontdesk.telephony.speaker import Speaker

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre
    from frontdesk.telephony.conversation import InboundCall
    from frontdesk.telephony.transfer_consult import Consult

log = logging.getLogger("frontdesk.calls")


class AgentLine:
    def __init__(self, centre: ContactCentre, contact: str, agent: str, callback: bool) -> None:
        self.centre = centre
        self.contact = contact
        self.agent = agent
        self.callback = callback
        self.leg: Leg | None = None
        self.customer: Leg | None = None
        self.cancelled = False
        self.talking = False  # accepted by the engine: ends with call_ended
        self.speaker: Speaker | None = None
        self.transfer: Transfer | None = None  # set when the agent hands the caller on
        self.hold = HoldTracker()
        self.consult: Consult | None = None  # the agent consults a colleague about this caller
        self.handed_over = False  # attended transfer done: the caller is a colleague's now
        self.in_engine = True  # False for a colleague who took the caller by attended transfer
        self.restore_ready = False  # that colleague was put on a consult break: ready after

    @property
    def services(self) -> Services:
        return self.centre.services

    def ring(self, binding: Binding, caller_id: NameAddr) -> None:
        s = self.services
        self.leg = self.centre.dialer.dial(binding.uri, binding.peer, caller_id, self.contact,
                                           self, s.clock.now(), "agent")  # fmt: skip
        s.media.listeners[self.leg.stream] = self
        self.speaker = Speaker(s, self.leg.stream)

    def cancel(self) -> None:
        self.cancelled = True
        if self.leg is not None:
            self.centre.dialer.hang_up(self.leg, self.services.clock.now())

    def caller_gone(self) -> None:
        """The inbound caller hung up: end this agent's leg (CANCEL or BYE)."""
        self.cancel()

    # -- the leg's events ------------------------------------------------------------------------
    def leg_ringing(self, leg: Leg) -> None:
        pass

    def leg_failed(self, leg: Leg, status: int, reason: str) -> None:
        centre = self.centre
        if leg is self.customer:
            self._customer_failed(status, reason)
            return
        centre.lines.pop((self.contact, self.agent), None)
        if not self.cancelled:
            centre._apply(lambda: centre.engine.offer_declined(self.contact, self.agent))

    def leg_answered(self, leg: Leg) -> None:
        centre = self.centre
        if leg is self.customer:
            self._customer_answered()
            return
        if self.cancelled:
            self.centre.dialer.hang_up(leg, self.services.clock.now())
            return
        self.talking = True
        if not centre._apply(lambda: centre.engine.offer_accepted(self.contact, self.agent)):
            self.talking = False
            self.centre.dialer.hang_up(leg, self.services.clock.now())
            return
        call = centre.calls.get(self.contact)
        if self.callback:
            self._whisper(self._callback_whisper(), then=self._ringback)
        elif call is not None:
            wait = centre.waits.pop(self.contact, None)
            if wait is not None:
                wait.stop()
            text = words.whisper(call.crm, call.language, call.queue or "")
            self._whisper(text, then=lambda: self._connect(call))

    def leg_ended(self, leg: Leg, reason: str) -> None:
        centre, s = self.centre, self.services
        if leg is self.customer:
            if self.leg is not None:
                centre.dialer.hang_up(self.leg, s.clock.now())
            return
        if centre.lines.get((self.contact, self.agent)) is self:
            del centre.lines[(self.contact, self.agent)]
        if self.customer is not None:
            centre.dialer.hang_up(self.customer, s.clock.now())
        self.end_hold()
        if self.consult is not None:
            self.consult.line_ended()
        if self.talking:
            self.talking = False
            if self.in_engine:
                centre.hold_times[(self.contact, self.agent)] = self.hold.total_s
                centre._apply(lambda: centre.engine.call_ended(self.agent))
        if self.restore_ready:
            self.restore_ready = False
            self._ready_again()
        call = centre.calls.get(self.contact)
        if call is not None and not self.callback and not self.handed_over:
            centre.calls.pop(self.contact, None)
            if self.transfer is not None:
                s.media.unbridge(call.call_id)
                s.log.append(s.clock.wall(), "call.transferred", call.call_id, agent=self.agent,
                             transfer="blind", target_kind=self.transfer.kind,
                             to=self.transfer.to)  # fmt: skip
                centre.hand_over(call, self.transfer)
            else:
                call.agent_left()

    def hand_on(self, transfer: Transfer) -> None:
        """Blind transfer: the agent leaves and the caller goes to `transfer`'s target."""
        if self.leg is None or not self.talking or self.callback:
            raise TelephonyError("only a caller the agent is talking with can be transferred")
        if self.consult is not None:
            raise TelephonyError("finish or cancel the consultation first")
        self.transfer = transfer
        self.centre.dialer.hang_up(self.leg, self.services.clock.now())

    def _ready_again(self) -> None:
        try:
            self.centre.set_presence(self.agent, True)
        except TelephonyError as exc:
            log.info("could not make %s ready again: %s", self.agent, exc)

    # -- hold and transfers asked for by the agent's phone ---------------------------------------
    def leg_held(self, leg: Leg, held: bool) -> None:
        """The phone's re-INVITE put the call on hold (sendonly/inactive) or took it back."""
        if leg is self.leg:
            (self.hold_caller if held else self.resume_caller)("phone")

    def leg_refer(self, leg: Leg, event: DialogRequest, now: float) -> None:
        from frontdesk.telephony.transfer import on_refer

        on_refer(self, event, now)

    def hold_caller(self, by: str) -> None:
        """`by` holds the caller: they hear the queue's music on hold."""
        if self.talking:
            self._hold_events(self.hold.hold(by, self.services.clock.now()))

    def resume_caller(self, by: str) -> None:
        self._hold_events(self.hold.resume(by, self.services.clock.now()))

    def end_hold(self) -> None:
        """The agent's part ends: a running hold is closed (and counted) without touching the
        caller's audio, which whoever takes the caller next decides."""
        for event in self.hold.end(self.services.clock.now()):
            self._log_hold(event)

    def _hold_events(self, events: list[HoldEvent]) -> None:
        s = self.services
        for event in events:
            self._log_hold(event)
            stream = self._caller_stream()
            call = self.centre.calls.get(self.contact)
            if stream is None:
                continue
            if isinstance(event, Held):
                music = self._music(call)
                if call is not None and not self.callback:
                    call.speaker.music(music)
                elif music is not None:
                    s.media.play(stream, music, loop=True)
            elif call is not None and not self.callback:
                call.speaker.stop()
            else:
                s.media.stop_play(stream)

    def _log_hold(self, event: HoldEvent) -> None:
        s = self.services
        if isinstance(event, Held):
            s.log.append(s.clock.wall(), "call.held", self.contact, agent=self.agent,
                         by=event.by)  # fmt: skip
        else:
            s.log.append(s.clock.wall(), "call.resumed", self.contact, agent=self.agent,
                         by=event.by, held_s=round(event.held_s, 3),
                         hold_total_s=round(self.hold.total_s, 3))  # fmt: skip

    def _caller_stream(self) -> str | None:
        if self.callback:
            return self.customer.stream if self.customer is not None else None
        return self.contact

    def _music(self, call: InboundCall | None) -> Path | None:
        """The caller's queue's music on hold (company file), else the built-in loop."""
        queue = self.services.company.queue(call.queue) if call and call.queue else None
        if call is not None and queue is not None and queue.music:
            return call._file(queue.music)
        return self.services.music

    # -- media of the agent's leg --------------------------------------------------------------
    def on_dtmf(self, stream: str, digit: str) -> None:
        pass

    def on_playback_done(self, stream: str, stopped: bool) -> None:
        if self.speaker is not None:
            self.speaker.on_playback_done(stopped)

    def on_recording(self, stream: str, path: str, duration_s: float) -> None:
        pass

    def _whisper(self, text: str, then: object) -> None:
        assert self.speaker is not None
        self.speaker.say([(text, self.services.prompts.voice_for("", "en"))], then=then)  # type: ignore[arg-type]

    def _connect(self, call: InboundCall) -> None:
        s = self.services
        if self.leg is None or self.leg.state is not LegState.ANSWERED:
            return
        if not self.hold.held:  # a phone that held during the whisper keeps the music on
            call.speaker.stop()
        s.media.bridge(call.call_id, self.leg.stream)
        call.connected(self.agent)
        s.log.append(s.clock.wall(), "call.connected", call.call_id, agent=self.agent,
                     queue=call.queue, leg=self.leg.id)  # fmt: skip

    # -- callbacks -----------------------------------------------------------------------------
    def _callback_whisper(self) -> str:
        tasks = self.centre.callbacks
        return words.say("en", "callback_whisper", task=tasks.get(self.contact, ""))

    def _ringback(self) -> None:
        if self.leg is not None:
            self.services.media.tone(self.leg.stream, "ringback:gb")

    def dial_customer(self, number: str) -> None:
        s, centre = self.services, self.centre
        company = s.company
        shown = NameAddr(SipUri("sip", company.domain, user=company.numbers[0].number),
                         f'"{company.name}"')  # fmt: skip
        try:
            self.customer = centre.dialer.dial_number(number, shown, self.contact, self,
                                                      s.clock.now(), "callback")  # fmt: skip
            self.number = number
        except TelephonyError as exc:
            self._customer_failed(503, str(exc))

    def _customer_answered(self) -> None:
        s, centre = self.services, self.centre
        assert self.customer is not None and self.leg is not None
        centre._apply(lambda: centre.engine.callback_result(self.contact, True, "connected"))
        s.media.stop_play(self.leg.stream)
        s.media.bridge(self.leg.stream, self.customer.stream)
        s.log.append(s.clock.wall(), "call.connected", self.contact, agent=self.agent,
                     callback=True, leg=self.customer.id)  # fmt: skip
        if s.followups is not None:
            s.followups.reached(self.number, self.agent)

    def _customer_failed(self, status: int, reason: str) -> None:
        centre = self.centre
        outcome = {486: "busy", 600: "busy", 480: "no-answer", 408: "no-answer",
                   487: "no-answer", 603: "declined"}.get(status, "failed")  # fmt: skip
        self.talking = False
        centre._apply(lambda: centre.engine.callback_result(self.contact, False, outcome))
        if self.leg is not None:
            centre.dialer.hang_up(self.leg, self.services.clock.now())


class ForwardLine:
    """The caller forwarded to a number (through the trunk) or to an agent's phone."""

    def __init__(self, centre: ContactCentre, call: InboundCall, number: str | None,
                 agent: str | None, ring_s: int) -> None:  # fmt: skip
        self.centre, self.call = centre, call
        self.number, self.agent, self.ring_s = number, agent, ring_s
        self.leg: Leg | None = None

    def start(self) -> None:
        s, centre, call = self.centre.services, self.centre, self.call
        shown = NameAddr(SipUri("sip", s.company.domain, user=call.caller or "anonymous"))
        try:
            if self.number is not None:
                self.leg = centre.dialer.dial_number(self.number, shown, call.call_id, self,
                                                     s.clock.now(), "forward")  # fmt: skip
            else:
                agent = s.company.agent(self.agent or "")
                now = s.clock.now()
                bindings = centre.registrar.lookup(agent.extension, now) if agent else []
                if not bindings:
                    raise TelephonyError(f"agent {self.agent} has no registered phone")
                self.leg = centre.dialer.dial(bindings[0].uri, bindings[0].peer, shown,
                                              call.call_id, self, now, "transfer")  # fmt: skip
        except TelephonyError as exc:
            call.handoff_failed(str(exc), words.say(call.language, "transfer_failed"))
            return
        call.speaker.stop()
        call.services.media.tone(call.call_id, "ringback:gb")
        call.queued(call.queue or "")
        call.on_key = None
        leg = self.leg
        s.later(self.ring_s, lambda now: self._ring_timeout(leg), "FORWARD")

    def _ring_timeout(self, leg: Leg) -> None:
        if leg.state in (LegState.DIALING, LegState.RINGING):
            self.centre.dialer.hang_up(leg, self.centre.services.clock.now())

    def leg_ringing(self, leg: Leg) -> None:
        pass

    def leg_failed(self, leg: Leg, status: int, reason: str) -> None:
        call = self.call
        call.services.media.stop_play(call.call_id)
        call.handoff_failed(f"{status} {reason}", words.say(call.language, "transfer_failed"))

    def leg_answered(self, leg: Leg) -> None:
        call, s = self.call, self.call.services
        if call.mode.value == "ended":
            self.centre.dialer.hang_up(leg, s.clock.now())
            return
        s.media.stop_play(call.call_id)
        s.media.bridge(call.call_id, leg.stream)
        call.connected(self.agent)
        s.log.append(s.clock.wall(), "call.connected", call.call_id, agent=self.agent,
                     number=self.number, leg=leg.id)  # fmt: skip

    def leg_ended(self, leg: Leg, reason: str) -> None:
        self.call.agent_left()
