"""The contact centre on live calls: the routing engine's decisions carried out over SIP.

Agents are logged in while their phone is registered. A caller who reaches a queue node becomes
a contact of the routing engine and waits (`QueueWait`); the engine's decisions come back and
are acted on here: `Offer` rings the agents' registered phones (`AgentLine`), `CancelOffer`
cancels a ring, `SendToVoicemail` and `RejectContact` take the caller out of the line,
`PromptCallback` offers a callback, `DialCallback` calls a customer back for an agent who
accepted it. Every engine event goes to the event log with its wall time. The engine is ticked
a few times a second so that its own timers (ring timeouts, relaxation, wrap-up) run.
Callbacks (the place a caller keeps, booked callbacks, their tasks) are in centre_callbacks.py.
"""

from __future__ import annotations

import logging
import random

from frontdesk.acd import events as ev
from frontdesk.acd.engine import RoutingEngine
from frontdesk.acd.errors import AcdError
from frontdesk.acd.model import AgentSpec, ContactSpec, Priority
from frontdesk.acd.states import AgentState, ContactState
from frontdesk.config import Company, Number
from frontdesk.config.company import Queue
from frontdesk.flows import actions as a
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.registrar import Registrar
from frontdesk.sip.uri import SipUri
from frontdesk.telephony import TelephonyError, rang_again
from frontdesk.telephony.agent_line import AgentLine, ForwardLine
from frontdesk.telephony.call_media import Hangup
from frontdesk.telephony.centre_callbacks import CentreCallbacks
from frontdesk.telephony.conversation import InboundCall, Mode
from frontdesk.telephony.legs import Dialer
from frontdesk.telephony.queue_wait import QueueWait
from frontdesk.telephony.queues import CallerLanguages, queue_config
from frontdesk.telephony.rang_again import Carried
from frontdesk.telephony.services import Services
from frontdesk.telephony.transfer_consult import Consults

_ENGINE_TIMES = ("entered_at", "promised_at")  # fields of engine events holding instants
log = logging.getLogger("frontdesk.calls")
TICK_S = 0.25


