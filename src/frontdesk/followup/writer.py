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
import contextlib
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

    def submit_to_loop(self, write: Callable[[], _T]) -> asyncio.Future[_T]:
        """Queues `write`; the loop's future gives its result. Cancelling that future (its
        awaiting task was cancelled, the loop is stopping) does not cancel the write: unlike
        `asyncio.wrap_future`, which would take a write not yet started off the queue."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[_T] = loop.create_future()

        def settle(done: concurrent.futures.Future[_T]) -> None:
            if result.done():
                return
            error = done.exception()
            if error is not None:
                result.set_exception(error)
            else:
                result.set_result(done.result())

        def hand_back(done: concurrent.futures.Future[_T]) -> None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(settle, done)

        self.submit(write).add_done_callback(hand_back)
        return result

    async def run(self, write: Callable[[], _T]) -> _T:
        """Submits `write` and waits for it without blocking the event loop."""
        return await self.submit_to_loop(write)

    def close(self) -> None:
        """Takes no more writes and returns once the queued ones have committed."""
        self._closed = True
        self._pool.shutdown(wait=True)
