"""Across a process kill (SIGKILL), no event is lost or handed over twice, and every delivery
still reaches its endpoint.

A child process writes events and pumps them into the outbox (or sends deliveries) while the
parent kills it at an arbitrary instant; the parent then opens the database as a restarted
server would.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, select, text
from webhook_receiver import running_receiver

from frontdesk.clock import ManualClock, SystemClock
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import (
    DeliveryStatus,
    RetryPolicy,
    WebhookDispatcher,
    WebhookPump,
    WebhookStore,
)
from frontdesk.webhooks.filters import kind_matches
from frontdesk.webhooks.schema import deliveries

PUMPING_CHILD = """
import sys
from pathlib import Path
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import WebhookPump, WebhookStore

engine = open_engine(Path(sys.argv[1]))
store, log = WebhookStore(engine, SystemClock()), EventLog(engine)
pump = WebhookPump(store, log, batch=7)
kinds = ["call.answered", "acd.queued", "call.ended"]
for n in range(1_000_000):
    for k in range(5):
        log.append(1.75e9 + n, kinds[(n + k) % 3], f"c{n}")
    log.flush()
    print(n, pump.pump(), flush=True)
"""

SENDING_CHILD = """
import asyncio, sys
from pathlib import Path
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import EventLog, open_engine
from frontdesk.webhooks import RetryPolicy, WebhookDispatcher, WebhookPump, WebhookStore

engine = open_engine(Path(sys.argv[1]))
store, log = WebhookStore(engine, SystemClock()), EventLog(engine)
for n in range(40):
    log.append(1.75e9 + n, "call.answered", f"c{n}", n=n)
log.flush()
WebhookPump(store, log).pump()

async def main():
    dispatcher = WebhookDispatcher(store, policy=RetryPolicy(0.05, 0.2))
    await dispatcher.start()
    print("sending", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _kill_after(script: str, folder: Path, lines: int) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        for _ in range(lines):
            assert child.stdout.readline(), "the child ended early"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL


def _seqs(engine: Engine, sub_id: int) -> list[int]:
    query = (
        select(deliveries.c.event_seq)
        .where(deliveries.c.subscription_id == sub_id)
        .order_by(deliveries.c.event_seq)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def test_the_outbox_neither_loses_nor_repeats_rows_across_a_kill(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    try:
        store = WebhookStore(engine, ManualClock())
        subs = [
            store.create_subscription("https://a.example/", []),
            store.create_subscription("https://b.example/", ["call."]),
            store.create_subscription("https://c.example/", ["acd.queued"]),
        ]
        _kill_after(PUMPING_CHILD, tmp_path, lines=40)

        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        log = EventLog(engine)
        events = list(log.read())
        assert len(events) >= 40 * 5
        for sub in store.subscriptions():
            handed = [
                e.seq for e in events if e.seq <= sub.cursor_seq and kind_matches(sub.kinds, e.kind)
            ]
            assert _seqs(engine, sub.id) == handed  # exactly up to the cursor, each once

        WebhookPump(store, log).pump()  # the restarted server catches up
        for sub in subs:
            matching = [e.seq for e in events if kind_matches(sub.kinds, e.kind)]
            assert _seqs(engine, sub.id) == matching
    finally:
        engine.dispose()


def test_deliveries_cut_by_a_kill_are_sent_after_a_restart(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    try:
        with running_receiver({"/in": [("sleep", 0.03, 200)]}) as receiver:
            store = WebhookStore(engine, SystemClock())
            sub = store.create_subscription(receiver.url("/in"))
            with subprocess.Popen(
                [sys.executable, "-c", SENDING_CHILD, str(tmp_path)],
                stdout=subprocess.PIPE, text=True,
            ) as child:  # fmt: skip
                assert child.stdout is not None and child.stdout.readline() == "sending\n"
                deadline = time.monotonic() + 20
                while len(receiver.of("/in")) < 8:
                    assert time.monotonic() < deadline and child.poll() is None
                    time.sleep(0.005)
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=10)
            before = len(receiver.of("/in"))
            assert before < 40  # the kill came while deliveries were still pending

            dispatcher = WebhookDispatcher(store, policy=RetryPolicy(0.05, 0.2))

            async def restart() -> None:
                await dispatcher.start()
                deadline = time.monotonic() + 20
                while any(d.status is not DeliveryStatus.DELIVERED
                          for d in store.recent_deliveries(sub.id, limit=100)):  # fmt: skip
                    assert time.monotonic() < deadline, "not all delivered"
                    await asyncio.sleep(0.02)
                await dispatcher.stop()

            asyncio.run(restart())
        received = [json.loads(r.body)["seq"] for r in receiver.of("/in")]
        assert sorted(set(received)) == list(range(1, 41))
        assert len(received) - 40 <= 1  # at most the one cut short was sent twice
    finally:
        engine.dispose()
