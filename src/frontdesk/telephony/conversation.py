"""One answered inbound call driven by its flow: prompts, keys, lookups, hand-overs, the end.

`InboundCall` feeds the call's `FlowRun` (flows/run.py) with what happens on the line and
performs the actions it gives back, in order: a prompt plays to its end before the next action
(`Speaker`), keys go to the run at once (a key that answers the question cuts the prompt
short), `CollectDigits` arms a timeout from the end of the prompts before it, lookups run in
the background with a deadline. Hand-overs go to the contact centre (queues, agents) and come
back as `queued`, `connected`, `agent_left` or `handoff_failed`. A caller who hangs up without
reaching an end the flow chose is a missed call.
"""

from __future__ import annotations

import enum
import logging
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx

from frontdesk.config import Number
from frontdesk.crm.records import flow_record
from frontdesk.flows import actions as a
from frontdesk.flows.context import call_context, read_number
from frontdesk.flows.run import FlowRun
from frontdesk.telephony.services import Services
from frontdesk.telephony.speaker import Speaker
from frontdesk.telephony.voicemail import VoicemailTaker

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre

log = logging.getLogger("frontdesk.calls")
# Endings that leave a caller unserved: they hung up, or the line failed under them.
CALLER_LEFT = frozenset({"remote_bye", "cancelled", "timeout", "media_timeout", "media_lost"})


class Mode(enum.Enum):
    STARTING = "starting"
    FLOW = "flow"
    QUEUED = "queued"  # waiting for an agent (the queue's music and announcements)
    CONNECTED = "connected"  # bridged to an agent or a transfer target
    VOICEMAIL = "voicemail"
    ENDED = "ended"


