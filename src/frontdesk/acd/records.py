"""The engine's mutable working records for agents, contacts and queues (internal)."""

from __future__ import annotations

from dataclasses import dataclass, field

from frontdesk.acd.estimate import QueueHistory
from frontdesk.acd.explain import Notes
from frontdesk.acd.lines import CompiledRing, Line, Requirement, SortKey
from frontdesk.acd.model import AgentSpec, ContactSpec, QueueConfig
from frontdesk.acd.states import AgentState, ContactState
from frontdesk.acd.timers import TimerKind


@dataclass(slots=True, eq=False)
class AgentRecord:
    spec: AgentSpec
    attrs: dict[str, int | float | str | bool | frozenset[str]]
    queues: list[QueueRecord] = field(default_factory=list)
    state: AgentState = AgentState.LOGGED_OUT
    reason: str = ""
    idle_since: float = 0.0
    calls_today: int = 0
    talk_today: float = 0.0
    call_started: float = 0.0
    misses_in_row: int = 0
    matches: dict[int, bool] = field(default_factory=dict)
    preferred: Line = field(default_factory=lambda: Line(None))
    offer: ContactRecord | None = None
    call: ContactRecord | None = None
    call_queue: QueueRecord | None = None
    wrap_serial: int = 0
    # the lines of its queues whose requirement it meets (see list_lines)
    lines: list[Line] = field(default_factory=list)
    listed: bool = False  # in its queues' idle lists
    id: str = field(init=False)
    # itself and its id as one-element tuples, made once: an offer to one agent needs both
    alone: tuple[AgentRecord] = field(init=False)
    id_alone: tuple[str] = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.spec.id
        self.alone = (self,)
        self.id_alone = (self.id,)

    def list_lines(self) -> None:
        """Lists its queues' lines (in queue order) whose requirement it meets; called when
        it joins, when its skills change and when one of its queues gets a new line."""
        self.lines = [
            line
            for queue in self.queues
            for line in queue.lines.values()
            if self.can_take(line.requirement)  # type: ignore[arg-type]
        ]

    def can_take(self, requirement: Requirement) -> bool:
        known = self.matches.get(requirement.id)
        if known is None:
            known = self.matches[requirement.id] = requirement.test(self.attrs)
        return known


@dataclass(slots=True, eq=False)
class ContactRecord:
    spec: ContactSpec
    queue: QueueRecord
    seq: int
    arrived_at: float
    entered_at: float
    state: ContactState = ContactState.NEW
    priority: int = 0
    key: SortKey = (0, 0.0, 0)
    push_seq: int = -1
    line: Line | None = None
    ring: int = 0
    ring_base: float = 0.0
    requirement: Requirement | None = None
    preferred_until: float = 0.0
    skipped: dict[str, float] | None = None  # agent id -> until when (made on a first miss)
    offered_to: tuple[AgentRecord, ...] = ()
    offer_serial: int = 0
    number: str = ""
    attempts: int = 0
    promised_at: float | None = None
    prompted: bool = False
    hops: int = 0
    resumed_from: str | None = None
    notes: Notes = field(default_factory=list)  # flat, see explain.Notes
    id: str = field(init=False)

    def __post_init__(self) -> None:
        self.id = self.spec.id

    @property
    def is_callback(self) -> bool:
        return self.number != ""

    def skips(self, agent_id: str, now: float) -> bool:
        if self.skipped is None:
            return False
        until = self.skipped.get(agent_id)
        return until is not None and until > now

    def set_key(self) -> None:
        self.key = (-self.priority, self.entered_at, self.seq)


@dataclass(slots=True, eq=False)
class QueueRecord:
    config: QueueConfig
    rings: tuple[CompiledRing, ...]
    history: QueueHistory
    members: dict[str, AgentRecord] = field(default_factory=dict)
    idle: dict[str, AgentRecord] = field(default_factory=dict)
    lines: dict[int, Line] = field(default_factory=dict)
    in_line: int = 0
    logged_in: int = 0
    working: int = 0
    rr_cursor: int = -1
    member_index: dict[str, int] = field(default_factory=dict)
    resume: dict[str, tuple[float, float, str]] = field(default_factory=dict)
    booked_slots: dict[int, int] = field(default_factory=dict)
    name: str = field(init=False)
    # timer lanes of the rings after the first: (kind, previous ring's start, this one's)
    relax_lanes: tuple[tuple[object, float, float], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.name = self.config.name
        self.relax_lanes = tuple(
            (TimerKind.RELAX, ring.after, after.after)
            for ring, after in zip(self.rings, self.rings[1:], strict=False)
        )

    def line_for(self, requirement: Requirement) -> Line:
        line = self.lines.get(requirement.id)
        if line is None:
            line = self.lines[requirement.id] = Line(requirement, self.name)
            # members answer once now, so routing decisions only read what is listed
            for agent in self.members.values():
                if agent.can_take(requirement):
                    agent.list_lines()
        return line

    def ring_reached(self, ring: int, base: float, now: float) -> int:
        """The ring a caller in `ring` who joined at `base` has reached by `now` (the same sums
        as its timers: rings start strictly later one after the other)."""
        rings = self.rings
        last = len(rings) - 1
        while ring < last and base + rings[ring + 1].after <= now:
            ring += 1
        return ring
