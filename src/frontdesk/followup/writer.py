"""Store writes off the event loop, one at a time, in the order they were asked for.

A follow-up write commits a SQLite transaction (a few milliseconds, more when another process
holds the write lock); on the thread carrying calls that is a pause in every call's signalling.
`OrderedWriter` hands each write to one worker thread. One thread, not a pool, because order
matters: a missed call and then "caller reached" for the same number must reach the database
in that order, or the task would be closed before it exists.

Durability is the store's: each write still commits before its future resolves, so whoever
must not go on before the write is stored (the callback promise said to a caller) awaits the
future; `close()` waits for the writes still queued, so a clean stop loses nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

from frontdesk.followup.errors import FollowupError

_T = TypeVar("_T")


class OrderedWriter:
    def __init__(self, name: str = "followup-writes") -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name)
        self._closed = False

    def submit(self, write: Callable[[], _T]) -> concurrent.futures.Future[_T]:
        """Queues `write` after every write submitted before it; its future gives the result
        (or the exception) once it has committed."""
        if self._closed:
            raise FollowupError("the follow-up writer is closed: no more writes are taken")
        return self._pool.submit(write)

    async def run(self, write: Callable[[], _T]) -> _T:
        """Submits `write` and waits for it without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(write))

    def close(self) -> None:
        """Takes no more writes and returns once the queued ones have committed."""
        self._closed = True
        self._pool.shutdown(wait=True)
