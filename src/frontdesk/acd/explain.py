"""Why the engine did what it did: compact records per contact, rendered in plain words.

Records are cheap tuples of facts captured when a decision is made (who was considered, which
ring matched, the strategy's score); the sentences are only written when someone asks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone the engine weighed: an agent (with its score) or a waiting contact (its rank)."""

    who: str
    score: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """An offer: to whom, why this pairing, and what else was considered."""

    at: float
    queue: str
    agents: tuple[str, ...]
    trigger: str  # "agent-free": the agent picked the caller; else the caller picked the agent
    ring: int
    requirement: str
    strategy: str
    score: str
    candidates: tuple[Candidate, ...]
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    at: float
    text: str


Note = Assignment | Fact


def _who(agents: tuple[str, ...]) -> str:
    if len(agents) == 1:
        return agents[0]
    return "all of " + ", ".join(agents) + " at once (ring-all)"


def render_assignment(note: Assignment, contact_id: str) -> str:
    rule = (
        f"as the caller's preferred agent ({note.requirement})"
        if note.preferred
        else f"ring {note.ring} of queue {note.queue} matched: `{note.requirement}`"
    )
    if note.trigger == "agent-free":
        others = "; ".join(f"{c.who} ({c.score})" for c in note.candidates)
        return (
            f"t={note.at:.1f}s: offered to {_who(note.agents)}, who had just become free and "
            f"took {contact_id} as the highest-priority, longest-waiting caller it could take "
            f"({note.score}); {rule}. Heads of line it compared: {others or 'none'}."
        )
    others = "; ".join(f"{c.who} ({c.score})" for c in note.candidates)
    return (
        f"t={note.at:.1f}s: offered to {_who(note.agents)}; {rule}; strategy {note.strategy} "
        f"chose by {note.score}. Free agents who qualified: {others or 'none'}."
    )


def render(contact_id: str, notes: list[Note]) -> str:
    lines = [f"Contact {contact_id}:"]
    for note in notes:
        if isinstance(note, Fact):
            lines.append(f"t={note.at:.1f}s: {note.text}")
        else:
            lines.append(render_assignment(note, contact_id))
    return "\n".join(lines)
