"""Why the engine did what it did: compact records per contact, rendered in plain words.

Records are cheap tuples of facts captured when a decision is made (who was considered, which
ring matched, the strategy's score); the sentences are only written when someone asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, cast


@dataclass(frozen=True, slots=True)
class Candidate:
    """A free agent the engine weighed for a caller, with its score in words."""

    who: str
    score: str


SortKey = tuple[int, float, int]
# a head of line an agent compared: ((-priority, entry time, arrival), contact id, queue)
HeadOfLine = tuple[SortKey, str, str]
# the heads an agent compared, flat (key, contact id, queue, key, ...): one tuple per offer
# instead of one per head, since every object kept is one more for the garbage collector
FlatHeads = tuple[object, ...]


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
    candidates: tuple[Candidate, ...] | FlatHeads
    preferred: bool = False


class Fact(tuple[Any, ...]):
    """Something that happened to a contact, as one flat tuple (at, text, *args); `text` is
    a format string filled with the args only when someone asks."""

    __slots__ = ()

    def __new__(cls, at: float, text: str, *args: object) -> Fact:
        return tuple.__new__(cls, (at, text, *args))

    @property
    def at(self) -> float:
        return cast(float, self[0])

    @property
    def text(self) -> str:
        return cast(str, self[1])

    @property
    def args(self) -> tuple[object, ...]:
        return self[2:]

    def render(self) -> str:
        return self.text.format(*self.args) if len(self) > 2 else self.text


Note = Assignment | Fact
# A contact's record of notes, flat: an Assignment, or a fact spread over the list as at,
# text, number of args, *args (written by EngineCore._note), so that a fact costs no object
# of its own for the garbage collector to walk; `notes_in` reads them back.
Notes = list[object]


def notes_in(notes: Notes) -> Iterator[Note]:
    """The notes of a flat record, in the order they were made."""
    index = 0
    while index < len(notes):
        item = notes[index]
        if isinstance(item, Assignment):
            yield item
            index += 1
            continue
        count = cast(int, notes[index + 2])
        yield Fact(
            cast(float, item), cast(str, notes[index + 1]), *notes[index + 3 : index + 3 + count]
        )
        index += 3 + count


def _who(agents: tuple[str, ...]) -> str:
    if len(agents) == 1:
        return agents[0]
    return "all of " + ", ".join(agents) + " at once (ring-all)"


def _candidate(item: Candidate | HeadOfLine) -> str:
    if isinstance(item, Candidate):
        return f"{item.who} ({item.score})"
    key, contact_id, queue = item
    return f"{contact_id} ({queue}, priority {-key[0]}, waiting since t={key[1]:.1f}s)"


def heads_compared(flat: FlatHeads) -> list[HeadOfLine]:
    """The (key, contact id, queue) triples of an agent-free offer's flat record."""
    return [cast(HeadOfLine, flat[i : i + 3]) for i in range(0, len(flat), 3)]


def render_assignment(note: Assignment, contact_id: str, limit: int = 5) -> str:
    shown: list[HeadOfLine] | tuple[Candidate, ...]
    if note.trigger == "agent-free":
        shown = sorted(heads_compared(note.candidates), key=lambda head: head[0])[:limit]
    else:
        shown = cast(tuple[Candidate, ...], note.candidates)[:limit]
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


def render(contact_id: str, notes: Notes, limit: int = 5) -> str:
    lines = [f"Contact {contact_id}:"]
    for note in notes_in(notes):
        if isinstance(note, Fact):
            lines.append(f"t={note.at:.1f}s: {note.render()}")
        else:
            lines.append(render_assignment(note, contact_id, limit))
    return "\n".join(lines)
