"""Which keys a simulated caller presses: every way through the flow for their number.

A real caller listens to the menu; a simulated one finds its options the way `frontdesk flow
test` does, by walking the very flow the server runs (`frontdesk.flows.walk`) against the CRM
record of its number. From the start, each question the walk stops at is answered with every
key in turn (a ten-digit tracking number for a `gather`), breadth first, up to `MAX_ANSWERS`
answers; a key the flow refuses (it asks the same question again) is not followed. Each walk
that ends somewhere is a `Route`: the keys, and where the call ends up (a queue, a booked
callback, self-service, voicemail). The caller then types the keys ahead of the prompts, which
the flow accepts while it speaks.

Routes depend on the caller's record and on the time of day (greetings, callback windows), so
they are kept per number for `FRESH_S` seconds.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from frontdesk.clock import Clock
from frontdesk.flows import actions as a
from frontdesk.flows.model import Callback, Flow, Gather, Menu, Survey
from frontdesk.flows.walk import Walk, WalkCrm, walk

MAX_ANSWERS = 3
FRESH_S = 600.0
MENU_KEYS = "1234567890*#"
TRACKING_NUMBER = "1234567897"  # ten digits that pass the demo's Luhn check


class Outcome(enum.StrEnum):
    QUEUE = "queue"
    CALLBACK = "callback"  # booked in the flow (not the queue's keep-my-place key)
    SELF_SERVICE = "self-service"  # the flow answered and hung up
    VOICEMAIL = "voicemail"
    OTHER = "other"  # a transfer or a forward


@dataclass(frozen=True, slots=True)
class Route:
    keys: tuple[str, ...]  # one entry per question (a digit, or a tracking number)
    outcome: Outcome
    target: str  # the queue, or what the flow said when it hung up

    @property
    def digits(self) -> str:
        return "".join(self.keys)


def _answers(flow: Flow, node_id: str) -> tuple[str, ...]:
    node = flow.nodes.get(node_id)
    if isinstance(node, Gather):
        return (TRACKING_NUMBER,)
    if isinstance(node, Menu | Callback | Survey):
        return tuple(MENU_KEYS)
    return ()


def _outcome(done: Walk) -> Route | None:
    action = done.outcome
    if isinstance(action, a.Enqueue):
        return Route((), Outcome.QUEUE, action.queue)
    if isinstance(action, a.BookCallback):
        return Route((), Outcome.CALLBACK, action.queue)
    if isinstance(action, a.Voicemail):
        return Route((), Outcome.VOICEMAIL, action.team)
    if isinstance(action, a.Hangup):
        return Route((), Outcome.SELF_SERVICE, action.reason)
    if isinstance(action, a.Transfer | a.Forward):
        return Route((), Outcome.OTHER, type(action).__name__.lower())
    return None


def find_routes(flow: Flow, number: str, crm: WalkCrm, clock: Clock) -> tuple[Route, ...]:
    """Every route through `flow` for a caller from `number`, fewest keys first."""
    found: list[Route] = []
    start = walk(flow, number, (), crm, clock)
    pending: deque[tuple[tuple[str, ...], Walk]] = deque([((), start)])
    while pending:
        keys, done = pending.popleft()
        if done.waiting_at is None:
            route = _outcome(done)
            if route is not None:
                found.append(Route(keys, route.outcome, route.target))
            continue
        if len(keys) >= MAX_ANSWERS:
            continue
        for answer in _answers(flow, done.waiting_at):
            longer = (*keys, answer)
            after = walk(flow, number, longer, crm, clock)
            refused = after.waiting_at == done.waiting_at and len(after.path) == len(done.path)
            if not refused:
                pending.append((longer, after))
    return tuple(found)


class CachedCrm:
    """A `WalkCrm` that looks each number up once (a planning walks the flow many times)."""

    def __init__(self, crm: WalkCrm) -> None:
        self.crm = crm
        self._records: dict[str, Mapping[str, Any] | None] = {}

    def record(self, number: str) -> Mapping[str, Any] | None:
        if number not in self._records:
            self._records[number] = self.crm.record(number)
        return self._records[number]

    def find(self, key: str) -> Mapping[str, Any] | None:
        return self.crm.find(key)


class RoutePlanner:
    """Routes per number, worked out when first needed and again after `FRESH_S`."""

    def __init__(self, flow: Flow, crm: Callable[[], WalkCrm], clock: Clock) -> None:
        """`crm` gives the CRM as it is now (records change while the demo runs)."""
        self.flow, self.crm, self.clock = flow, crm, clock
        self._cache: dict[str, tuple[float, tuple[Route, ...]]] = {}

    def routes(self, number: str, known: bool = True) -> tuple[Route, ...]:
        """The routes of a caller from `number`; callers the CRM does not know (`known`
        False) all share one set."""
        key = number if known else "<unknown caller>"
        now = self.clock.now()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < FRESH_S:
            return cached[1]
        routes = find_routes(self.flow, number, CachedCrm(self.crm()), self.clock)
        self._cache[key] = (now, routes)
        return routes
