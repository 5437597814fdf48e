"""What the media worker measures of itself: its collector's thresholds (from the environment,
a bad value refused with the reason), its collections counted and timed, reported by the real
worker process in `WorkerLoad`, and a long collection logged by the engine."""

from __future__ import annotations

import gc
import logging

import pytest
from engine_harness import FarEnd, run, until

from frontdesk.media.engine import Configure, Event, MediaEngine
from frontdesk.media.engine import protocol as p
from frontdesk.media.engine.facade import _note_slow_collection, _Worker
from frontdesk.media.engine.worker_health import (
    DEFAULT_THRESHOLDS,
    ENV,
    CollectorWatch,
    thresholds_from_env,
)


def test_thresholds_come_from_the_environment_and_a_bad_value_keeps_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    assert thresholds_from_env() == (DEFAULT_THRESHOLDS, None)
    monkeypatch.setenv(ENV, " 700,10,10 ")
    assert thresholds_from_env() == ((700, 10, 10), None)
    for bad in ("700,10", "a,b,c", "0,10,10", "700,-1,10"):
        monkeypatch.setenv(ENV, bad)
        kept, why = thresholds_from_env()
        assert kept == DEFAULT_THRESHOLDS and why is not None and repr(bad) in why


def test_the_watch_counts_and_times_each_collection_until_closed() -> None:
    watch = CollectorWatch()
    try:
        gc.collect()
        gc.collect(0)
        assert watch.runs == 2
        assert 0 < watch.longest_s <= watch.total_s
    finally:
        watch.close()
    gc.collect()
    assert watch.runs == 2


def test_the_worker_process_reports_its_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    # A young threshold of 1 makes the worker collect at almost every allocation; the default
    # (the worker's own) keeps an idle worker from collecting at all.
    def first_load(thresholds: str) -> p.WorkerLoad:
        monkeypatch.setenv(ENV, thresholds)
        loads: list[p.WorkerLoad] = []

        async def body(engine: MediaEngine, _events: list[Event]) -> None:
            phone = FarEnd()
            port = engine.open_stream("s")
            engine.configure(Configure("s", phone.address, "PCMU", 0, None))
            engine.play("s", tone="ringback:gb", loop=True)
            phone.send(port, 0, 1, 0, 9, bytes(160))
            await until(lambda: engine.workers[0].load is not None)
            loads.append(engine.workers[0].load)  # type: ignore[arg-type]

        run(body)
        return loads[0]

    busy = first_load("1,1,1")
    assert busy.gc_runs > 10 and 0 < busy.gc_longest <= busy.gc_seconds
    idle = first_load(",".join(map(str, DEFAULT_THRESHOLDS)))
    assert idle.gc_runs == 0 and idle.gc_seconds == 0.0


def test_a_collection_longer_than_ever_and_than_5_ms_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = _Worker(3, None, None)  # type: ignore[arg-type]  # neither is used here

    def load(runs: int, longest: float) -> p.WorkerLoad:
        return p.WorkerLoad(1, 0.1, 0, 0, gc_runs=runs, gc_seconds=longest, gc_longest=longest)

    with caplog.at_level(logging.INFO, logger="frontdesk.media"):
        for runs, longest in ((1, 0.002), (2, 0.007), (3, 0.007), (4, 0.006), (5, 0.012)):
            update = load(runs, longest)
            _note_slow_collection(worker, update)
            worker.load = update
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "media worker 3: a garbage collection took 7.0 ms, its longest so far (2 collections)",
        "media worker 3: a garbage collection took 12.0 ms, its longest so far (5 collections)",
    ]
