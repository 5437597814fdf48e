"""The media worker's timing aids: the slot timer (timerfd) and opt-in SCHED_FIFO."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import select
import struct
import subprocess
import sys
import time

import pytest
from engine_harness import FarEnd, until

from frontdesk.media import MediaError
from frontdesk.media.engine import Configure, MediaEngine
from frontdesk.media.engine.realtime import ENV, go_realtime, priority_from_env
from frontdesk.media.engine.tick_timer import slot_timer


def test_the_slot_timer_fires_at_its_deadlines_never_before() -> None:
    first = time.monotonic() + 0.03
    timer = slot_timer(first, 0.005)
    assert timer is not None  # Linux: timerfd is there
    poller = select.epoll()
    poller.register(timer.fileno(), select.EPOLLIN)
    try:
        assert poller.poll(0.01) == []  # 20 ms before the first deadline: not readable
        while not poller.poll(0.1):
            pass
        woke = time.monotonic()
        assert woke >= first
        timer.clear()
        assert poller.poll(0) == []  # cleared until the next slot
        time.sleep(0.012)  # two more deadlines pass: one read reports both
        (expirations,) = struct.unpack("Q", os.read(timer.fileno(), 8))
        assert expirations >= 2
    finally:
        poller.close()
        timer.close()


def test_the_rt_priority_comes_from_the_environment() -> None:
    assert priority_from_env({}) == 0
    assert priority_from_env({ENV: " "}) == 0
    assert priority_from_env({ENV: "10"}) == 10
    with pytest.raises(MediaError, match="whole number"):
        priority_from_env({ENV: "high"})
    with pytest.raises(MediaError, match="from 0"):
        priority_from_env({ENV: "120"})


def test_no_priority_leaves_scheduling_alone() -> None:
    before = os.sched_getscheduler(0)
    assert go_realtime(0) == "normal scheduling"
    assert os.sched_getscheduler(0) == before


def test_a_refusal_is_reported_and_the_process_keeps_normal_scheduling() -> None:
    before = os.sched_getscheduler(0)
    outcome = go_realtime(100)  # beyond SCHED_FIFO's 1-99: the kernel says no
    assert outcome.startswith("normal scheduling: real-time scheduling (SCHED_FIFO, priority 100)")
    assert "refused" in outcome
    assert os.sched_getscheduler(0) == before


def test_a_worker_process_can_go_real_time() -> None:
    # In a child process: the test runner itself must not become real-time.
    code = (
        "import os; from frontdesk.media.engine.realtime import go_realtime; "
        "print(go_realtime(3)); print(os.sched_getscheduler(0) & ~os.SCHED_RESET_ON_FORK, "
        "os.sched_getparam(0).sched_priority)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    said, state = done.stdout.splitlines()
    if "refused" in said:
        pytest.skip(f"this machine does not allow SCHED_FIFO: {said}")
    assert said == "real-time scheduling (SCHED_FIFO, priority 3)"
    assert state == f"{os.SCHED_FIFO} 3"


def test_the_engine_logs_a_refused_priority_and_its_worker_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> None:
        base = random.randrange(40000, 58000, 2)
        # 100 is beyond SCHED_FIFO's range: the kernel refuses it even for root.
        engine = MediaEngine(lambda event: None, workers=1, ports=(base, base + 40),
                             rt_priority=100)  # fmt: skip
        await engine.start()
        try:
            phone = FarEnd()
            port = engine.open_stream("s")
            engine.configure(Configure("s", phone.address, "PCMU", 0, None))
            engine.play("s", tone="ringback:gb", loop=True)
            phone.send(port, 0, 1, 0, 9, bytes(160))  # latch, then it plays to us
            await until(lambda: phone.count() >= 10)
        finally:
            await engine.stop()
            while FarEnd.opened:
                FarEnd.opened.pop().close()

    with caplog.at_level(logging.INFO, logger="frontdesk.media"):
        asyncio.run(main())
    refused = [r for r in caplog.records if "runs with normal scheduling" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING
    assert "SCHED_FIFO, priority 100) was refused" in refused[0].getMessage()
