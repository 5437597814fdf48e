"""Agent presence and contact lifecycle as data: state enums, one transition table each.

Handlers in the engine never assign a state directly; they ask `agent_next` / `contact_next`,
which refuse a transition the table does not list. The Mermaid diagrams in docs/acd.md are
drawn from these tables by `mermaid()` (a test keeps the document in sync).
"""

from __future__ import annotations

import enum

from frontdesk.acd.errors import IllegalTransition


class AgentState(enum.Enum):
    LOGGED_OUT = "logged-out"
    AVAILABLE = "available"
    RESERVED = "reserved"  # an offer is ringing the agent
    ON_CALL = "on-call"
    WRAP_UP = "wrap-up"
    ON_BREAK = "on-break"

    # members are singletons compared by identity; the default Enum hash is Python code
    __hash__ = object.__hash__


class AgentTrigger(enum.Enum):
    LOGIN = "login"
    LOGOUT = "logout"
    OFFER = "offer"
    ANSWER = "answer"
    MISS = "miss"
    MISS_LIMIT = "miss-limit"  # the Nth missed offer in a row: automatic break
    CANCEL = "cancel"  # caller hung up while ringing, or another agent answered a ring-all
    HANG_UP = "hang-up"
    WRAP_DONE = "wrap-done"
    BREAK = "break"
    READY = "ready"

    # members are singletons compared by identity; the default Enum hash is Python code
    __hash__ = object.__hash__


_A = AgentState
_AT = AgentTrigger
AGENT_TRANSITIONS: dict[tuple[AgentState, AgentTrigger], AgentState] = {
    (_A.LOGGED_OUT, _AT.LOGIN): _A.AVAILABLE,
    (_A.AVAILABLE, _AT.OFFER): _A.RESERVED,
    (_A.AVAILABLE, _AT.BREAK): _A.ON_BREAK,
    (_A.AVAILABLE, _AT.LOGOUT): _A.LOGGED_OUT,
    (_A.RESERVED, _AT.ANSWER): _A.ON_CALL,
    (_A.RESERVED, _AT.MISS): _A.AVAILABLE,
    (_A.RESERVED, _AT.MISS_LIMIT): _A.ON_BREAK,
    (_A.RESERVED, _AT.CANCEL): _A.AVAILABLE,
    (_A.ON_CALL, _AT.HANG_UP): _A.WRAP_UP,
    (_A.WRAP_UP, _AT.WRAP_DONE): _A.AVAILABLE,
    (_A.WRAP_UP, _AT.READY): _A.AVAILABLE,
    (_A.WRAP_UP, _AT.BREAK): _A.ON_BREAK,
    (_A.WRAP_UP, _AT.LOGOUT): _A.LOGGED_OUT,
    (_A.ON_BREAK, _AT.READY): _A.AVAILABLE,
    (_A.ON_BREAK, _AT.BREAK): _A.ON_BREAK,
    (_A.ON_BREAK, _AT.LOGOUT): _A.LOGGED_OUT,
}


class ContactState(enum.Enum):
    NEW = "new"
    WAITING = "waiting"
    OFFERED = "offered"
    CALLBACK_SCHEDULED = "callback-scheduled"
    CALLBACK_WAITING = "callback-waiting"  # a virtual contact keeping the caller's place
    CALLBACK_OFFERED = "callback-offered"
    CALLBACK_DIALING = "callback-dialing"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    VOICEMAIL = "voicemail"
    REJECTED = "rejected"
    CALLBACK_CONNECTED = "callback-connected"
    CALLBACK_FAILED = "callback-failed"
    CANCELLED = "cancelled"

    # members are singletons compared by identity; the default Enum hash is Python code
    __hash__ = object.__hash__


TERMINAL_STATES = frozenset(
    {
        ContactState.ANSWERED,
        ContactState.ABANDONED,
        ContactState.VOICEMAIL,
        ContactState.REJECTED,
        ContactState.CALLBACK_CONNECTED,
        ContactState.CALLBACK_FAILED,
        ContactState.CANCELLED,
    }
)
IN_LINE_STATES = frozenset({ContactState.WAITING, ContactState.CALLBACK_WAITING})


class ContactTrigger(enum.Enum):
    QUEUE = "queue"
    OVERFLOW = "overflow"
    OFFER = "offer"
    MISS = "miss"
    ACCEPT = "accept"
    ABANDON = "abandon"
    VOICEMAIL = "voicemail"
    REJECT = "reject"
    REQUEST_CALLBACK = "request-callback"
    SCHEDULE_CALLBACK = "schedule-callback"
    CALLBACK_DUE = "callback-due"
    CONNECTED = "connected"
    RETRY = "retry"
    GIVE_UP = "give-up"
    CANCEL = "cancel"

    # members are singletons compared by identity; the default Enum hash is Python code
    __hash__ = object.__hash__


