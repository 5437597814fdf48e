"""The receiver example in docs/webhooks.md works against the real dispatcher: it verifies
the signatures, refuses a wrong secret (401, retried), and handles a repeated delivery once."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import HTTPServer
from pathlib import Path
from typing import Any

import httpx

from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import (
    DeliveryStatus,
    RetryPolicy,
    WebhookDispatcher,
    WebhookPump,
    WebhookStore,
)
from frontdesk.webhooks.payload import body_of, headers_of

DOC = Path(__file__).parents[2] / "docs" / "webhooks.md"


def _example() -> dict[str, Any]:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    [code] = [b for b in blocks if "class Receiver(BaseHTTPRequestHandler)" in b]
    namespace: dict[str, Any] = {"__name__": "docs_receiver"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


@contextmanager
def _serving(example: dict[str, Any]) -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), example["Receiver"])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_documented_receiver(tmp_path: Path) -> None:
    example = _example()
    engine = open_engine(tmp_path)
    try:
        store, log = WebhookStore(engine, SystemClock()), EventLog(engine)
        with _serving(example) as url:
            sub = store.create_subscription(url)
            example["SECRET"] = "whsec_not-the-right-one"
            log.append(1.75e9, "call.answered", "c1", number="+442079460100")
            log.flush()
            WebhookPump(store, log).pump()
            dispatcher = WebhookDispatcher(store, policy=RetryPolicy(0.01, 0.01))

            async def go() -> None:
                await dispatcher.run_once()
                [refused] = store.recent_deliveries(sub.id)
                assert refused.status is DeliveryStatus.PENDING
                assert refused.last_http_status == 401
                example["SECRET"] = sub.secret
                await asyncio.sleep(0.02)
                await dispatcher.run_once()
                store.redeliver(refused.id)
                await dispatcher.run_once()
                await dispatcher.stop()

            asyncio.run(go())
            assert len(example["handled"]) == 2  # the delivery, and its redelivery (new id)

            # The same delivery twice (a retry after a lost answer) is handled once.
            event = next(log.read())
            body = body_of("repeated-delivery", event)
            headers = headers_of(
                "repeated-delivery", event.kind, sub.secret, int(time.time()), body
            )
            answers = [httpx.post(url, content=body, headers=headers).status_code for _ in "ab"]
            assert answers == [204, 204] and len(example["handled"]) == 3
            tampered = httpx.post(url, content=body.replace(b"c1", b"c2"), headers=headers)
            assert tampered.status_code == 401 and len(example["handled"]) == 3
        deliveries = store.recent_deliveries(sub.id)
        assert {d.status for d in deliveries} == {DeliveryStatus.DELIVERED}
        assert [e["kind"] for e in example["handled"]] == ["call.answered"] * 3
        assert len(example["seen"]) == 3
    finally:
        engine.dispose()
