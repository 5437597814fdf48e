"""The validated flow model: frozen dataclasses the loader builds and the interpreter runs.

Every node knows its source line, the nodes it can lead to (`targets`), whether it hands the
call over and so ends the flow's own path (`ENDS`), and whether it waits for the caller's keys
(`ASKS`) — the two facts the validator's dead-end and endless-loop checks rest on.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from frontdesk.flows.errors import Problem
from frontdesk.flows.expr import Expr
from frontdesk.flows.hours import Schedule
from frontdesk.flows.template import Template


@dataclass(frozen=True, slots=True)
class Text:
    """Words to speak, one template per language; the language "" serves any language."""

    variants: tuple[tuple[str, Template], ...]

    def pick(self, language: str, default: str) -> Template:
        table = dict(self.variants)
        for wanted in (language, default, ""):
            if wanted in table:
                return table[wanted]
        return self.variants[0][1]

    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.variants)


@dataclass(frozen=True, slots=True)
class NodeBase:
    TYPE: ClassVar[str] = ""
    ENDS: ClassVar[bool] = False
    ASKS: ClassVar[bool] = False

    id: str
    line: int

    def targets(self) -> tuple[tuple[str, str], ...]:
        """(label, node id) of every node this one can continue to."""
        return ()


@dataclass(frozen=True, slots=True)
class Say(NodeBase):
    TYPE = "say"
    text: Text
    next: str
    voice: str | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)


@dataclass(frozen=True, slots=True)
class Play(NodeBase):
    TYPE = "play"
    file: Text
    next: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)


@dataclass(frozen=True, slots=True)
class MenuOption:
    key: str | None  # None: numbered 1, 2, ... among the options this caller is offered
    label: Text
    condition: Expr | None
    goto: str
    line: int


@dataclass(frozen=True, slots=True)
class Menu(NodeBase):
    TYPE = "menu"
    ASKS = True
    prompt: Text | None
    options: tuple[MenuOption, ...]
    on_fail: str
    timeout_s: float = 5.0
    retries: int = 2
    invalid: Text | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        labels = (o.key or f"option {i}" for i, o in enumerate(self.options, 1))
        pairs = tuple(zip(labels, (o.goto for o in self.options), strict=True))
        return (*pairs, ("on_fail", self.on_fail))


@dataclass(frozen=True, slots=True)
class Gather(NodeBase):
    TYPE = "gather"
    ASKS = True
    prompt: Text
    into: str
    next: str
    on_fail: str
    min_digits: int = 1
    max_digits: int = 16
    terminator: str = "#"
    timeout_s: float = 5.0
    retries: int = 2
    valid: Expr | None = None
    invalid: Text | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next), ("on_fail", self.on_fail))


class LookupSource(enum.StrEnum):
    CRM = "crm"
    HTTP = "http"


@dataclass(frozen=True, slots=True)
class Lookup(NodeBase):
    TYPE = "lookup"
    source: LookupSource
    key: Template | None  # CRM: what to look up (a number or an account id)
    url: Template | None  # HTTP: a JSON source
    into: str  # variable receiving the record; "crm" replaces the caller's CRM record
    next: str
    on_error: str
    timeout_s: float = 3.0

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("found", self.next), ("on_error", self.on_error))


@dataclass(frozen=True, slots=True)
class Case:
    condition: Expr
    goto: str
    line: int
    source: str = ""  # the condition as written, for diagrams and messages


@dataclass(frozen=True, slots=True)
class Branch(NodeBase):
    TYPE = "branch"
    cases: tuple[Case, ...]
    otherwise: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        pairs = tuple((f"case {i}", case.goto) for i, case in enumerate(self.cases, 1))
        return (*pairs, ("else", self.otherwise))


@dataclass(frozen=True, slots=True)
class Hours(NodeBase):
    TYPE = "hours"
    schedule: Schedule
    open: str
    closed: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("open", self.open), ("closed", self.closed))


@dataclass(frozen=True, slots=True)
class SetVars(NodeBase):
    TYPE = "set"
    values: tuple[tuple[str, Expr], ...]
    next: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)


@dataclass(frozen=True, slots=True)
class Queue(NodeBase):
    TYPE = "queue"
    ENDS = True
    queue: Template
    skills: tuple[tuple[str, int], ...] = ()
    priority: Expr | None = None
    preferred_agent: Template | None = None
    language: Template | None = None  # default: the language the flow speaks to this caller
    after: str | None = None  # where the caller goes when the agent hangs up first

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("after", self.after),) if self.after else ()


@dataclass(frozen=True, slots=True)
class Voicemail(NodeBase):
    TYPE = "voicemail"
    ENDS = True
    team: Template
    promise: Text
    max_s: int = 120


@dataclass(frozen=True, slots=True)
class CallbackWindow:
    label: Text
    day_offset: int  # 0 today, 1 tomorrow, ...
    start: dt.time
    end: dt.time
    line: int


@dataclass(frozen=True, slots=True)
class Callback(NodeBase):
    TYPE = "callback"
    ENDS = True
    ASKS = True
    queue: Template
    windows: tuple[CallbackWindow, ...]
    prompt: Text | None = None
    timeout_s: float = 5.0
    retries: int = 2


class TransferKind(enum.StrEnum):
    NUMBER = "number"
    AGENT = "agent"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class Transfer(NodeBase):
    TYPE = "transfer"
    ENDS = True
    kind: TransferKind
    to: Template
    on_fail: str | None = None  # where the caller goes when the destination does not answer
    after: str | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        pairs = (("on_fail", self.on_fail), ("after", self.after))
        return tuple((label, target) for label, target in pairs if target)


@dataclass(frozen=True, slots=True)
class Forward(NodeBase):
    TYPE = "forward"
    ENDS = True
    number: Template | None  # a mobile number, or
    agent: Template | None  # an agent whose mobile the company file knows
    ring_s: int = 25
    on_fail: str | None = None
    after: str | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        pairs = (("on_fail", self.on_fail), ("after", self.after))
        return tuple((label, target) for label, target in pairs if target)


@dataclass(frozen=True, slots=True)
class Survey(NodeBase):
    TYPE = "survey"
    ASKS = True
    next: str
    question: Text | None = None
    scale: int = 5
    timeout_s: float = 5.0
    retries: int = 1

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)


@dataclass(frozen=True, slots=True)
class Hangup(NodeBase):
    TYPE = "hangup"
    ENDS = True
    reason: str = "flow finished"


Node = (
    Say
    | Play
    | Menu
    | Gather
    | Lookup
    | Branch
    | Hours
    | SetVars
    | Queue
    | Voicemail
    | Callback
    | Transfer
    | Forward
    | Survey
    | Hangup
)
NODE_TYPES: tuple[type[NodeBase], ...] = (
    Say, Play, Menu, Gather, Lookup, Branch, Hours, SetVars,
    Queue, Voicemail, Callback, Transfer, Forward, Survey, Hangup,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    line: int
    start: str
    nodes: Mapping[str, Node]
    languages: tuple[str, ...] = ("en",)
    timezone: str = "UTC"
    voices: Mapping[str, str] | None = None

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def voice(self, language: str) -> str:
        return (self.voices or {}).get(language, language)


@dataclass(frozen=True, slots=True)
class FlowSet:
    """Every flow of one flows file, checked; `warnings` are what the validator advised."""

    source: str
    flows: Mapping[str, Flow]
    warnings: tuple[Problem, ...] = ()
