"""What the routing engine is told: queue, agent, caller and engine settings as value objects.

These are the inputs that do not change per call. They are validated when the engine is given
them (`validate_queue`, `validate_agent`), so that a bad setting is refused with a clear sentence
before it can change anything.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from frontdesk.acd.errors import ConfigurationError


class Strategy(enum.Enum):
    """How the engine chooses among several free agents who may take a caller."""

    LONGEST_IDLE = "longest-idle"
    FEWEST_CALLS = "fewest-calls"
    LEAST_TALK_TIME = "least-talk-time"
    BEST_SKILL = "best-skill"
    ROUND_ROBIN = "round-robin"
    RANDOM = "random"
    RING_ALL = "ring-all"

    # members are singletons compared by identity; the default Enum hash is Python code
    __hash__ = object.__hash__


class EmptyRule(enum.Enum):
    """When a queue counts as empty for join-when-empty / leave-when-empty."""

    IGNORE = "ignore"  # never empty: callers join and stay regardless of agents
    NO_AGENT_LOGGED_IN = "no-agent-logged-in"
    NO_AGENT_WORKING = "no-agent-working"  # every member logged out or on break


class ServiceLevel(enum.Enum):
    """The industry's service-level definitions, by name; the analytics context computes them."""

    ANSWERED_WITHIN_OF_ANSWERED = "answered-within/answered"
    ANSWERED_WITHIN_OF_ANSWERED_AND_ABANDONED = "answered-within/(answered+abandoned)"
    WITHIN_OF_OFFERED = "(answered-within+abandoned-within)/offered"
    ANSWERED_WITHIN_OF_OFFERED_LESS_SHORT = "answered-within/(offered-short-abandons)"


class Priority:
    """Suggested caller priorities (higher is served first); any int is accepted."""

    NORMAL = 0
    OPEN_CASE = 10
    CALLBACK = 20
    VIP = 30


@dataclass(frozen=True, slots=True)
class Overflow:
    """Move the caller to another queue; their age (entry time) goes with them."""

    queue: str


@dataclass(frozen=True, slots=True)
class ToVoicemail:
    """Take the caller out of the line and let them leave a message."""


@dataclass(frozen=True, slots=True)
class OfferCallback:
    """Ask the caller whether they want a callback; they keep waiting unless they accept."""


@dataclass(frozen=True, slots=True)
class Reject:
    """Tell the caller the queue cannot take them now and end the call."""


ExitAction = Overflow | ToVoicemail | OfferCallback | Reject


@dataclass(frozen=True, slots=True)
class Ring:
    """From `after` seconds in the queue on, agents matching `requirement` may take the caller."""

    after: float
    requirement: str


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    rings: tuple[Ring, ...] = (Ring(0.0, "true"),)
    priority: int = 0
    strategy: Strategy = Strategy.LONGEST_IDLE
    target_answer_time: float = 20.0
    service_level: ServiceLevel = ServiceLevel.ANSWERED_WITHIN_OF_ANSWERED
    max_wait: float | None = None
    on_max_wait: ExitAction = ToVoicemail()
    max_length: int | None = None
    on_full: ExitAction = Reject()
    join_when_empty: EmptyRule = EmptyRule.IGNORE
    leave_when_empty: EmptyRule = EmptyRule.IGNORE
    on_empty: ExitAction = ToVoicemail()
    wrap_up: float = 0.0
    ring_timeout: float | None = 20.0
    retry_missed_agent_after: float = 60.0
    preferred_agent_for: float = 30.0
    resume_place_within: float = 0.0
    callback_max_attempts: int = 3
    callback_retry_after: float = 300.0
    callback_promise_grace: float = 300.0
    callbacks_per_slot: int | None = None
    scheduled_callback_priority: int = Priority.CALLBACK
    ring_all_limit: int = 10


@dataclass(frozen=True, slots=True)
class AgentSpec:
    id: str
    queues: tuple[str, ...]
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en",)
    name: str = ""


@dataclass(frozen=True, slots=True)
class ContactSpec:
    """A caller arriving in a queue. `caller` identifies them across calls (number or account)."""

    id: str
    queue: str
    priority: int = Priority.NORMAL
    language: str = ""
    account: str = ""
    caller: str = ""
    preferred_agent: str | None = None
    preferred_for: float | None = None
    entered_at: float | None = None
    attributes: Mapping[str, str | int] = field(default_factory=dict)

    def attribute_map(self) -> dict[str, str | int | float | bool | frozenset[str]]:
        values: dict[str, str | int | float | bool | frozenset[str]] = dict(self.attributes)
        values.update(language=self.language, account=self.account, priority=self.priority)
        return values


@dataclass(frozen=True, slots=True)
class EngineConfig:
    max_consecutive_misses: int = 3
    missed_calls_reason: str = "missed calls"
    callback_slot_seconds: float = 900.0
    history_size: int = 500
    min_history: int = 20
    explanation_candidates: int = 5
    max_overflow_hops: int = 5
    closed_contacts_kept: int = 10_000


_RESERVED_SKILLS = frozenset({"language", "id", "and", "or", "not", "true", "false"})


def validate_queue(config: QueueConfig) -> None:
    if not config.name:
        raise ConfigurationError("a queue needs a name")
    if not config.rings or config.rings[0].after != 0:
        raise ConfigurationError(f"queue {config.name}: the first ring must start at 0 seconds")
    afters = [ring.after for ring in config.rings]
    if afters != sorted(set(afters)):
        raise ConfigurationError(
            f"queue {config.name}: ring start times must increase strictly, got {afters}"
        )
    for what, action in (("max wait", config.on_max_wait), ("full", config.on_full)):
        if isinstance(action, Overflow) and action.queue == config.name:
            raise ConfigurationError(f"queue {config.name}: on {what} cannot overflow to itself")
    if isinstance(config.on_full, OfferCallback):
        raise ConfigurationError(
            f"queue {config.name}: a full queue cannot offer a callback (the caller has no place"
            " to keep); use overflow, voicemail or reject"
        )
    for name, value in (
        ("max_length", config.max_length),
        ("callbacks_per_slot", config.callbacks_per_slot),
    ):
        if value is not None and value < 1:
            raise ConfigurationError(f"queue {config.name}: {name} must be at least 1")
    if config.callback_max_attempts < 1 or config.ring_all_limit < 1:
        raise ConfigurationError(
            f"queue {config.name}: callback_max_attempts and ring_all_limit must be at least 1"
        )
    if config.wrap_up < 0 or (config.max_wait is not None and config.max_wait <= 0):
        raise ConfigurationError(f"queue {config.name}: wrap_up and max_wait must be positive")


def validate_agent(spec: AgentSpec) -> None:
    if not spec.id:
        raise ConfigurationError("an agent needs an id")
    for skill, level in spec.skills.items():
        if skill in _RESERVED_SKILLS:
            raise ConfigurationError(f"agent {spec.id}: {skill!r} is a reserved word, not a skill")
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise ConfigurationError(
                f"agent {spec.id}: proficiency in {skill} must be a whole number from 1 to 5,"
                f" got {level!r}"
            )
    if not spec.queues:
        raise ConfigurationError(f"agent {spec.id} serves no queue")