class ContactCentre(CentreCallbacks):
    def __init__(self, services: Services, dialer: Dialer, registrar: Registrar,
                 hangup: Hangup) -> None:  # fmt: skip
        self.services = services
        self.dialer = dialer
        self.registrar = registrar
        self.hangup = hangup
        self.engine = RoutingEngine(services.clock, random.Random())
        self.unwanted: dict[str, str] = {}  # callbacks to cancel once not dialling (-> why)
        self.carried: dict[str, Carried] = {}  # call id -> kept place it took over (rang_again)
        self.reconfigure(services.company)
        self.live: dict[str, InboundCall] = {}  # every answered inbound call
        self.calls: dict[str, InboundCall] = {}  # by contact id (the inbound Call-ID)
        self.waits: dict[str, QueueWait] = {}
        self.lines: dict[tuple[str, str], AgentLine] = {}  # (contact, agent) ringing or talking
        self.logged_in: set[str] = set()
        # Agents on a break when the previous process stopped (agent id -> reason): their
        # phones' registrations were held again, so they come back logged in, and on that
        # break, at the first tick (telephony/registrations.py).
        self.breaks_to_resume: dict[str, str] = {}
        self.caller_languages = CallerLanguages()
        self.callbacks: dict[str, str] = {}  # contact id -> follow-up task id
        # Transfers and hold (transfer*.py, hold.py): calls between colleagues, and seconds each
        # (contact, agent) held the caller, added to the engine's acd.call_ended.
        self.consults = Consults()
        self.hold_times: dict[tuple[str, str], float] = {}
        self._log_events()

    def reconfigure(self, company: Company) -> None:
        """Takes in queues and agents a (re)loaded company adds, and new skills of agents.

        Queues and agents the file no longer names stay in the engine until a restart: taking
        them out would strand callers waiting in them (a restart drains nothing either, but
        then nobody is waiting)."""
        self.services.company = company
        for queue in company.queues:
            if queue.name not in self.engine.queues:
                self._apply(lambda q=queue: self._add_queue(q))
        for agent in company.agents:
            queues = tuple(q for q in company.queues_of(agent) if q in self.engine.queues)
            if not queues:
                continue
            if agent.id not in self.engine.agents:
                self.engine.add_agent(AgentSpec(agent.id, queues, dict(agent.skills),
                                                agent.languages, agent.name))  # fmt: skip
            else:
                self._apply(lambda g=agent: self.engine.update_agent_skills(
                    g.id, dict(g.skills), g.languages))  # fmt: skip

    def _add_queue(self, queue: Queue) -> list[ev.Decision]:
        self.engine.add_queue(queue_config(queue))
        return []

    # -- agents -------------------------------------------------------------------------------
    def sync_logins(self, now: float) -> None:
        """An agent is logged in while their phone has a live registration."""
        for agent in self.services.company.agents:
            if agent.id not in self.engine.agents:
                continue
            registered = bool(self.registrar.lookup(agent.extension, now))
            if registered and agent.id not in self.logged_in:
                self.logged_in.add(agent.id)
                reason = self.breaks_to_resume.get(agent.id)
                ready = reason is None
                self._apply(lambda agent_id=agent.id, ready=ready, reason=reason or "":
                            self.engine.agent_login(agent_id, ready, reason))  # fmt: skip
            elif not registered and agent.id in self.logged_in and self._log_out(agent.id):
                self.logged_in.discard(agent.id)
        self.breaks_to_resume.clear()

    def _log_out(self, agent_id: str) -> bool:
        """The engine does not log out an agent who is ringing or talking: that waits for a
        later tick, rather than the agent being forgotten logged in for good."""
        if self.engine.agent_state(agent_id) in (AgentState.RESERVED, AgentState.ON_CALL):
            return False
        return self._apply(lambda: self.engine.agent_logout(agent_id))

    def set_presence(self, agent_id: str, ready: bool, reason: str = "") -> None:
        """The agent takes a break (with a reason) or is ready again (also ends wrap-up early).
        Raises TelephonyError when the engine refuses (not logged in, on a call)."""
        engine = self.engine
        try:
            decisions = (engine.agent_available(agent_id) if ready
                         else engine.agent_break(agent_id, reason or "break"))  # fmt: skip
        except AcdError as exc:
            self._log_events()
            raise TelephonyError(str(exc)) from exc
        self._log_events()
        for decision in decisions:
            self._decide(decision)

    def line_of(self, agent_id: str) -> AgentLine | None:
        """The line ringing or connecting an agent, if any."""
        for (_contact, agent), line in self.lines.items():
            if agent == agent_id:
                return line
        return None

    def hang_up_agent(self, agent_id: str) -> None:
        """Ends the agent's side of their call, as if they had hung up their phone."""
        line = self.line_of(agent_id)
        if line is None or line.leg is None:
            raise TelephonyError(f"{agent_id} has no call to hang up")
        self.dialer.hang_up(line.leg, self.services.clock.now())

    def transfer(self, agent_id: str, kind: str, to: str) -> None:
        """Blind transfer of the agent's caller to an agent, a team's queue or a number."""
        line = self.line_of(agent_id)
        if line is None:
            raise TelephonyError(f"{agent_id} has no call to transfer")
        company = self.services.company
        if kind == "agent" and company.agent(to) is None:
            raise TelephonyError(f"there is no agent {to!r}")
        if kind == "team" and not any(q.team == to for q in company.queues):
            raise TelephonyError(f"team {to!r} has no queue")
        line.hand_on(a.Transfer(kind, to))

    def dial_for_agent(self, agent_id: str, number: str, contact_id: str) -> None:
        """Click-to-dial: a callback due now, kept for this agent (their phone rings first,
        then the customer is dialled through the trunk), through the routing engine so the
        agent's state and the reports see it like any other call."""
        company = self.services.company
        agent = company.agent(agent_id)
        teams = agent.teams if agent is not None and agent.teams else ()
        queues = [q for q in company.queues if not teams or q.team in teams]
        if agent is None or not queues or queues[0].name not in self.engine.queues:
            raise TelephonyError(f"{agent_id} has no queue to place calls from")
        spec = ContactSpec(id=contact_id, queue=queues[0].name, priority=Priority.VIP,
                           caller=number, preferred_agent=agent_id)  # fmt: skip
        try:
            self.engine.schedule_callback(spec, number, self.services.clock.wall())
        except AcdError as exc:
            raise TelephonyError(str(exc)) from exc
        self._log_events()

    def tick(self, now: float) -> None:
        self.sync_logins(now)
        self._apply(self.engine.tick)

    # -- callers ------------------------------------------------------------------------------
    def answered(self, call_id: str, caller: str, number: Number) -> None:
        """An inbound call was answered: its flow starts."""
        call = InboundCall(self.services, self, call_id, caller, number)
        self.live[call_id] = call
        call.start()

    def call_ended(self, call_id: str, reason: str) -> None:
        call = self.live.pop(call_id, None)
        if call is not None:
            call.ended(reason)

    def enqueue(self, call: InboundCall, action: a.Enqueue) -> None:
        company = self.services.company
        queue = company.queue(action.queue)
        if queue is None or action.queue not in self.engine.queues:
            call.handoff_failed(f"no queue named {action.queue!r}")
            return
        if company.recording == "queues" and queue.record and not call.recording:
            call.start_recording()
            notice = company.recording_notice
            if notice and call.recording:
                # Consent before anything is recorded of the conversation: the notice is said
                # first, then the caller joins the queue (see docs/calls.md, recording).
                voice = self.services.prompts.voice_for("", call.language)
                call.speaker.say([(notice, voice)], then=lambda: self._join(call, action, queue))
                return
        self._join(call, action, queue)

    def _join(self, call: InboundCall, action: a.Enqueue, queue: Queue) -> None:
        if call.mode is Mode.ENDED:
            return  # hung up during the recording notice
        account = call.crm.get("account") or {}
        preferred = action.preferred_agent
        if preferred is not None and preferred not in self.engine.agents:
            preferred = None
        kept = rang_again.kept_place_of(self, call.caller, queue.name)  # they rang again
        spec = ContactSpec(
            id=call.call_id, queue=queue.name, priority=max(action.priority, 0),
            language=self.language_in(queue.name, action.language),
            account=str(account.get("id") or ""),
            caller=call.caller, preferred_agent=preferred,
            entered_at=None if kept is None else kept.entered_at,
        )  # fmt: skip
        self.calls[call.call_id] = call
        call.queued(queue.name)
        wait = self.waits[call.call_id] = QueueWait(self, call, queue)
        self._apply(lambda: self.engine.contact_arrives(spec))
        # Started once the engine has the caller, so the first announcement can say their
        # position; not at all when the engine sent them on at once (voicemail, refused).
        if self.waits.get(call.call_id) is wait:
            if kept is not None:
                rang_again.take_over(self, call, kept)
            wait.start()

    def hand_over(self, call: InboundCall, action: a.Transfer | a.Forward) -> None:
        """Forward to a mobile, or transfer to a number, an agent or a team."""
        company = self.services.company
        if isinstance(action, a.Transfer) and action.kind == "team":
            queues = [q for q in company.queues if q.team == action.to]
            if not queues:
                call.handoff_failed(f"no queue for team {action.to!r}")
                return
            self.enqueue(call, a.Enqueue(queues[0].name, (), 0, None, call.language))
            return
        if isinstance(action, a.Transfer) and action.kind == "agent":
            ForwardLine(self, call, None, action.to, 30).start()
            return
        number = action.to if isinstance(action, a.Transfer) else action.number
        ring_s = action.ring_s if isinstance(action, a.Forward) else 30
        if isinstance(action, a.Forward) and number is None and action.agent:
            agent = company.agent(action.agent)
            number = agent.mobile if agent is not None else None
        if not number:
            call.handoff_failed("no number to forward to")
            return
        ForwardLine(self, call, number, None, ring_s).start()

    def caller_gone(self, call: InboundCall, mode: Mode) -> None:
        """The inbound call ended: leave the line, stop ringing, hang up the agent."""
        wait = self.waits.pop(call.call_id, None)
        if wait is not None:
            wait.stop()
        self.calls.pop(call.call_id, None)
        try:
            state = self.engine.contact_state(call.call_id)
        except AcdError:
            state = None
        if state in (ContactState.WAITING, ContactState.OFFERED):
            self._apply(lambda: self.engine.contact_abandoned(call.call_id))
        for (contact, _), line in list(self.lines.items()):
            if contact == call.call_id:
                line.caller_gone()
        rang_again.call_ended(self, call)

    # -- the engine's decisions ------------------------------------------------------------------
    def _apply(self, step: object) -> bool:
        """Runs one engine input and carries out its decisions; False when it was refused."""
        try:
            decisions = step()  # type: ignore[operator]
        except AcdError as exc:
            log.warning("routing engine refused: %s", exc)
            self._log_events()
            return False
        self._log_events()
        for decision in decisions or []:
            self._decide(decision)
        if self.unwanted:  # a callback whose task closed while it was dialled may be held again
            self._drop_unwanted()
        return True

    def _decide(self, decision: ev.Decision) -> None:
        if isinstance(decision, ev.Offer):
            for agent_id in decision.agent_ids:
                self._ring(decision, agent_id)
        elif isinstance(decision, ev.CancelOffer):
            line = self.lines.get((decision.contact_id, decision.agent_id))
            if line is not None:
                line.cancel()
        elif isinstance(decision, ev.DialCallback):
            line = self.lines.get((decision.contact_id, decision.agent_id))
            if line is not None:
                line.dial_customer(decision.number)
        elif isinstance(decision, ev.SendToVoicemail | ev.RejectContact | ev.PromptCallback):
            self._exit(decision)

    def _exit(self, decision: ev.SendToVoicemail | ev.RejectContact | ev.PromptCallback) -> None:
        call = self.calls.get(decision.contact_id)
        wait = self.waits.get(decision.contact_id)
        if call is None:
            return
        if isinstance(decision, ev.PromptCallback):
            if wait is not None:
                wait.offer_callback()
            return
        self.waits.pop(decision.contact_id, None)
        if wait is not None:
            wait.stop()
        if isinstance(decision, ev.SendToVoicemail):
            call.take_voicemail(self.team_of(decision.queue))
        else:
            from frontdesk.telephony.announcements import say

            call.handoff_failed(decision.reason, say(call.language, "queue_full"))

    def _ring(self, offer: ev.Offer, agent_id: str) -> None:
        agent = self.services.company.agent(agent_id)
        now = self.services.clock.now()
        bindings = self.registrar.lookup(agent.extension, now) if agent is not None else []
        if agent is None or not bindings:
            self._apply(lambda: self.engine.offer_declined(offer.contact_id, agent_id))
            return
        line = AgentLine(self, offer.contact_id, agent_id, offer.callback)
        self.lines[(offer.contact_id, agent_id)] = line
        try:
            line.ring(bindings[0], self._caller_id(offer.contact_id))
        except TelephonyError as exc:
            log.warning("cannot ring %s: %s", agent_id, exc)
            self.lines.pop((offer.contact_id, agent_id), None)
            self._apply(lambda: self.engine.offer_declined(offer.contact_id, agent_id))

    def _caller_id(self, contact_id: str) -> NameAddr:
        call = self.calls.get(contact_id)
        domain = self.services.company.domain
        if call is None:
            return NameAddr(SipUri("sip", domain, user="callback"), '"Callback"')
        name = str(call.crm.get("name") or call.caller or "caller").replace('"', "")
        return NameAddr(SipUri("sip", domain, user=call.caller or "anonymous"), f'"{name}"')

    def team_of(self, queue: str | None) -> str:
        company = self.services.company
        found = company.queue(queue) if queue else None
        if found is not None:
            return found.team
        return company.teams[0].name if company.teams else "default"

    def _split_hold(self, data: dict[str, object]) -> None:
        """The engine counts the whole call as talk; telephony knows how long the caller was
        held: `hold_time` is added and talk excludes it (AHT = talk + hold + wrap-up)."""
        held = self.hold_times.pop((str(data.get("contact_id")), str(data.get("agent_id"))), 0.0)
        talk = data.get("talk_time")
        data["hold_time"] = round(held, 3)
        if isinstance(talk, float | int):
            data["talk_time"] = max(float(talk) - held, 0.0)

    def _log_events(self) -> None:
        s = self.services
        offset = s.clock.wall() - s.clock.now()
        for event in self.engine.drain_events():
            kind, call_id, data = event.to_record()
            # The engine's times are on its monotonic clock; the log speaks wall-clock time.
            for key in _ENGINE_TIMES:
                if isinstance(data.get(key), float | int):
                    data[key] = round(data[key] + offset, 3)
            if kind == "acd.call_ended":
                self._split_hold(data)
            s.log.append(round(event.at + offset, 3), kind, call_id, **data)
            if s.followups is not None and call_id is not None:
                self._callback_outcome(s.followups, kind, call_id, data)
