"""What the routing engine gives back: decisions to act on, and typed events for the event log.

Decisions are what the telephony layer must do now (ring these agents, send this caller to
voicemail, dial this callback). Events record every change with enough data to compute the
metrics of DESIGN.md (offered, answered with wait, abandoned with wait and position, callbacks
and promises, agent states with reasons, talk and wrap-up). `to_record()` turns an event into
the (kind, call_id, data) triple the event log stores.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

# ---------------------------------------------------------------- decisions


@dataclass(frozen=True, slots=True)
class Offer:
    """Ring these agents for this contact (several agents only for ring-all queues)."""

    contact_id: str
    queue: str
    agent_ids: tuple[str, ...]
    callback: bool
    ring_timeout: float | None


@dataclass(frozen=True, slots=True)
class CancelOffer:
    contact_id: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class DialCallback:
    """The agent accepted a callback: dial the customer and bridge them to the agent."""

    contact_id: str
    agent_id: str
    number: str
    attempt: int


@dataclass(frozen=True, slots=True)
class SendToVoicemail:
    contact_id: str
    queue: str
    reason: str


@dataclass(frozen=True, slots=True)
class PromptCallback:
    """Ask the caller whether they would like to be called back instead of waiting."""

    contact_id: str
    queue: str
    reason: str


@dataclass(frozen=True, slots=True)
class RejectContact:
    contact_id: str
    queue: str
    reason: str


Decision = Offer | CancelOffer | DialCallback | SendToVoicemail | PromptCallback | RejectContact

# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class AcdEvent:
    kind: ClassVar[str] = "acd.event"
    at: float

    def to_record(self) -> tuple[str, str | None, dict[str, Any]]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data.pop("at")
        call_id = data.get("contact_id")
        return self.kind, call_id if isinstance(call_id, str) else None, data

    def get(self, name: str, default: Any = None) -> Any:
        """A field by name, as `to_record()`'s data gives it, without building that dict: the
        simulator hands events to the analytics derivation this way."""
        return getattr(self, name, default) if name != "at" else default


@dataclass(frozen=True, slots=True)
class QueueConfigured(AcdEvent):
    kind: ClassVar[str] = "acd.queue_configured"
    queue: str
    priority: int
    strategy: str
    target_answer_time: float
    service_level: str


@dataclass(frozen=True, slots=True)
class AgentStateChanged(AcdEvent):
    kind: ClassVar[str] = "acd.agent_state"
    agent_id: str
    old: str
    new: str
    trigger: str
    reason: str


@dataclass(frozen=True, slots=True)
class ContactQueued(AcdEvent):
    kind: ClassVar[str] = "acd.queued"
    contact_id: str
    queue: str
    priority: int
    entered_at: float
    position: int
    ring: int
    requirement: str
    callback: bool
    resumed_from: str | None


@dataclass(frozen=True, slots=True)
class ContactRejected(AcdEvent):
    kind: ClassVar[str] = "acd.rejected"
    contact_id: str
    queue: str
    reason: str


@dataclass(frozen=True, slots=True)
class ContactRelaxed(AcdEvent):
    kind: ClassVar[str] = "acd.relaxed"
    contact_id: str
    queue: str
    ring: int
    requirement: str


@dataclass(frozen=True, slots=True)
class PreferenceWidened(AcdEvent):
    kind: ClassVar[str] = "acd.preference_widened"
    contact_id: str
    queue: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ContactOffered(AcdEvent):
    kind: ClassVar[str] = "acd.offered"
    contact_id: str
    queue: str
    agent_ids: tuple[str, ...]
    wait: float
    callback: bool
    rule: str


@dataclass(frozen=True, slots=True)
class OfferMissed(AcdEvent):
    kind: ClassVar[str] = "acd.offer_missed"
    contact_id: str
    agent_id: str
    misses_in_row: int


@dataclass(frozen=True, slots=True)
class OfferCancelled(AcdEvent):
    kind: ClassVar[str] = "acd.offer_cancelled"
    contact_id: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ContactAnswered(AcdEvent):
    kind: ClassVar[str] = "acd.answered"
    contact_id: str
    queue: str
    agent_id: str
    wait: float
    target_answer_time: float


@dataclass(frozen=True, slots=True)
class ContactAbandoned(AcdEvent):
    kind: ClassVar[str] = "acd.abandoned"
    contact_id: str
    queue: str
    wait: float
    position: int


@dataclass(frozen=True, slots=True)
class ContactOverflowed(AcdEvent):
    kind: ClassVar[str] = "acd.overflowed"
    contact_id: str
    from_queue: str
    to_queue: str
    wait: float
    reason: str


@dataclass(frozen=True, slots=True)
class ContactToVoicemail(AcdEvent):
    kind: ClassVar[str] = "acd.voicemail"
    contact_id: str
    queue: str
    wait: float
    reason: str


@dataclass(frozen=True, slots=True)
class CallbackOffered(AcdEvent):
    kind: ClassVar[str] = "acd.callback_offered"
    contact_id: str
    queue: str
    wait: float
    reason: str


@dataclass(frozen=True, slots=True)
class CallbackRequested(AcdEvent):
    kind: ClassVar[str] = "acd.callback_requested"
    contact_id: str
    queue: str
    number: str
    promised_at: float | None
    wait: float


@dataclass(frozen=True, slots=True)
class CallbackAttempted(AcdEvent):
    kind: ClassVar[str] = "acd.callback_attempted"
    contact_id: str
    queue: str
    agent_id: str
    attempt: int
    promised_at: float | None


@dataclass(frozen=True, slots=True)
class CallbackConnected(AcdEvent):
    kind: ClassVar[str] = "acd.callback_connected"
    contact_id: str
    queue: str
    agent_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class CallbackAttemptFailed(AcdEvent):
    kind: ClassVar[str] = "acd.callback_failed_attempt"
    contact_id: str
    queue: str
    agent_id: str
    attempt: int
    outcome: str
    retry_at: float | None


@dataclass(frozen=True, slots=True)
class CallbackPromiseMissed(AcdEvent):
    kind: ClassVar[str] = "acd.callback_promise_missed"
    contact_id: str
    queue: str
    promised_at: float


@dataclass(frozen=True, slots=True)
class CallEnded(AcdEvent):
    kind: ClassVar[str] = "acd.call_ended"
    contact_id: str
    queue: str
    agent_id: str
    talk_time: float
    wrap_up: float


@dataclass(frozen=True, slots=True)
class ContactClosed(AcdEvent):
    """The one terminal event of every contact: how it ended and after how long."""

    kind: ClassVar[str] = "acd.closed"
    contact_id: str
    queue: str
    outcome: str
    wait: float


def _direct_init(cls: type) -> None:
    """Gives a frozen, slotted dataclass an `__init__` that fills its slots directly.

    The generated `__init__` of a frozen dataclass goes through `object.__setattr__` for each
    field; routing emits four or five events per decision, so that cost shows. This one has
    the same parameters and leaves the same object behind, using the slot descriptors' own
    setters (no defaults exist on these classes, which keeps the signature identical).
    """
    fields = dataclasses.fields(cls)
    assert all(f.default is dataclasses.MISSING for f in fields), cls
    names = [f.name for f in fields]
    setters = {f"_set_{name}": getattr(cls, name).__set__ for name in names}
    lines = [f"def __init__(self, {', '.join(names)}):"]
    lines += [f"    _set_{name}(self, {name})" for name in names]
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), setters, namespace)  # the way dataclasses builds __init__ too
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]


# (not AcdEvent.__subclasses__(): slots=True replaces each class, the old ones linger there)
for _cls in list(globals().values()):
    if isinstance(_cls, type) and dataclasses.is_dataclass(_cls) and _cls.__module__ == __name__:
        _direct_init(_cls)