_C = ContactState
_CT = ContactTrigger
CONTACT_TRANSITIONS: dict[tuple[ContactState, ContactTrigger], ContactState] = {
    (_C.NEW, _CT.QUEUE): _C.WAITING,
    (_C.NEW, _CT.REJECT): _C.REJECTED,
    (_C.NEW, _CT.VOICEMAIL): _C.VOICEMAIL,
    (_C.NEW, _CT.SCHEDULE_CALLBACK): _C.CALLBACK_SCHEDULED,
    (_C.WAITING, _CT.OVERFLOW): _C.WAITING,
    (_C.WAITING, _CT.OFFER): _C.OFFERED,
    (_C.WAITING, _CT.ABANDON): _C.ABANDONED,
    (_C.WAITING, _CT.VOICEMAIL): _C.VOICEMAIL,
    (_C.WAITING, _CT.REJECT): _C.REJECTED,
    (_C.WAITING, _CT.REQUEST_CALLBACK): _C.CALLBACK_WAITING,
    (_C.WAITING, _CT.SCHEDULE_CALLBACK): _C.CALLBACK_SCHEDULED,
    (_C.OFFERED, _CT.MISS): _C.WAITING,
    (_C.OFFERED, _CT.ACCEPT): _C.ANSWERED,
    (_C.OFFERED, _CT.ABANDON): _C.ABANDONED,
    (_C.CALLBACK_SCHEDULED, _CT.CALLBACK_DUE): _C.CALLBACK_WAITING,
    (_C.CALLBACK_SCHEDULED, _CT.CANCEL): _C.CANCELLED,
    (_C.CALLBACK_WAITING, _CT.OFFER): _C.CALLBACK_OFFERED,
    (_C.CALLBACK_WAITING, _CT.CANCEL): _C.CANCELLED,
    (_C.CALLBACK_OFFERED, _CT.MISS): _C.CALLBACK_WAITING,
    (_C.CALLBACK_OFFERED, _CT.ACCEPT): _C.CALLBACK_DIALING,
    (_C.CALLBACK_OFFERED, _CT.CANCEL): _C.CANCELLED,
    (_C.CALLBACK_DIALING, _CT.CONNECTED): _C.CALLBACK_CONNECTED,
    (_C.CALLBACK_DIALING, _CT.RETRY): _C.CALLBACK_SCHEDULED,
    (_C.CALLBACK_DIALING, _CT.GIVE_UP): _C.CALLBACK_FAILED,
}


def agent_next(agent_id: str, state: AgentState, trigger: AgentTrigger) -> AgentState:
    nxt = AGENT_TRANSITIONS.get((state, trigger))
    if nxt is None:
        allowed = sorted(t.value for (s, t) in AGENT_TRANSITIONS if s is state)
        raise IllegalTransition(
            f"agent {agent_id} cannot {trigger.value} while {state.value}"
            f" (allowed while {state.value}: {', '.join(allowed) or 'nothing'})"
        )
    return nxt


def contact_next(contact_id: str, state: ContactState, trigger: ContactTrigger) -> ContactState:
    nxt = CONTACT_TRANSITIONS.get((state, trigger))
    if nxt is None:
        raise IllegalTransition(f"contact {contact_id} cannot {trigger.value} while {state.value}")
    return nxt


def mermaid(
    table: dict[tuple[AgentState, AgentTrigger], AgentState]
    | dict[tuple[ContactState, ContactTrigger], ContactState],
    initial: enum.Enum,
    terminal: frozenset[ContactState] = frozenset(),
) -> str:
    """A Mermaid state diagram drawn from a transition table (start and end marks included)."""

    def node(state: enum.Enum) -> str:
        return state.name.lower()

    lines = ["stateDiagram-v2", f"    [*] --> {node(initial)}"]
    for (source, trigger), target in table.items():
        lines.append(f"    {node(source)} --> {node(target)}: {trigger.value}")
    lines.extend(f"    {node(state)} --> [*]" for state in ContactState if state in terminal)
    return "\n".join(lines)


def agent_diagram() -> str:
    return mermaid(AGENT_TRANSITIONS, AgentState.LOGGED_OUT)


def contact_diagram() -> str:
    return mermaid(CONTACT_TRANSITIONS, ContactState.NEW, TERMINAL_STATES)
