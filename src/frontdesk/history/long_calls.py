"""Which calls ran long: talk time above a high percentile of comparable calls, learnt.

Comparable calls are those handled in the same queue with the same disposition (a complaint
is allowed to take longer than a wrong number) in the 30 days before the call's day (UTC).
With fewer than 30 of them the threshold is unknown and the call is not judged (`long` is
None): a 95th percentile of a handful of calls would flag noise. Calls that did not talk are
never long. The percentile is numpy's default (linear interpolation between order
statistics, Hyndman & Fan 1996 definition 7), the same as the wallboard's live flags.

The threshold is read once per (queue, disposition, day) and cached: the window ends where
the day begins, so calls of the day itself cannot change it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, select

from frontdesk.history.schema import calls

DAY_S = 86400.0
Key = tuple[str, str, float]  # queue, disposition, day start


@dataclass(frozen=True, slots=True)
class LongCallRule:
    percentile: float = 95.0
    min_samples: int = 30
    window_days: float = 30.0


def day_of(at: float) -> float:
    return (at // DAY_S) * DAY_S


class Thresholds:
    """Cached talk-time thresholds per (queue, disposition, day)."""

    MAX_CACHED = 50_000

    def __init__(self, rule: LongCallRule) -> None:
        self.rule = rule
        self._cache: dict[Key, float | None] = {}

    def forget(self) -> None:
        self._cache.clear()

    def of(self, conn: Connection, keys: Iterable[Key]) -> dict[Key, float | None]:
        """Thresholds for these keys: cached ones, and one query per (queue, disposition)."""
        wanted = set(keys)
        found = {k: self._cache[k] for k in wanted if k in self._cache}
        groups: dict[tuple[str, str], list[float]] = {}
        for queue, disposition, day in wanted - set(found):
            groups.setdefault((queue, disposition), []).append(day)
        for (queue, disposition), days in groups.items():
            found.update(self._group(conn, queue, disposition, sorted(days)))
        if len(self._cache) > self.MAX_CACHED:
            self._cache.clear()
        self._cache.update(found)
        return found

    def _group(
        self, conn: Connection, queue: str, disposition: str, days: list[float]
    ) -> dict[Key, float | None]:
        window = self.rule.window_days * DAY_S
        query = (
            select(calls.c.started_at, calls.c.talk_s)
            .where(calls.c.queue == queue, calls.c.disposition == disposition)
            .where(calls.c.started_at >= days[0] - window, calls.c.started_at < days[-1])
            .where(calls.c.handled == 1, calls.c.talk_s > 0)
            .order_by(calls.c.started_at)
        )
        rows = conn.execute(query).all()
        starts = np.array([r[0] for r in rows], dtype=float)
        talks = np.array([r[1] for r in rows], dtype=float)
        out: dict[Key, float | None] = {}
        for day in days:
            lo, hi = np.searchsorted(starts, [day - window, day], side="left")
            sample = talks[lo:hi]
            enough = len(sample) >= self.rule.min_samples
            out[(queue, disposition, day)] = (
                float(np.percentile(sample, self.rule.percentile)) if enough else None
            )
        return out


def judge(talk_s: float, handled: bool, threshold: float | None) -> bool | None:
    """Long (True), not long (False), or not known (None: too few comparable calls)."""
    if not handled or talk_s <= 0:
        return False
    if threshold is None:
        return None
    return talk_s > threshold
