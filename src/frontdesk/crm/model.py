"""What the CRM knows, as frozen values: contacts, accounts, cases, interactions, facts.

`CallerProfile` is what a lookup by caller number answers: everything the IVR needs to
personalise a call and an agent's screen pop needs to show, gathered in one value. Times are
wall-clock seconds since the Unix epoch (UTC); ids are the database's integers, or None for
profiles that came from an external CRM over HTTP.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VIP_TIER = "vip"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    PENDING = "pending"  # waiting for the customer or a third party
    CLOSED = "closed"


# Which status changes a case may make; anything else is refused with the reason.
CASE_TRANSITIONS: frozenset[tuple[CaseStatus, CaseStatus]] = frozenset(
    {
        (CaseStatus.OPEN, CaseStatus.PENDING),
        (CaseStatus.OPEN, CaseStatus.CLOSED),
        (CaseStatus.PENDING, CaseStatus.OPEN),
        (CaseStatus.PENDING, CaseStatus.CLOSED),
        (CaseStatus.CLOSED, CaseStatus.OPEN),  # reopened: the customer called back about it
    }
)


class CaseEventKind(enum.StrEnum):
    OPENED = "opened"
    STATUS = "status"
    TOPIC = "topic"
    NOTE = "note"
    IMPORTED = "imported"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Outcome(enum.StrEnum):
    """How an interaction ended, from the caller's point of view."""

    ANSWERED = "answered"  # talked with an agent
    SELF_SERVICE = "self_service"  # done in the IVR
    ABANDONED = "abandoned"  # hung up while queued
    CALLBACK = "callback"  # left the queue keeping their place for a callback
    VOICEMAIL = "voicemail"
    TRANSFERRED = "transferred"
    NO_ANSWER = "no_answer"  # an outbound call nobody picked up


@dataclass(frozen=True, slots=True)
class Account:
    id: int | None
    name: str
    tier: str | None = None
    owner: str | None = None  # agent id of the account owner
    team: str | None = None
    external_id: str | None = None

    @property
    def is_vip(self) -> bool:
        return self.tier is not None and self.tier.lower() == VIP_TIER


@dataclass(frozen=True, slots=True)
class Contact:
    id: int | None
    first_name: str
    last_name: str
    numbers: tuple[str, ...] = ()  # E.164
    account_id: int | None = None
    language: str | None = None
    email: str | None = None
    notes: str = ""
    external_id: str | None = None

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Case:
    id: int | None
    topic: str
    status: CaseStatus
    opened_at: float
    updated_at: float
    contact_id: int | None = None
    account_id: int | None = None
    closed_at: float | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class CaseEvent:
    case_id: int
    at: float
    kind: CaseEventKind
    status: CaseStatus | None = None
    text: str | None = None  # the note, or the new topic
    by: str | None = None  # agent id, or None for the system


@dataclass(frozen=True, slots=True)
class Interaction:
    id: int | None
    call_id: str
    at: float
    direction: Direction
    outcome: Outcome
    contact_id: int | None = None
    number: str | None = None
    queue: str | None = None
    agent: str | None = None
    duration_s: float = 0.0
    notes: str = ""
    recording: str | None = None  # path of the recording file


@dataclass(frozen=True, slots=True)
class Fact:
    """Self-service data about a contact, e.g. a delivery booked for a time window."""

    id: int | None
    kind: str
    summary: str
    starts_at: float | None = None
    ends_at: float | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    contact_id: int | None = None
    account_id: int | None = None


@dataclass(frozen=True, slots=True)
class CallerProfile:
    """Who is calling, as far as the CRM knows; the answer of a lookup by number."""

    number: str  # the caller's number in E.164, as matched
    contact: Contact
    account: Account | None = None
    products: tuple[Product, ...] = ()
    open_cases: tuple[Case, ...] = ()  # newest first
    recent_interactions: tuple[Interaction, ...] = ()  # newest first
    facts: tuple[Fact, ...] = ()  # soonest first
    source: str = "local"  # "local", or the name of the connector that answered

    @property
    def is_vip(self) -> bool:
        return self.account is not None and self.account.is_vip

    @property
    def owner(self) -> str | None:
        return self.account.owner if self.account is not None else None

    @property
    def language(self) -> str | None:
        return self.contact.language
