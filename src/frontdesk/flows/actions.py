"""What a flow run asks its driver (telephony, or the `flow test` walker) to do.

A run gives back a list of actions to perform in order. What the run waits for next follows
from the last one: after `Say`/`Play`, `speech_done()`; after `CollectDigits`, keys or
`timeout()`; after `Lookup`, `lookup_result()` or `timeout()`; after `Enqueue`, `Transfer` or
`Forward`, possibly `agent_left()` or `handoff_failed()`; after `Hangup`, nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    language: str
    voice: str


@dataclass(frozen=True, slots=True)
class Play:
    file: str


@dataclass(frozen=True, slots=True)
class CollectDigits:
    """Collect keys, including those pressed during the prompts just before (barge-in);
    `timeout_s` counts from the end of those prompts. `terminator` "" means none."""

    max_digits: int
    timeout_s: float
    terminator: str = ""


@dataclass(frozen=True, slots=True)
class Lookup:
    source: str  # "crm" or "http"
    key: str  # CRM: the number or account id to find; HTTP: the URL
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Enqueue:
    queue: str
    skills: tuple[tuple[str, int], ...]
    priority: int
    preferred_agent: str | None
    language: str  # the language skill the agent needs


@dataclass(frozen=True, slots=True)
class Voicemail:
    team: str
    promise: str  # what the caller was promised, kept with the message
    max_s: int


@dataclass(frozen=True, slots=True)
class BookCallback:
    """The caller asked to be called back: as soon as possible (no bounds) or in a window
    (Unix wall times)."""

    queue: str
    number: str
    language: str
    not_before: float | None = None
    not_after: float | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    kind: str  # number, agent or team
    to: str


@dataclass(frozen=True, slots=True)
class Forward:
    number: str | None  # a mobile number, or
    agent: str | None  # an agent whose mobile the company file knows
    ring_s: int


@dataclass(frozen=True, slots=True)
class SurveyRating:
    survey: str  # the survey node's id
    rating: int
    scale: int


@dataclass(frozen=True, slots=True)
class SetVar:
    """A flow variable changed; drivers attach these to the call (screen pop, CRM notes)."""

    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str


Action = (
    Say
    | Play
    | CollectDigits
    | Lookup
    | Enqueue
    | Voicemail
    | BookCallback
    | Transfer
    | Forward
    | SurveyRating
    | SetVar
    | Hangup
)
