"""A real HTTP endpoint for webhook tests: http.server in a thread, answering from a script.

Each path has a list of answers used in turn (the last one repeats): an HTTP status, or
("sleep", seconds, status) to answer late. Every request is kept with its headers and body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = int | tuple[str, float, int]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    started: float  # time.monotonic() when it arrived
    at: float  # time.monotonic() when it was answered


@dataclass
class Receiver:
    port: int = 0
    script: dict[str, list[Answer]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer_for(self, path: str) -> Answer:
        with self.lock:
            answers = self.script.get(path, [200])
            n = self.calls.get(path, 0)
            self.calls[path] = n + 1
            return answers[min(n, len(answers) - 1)]

    def of(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            started = time.monotonic()
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            answer = receiver.answer_for(self.path)
            if isinstance(answer, tuple):
                time.sleep(answer[1])
                answer = answer[2]
            with receiver.lock:
                received = Received(
                    self.path, dict(self.headers.items()), body, started, time.monotonic()
                )
                receiver.received.append(received)
            reply = b"" if 200 <= answer < 300 else f"scripted {answer}".encode()
            try:
                self.send_response(answer)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def running_receiver(script: dict[str, list[Answer]] | None = None) -> Iterator[Receiver]:
    receiver = Receiver(script=script or {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
