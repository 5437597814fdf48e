"""Pushes wallboard snapshots to every open wallboard, at most ten times a second.

The wallboard model counts its changes (`version`); the feed looks every 100 ms and makes one
snapshot when something changed, or once a second anyway because waits and times in state
grow by themselves. Each subscriber keeps only the newest snapshot: a slow screen skips
frames instead of queueing them.

Beside the routing figures, a snapshot carries what each team owes callers (`followups`:
open voicemail, missed-call and callback tasks and how many are overdue), read from the
follow-up store every `OWED_S` in a worker thread, so the board shows work left from before
the day (or the process) began, which replaying today's events cannot know.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

POLL_S = 0.1
REFRESH_S = 1.0
OWED_S = 2.0

log = logging.getLogger(__name__)
Owed = dict[str, dict[str, Any]]


class Mailbox:
    """Holds the latest snapshot for one screen."""

    def __init__(self) -> None:
        self._item: dict[str, Any] | None = None
        self._ready = asyncio.Event()

    def put(self, snapshot: dict[str, Any]) -> None:
        self._item = snapshot
        self._ready.set()

    async def get(self) -> dict[str, Any]:
        await self._ready.wait()
        self._ready.clear()
        assert self._item is not None
        return self._item


class BoardFeed:
    def __init__(
        self,
        wallboard: Any,
        wall: Callable[[], float],
        owed: Callable[[float], Owed] | None = None,
    ) -> None:
        """`owed(now)` gives each team's follow-up figures (followup/owed.py)."""
        self.wallboard = wallboard
        self.wall = wall
        self.mailboxes: set[Mailbox] = set()
        self.latest: dict[str, Any] | None = None
        self._version = -1
        self._made_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._owed_source = owed
        self._owed: Owed = {}

    def current(self) -> dict[str, Any]:
        """The board now; a snapshot of an unchanged board is reused for up to `POLL_S`."""
        now = self.wall()
        if (self.latest is not None and self._version == self.wallboard.version
                and now - self._made_at < POLL_S):  # fmt: skip
            return self.latest
        snapshot: dict[str, Any] = self.wallboard.snapshot(now)
        snapshot["followups"] = self._owed
        self.latest, self._version, self._made_at = snapshot, self.wallboard.version, now
        return snapshot

    async def refresh_owed(self) -> bool:
        """Reads the follow-up figures again; True when they changed (the next snapshot is
        then made anew). A failed read keeps the last figures."""
        if self._owed_source is None:
            return False
        try:
            fresh = await asyncio.to_thread(self._owed_source, self.wall())
        except Exception:
            log.exception("the wallboard could not read the follow-up tasks")
            return False
        if fresh == self._owed:
            return False
        self._owed, self._version = fresh, -1
        return True

    def subscribe(self) -> Mailbox:
        box = Mailbox()
        box.put(self.latest or self.current())
        self.mailboxes.add(box)
        return box

    def unsubscribe(self, box: Mailbox) -> None:
        self.mailboxes.discard(box)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        seen, last, owed_at = -1, 0.0, -OWED_S
        while True:
            now = self.wall()
            if now - owed_at >= OWED_S:
                owed_at = now
                if await self.refresh_owed():
                    seen = -1
            await asyncio.sleep(POLL_S)
            now = self.wall()
            if not self.mailboxes or (self.wallboard.version == seen and now - last < REFRESH_S):
                continue
            seen, last = self.wallboard.version, now
            snapshot = self.current()
            for box in self.mailboxes:
                box.put(snapshot)
