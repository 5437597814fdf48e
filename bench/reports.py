"""Benchmark: the main reports over a large event log on SQLite.

Synthetic history is written into a temporary database through the import path (events in
the event log plus the derived calls table, batched): a month of calls over 8 queues and 200
agents, with customer tiers, answered (80 %), abandoned, IVR-only and the odd phantom call,
about 5.5 events per call, until the log holds the asked number of events (10 million, or
1 million with --quick). Then each main report is built from a cold connection and timed
(best of 3): summary by queue, service level by queue and day, abandonment by wait bucket,
Kaplan-Meier patience, hourly intervals, and agents. The target is under 2 s per report.
Reports read the rollup the import keeps (analytics/rollup.py); `--calls-table` times them
summed from the calls table instead, as before the rollup (each line says its source).

    .venv/bin/python bench/reports.py --quick

The last line is one JSON object: events, calls, seconds per report, the slowest.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from frontdesk.analytics.importers import ImportedCall, import_calls
from frontdesk.analytics.queries import Window
from frontdesk.analytics.records import CallOutcome
from frontdesk.analytics.reports import ReportRequest, build
from frontdesk.store.eventlog import events_table, open_engine

START = 1_690_848_000.0  # 2023-08-01T00:00:00Z
QUEUES = ("sales", "support", "billing", "vip", "tech", "returns", "en", "fr")
TIERS = ("gold", "silver", "bronze", "")
EVENTS_PER_CALL = 5.6


def synthetic_calls(count: int, seed: int) -> Iterator[ImportedCall]:
    rng = random.Random(seed)
    spacing = 31 * 86_400 / count
    for n in range(count):
        arrived = START + n * spacing + rng.random() * spacing
        draw = rng.random()
        if draw < 0.8:
            outcome = CallOutcome.ANSWERED
        elif draw < 0.93:
            outcome = CallOutcome.ABANDONED
        elif draw < 0.995:
            outcome = CallOutcome.IVR
        else:
            outcome = CallOutcome.PHANTOM
        wait = rng.expovariate(1 / 40) if outcome is not CallOutcome.IVR else 0.0
        talk = rng.lognormvariate(5.0, 0.6) if outcome is CallOutcome.ANSWERED else 0.0
        yield ImportedCall(
            source_id=f"bench:{n}",
            arrived_at=arrived,
            outcome=outcome,
            queue=QUEUES[n % len(QUEUES)],
            queued_at=arrived + 20.0,
            wait_s=round(wait, 1),
            agent=f"agent{rng.randrange(200)}" if outcome is CallOutcome.ANSWERED else "",
            talk_s=round(talk, 1),
            wrap_s=15.0 if talk else 0.0,
            ended_at=arrived + 20.0 + wait + talk,
            number="+3312345678",
            caller=f"+33{rng.randrange(10**8):08d}",
            attributes={"tier": TIERS[n % 4], "known": n % 3 != 0},
        )


REPORTS = {
    "summary by queue": ReportRequest("summary", by=("queue",)),
    "service level by queue and day": ReportRequest("service-level", by=("queue", "day")),
    "abandonment by wait bucket": ReportRequest("abandonment"),
    "patience (Kaplan-Meier)": ReportRequest("patience"),
    "intervals by hour": ReportRequest("intervals", interval="hour"),
    "agents": ReportRequest("agents"),
    "summary, one queue, one week, by tier": ReportRequest(
        "summary",
        window=Window(START + 7 * 86_400, START + 14 * 86_400, ("sales",)),
        by=("tier",),
        tz=ZoneInfo("Europe/Paris"),
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 million events, not 10")
    parser.add_argument("--events", type=int, help="events to write (overrides --quick)")
    parser.add_argument(
        "--calls-table", action="store_true", help="sum the calls table, not the rollup"
    )
    args = parser.parse_args()
    events = args.events or (1_000_000 if args.quick else 10_000_000)
    calls = int(events / EVENTS_PER_CALL)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        engine = open_engine(data_dir)
        started = time.perf_counter()
        result = import_calls(engine, synthetic_calls(calls, seed=1))
        loading = time.perf_counter() - started
        with engine.connect() as conn:
            written = int(conn.execute(select(func.count()).select_from(events_table)).scalar())
        print(
            f"wrote {written:,} events for {result.imported:,} calls in {loading:.1f} s "
            f"({written / loading:,.0f} events/s, events and derived calls table)"
        )
        engine.dispose()
        timings: dict[str, float] = {}
        for name, request in REPORTS.items():
            best = float("inf")
            for _ in range(3):
                engine = open_engine(data_dir)
                t = time.perf_counter()
                report = build(engine, replace(request, use_rollup=not args.calls_table))
                best = min(best, time.perf_counter() - t)
                engine.dispose()
            timings[name] = best
            source = report.settings.get("source", "")
            print(f"{name:<40} {best:7.3f} s  ({len(report.rows)} rows, from {source})")
    slowest = max(timings, key=lambda k: timings[k])
    print(
        json.dumps(
            {
                "events": written,
                "calls": result.imported,
                "load_s": round(loading, 1),
                "report_s": {k: round(v, 3) for k, v in timings.items()},
                "slowest": slowest,
                "slowest_s": round(timings[slowest], 3),
                "target_s": 2.0,
                "source": "calls table" if args.calls_table else "rollup",
            }
        )
    )


if __name__ == "__main__":
    main()
