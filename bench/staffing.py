"""Benchmark: a 96-interval day of Erlang C staffing, Frontdesk against pyworkforce.

Each day is a two-peak daily curve of 15-minute intervals (quiet night, morning and afternoon
peaks) scaled so that the busiest interval carries the peak load; AHT 180 s, target 80 % of
calls answered within 20 s. The same question goes to pyworkforce's ErlangC class
(`required_positions`) in the same run, and the agent counts are compared interval by
interval. pyworkforce is optional: without it only Frontdesk's figures are printed.

    .venv/bin/python bench/staffing.py --quick

The last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable

from frontdesk.planning import Model, Target, Workload, required_agents

AHT_S = 180.0
TARGET_S = 20.0
LEVEL = 0.8
INTERVAL_MIN = 15
INTERVALS = 96


def daily_curve() -> list[float]:
    """Relative load per 15-minute interval: a night floor and two Gaussian peaks, max 1."""
    raw = []
    for i in range(INTERVALS):
        hour = (i + 0.5) * INTERVAL_MIN / 60
        morning = math.exp(-(((hour - 10.5) / 1.8) ** 2))
        afternoon = 0.8 * math.exp(-(((hour - 15.0) / 2.2) ** 2))
        raw.append(0.02 + morning + afternoon)
    top = max(raw)
    return [r / top for r in raw]


def frontdesk_day(loads: list[float]) -> list[int]:
    target = Target.service_level(LEVEL, TARGET_S)
    return [
        required_agents(Model.C, Workload(load * 3600 / AHT_S, AHT_S), target).agents
        for load in loads
    ]


def pyworkforce_day(loads: list[float]) -> tuple[list[int | None], int]:
    """pyworkforce's raw positions per interval (None where it failed) and its failures."""
    from pyworkforce.queuing import ErlangC

    counts: list[int | None] = []
    failures = 0
    for load in loads:
        calls = load * INTERVAL_MIN / (AHT_S / 60)
        try:
            erlang = ErlangC(
                transactions=calls, aht=AHT_S / 60, asa=TARGET_S / 60, interval=INTERVAL_MIN
            )
            counts.append(int(erlang.required_positions(service_level=LEVEL)["raw_positions"]))
        except (OverflowError, ZeroDivisionError, ValueError):
            counts.append(None)
            failures += 1
    return counts, failures


def best_time(run: Callable[[], object], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer loads and repeats")
    args = parser.parse_args()
    peaks = [1.0, 20.0, 200.0, 2000.0] if args.quick else [1, 5, 20, 100, 500, 1000, 2000]
    repeats = 3 if args.quick else 7
    try:
        import pyworkforce  # noqa: F401

        have_peer = True
    except ImportError:
        have_peer = False
        print("pyworkforce is not installed: measuring Frontdesk only")

    curve = daily_curve()
    ours_total = peer_total = 0.0
    mismatches = failures = 0
    rows = []
    print(
        f"{'peak Erl':>9} {'frontdesk s/day':>16} {'pyworkforce s/day':>18} {'ratio':>7} "
        f"{'peak agents':>12} {'mismatches':>11}"
    )
    for peak in peaks:
        loads = [peak * c for c in curve]
        ours = frontdesk_day(loads)
        ours_s = best_time(lambda loads=loads: frontdesk_day(loads), repeats)
        ours_total += ours_s
        row: dict[str, float | int | None] = {"peak_erlangs": peak, "seconds_per_day": ours_s}
        peer_s = math.nan
        if have_peer:
            theirs, failed = pyworkforce_day(loads)
            peer_s = best_time(lambda loads=loads: pyworkforce_day(loads), max(1, repeats // 2))
            peer_total += peer_s
            failures += failed
            for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
                if b is not None and a != b:
                    mismatches += 1
                    print(
                        f"  mismatch at peak {peak:g}, interval {i} (load {loads[i]:.3f} Erl): "
                        f"frontdesk {a}, pyworkforce {b}"
                    )
            row.update(pyworkforce_seconds_per_day=peer_s, pyworkforce_failures=failed)
        rows.append(row)
        ratio = peer_s / ours_s if have_peer else math.nan
        print(
            f"{peak:>9g} {ours_s:>16.5f} {peer_s:>18.5f} {ratio:>7.1f} {max(ours):>12} "
            f"{mismatches:>11}"
        )

    count = len(peaks)
    summary = {
        "seconds_per_day": ours_total / count,
        "pyworkforce_seconds_per_day": peer_total / count if have_peer else None,
        "ratio": peer_total / ours_total if have_peer else None,
        "mismatches": mismatches if have_peer else None,
        "pyworkforce_failures": failures if have_peer else None,
        "intervals_per_day": INTERVALS,
        "peak_loads_erlangs": peaks,
        "by_peak": rows,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
