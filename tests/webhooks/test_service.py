"""The wiring the server uses: start catches up, flushes from a worker thread reach the
endpoint, stop pumps the last events."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from webhook_receiver import running_receiver

from frontdesk.clock import SystemClock
from frontdesk.config.loader import load_demo_company
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import DeliveryStatus, Webhooks


def test_start_flush_reload_stop(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    try:
        log = EventLog(engine)
        webhooks = Webhooks(engine, log, SystemClock(), load_demo_company())
        with running_receiver() as receiver:
            sub = webhooks.store.create_subscription(receiver.url("/in"), ["acd."], ["parcels"])
            log.append(time.time(), "acd.queued", "c1", queue="parcels")  # before the start
            log.flush()

            async def serve() -> None:
                loop = asyncio.get_running_loop()
                await webhooks.start()
                log.append(time.time(), "acd.queued", "c2", queue="parcels")
                log.append(time.time(), "acd.queued", "c3", queue="billing")
                await loop.run_in_executor(None, lambda: (log.flush(), webhooks.after_flush()))
                deadline = time.monotonic() + 10
                while len(receiver.of("/in")) < 2:
                    assert time.monotonic() < deadline, "not delivered"
                    await asyncio.sleep(0.01)
                webhooks.reconfigure(load_demo_company())
                log.append(time.time(), "acd.queued", "c4", queue="parcels")
                log.flush()
                # stop pumps c4: it is sent if the dispatcher gets to it before it stops, and
                # otherwise stays pending for the next start; either way it is not lost.
                await webhooks.stop()

            asyncio.run(serve())
        got = [json.loads(r.body)["call_id"] for r in receiver.of("/in")]
        assert got in (["c1", "c2"], ["c1", "c2", "c4"])
        c4 = DeliveryStatus.DELIVERED if "c4" in got else DeliveryStatus.PENDING
        statuses = [(d.event_seq, d.status) for d in webhooks.store.recent_deliveries(sub.id)]
        assert statuses == [
            (4, c4), (2, DeliveryStatus.DELIVERED), (1, DeliveryStatus.DELIVERED),
        ]  # fmt: skip
    finally:
        engine.dispose()
