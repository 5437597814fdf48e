"""Live calls' follow-up writes run off the event loop, in order, and none is lost on a stop.

`TaskFollowUps` (telephony/followups.py) over a real store. Another connection holds the
database's write lock for half a second, as another process writing would: each store write
must wait for it. The loop carrying calls must keep running meanwhile (counted in 10 ms ticks),
the writes must land in the order they were asked for (a missed call, then "caller reached",
closes the task; the other way round it would stay open), and a promise's future resolves only
once its task is committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from frontdesk.clock import SystemClock
from frontdesk.config import load_demo_company
from frontdesk.followup import FollowupStore, TaskKind, TaskStatus
from frontdesk.followup.held import HeldPlace
from frontdesk.store.eventlog import open_engine
from frontdesk.telephony.followups import TaskFollowUps
from frontdesk.telephony.services import Services

SUSAN, TOM = "+447700900123", "+447700900456"


class Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str | None, dict[str, Any]]] = []

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.events.append((kind, call_id, data))


def follow_ups(data_dir: Path) -> tuple[TaskFollowUps, FollowupStore, Log]:
    clock = SystemClock()
    store = FollowupStore(open_engine(data_dir), clock)
    log = Log()
    # Only what follow-ups use: the company (teams and their hours), the clock, the log.
    services = Services(load_demo_company(), None, None, None, None, clock, log)  # type: ignore[arg-type]
    return TaskFollowUps(store, services), store, log


def test_writes_wait_for_the_database_without_stopping_the_loop_and_keep_their_order(
    tmp_path: Path,
) -> None:
    followups, store, log = follow_ups(tmp_path)
    place = HeldPlace("call-tom", "parcels", TOM, 1.0)

    async def scenario() -> tuple[int, float, str | None, bool]:
        loop = asyncio.get_running_loop()
        blocker = sqlite3.connect(tmp_path / "frontdesk.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        started = loop.time()
        followups.missed("call-susan", SUSAN, "parcels", "parcels", "abandoned in queue")
        followups.reached(SUSAN, "ann")
        promise = followups.callback("call-tom", TOM, "parcels", "parcels", "en", None,
                                     started + 600, place)  # fmt: skip
        returned = loop.time() - started
        ticks = 0
        while loop.time() - started < 0.5:
            await asyncio.sleep(0.01)
            ticks += 1
        stored_early = promise.done()
        blocker.execute("ROLLBACK")
        blocker.close()
        task = await promise
        assert returned < 0.05, returned  # queued, not written, on the loop
        return ticks, returned, task, stored_early

    ticks, _, task, stored_early = asyncio.run(scenario())
    assert ticks >= 25  # 10 ms ticks through half a second of waiting for the lock
    assert not stored_early  # the promise waited for its write
    assert task is not None
    followups.close()
    susan = [t for t in store.open_tasks() if t.caller == SUSAN]
    assert not susan  # missed, then reached: closed, so the writes kept their order
    [tom] = store.open_tasks()
    assert (str(tom.id), tom.kind, tom.status) == (task, TaskKind.CALLBACK, TaskStatus.OPEN)
    assert [h.place.contact_id for h in store.held_callbacks()] == ["call-tom"]
    assert ("task.done", None) in [(kind, call) for kind, call, _ in log.events]


def test_a_stop_waits_for_the_writes_still_queued(tmp_path: Path) -> None:
    followups, store, _ = follow_ups(tmp_path)

    async def scenario() -> None:
        for n in range(20):
            followups.missed(f"c{n}", f"+4477009001{n:02d}", "parcels", None, "abandoned")

    asyncio.run(scenario())  # the loop is gone before the writes are done
    followups.close()
    assert len(store.missed_calls()) == 20
