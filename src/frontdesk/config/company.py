"""Validated, frozen description of a company (what the YAML file says, once checked)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from frontdesk.crm.http_connector import HttpCrmConfig
from frontdesk.flows.hours import Schedule
from frontdesk.widget.settings import WidgetSettings

# What agents choose from after a call unless the company file lists its own.
DEFAULT_DISPOSITIONS = (
    "resolved", "follow-up needed", "escalated", "information given", "complaint", "sale",
    "wrong number",
)  # fmt: skip


class RecordingPolicy(enum.StrEnum):
    """Which calls are recorded: every answered call, those of queues that say so, those the
    agent chooses to record, or none."""

    ALL = "all"
    QUEUES = "queues"  # only calls that reach a queue with `record: true`
    ON_DEMAND = "on-demand"  # only when the agent starts it from the desk
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Number:
    """A number callers dial; `aliases` are short forms accepted in the Request-URI user part."""

    number: str
    aliases: tuple[str, ...] = ()
    flow: str = "main"
    language: str = "en"
    ring_s: int = 0  # seconds of ringing (180) before answering
    hangup_after_s: int | None = None  # a test line: Frontdesk hangs up after this long

    def matches(self, user: str) -> bool:
        return user == self.number or user == self.number.lstrip("+") or user in self.aliases


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    extension: str
    password: str
    skills: tuple[tuple[str, int], ...] = ()
    languages: tuple[str, ...] = ("en",)
    mobile: str | None = None  # E.164; unanswered calls can be forwarded here through a trunk
    teams: tuple[str, ...] = ()  # the agent serves these teams' queues (none: every queue)


@dataclass(frozen=True, slots=True)
class Team:
    """People who share queues, opening hours and a promise to call back."""

    name: str
    hours: Schedule | None = None  # None: always open
    # The response standard: a voicemail or missed call is called back within this many
    # opening hours (the promise the caller hears is computed from it).
    respond_within_h: float = 4.0
    email: str | None = None  # where voicemails and missed calls are notified
    mobile: str | None = None  # the team's on-call mobile (forwarding)


class QueueExit(enum.StrEnum):
    """What happens to a caller who waited `max_wait_s`."""

    VOICEMAIL = "voicemail"
    CALLBACK = "callback"  # offered a callback; keeps waiting if they decline
    KEEP_WAITING = "keep-waiting"


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    team: str
    skills: tuple[tuple[str, int], ...] = ()  # every agent must have these at least
    # French callers ring French speakers first; after this long anyone with the skills.
    # None: the language is always required.
    language_for_s: float | None = 120.0
    target_answer_s: float = 20.0
    strategy: str = "longest-idle"
    ring_timeout_s: float = 15.0
    wrap_up_s: float = 0.0
    announce_every_s: float = 30.0  # position and expected wait; 0 turns it off
    messages: tuple[str, ...] = ()  # said in turn between announcements
    music: str | None = None  # a WAV file; None: the built-in music on hold
    callback_key: str | None = "*"  # leave the line and keep one's place; None: not offered
    max_wait_s: float | None = None
    on_max_wait: QueueExit = QueueExit.VOICEMAIL
    max_length: int | None = None
    record: bool = False  # with recording policy `queues`


@dataclass(frozen=True, slots=True)
class Smtp:
    host: str
    port: int = 25
    sender: str = "frontdesk@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class CrmSource:
    """Where callers are looked up: the built-in CRM (with the demo callers loaded or not),
    then an external CRM over HTTP when `http` is set."""

    demo_data: bool = False
    http: HttpCrmConfig | None = None


@dataclass(frozen=True, slots=True)
class Trunk:
    """A carrier (or PBX) that Frontdesk registers to and sends outbound calls through."""

    name: str
    host: str
    port: int = 5060
    transport: str = "udp"
    username: str | None = None
    password: str | None = None
    register: bool = False


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    domain: str
    numbers: tuple[Number, ...]
    agents: tuple[Agent, ...]
    trunks: tuple[Trunk, ...] = ()
    source: str = "<built-in demo>"
    # Offered in this order. MD5 alone by default: many phones and softphones answer only the
    # first challenge and only in MD5 (sipp 3.6), or give up when any challenge names an
    # algorithm they do not know (baresip 1.0). Sites whose phones do RFC 8760 add SHA-256.
    digest_algorithms: tuple[str, ...] = ("MD5",)
    recording: RecordingPolicy = RecordingPolicy.NONE
    # Said to the caller before a recorded call is answered; None: no consent prompt.
    recording_notice: str | None = None
    timezone: str = "UTC"
    teams: tuple[Team, ...] = ()
    queues: tuple[Queue, ...] = ()
    flows_file: Path | None = None  # None: flows written for the company (starter_flows.py)
    demo_flows: bool = False  # `flows: demo`: the built-in demo flows
    crm: CrmSource = CrmSource()
    smtp: Smtp | None = None
    dispositions: tuple[str, ...] = DEFAULT_DISPOSITIONS
    widget: WidgetSettings | None = None  # the website widget; None: no `widget:` section

    def number_for(self, user: str) -> Number | None:
        for number in self.numbers:
            if number.matches(user):
                return number
        return None

    def agent_by_extension(self, extension: str) -> Agent | None:
        for agent in self.agents:
            if agent.extension == extension:
                return agent
        return None

    def agent(self, agent_id: str) -> Agent | None:
        for agent in self.agents:
            if agent.id == agent_id:
                return agent
        return None

    def queue(self, name: str) -> Queue | None:
        for queue in self.queues:
            if queue.name == name:
                return queue
        return None

    def team(self, name: str) -> Team | None:
        for team in self.teams:
            if team.name == name:
                return team
        return None

    def queues_of(self, agent: Agent) -> tuple[str, ...]:
        """The queues an agent serves: those of the agent's teams, or all when none is named."""
        if not agent.teams:
            return tuple(q.name for q in self.queues)
        return tuple(q.name for q in self.queues if q.team in agent.teams)

    def can_answer(self, agent: Agent, queue: Queue) -> bool:
        """Whether the agent serves the queue and has the skills it needs."""
        levels = dict(agent.skills)
        skilled = all(levels.get(skill, 0) >= level for skill, level in queue.skills)
        return skilled and queue.name in self.queues_of(agent)
