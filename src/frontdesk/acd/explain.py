"""Why the engine did what it did: compact records per contact, rendered in plain words.

Records are cheap tuples of facts captured when a decision is made (who was considered, which
ring matched, the strategy's score); the sentences are only written when someone asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Candidate:
    """A free agent the engine weighed for a caller, with its score in words."""

    who: str
    score: str


# a head of line an agent compared: ((-priority, entry time, arrival), contact id, queue)
HeadOfLine = tuple[tuple[int, float, int], str, str]


class Assignment(NamedTuple):
    """An offer: to whom, why this pairing, and what else was considered.

    Records are named tuples rather than frozen dataclasses: one is made for every offer and
    several for every caller, and a tuple is built in a fraction of the time.
    """

    at: float
    queue: str
    agents: tuple[str, ...]
    trigger: str  # "agent-free": the agent picked the caller; else the caller picked the agent
    ring: int
    requirement: str
    strategy: str
    score: str
    candidates: tuple[Candidate, ...] | tuple[HeadOfLine, ...]
    preferred: bool = False


class Fact(NamedTuple):
    """Something that happened to a contact; `text` is formatted with `args` when read."""

    at: float
    text: str
    args: tuple[object, ...] = ()

    def render(self) -> str:
        return self.text.format(*self.args) if self.args else self.text


Note = Assignment | Fact


def _who(agents: tuple[str, ...]) -> str:
    if len(agents) == 1:
        return agents[0]
    return "all of " + ", ".join(agents) + " at once (ring-all)"


def _order(item: Candidate | HeadOfLine) -> tuple[int, float, int]:
    return item[0] if isinstance(item, tuple) else (0, 0.0, 0)


def _candidate(item: Candidate | HeadOfLine) -> str:
    if isinstance(item, Candidate):
        return f"{item.who} ({item.score})"
    key, contact_id, queue = item
    return f"{contact_id} ({queue}, priority {-key[0]}, waiting since t={key[1]:.1f}s)"


def render_assignment(note: Assignment, contact_id: str, limit: int = 5) -> str:
    shown = (
        sorted(note.candidates, key=_order)[:limit]
        if note.trigger == "agent-free"
        else (note.candidates[:limit])
    )
    others = "; ".join(_candidate(c) for c in shown)
    rule = (
        f"as the caller's preferred agent ({note.requirement})"
        if note.preferred
        else f"ring {note.ring} of queue {note.queue} matched: `{note.requirement}`"
    )
    if note.trigger == "agent-free":
        return (
            f"t={note.at:.1f}s: offered to {_who(note.agents)}, who had just become free and "
            f"took {contact_id} as the highest-priority, longest-waiting caller it could take; "
            f"{rule}. Heads of line it compared, best first: {others or 'none'}."
        )
    return (
        f"t={note.at:.1f}s: offered to {_who(note.agents)}; {rule}; strategy {note.strategy} "
        f"chose by {note.score}. Free agents who qualified: {others or 'none'}."
    )


def render(contact_id: str, notes: list[Note], limit: int = 5) -> str:
    lines = [f"Contact {contact_id}:"]
    for note in notes:
        if isinstance(note, Fact):
            lines.append(f"t={note.at:.1f}s: {note.render()}")
        else:
            lines.append(render_assignment(note, contact_id, limit))
    return "\n".join(lines)