class InboundCall:
    def __init__(self, services: Services, centre: ContactCentre, call_id: str, caller: str,
                 number: Number) -> None:  # fmt: skip
        self.services = services
        self.centre = centre
        self.call_id = call_id
        self.number = number
        self.caller, _, self.country = read_number(caller)
        self.caller_raw = caller
        self.mode = Mode.STARTING
        self.answered_at = services.clock.wall()
        self.speaker = Speaker(services, call_id)
        self.crm: dict[str, Any] = {}
        self.run: FlowRun | None = None
        self.queue: str | None = None  # the last queue the caller reached
        self.agent: str | None = None  # who took the call
        self.outcome = ""  # how the flow ended ("" while it has not)
        self.recording = False
        self.recording_paused = False  # by the agent (recording_control)
        self.recording_stopped = False
        self.voicemail: VoicemailTaker | None = None
        self.on_key: Any = None  # QUEUED: the queue wait's key handler
        self._steps: deque[a.Action] = deque()
        self._after_prompt = False
        self._collect = 0  # generation of the armed digit timeout (0: none)
        self._lookup = 0

    @property
    def language(self) -> str:
        return self.run.language if self.run is not None else self.number.language

    # -- start --------------------------------------------------------------------------------
    def start(self) -> None:
        self.services.media.listeners[self.call_id] = self
        self.services.spawn(self._begin(), f"call {self.call_id}")

    async def _begin(self) -> None:
        s = self.services
        flow = s.flows.flows.get(self.number.flow)
        if flow is None:
            self.hang_up("no_flow", f"the number's flow {self.number.flow!r} does not exist")
            return
        if s.directory is not None and self.caller:
            try:
                profile = await s.directory.lookup(self.caller)
            except Exception:  # a CRM failure never fails the call
                log.exception("caller lookup for %s failed", self.caller)
                profile = None
            if profile is not None:
                self.crm = flow_record(profile, ZoneInfo(flow.timezone))
        if self.mode is Mode.ENDED:
            return
        self.run = FlowRun(flow, call_context(self.caller, self.crm, flow.languages), s.clock)
        self.mode = Mode.FLOW
        s.log.append(s.clock.wall(), "call.flow_started", self.call_id, flow=flow.name,
                     caller=self.caller or self.caller_raw, known=bool(self.crm),
                     language=self.run.language)  # fmt: skip
        crm = self.crm
        s.log.append(s.clock.wall(), "call.attributes", self.call_id,
                     name=crm.get("name"), vip=bool(crm.get("vip")), tier=crm.get("tier"),
                     open_case=bool(crm.get("cases")), known=bool(crm),
                     language=self.run.language, country=self.country)  # fmt: skip
        notice = s.company.recording_notice
        if s.company.recording == "all":
            self.start_recording()
            if notice:
                self._steps.append(self.run.session.say(notice))
        self._perform(self.run.start())

    def start_recording(self, on_demand: bool = False) -> None:
        """Records the call from now on. Mid-call (on demand) the caller is already talking, so
        the recording starts at once instead of waiting for the first RTP packet."""
        if not self.recording:
            path = self.services.media.record(self.call_id, "recordings", when_media=not on_demand)
            self.recording = path is not None

    # -- performing the flow's actions --------------------------------------------------------
    def _perform(self, actions: list[a.Action]) -> None:
        self._steps.extend(actions)
        self._advance()

    def _advance(self) -> None:
        while self._steps and self.mode is Mode.FLOW and not self.speaker.busy:
            action = self._steps.popleft()
            if isinstance(action, a.Say) and self._introduces_voicemail(action):
                continue  # the voicemail says its promise itself (computed, see voicemail.py)
            if isinstance(action, a.Say):
                voice = self.services.prompts.voice_for(action.voice, action.language)
                self._after_prompt = True
                self.speaker.say([(action.text, voice)], then=self._advance)
                return
            if isinstance(action, a.Play):
                self._after_prompt = True
                self.speaker.say([self._file(action.file)], then=self._advance)
                return
            self._after_prompt = False
            self._do(action)
        if (not self._steps and self.mode is Mode.FLOW and not self.speaker.busy
                and self._after_prompt and self.run is not None):  # fmt: skip
            self._after_prompt = False
            self._perform(self.run.speech_done())

    def _introduces_voicemail(self, say: a.Say) -> bool:
        following = self._steps[0] if self._steps else None
        return isinstance(following, a.Voicemail) and following.promise == say.text

    def _file(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else Path(self.services.company.source).parent / path

    def _do(self, action: a.Action) -> None:
        s = self.services
        if isinstance(action, a.CollectDigits):
            self._arm_collect(action.timeout_s)
        elif isinstance(action, a.Lookup):
            self._lookup += 1
            s.spawn(self._look_up(action, self._lookup), f"lookup {action.source}")
        elif isinstance(action, a.Enqueue):
            self.centre.enqueue(self, action)
        elif isinstance(action, a.Voicemail):
            self.take_voicemail(action.team, action.promise)
        elif isinstance(action, a.BookCallback):
            self.centre.book_callback(self, action)
        elif isinstance(action, a.Transfer | a.Forward):
            self.centre.hand_over(self, action)
        elif isinstance(action, a.SurveyRating):
            s.log.append(s.clock.wall(), "call.survey", self.call_id, survey=action.survey,
                         rating=action.rating, scale=action.scale)  # fmt: skip
        elif isinstance(action, a.SetVar):
            pass  # kept in the run's variables; the agent desktop reads them
        elif isinstance(action, a.Hangup):
            self.outcome = action.reason
            self.hang_up("flow_end", action.reason)

    def _arm_collect(self, timeout_s: float) -> None:
        self._collect += 1
        generation = self._collect
        self.services.later(timeout_s, lambda now: self._collect_timeout(generation), "DIGITS")

    def _collect_timeout(self, generation: int) -> None:
        if generation != self._collect or self.mode is not Mode.FLOW or self.run is None:
            return
        self._collect = 0
        self._perform(self.run.timeout())

    async def _look_up(self, action: a.Lookup, generation: int) -> None:
        data: Any = None
        error: str | None = None
        try:
            if action.source == "crm":
                profile = None
                if self.services.directory is not None:
                    profile = await self.services.directory.lookup(action.key)
                zone = ZoneInfo(self.run.flow.timezone if self.run else "UTC")
                data = flow_record(profile, zone) if profile is not None else None
            else:
                async with httpx.AsyncClient(timeout=action.timeout_s) as client:
                    response = await client.get(action.key)
                    response.raise_for_status()
                    data = response.json()
        except Exception as exc:  # the flow's on_error branch handles every failure
            error = f"{type(exc).__name__}: {exc}"
        if generation != self._lookup or self.mode is not Mode.FLOW or self.run is None:
            return
        self._perform(self.run.lookup_result(data if isinstance(data, dict) else None, error))

    # -- the line ------------------------------------------------------------------------------
    def on_dtmf(self, stream: str, digit: str) -> None:
        if self.mode is Mode.QUEUED and self.on_key is not None:
            self.on_key(digit)
        elif self.mode is Mode.VOICEMAIL and self.voicemail is not None:
            self.voicemail.key(digit)
        elif self.mode is Mode.FLOW and self.run is not None:
            actions = self.run.digits(digit)
            if actions:  # the key answered: cut the prompt short, drop what was to follow
                self._steps.clear()
                self._collect = 0
                self.speaker.stop()
                self._after_prompt = False
                self._perform(actions)
            elif self._collect:
                self._arm_collect(self._collect_timeout_s())

    def _collect_timeout_s(self) -> float:
        node = self.run.node if self.run is not None else None
        return float(getattr(node, "timeout_s", 5.0))

    def on_playback_done(self, stream: str, stopped: bool) -> None:
        self.speaker.on_playback_done(stopped)

    def on_recording(self, stream: str, path: str, duration_s: float) -> None:
        if self.voicemail is not None and path == self.voicemail.path:
            self.voicemail.recorded(path, duration_s)

    # -- hand-overs ----------------------------------------------------------------------------
    def queued(self, queue: str) -> None:
        self.mode, self.queue = Mode.QUEUED, queue

    def connected(self, agent: str | None) -> None:
        self.mode, self.agent, self.on_key = Mode.CONNECTED, agent, None
        if agent and self.caller and self.services.followups is not None:
            self.services.followups.reached(self.caller, agent)

    def agent_left(self) -> None:
        if self.mode is Mode.ENDED or self.run is None:
            return
        self.services.media.unbridge(self.call_id)
        self.mode = Mode.FLOW
        self._perform(self.run.agent_left())

    def handoff_failed(self, reason: str, say: str | None = None) -> None:
        if self.mode is Mode.ENDED or self.run is None:
            return
        self.mode, self.on_key = Mode.FLOW, None
        self.speaker.stop()
        if say:
            self._steps.append(self.run.session.say(say))
        self._perform(self.run.handoff_failed(reason))

    def take_voicemail(self, team: str, flow_text: str | None = None) -> None:
        """Records a message for `team`, after saying when they will call back."""
        self.mode, self.on_key = Mode.VOICEMAIL, None
        self.speaker.stop()
        self.voicemail = VoicemailTaker(self, team)
        self.voicemail.begin(flow_text)

    # -- the end -------------------------------------------------------------------------------
    def hang_up(self, reason: str, detail: str) -> None:
        """Frontdesk ends the call (the flow's end, a callback promise, an error)."""
        if self.mode is Mode.ENDED:
            return
        self.centre.hangup(self.call_id, reason, detail, self.services.clock.now())

    def ended(self, reason: str) -> None:
        """The call is over (either side hung up); called once by the switchboard."""
        if self.mode is Mode.ENDED:
            return
        mode, self.mode = self.mode, Mode.ENDED
        self.speaker.forget()
        self._collect = self._lookup = 0
        self.centre.caller_gone(self, mode)
        if mode is Mode.VOICEMAIL and self.voicemail is not None:
            self.voicemail.caller_hung_up()
        elif (
            mode in (Mode.FLOW, Mode.QUEUED, Mode.STARTING)
            and reason in CALLER_LEFT
            and not self.outcome
        ):
            self._missed("abandoned in queue" if mode is Mode.QUEUED else "hung up in the menu")

    def _missed(self, why: str) -> None:
        s = self.services
        s.log.append(s.clock.wall(), "call.missed", self.call_id, caller=self.caller or
                     self.caller_raw, queue=self.queue, why=why)  # fmt: skip
        if s.followups is not None and self.caller:
            team = self.centre.team_of(self.queue)
            s.followups.missed(self.call_id, self.caller, team, self.queue, why)
