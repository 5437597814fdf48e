"""Serves the FastAPI application with uvicorn inside the server's running event loop.

uvicorn normally owns the process: it installs signal handlers and runs its own loop. Here the
Frontdesk server owns both (SIGTERM must end calls with BYE first), so the server's `serve()`
runs as a task on the existing loop with uvicorn's signal capture turned off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Generator

import uvicorn
from fastapi import FastAPI

log = logging.getLogger("frontdesk.http")


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the Frontdesk server handles signals itself


class HttpServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, lifespan="off", access_log=False, log_level="warning",
            ws_ping_interval=20.0, ws_ping_timeout=20.0, timeout_graceful_shutdown=2,
            # The client address is the socket's: X-Forwarded-For is believed only where a
            # trusted proxy is configured (the widget's limits), never by default.
            proxy_headers=False,
            # Live events are small JSON batches sent to every subscriber: compressing each
            # one per connection cost the loop more than any route (a profile of the web
            # benchmark: 14 % of the loop's time in deflate), for little saving on the wire.
            ws_per_message_deflate=False,
        )  # fmt: skip
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> tuple[str, int]:
        """Starts listening; returns the bound address (port 0 picks a free port)."""
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises the bind error
                raise OSError("the HTTP server stopped before it started")
            await asyncio.sleep(0.01)
        sockets = [s for server in self._server.servers for s in server.sockets]
        host, port = sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, 5)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()
        self._task = None
