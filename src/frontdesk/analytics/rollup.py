"""The report rollup: the calls table summed per time slot, queue, slice dimension and outcome.

A month-wide report over the calls table reads every call in the month (millions at a busy
site). The rollup keeps, for every UTC quarter-hour (rows split by queue and outcome) and every
UTC day (split by queue, outcome and, in turn, each other slice dimension), the sums a `Tally`
needs (`metrics.GROUP_SUMS`) and the waits of the offered calls as an exact distribution: each
distinct wait with how many calls waited exactly that long (packed as `WAITS`, sorted). Any
service-level time, short-abandon threshold or wait bucket, the longest wait and the
Kaplan-Meier curve come out of it exactly, so changing a setting still recomputes history, and
a month is a few thousand rows (`rollup_query.py` reads it).

It is kept by the writes that fill the calls table (`calls_table.write_records` calls `apply`
in the same transaction): a call written again first takes its old row's share out, so the
rollup always equals a summing of the calls table, and is dropped and rebuilt with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import Column, Connection, Float, Integer, LargeBinary, MetaData, String, Table

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import GROUP_SUMS, group_sums, wait_class
from frontdesk.analytics.records import OUTCOME_CODES, CallRecord
from frontdesk.analytics.slices import QUARTER_S, record_value

DAY_S = 86_400
QUARTERS_PER_DAY = DAY_S // QUARTER_S
BASE = ""
"""The dimension of rows split by queue and outcome only."""
DAY_DIMENSIONS: tuple[str, ...] = (BASE, "final_queue", "agent", "team", "number", "tier")
DAY_DIMENSIONS += ("country", "language", "open_case", "customer")
QUARTER_DIMENSIONS = (BASE,)
ROLLUP_VERSION = 1
WAITS = np.dtype([("wait", "<f8"), ("count", "<u4")])
"""One distinct wait (seconds) and the number of calls that waited exactly that long."""

rollup_metadata = MetaData()
rollup_table = Table(
    "call_rollup",
    rollup_metadata,
    Column("span", Integer, primary_key=True),  # QUARTER_S or DAY_S
    Column("dim", String(32), primary_key=True),
    Column("slot", Integer, primary_key=True),  # offered_at // span
    Column("queue", String(255), primary_key=True),
    Column("value", String(255), primary_key=True),  # the record's value in `dim`
    Column("outcome", Integer, primary_key=True),
    *(Column(name, Float, nullable=False) for name in GROUP_SUMS),
    Column("waits", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)
_COLUMNS = ("span", "dim", "slot", "queue", "value", "outcome", *GROUP_SUMS, "waits")
_N_SUMS = len(GROUP_SUMS)
_N_OUTCOMES = len(OUTCOME_CODES)

CellKey = tuple[int, str, int, str, str, int]
Floats = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]


def _layouts() -> list[tuple[int, str]]:
    return [(QUARTER_S, d) for d in QUARTER_DIMENSIONS] + [(DAY_S, d) for d in DAY_DIMENSIONS]


def apply(conn: Connection, removed: Sequence[CallRecord], added: Sequence[CallRecord]) -> None:
    """Takes the removed records' shares out of the rollup and puts the added ones in."""
    records = [*removed, *added]
    if not records:
        return
    sign = np.array([-1.0] * len(removed) + [1.0] * len(added))
    sums = np.array([group_sums(r) for r in records], dtype=np.float64) * sign[:, None]
    quarters = np.fromiter((r.offered_at // QUARTER_S for r in records), np.int64, len(records))
    codes = np.fromiter((OUTCOME_CODES[r.outcome] for r in records), np.int64, len(records))
    offered = np.array([wait_class(r.outcome) is not None for r in records])
    waits = np.array([r.wait_s for r in records], dtype=np.float64)
    queue_names, queue_of = _factorize([r.queue for r in records])
    deltas: dict[CellKey, _Delta] = {}
    for span, dim in _layouts():
        slots = quarters // (span // QUARTER_S)
        value_names, value_of = _factorize(_values(records, dim))
        columns = (slots - slots.min(), queue_of, value_of, codes)
        sizes = (len(queue_names), len(value_names), _N_OUTCOMES)
        composite = columns[0]
        for column, size in zip(columns[1:], sizes, strict=True):
            composite = composite * size + column
        distinct, ids = np.unique(composite, return_inverse=True)
        representative = np.empty(len(distinct), dtype=np.int64)
        representative[ids] = np.arange(len(records))  # any record of each cell names it
        keys = [
            (
                span,
                dim,
                int(slots[i]),
                queue_names[queue_of[i]],
                value_names[value_of[i]],
                int(codes[i]),
            )
            for i in representative.tolist()
        ]
        _cell_deltas(keys, ids, sums, offered, waits, sign, deltas)
    _store(conn, deltas)


_PLAIN = frozenset({"final_queue", "agent", "team", "number", "tier", "country", "language"})


def _values(records: list[CallRecord], dim: str) -> list[str]:
    """The records' values in a dimension, as `slices.record_value` gives them."""
    if not dim:
        return [""] * len(records)
    if dim in _PLAIN:
        return list(map(attrgetter(dim), records))
    return [record_value(r, dim) for r in records]


def _factorize(values: list[str]) -> tuple[list[str], Counts]:
    """The distinct values (first seen first) and each value's index among them."""
    names = list(dict.fromkeys(values))
    index = {name: i for i, name in enumerate(names)}
    return names, np.fromiter(map(index.__getitem__, values), np.int64, len(values))


class _Delta(NamedTuple):
    """One cell's change: its sums, its waits' count changes (distinct waits, sorted), and the
    same packed as a new cell's `WAITS` when every change is an increase (else None)."""

    sums: list[float]
    waits: Floats
    counts: Counts
    packed: bytes | None


def _cell_deltas(
    cells: list[CellKey],
    ids: Counts,
    sums: Floats,
    offered: npt.NDArray[np.bool_],
    waits: Floats,
    sign: Floats,
    out: dict[CellKey, _Delta],
) -> None:
    """Sums the records' shares per cell; waits become (distinct wait, count change) runs."""
    totals = np.stack(
        [np.bincount(ids, weights=sums[:, j], minlength=len(cells)) for j in range(_N_SUMS)],
        axis=1,
    ).tolist()
    cell_ids, cell_waits, cell_signs = ids[offered], waits[offered], sign[offered]
    order = np.lexsort((cell_waits, cell_ids))
    cell_ids, cell_waits, cell_signs = cell_ids[order], cell_waits[order], cell_signs[order]
    new_run = np.ones(len(cell_ids), dtype=bool)
    new_run[1:] = (cell_ids[1:] != cell_ids[:-1]) | (cell_waits[1:] != cell_waits[:-1])
    starts = np.flatnonzero(new_run)
    run_counts = np.add.reduceat(cell_signs, starts).astype(np.int64) if len(starts) else None
    if run_counts is None:
        run_ids, run_waits, run_counts = starts, cell_waits[starts], starts
    else:
        changed = run_counts != 0
        run_ids, run_waits = cell_ids[starts][changed], cell_waits[starts][changed]
        run_counts = run_counts[changed]
    packed = np.empty(len(run_ids), dtype=WAITS)
    packed["wait"] = run_waits
    packed["count"] = np.maximum(run_counts, 0)
    falling = np.bincount(run_ids[run_counts < 0], minlength=len(cells))
    bounds = np.searchsorted(run_ids, np.arange(len(cells) + 1)).tolist()
    for i, key in enumerate(cells):
        lo, hi = bounds[i], bounds[i + 1]
        ready = packed[lo:hi].tobytes() if not falling[i] else None
        out[key] = _Delta(totals[i], run_waits[lo:hi], run_counts[lo:hi], ready)


def _store(conn: Connection, deltas: dict[CellKey, _Delta]) -> None:
    """Merges the cell changes into the stored rows, one read per (span, dim, slot)."""
    slots: dict[tuple[int, str, int], list[CellKey]] = {}
    for key in deltas:
        slots.setdefault(key[:3], []).append(key)
    select = (
        f"SELECT queue, value, outcome, {', '.join(GROUP_SUMS)}, waits FROM call_rollup "
        "WHERE span = ? AND dim = ? AND slot = ?"
    )
    upserts: list[tuple[Any, ...]] = []
    deletes: list[CellKey] = []
    cursor = conn.connection.cursor()  # the driver's own: thousands of small reads
    for slot, keys in slots.items():
        cursor.execute(select, slot)
        stored = {(str(row[0]), str(row[1]), int(row[2])): row[3:] for row in cursor.fetchall()}
        for key in keys:
            old = stored.get(key[3:])
            delta = deltas[key]
            if old is None:
                if delta.packed is None or round(delta.sums[0]) <= 0:
                    raise AnalyticsError(f"the report rollup is out of step at {key}")
                upserts.append((*key, *delta.sums, delta.packed))
                continue
            total = [a + float(b) for a, b in zip(delta.sums, old[:_N_SUMS], strict=False)]
            waits, counts = merge_waits(decode_waits(old[_N_SUMS]), delta.waits, delta.counts)
            if round(total[0]) == 0:
                if len(waits):
                    raise AnalyticsError(f"the report rollup is out of step at {key}")
                deletes.append(key)
            else:
                upserts.append((*key, *total, encode_waits(waits, counts)))
    columns = ", ".join(_COLUMNS)
    marks = ", ".join("?" * len(_COLUMNS))
    if upserts:
        cursor.executemany(
            f"INSERT OR REPLACE INTO call_rollup ({columns}) VALUES ({marks})", upserts
        )
    if deletes:
        where = " AND ".join(f"{c} = ?" for c in _COLUMNS[:6])
        cursor.executemany(f"DELETE FROM call_rollup WHERE {where}", deletes)
    cursor.close()


def decode_waits(blob: bytes) -> npt.NDArray[Any]:
    return np.frombuffer(blob, dtype=WAITS)


def encode_waits(waits: Floats, counts: Counts) -> bytes:
    packed = np.empty(len(waits), dtype=WAITS)
    packed["wait"] = waits
    packed["count"] = counts
    return packed.tobytes()


def merge_waits(stored: npt.NDArray[Any], waits: Floats, counts: Counts) -> tuple[Floats, Counts]:
    """Stored distinct waits plus count changes: sorted distinct waits, counts above 0."""
    all_waits = np.concatenate([stored["wait"], waits])
    all_counts = np.concatenate([stored["count"].astype(np.int64), counts])
    distinct, inverse = np.unique(all_waits, return_inverse=True)
    merged = np.bincount(inverse, weights=all_counts, minlength=len(distinct)).astype(np.int64)
    if np.any(merged < 0):
        raise AnalyticsError("the report rollup is out of step: a wait count fell below 0")
    kept = merged > 0
    return distinct[kept], merged[kept]


def rebuild(conn: Connection, records: Iterable[CallRecord], batch: int = 50_000) -> None:
    """Empties the rollup and sums the given records (all the calls table) into it."""
    conn.execute(rollup_table.delete())
    chunk: list[CallRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            apply(conn, (), chunk)
            chunk = []
    apply(conn, (), chunk)
