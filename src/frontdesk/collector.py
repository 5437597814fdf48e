"""How the server runs Python's cycle collector: small young collections, the old heap on a timer.

Almost everything a call makes is freed by reference counting when the call ends (a run of
thousands of sipp calls leaves no garbage cycles at all), so the cycle collector mostly walks
live objects for nothing, and its pauses grow with what it walks. Under a steady load what it
walks is the calls of the last 32 s: a finished SIP transaction lingers that long (Timers J and
L) and keeps its request. Two policies gave long pauses there (measured at 800 calls/s, about
800,000 such objects):

- Python's default thresholds (700, 10, 10) collect the young generations in a few ms, but the
  oldest generation is collected whenever a quarter more objects have survived into it, which
  under this load is every few seconds and takes 50–250 ms, growing with the heap.
- High young thresholds (20,000 net allocations) are never reached under a steady load: the
  young-generation counter counts allocations *minus* deallocations, and old calls are freed as
  new ones come. The young generation then grows to the whole live set and its collection, when
  a burst finally triggers it, took 450–640 ms.

So: freeze what exists once the server is up (configuration, tables, imports: never walked
again), keep Python's young thresholds, never let allocation counts start a collection of the
oldest generation, and collect it instead every `OLD_EVERY_S` seconds, timed and logged when
slow (it took 200–480 ms at 800 calls/s, 2–5 ms at 20 calls/s). Garbage cycles among old
objects wait for that collection; the call path leaves none (tests/sip/test_no_garbage_cycles.py,
tests/telephony/test_ended_call_freed.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger("frontdesk.server")

YOUNG_THRESHOLDS = (700, 10)  # Python's own: young collections stay small and frequent
NEVER = 2**31 - 1  # the oldest generation is collected only by `collect_old`
OLD_EVERY_S = 300.0
SLOW_S = 0.05


def settle() -> None:
    """Collects and freezes everything alive now, and sets the thresholds above."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*YOUNG_THRESHOLDS, NEVER)


def collect_old() -> tuple[int, float]:
    """One full collection: (objects found unreachable, seconds it took)."""
    started = time.perf_counter()
    found = gc.collect()
    took = time.perf_counter() - started
    if took > SLOW_S:
        log.info("scheduled full garbage collection took %.0f ms (%d unreachable objects)",
                 took * 1000, found)  # fmt: skip
    return found, took


def next_wait(every_s: float, took_s: float) -> float:
    """Every `every_s`, or less often when the collection is slow: waiting at least a thousand
    times its duration keeps its share of the loop under 0.1 %."""
    return max(every_s, 1000 * took_s)


async def collect_old_forever(every_s: float = OLD_EVERY_S) -> None:
    wait = every_s
    while True:
        await asyncio.sleep(wait)
        _, took = collect_old()
        wait = next_wait(every_s, took)
