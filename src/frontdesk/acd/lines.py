"""The indexes that keep routing decisions cheap: interned requirements and the waiting lines.

Waiting callers of a queue are kept in one heap per *requirement* (a ring's expression bound
to the caller's attributes, e.g. ``language == "fr" and parcels >= 3``). A queue has only a
handful of distinct requirements, so an agent who becomes free checks, for each queue it
serves, whether it matches each requirement (answer cached per agent) and looks at the heads
of the heaps that it matches: it never scans the callers themselves. Heap keys are
(-priority, entry time, arrival number), the same order in every queue, which is what makes
"globally oldest, highest-priority caller" across queues a simple comparison of heads.
Removal is lazy: a caller who leaves is marked stale and dropped when it reaches the top.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from frontdesk.acd import expr

if TYPE_CHECKING:
    from frontdesk.acd.model import ContactSpec
    from frontdesk.acd.records import ContactRecord

SortKey = tuple[int, float, int]
Entry = tuple[int, float, int, int, "ContactRecord"]
# ContactSpec fields that `contact.<name>` reads (see ContactSpec.attribute_map)
_heappush, _heappop = heapq.heappush, heapq.heappop
_SPEC_FIELDS = frozenset({"language", "account", "priority"})


@dataclass(slots=True, eq=False)
class Requirement:
    """An interned, compiled requirement; equal text means the same object."""

    id: int
    text: str
    test: expr.Test
    skills: tuple[str, ...]


class RequirementBook:
    """Interns requirements by canonical text so each is compiled once and cached per agent."""

    def __init__(self) -> None:
        self._by_text: dict[str, Requirement] = {}

    def intern(self, node: expr.Node) -> Requirement:
        text = expr.to_text(node)
        found = self._by_text.get(text)
        if found is None:
            found = Requirement(
                len(self._by_text), text, expr.compile_test(node), expr.agent_names(node)
            )
            self._by_text[text] = found
        return found


class CompiledRing:
    """A queue's ring parsed once; bound per caller only when it mentions ``contact.*``."""

    __slots__ = ("_by_values", "_direct", "_node", "after", "contact_names", "fixed", "text")

    def __init__(self, after: float, text: str, book: RequirementBook) -> None:
        self.after = after
        self.text = text
        self._node = expr.parse(text)
        self.contact_names = expr.contact_names(self._node)
        self.fixed = None if self.contact_names else book.intern(expr.bind(self._node, {}))
        self._by_values: dict[object, Requirement] = {}
        # the caller's own fields are read straight off the spec (no attribute map per caller)
        direct = bool(self.contact_names) and set(self.contact_names) <= _SPEC_FIELDS
        self._direct = operator.attrgetter(*self.contact_names) if direct else None

    def requirement_for(self, spec: ContactSpec, book: RequirementBook) -> Requirement:
        if self.fixed is not None:
            return self.fixed
        if self._direct is not None:
            values: object = self._direct(spec)
        else:
            attributes = spec.attribute_map()
            values = tuple(attributes.get(name, "") for name in self.contact_names)
        found = self._by_values.get(values)
        if found is None:
            found = book.intern(expr.bind(self._node, spec.attribute_map()))
            self._by_values[values] = found
        return found


class Line:
    """A heap of waiting contacts ordered by (-priority, entry time, arrival number)."""

    __slots__ = ("heap", "live", "queue_name", "requirement")

    def __init__(self, requirement: Requirement | None, queue_name: str = "") -> None:
        self.requirement = requirement
        self.queue_name = queue_name  # "" for an agent's line of callers who asked for it
        self.heap: list[Entry] = []
        self.live = 0

    def push(self, contact: ContactRecord, push_seq: int) -> None:
        contact.push_seq = push_seq
        contact.line = self
        heap = self.heap
        _heappush(heap, (*contact.key, push_seq, contact))
        self.live += 1
        if len(heap) > 2 * self.live + 64:
            self.heap = [entry for entry in heap if entry[3] == entry[4].push_seq]
            heapq.heapify(self.heap)

    def remove(self, contact: ContactRecord) -> None:
        contact.push_seq = -1
        contact.line = None
        self.live -= 1

    def head_for(self, agent_id: str, now: float) -> ContactRecord | None:
        """The first contact in order that `agent_id` has not recently missed."""
        heap = self.heap
        while heap:
            entry = heap[0]
            top = entry[4]
            if entry[3] == top.push_seq:
                break
            _heappop(heap)  # left behind by a caller who moved on (lazy removal)
        else:
            return None
        if not top.skipped or not top.skips(agent_id, now):
            return top
        for contact in self.in_order():
            if not contact.skips(agent_id, now):
                return contact
        return None

    def in_order(self) -> Iterator[ContactRecord]:
        """Live contacts in key order, lazily (a best-first walk of the heap)."""
        heap = self.heap
        if not heap:
            return
        frontier: list[tuple[int, float, int, int]] = [(*heap[0][:3], 0)]
        while frontier:
            *_, index = heapq.heappop(frontier)
            entry = heap[index]
            if entry[3] == entry[4].push_seq:
                yield entry[4]
            for child in (2 * index + 1, 2 * index + 2):
                if child < len(heap):
                    heapq.heappush(frontier, (*heap[child][:3], child))

    def count_ahead(self, key: SortKey) -> int:
        return sum(1 for e in self.heap if e[3] == e[4].push_seq and e[:3] < key)
