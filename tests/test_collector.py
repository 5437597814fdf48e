"""The server's collector policy (collector.py): young collections still run, the oldest
generation is collected only when `collect_old` says so, and that collection finds cycles."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from frontdesk import collector


@pytest.fixture
def settled() -> Iterator[list[int]]:
    """The policy in force; yields the generations collected meanwhile, in order."""
    before = gc.get_threshold()
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            seen.append(int(info["generation"]))

    collector.settle()
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*before)
        gc.unfreeze()
        gc.collect()


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_allocation_never_starts_a_full_collection(settled: list[int]) -> None:
    kept = []
    for n in range(300_000):  # with Python's default thresholds: several full collections
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle, left for the collector
        if n % 3 == 0:
            kept.append(a)
    assert settled.count(0) > 100 and settled.count(1) > 10
    assert 2 not in settled
    assert gc.get_count()[2] > 10  # the oldest generation was due many times over


def test_collect_old_frees_old_cycles(settled: list[int]) -> None:
    kept = []
    for _ in range(1000):
        a, b = Node(), Node()
        a.other, b.other = b, a
        kept.append(a)
    del a, b
    for _ in range(3):
        gc.collect(1)  # the pairs are old now
    kept.clear()
    found, took = collector.collect_old()
    assert found >= 2000 and took >= 0
    assert settled[-1] == 2


def test_the_server_collects_the_old_generation_on_its_timer(settled: list[int]) -> None:
    async def run() -> None:
        task = asyncio.create_task(collector.collect_old_forever(0.05))
        await asyncio.sleep(0.03)
        assert 2 not in settled
        await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(run())
    assert settled.count(2) == 1  # the next one waits at least 0.05 s more


def test_a_slow_full_collection_spaces_out_the_next() -> None:
    assert collector.next_wait(300, 0.01) == 300
    assert collector.next_wait(300, 0.5) == 500
