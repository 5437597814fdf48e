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
from collections import deque
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
    """Waiting contacts of one queue and requirement, best first by (-priority, entry time,
    arrival number).

    Callers nearly always join a line in that order: they arrive in time order, and callers
    who relax into the line of a later ring do so in the order they joined. So each priority
    level is a FIFO, appended to in O(1); a caller who would break its FIFO's order (put back
    after a missed ring, overflowed with its age, a callback at a promised time) goes to a
    small heap instead. The head is the best of the FIFO heads and the heap top, and is kept
    (`top`) until it leaves or a better caller joins, so most agents who look at a line read
    one field. Removal is lazy: a caller who leaves is dropped when it reaches the front, and
    the line is compacted when such entries outnumber the live ones.
    """

    __slots__ = ("_fifos", "_heap", "_stale", "live", "queue_name", "requirement", "top")

    def __init__(self, requirement: Requirement | None, queue_name: str = "") -> None:
        self.requirement = requirement
        self.queue_name = queue_name  # "" for an agent's line of callers who asked for it
        self._fifos: dict[int, deque[Entry]] = {}  # by -priority, each in key order
        self._heap: list[Entry] = []  # entries that joined out of order
        self.top: Entry | None = None  # the best live entry, None when not known (or empty)
        self._stale = 0
        self.live = 0

    def push(self, contact: ContactRecord, push_seq: int) -> None:
        contact.push_seq = push_seq
        contact.line = self
        entry = (*contact.key, push_seq, contact)
        fifo = self._fifos.get(entry[0])
        if fifo is None:
            fifo = self._fifos[entry[0]] = deque()
        # entries of different contacts never tie on the key, so tuples compare on it alone
        if not fifo or fifo[-1] < entry:
            fifo.append(entry)
        else:
            _heappush(self._heap, entry)
        self.live += 1
        top = self.top
        if self.live == 1 or (top is not None and entry < top):
            self.top = entry
        if self._stale > self.live + 64:
            self._compact()

    def remove(self, contact: ContactRecord) -> None:
        contact.push_seq = -1
        contact.line = None
        self.live -= 1
        self._stale += 1
        top = self.top
        if top is not None and top[4] is contact:
            self.top = None

    def head_entry(self) -> Entry | None:
        """The best live entry (dropping the stale ones in front), remembered as `top`."""
        if self.top is not None or not self.live:
            return self.top
        best: Entry | None = None
        for fifo in self._fifos.values():
            while fifo:
                entry = fifo[0]
                if entry[3] == entry[4].push_seq:
                    if best is None or entry < best:
                        best = entry
                    break
                fifo.popleft()
                self._stale -= 1
        heap = self._heap
        while heap:
            entry = heap[0]
            if entry[3] == entry[4].push_seq:
                if best is None or entry < best:
                    best = entry
                break
            _heappop(heap)
            self._stale -= 1
        self.top = best
        return best

    def head_for(self, agent_id: str, now: float) -> ContactRecord | None:
        """The first contact in order that `agent_id` has not recently missed."""
        entry = self.top or self.head_entry()
        if entry is None:
            return None
        top = entry[4]
        if not top.skipped or not top.skips(agent_id, now):
            return top
        for contact in self.in_order():
            if not contact.skips(agent_id, now):
                return contact
        return None

    def in_order(self) -> Iterator[ContactRecord]:
        """Live contacts in key order, lazily (a merge of the FIFOs and a walk of the heap)."""
        ordered = heapq.merge(*self._fifos.values(), self._heap_in_order())
        return (entry[4] for entry in ordered if entry[3] == entry[4].push_seq)

    def _heap_in_order(self) -> Iterator[Entry]:
        """The heap's entries in key order, lazily (a best-first walk of the heap array)."""
        heap = self._heap
        if not heap:
            return
        frontier: list[tuple[int, float, int, int]] = [(*heap[0][:3], 0)]
        while frontier:
            *_, index = heapq.heappop(frontier)
            yield heap[index]
            for child in (2 * index + 1, 2 * index + 2):
                if child < len(heap):
                    heapq.heappush(frontier, (*heap[child][:3], child))

    def _entries(self) -> Iterator[Entry]:
        for fifo in self._fifos.values():
            yield from fifo
        yield from self._heap

    def count_ahead(self, key: SortKey) -> int:
        return sum(1 for e in self._entries() if e[3] == e[4].push_seq and e[:3] < key)

    def _compact(self) -> None:
        for priority, fifo in self._fifos.items():
            self._fifos[priority] = deque(e for e in fifo if e[3] == e[4].push_seq)
        self._heap = [e for e in self._heap if e[3] == e[4].push_seq]
        heapq.heapify(self._heap)
        self._stale = 0
