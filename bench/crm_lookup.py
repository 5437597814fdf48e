"""Caller lookup time with a million contacts: the CRM's hot path on every inbound call.

Builds a CRM in a temporary SQLite file (the same schema, engine settings and WAL mode the
server uses): N contacts with 1-3 numbers each, one account per four contacts with products,
cases for a fifth of the contacts, 0-3 interactions each, delivery facts for one in twenty.
Then times `CrmStore.lookup()` with the cache off (every lookup goes to the database) for
10,000 random numbers, 80% known callers and 20% unknown, in the formats callers arrive in.

    .venv/bin/python bench/crm_lookup.py            # 1,000,000 contacts
    .venv/bin/python bench/crm_lookup.py --quick    # 100,000 contacts

The bulk build writes with the plain sqlite3 cursor (it is set-up, not what is measured).
The last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from frontdesk.clock import SystemClock
from frontdesk.crm import CrmStore
from frontdesk.store.eventlog import open_engine

DAY = 86_400.0
SPREAD = 7_919_113  # coprime with 10**9: k -> k*SPREAD mod 10**9 gives distinct numbers
TARGET_P99_MS = 5.0


def number_for(k: int) -> str:
    return f"+447{(k * SPREAD) % 10**9:09d}"


def build(store: CrmStore, contacts: int, rng: random.Random, now: float) -> dict[str, int]:
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")  # bench set-up only
        counts = {"contacts": contacts, "numbers": 0, "interactions": 0, "cases": 0}
        accounts = contacts // 4
        cur.executemany(
            "INSERT INTO crm_accounts (id, external_id, name, tier, owner, team) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    a,
                    f"A{a}",
                    f"Account {a}",
                    "VIP" if a % 50 == 0 else "standard",
                    f"agent{a % 500}",
                    "sales",
                )
                for a in range(1, accounts + 1)
            ),
        )
        cur.executemany(
            "INSERT INTO crm_products (account_id, code, name) VALUES (?, ?, ?)",
            (
                (a, code, code.title())
                for a in range(1, accounts + 1)
                for code in ("std", "exp")[: 1 + a % 2]
            ),
        )
        cur.executemany(
            "INSERT INTO crm_contacts (id, external_id, account_id, first_name, last_name, "
            "language, email, notes) VALUES (?, ?, ?, ?, ?, ?, ?, '')",
            (
                (
                    c,
                    f"C{c}",
                    1 + (c - 1) // 4 if c % 3 else None,
                    f"First{c}",
                    f"Last{c}",
                    "fr" if c % 10 == 0 else "en",
                    f"c{c}@example.com",
                )
                for c in range(1, contacts + 1)
            ),
        )
        counts["numbers"] = _insert_numbers(cur, contacts, rng)
        counts["cases"] = _insert_history(cur, contacts, rng, now, counts)
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return counts


def _insert_numbers(cur: Any, contacts: int, rng: random.Random) -> int:
    rows = []
    k = 0
    for c in range(1, contacts + 1):
        for position in range(rng.randint(1, 3)):
            rows.append((number_for(k), c, position))
            k += 1
    cur.executemany("INSERT INTO crm_numbers (number, contact_id, position) VALUES (?,?,?)", rows)
    return k


def _insert_history(
    cur: Any, contacts: int, rng: random.Random, now: float, counts: dict[str, int]
) -> int:
    def interactions() -> Iterator[tuple[Any, ...]]:
        for c in range(1, contacts + 1):
            for i in range(rng.randint(0, 3)):
                at = now - rng.uniform(0, 365) * DAY
                counts["interactions"] += 1
                yield (
                    f"call-{c}-{i}",
                    c,
                    at,
                    "inbound",
                    "answered",
                    "parcels",
                    "agent1",
                    120.0,
                    "Customer asked about a parcel.",
                )

    cur.executemany(
        "INSERT INTO crm_interactions (call_id, contact_id, at, direction, outcome, queue, "
        "agent, duration_s, notes) VALUES (?,?,?,?,?,?,?,?,?)",
        interactions(),
    )
    case_rows = []
    for c in range(1, contacts + 1, 5):
        opened = now - rng.uniform(0, 90) * DAY
        status = rng.choice(("open", "pending", "closed"))
        case_rows.append((c, "parcel enquiry", status, opened, opened + DAY))
    cur.executemany(
        "INSERT INTO crm_cases (contact_id, topic, status, opened_at, updated_at) "
        "VALUES (?,?,?,?,?)",
        case_rows,
    )
    cur.executemany(
        "INSERT INTO crm_facts (contact_id, kind, summary, starts_at, ends_at, data) "
        "VALUES (?, 'delivery', 'Parcel booked', ?, ?, '{\"parcel\": \"FD1\"}')",
        ((c, now + 3600, now + 4 * 3600) for c in range(1, contacts + 1, 20)),
    )
    return len(case_rows)


def caller_id_forms(number: str, rng: random.Random) -> str:
    """The shapes a caller ID arrives in: E.164, national, SIP user part without the plus."""
    form = rng.random()
    if form < 0.6:
        return number
    if form < 0.8:
        return "0" + number[3:]
    return number[1:]


def time_lookups(
    store: CrmStore, numbers_total: int, lookups: int, rng: random.Random
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"hit": [], "miss": []}
    for _ in range(lookups):
        hit = rng.random() < 0.8
        k = rng.randrange(numbers_total) if hit else numbers_total + rng.randrange(10**6)
        raw = caller_id_forms(number_for(k), rng)
        started = time.perf_counter()
        profile = store.lookup(raw)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        if (profile is not None) != hit:
            raise SystemExit(f"lookup of {raw} gave {'a profile' if profile else 'nothing'}")
        times["hit" if hit else "miss"].append(elapsed_ms)
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 contacts")
    parser.add_argument("--contacts", type=int, help="override the number of contacts")
    parser.add_argument("--lookups", type=int, default=10_000)
    args = parser.parse_args()
    contacts = args.contacts or (100_000 if args.quick else 1_000_000)
    rng = random.Random(20240501)
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        engine = open_engine(Path(tmp))
        store = CrmStore(engine, SystemClock(), region="GB", cache_size=0)
        started = time.perf_counter()
        counts = build(store, contacts, rng, time.time())
        build_s = time.perf_counter() - started
        size_mb = (Path(tmp) / "frontdesk.db").stat().st_size / 1e6
        print(f"built {counts} in {build_s:.1f} s; database {size_mb:.0f} MB")
        times = time_lookups(store, counts["numbers"], args.lookups, rng)
        cached = CrmStore(engine, SystemClock(), region="GB")
        sample = [caller_id_forms(number_for(k), rng) for k in range(200)]
        for raw in sample:
            cached.lookup(raw)
        cached_times = []
        for raw in sample * 5:
            t0 = time.perf_counter()
            cached.lookup(raw)
            cached_times.append((time.perf_counter() - t0) * 1000.0)
        engine.dispose()
    every = times["hit"] + times["miss"]
    result = {
        "contacts": contacts,
        "numbers": counts["numbers"],
        "lookups": len(every),
        "p50_ms": round(pct(every, 50), 3),
        "p99_ms": round(pct(every, 99), 3),
        "hit_p99_ms": round(pct(times["hit"], 99), 3),
        "miss_p99_ms": round(pct(times["miss"], 99), 3),
        "max_ms": round(max(every), 3),
        "cached_p50_ms": round(statistics.median(cached_times), 4),
        "target_p99_ms": TARGET_P99_MS,
        "build_s": round(build_s, 1),
    }
    print(f"uncached lookups: {len(times['hit'])} hits, {len(times['miss'])} misses")
    for name, values in (("all", every), ("hits", times["hit"]), ("misses", times["miss"])):
        print(
            f"  {name:6s} p50 {pct(values, 50):.3f} ms  p90 {pct(values, 90):.3f} ms  "
            f"p99 {pct(values, 99):.3f} ms  max {max(values):.3f} ms"
        )
    print(f"cached lookups: p50 {result['cached_p50_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
