"""Fan-out of live events to WebSocket subscribers and in-process screens.

The event log calls `EventHub.on_append` for every event as it is appended, in whatever thread
appended it; the hub moves it onto the event loop and hands it to every subscriber's bounded
queue. A subscriber that falls behind by a whole queue is marked as overflowed rather than
slowing the server down: its WebSocket is closed with a reason and the page reconnects and
reloads its state.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 4096


@dataclass(slots=True)
class LiveEvent:
    seq: int  # the hub's own order, from 1 at server start (the log's seq comes at flush)
    at: float
    kind: str
    call_id: str | None
    data: Mapping[str, Any]
    _text: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "kind": self.kind, "call_id": self.call_id,
                "data": dict(self.data)}  # fmt: skip

    @property
    def text(self) -> str:
        """The event as JSON, made once however many subscribers it goes to."""
        if self._text is None:
            self._text = json.dumps(self.as_json(), default=str)
        return self._text


@dataclass(eq=False, slots=True)
class Subscription:
    queue: asyncio.Queue[LiveEvent] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False


Watcher = Callable[[LiveEvent], None]

# Put on every subscription's queue when the server stops, so that each WebSocket is closed with
# "going away" instead of being cancelled mid-wait (and logged as an error) by the HTTP server.
GOODBYE = LiveEvent(0, 0.0, "server.stopping", None, {})


class EventHub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._seq = 0
        self._subscriptions: set[Subscription] = set()
        self._watchers: list[Watcher] = []

    def on_append(self, at: float, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        if threading.get_ident() == self._loop_thread:
            self._publish(at, kind, call_id, data)
        else:
            self._loop.call_soon_threadsafe(self._publish, at, kind, call_id, data)

    def watch(self, watcher: Watcher) -> None:
        """In-process screens (the wallboard model, the live calls) see every event first."""
        self._watchers.append(watcher)

    def subscribe(self) -> Subscription:
        subscription = Subscription()
        self._subscriptions.add(subscription)
        return subscription

    def close(self) -> None:
        """Tell every subscriber the server is stopping; later events go nowhere."""
        for subscription in self._subscriptions:
            try:
                subscription.queue.put_nowait(GOODBYE)
            except asyncio.QueueFull:
                subscription.overflowed = True
        self._subscriptions.clear()

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)

    def _publish(self, at: float, kind: str, call_id: str | None, data: Mapping[str, Any]) -> None:
        self._seq += 1
        event = LiveEvent(self._seq, at, kind, call_id, data)
        for watcher in self._watchers:
            watcher(event)
        for subscription in self._subscriptions:
            if subscription.overflowed:
                continue
            try:
                subscription.queue.put_nowait(event)
            except asyncio.QueueFull:
                subscription.overflowed = True
