"""Routing engine (ACD): which caller goes to which agent, when, and what to tell them.

A pure domain package: no asyncio, sockets, database or system clock. It is fed inputs with an
injected `Clock` and `random.Random`, and returns decisions and typed events. See docs/acd.md.
"""

from frontdesk.acd.engine import RoutingEngine
from frontdesk.acd.errors import (
    AcdError,
    ConfigurationError,
    ExpressionError,
    IllegalTransition,
    UnknownEntity,
)
from frontdesk.acd.estimate import WaitEstimate
from frontdesk.acd.events import (
    AcdEvent,
    CancelOffer,
    Decision,
    DialCallback,
    Offer,
    PromptCallback,
    RejectContact,
    SendToVoicemail,
)
from frontdesk.acd.model import (
    AgentSpec,
    ContactSpec,
    EmptyRule,
    EngineConfig,
    ExitAction,
    OfferCallback,
    Overflow,
    Priority,
    QueueConfig,
    Reject,
    Ring,
    ServiceLevel,
    Strategy,
    ToVoicemail,
)
from frontdesk.acd.states import AgentState, ContactState, agent_diagram, contact_diagram

__all__ = [
    "AcdError",
    "AcdEvent",
    "AgentSpec",
    "AgentState",
    "CancelOffer",
    "ConfigurationError",
    "ContactSpec",
    "ContactState",
    "Decision",
    "DialCallback",
    "EmptyRule",
    "EngineConfig",
    "ExitAction",
    "ExpressionError",
    "IllegalTransition",
    "Offer",
    "OfferCallback",
    "Overflow",
    "Priority",
    "PromptCallback",
    "QueueConfig",
    "Reject",
    "RejectContact",
    "Ring",
    "RoutingEngine",
    "SendToVoicemail",
    "ServiceLevel",
    "Strategy",
    "ToVoicemail",
    "UnknownEntity",
    "WaitEstimate",
    "agent_diagram",
    "contact_diagram",
]
