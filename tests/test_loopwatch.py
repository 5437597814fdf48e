"""The loop watchdog names a stall's length and where the loop was."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest

from frontdesk.loopwatch import LoopWatch


def _hold_the_loop(seconds: float) -> None:
    time.sleep(seconds)  # a blocking call, as a slow callback would be


def test_a_blocking_callback_is_reported_with_its_stack(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "frontdesk.loop")

    async def run() -> LoopWatch:
        watch = LoopWatch(threshold_s=0.2, beat_s=0.02)
        watch.start()
        await asyncio.sleep(0.1)
        _hold_the_loop(0.6)
        await asyncio.sleep(0.1)
        await watch.stop()
        return watch

    watch = asyncio.run(run())
    # A loaded machine may add a stall of its own; ours is the one in _hold_the_loop.
    assert watch.stats.stalls >= 1 and 0.5 < watch.stats.worst_s < 2.0
    stalls = [r.getMessage() for r in caplog.records if "stalled" in r.getMessage()]
    assert any("_hold_the_loop" in message for message in stalls), stalls


def test_no_stall_no_report() -> None:
    async def run() -> LoopWatch:
        watch = LoopWatch(threshold_s=0.2, beat_s=0.02)
        watch.start()
        for _ in range(10):
            await asyncio.sleep(0.02)
        await watch.stop()
        return watch

    assert asyncio.run(run()).stats.stalls == 0


def test_garbage_collections_are_timed() -> None:
    async def run() -> LoopWatch:
        watch = LoopWatch(gc_threshold_s=0.0)
        watch.start()
        gc.collect()
        await watch.stop()
        return watch

    watch = asyncio.run(run())
    assert watch.stats.gc_collections >= 1 and watch.stats.gc_slow
    assert watch.stats.gc_slow[-1][0] == 2  # gc.collect() is a full collection
