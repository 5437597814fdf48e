"""`frontdesk simulate`: one queue's what-if, run through the real routing engine.

Workload from flags (`--calls-per-hour`, `--aht-s`, `--patience-s`) or from imported history
(`--history DATA_DIR`: empirical handling times, Kaplan-Meier patience, the average arrival
rate, or `--replay` of the recorded arrival times, `--from DAY`). What-ifs: agents (`--agents`, or
`--staffing 0:5,3600:8` for counts from given seconds), wrap-up, ring delay, routing strategy,
callback offer after a wait, wait announcement (the scenario: sim_flags.py). The run says
what it assumed, then gives the figures of the same metric code as `frontdesk report`;
`--json` prints one object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from frontdesk.acd import Strategy
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import MetricSettings, figures
from frontdesk.config.zone_option import add_zone_options, resolve_zone
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, SLDefinition
from frontdesk.planning.sim_describe import seconds
from frontdesk.planning.sim_flags import scenario_from_flags
from frontdesk.planning.sim_forecast import DAY_S
from frontdesk.planning.simulator import Simulation

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    sim = subparsers.add_parser(
        "simulate",
        help="run the routing engine on simulated calls",
        description="One queue's what-if through the real routing engine in virtual time.\n"
        "The workload comes from flags or from imported history; the run first says what\n"
        "it assumed (arrivals, handling, patience, agents), then gives the report's figures.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    work = sim.add_argument_group("workload (flags override what --history gives)")
    work.add_argument("--calls-per-hour", type=float, help="Poisson arrival rate")
    work.add_argument("--aht-s", type=float, help="mean handling (talk) time, s")
    work.add_argument(
        "--service",
        choices=("exponential", "lognormal"),
        default="exponential",
        help="handling-time distribution for --aht-s (default exponential)",
    )
    work.add_argument(
        "--service-sd-s", type=float, help="standard deviation for lognormal (default: the mean)"
    )
    work.add_argument(
        "--patience-s",
        type=float,
        help="mean patience, s (exponential); without it and --history, callers never give up",
    )
    work.add_argument(
        "--history",
        metavar="DATA_DIR",
        help="data dir with imported calls: handling times, Kaplan-Meier "
        "patience and the average arrival rate",
    )
    work.add_argument(
        "--queue",
        action="append",
        default=[],
        help="with --history: that queue's calls only (repeat for several)",
    )
    work.add_argument(
        "--replay",
        action="store_true",
        help="with --history: its recorded arrival times, from its first call",
    )
    work.add_argument(
        "--from",
        dest="replay_from",
        metavar="DAY",
        help="with --replay: from the start of DAY (YYYY-MM-DD, in --tz)",
    )
    work.add_argument(
        "--forecast",
        metavar="DAY",
        help="with --history: simulate the forecast of DAY (YYYY-MM-DD): its "
        "arrivals by hour, the history's patience",
    )
    work.add_argument(
        "--forecast-weeks", type=int, default=4, help="weeks the forecast learns from (default 4)"
    )
    work.add_argument(
        "--target-sl",
        type=float,
        default=0.8,
        help="service level --staffing forecast staffs for (default 0.8)",
    )
    add_zone_options(work, "time zone of the forecast day, of --from and of times shown")
    what = sim.add_argument_group("what if")
    what.add_argument("--agents", type=int, help="agents logged in throughout")
    what.add_argument(
        "--staffing",
        help="agents from given seconds on, e.g. 0:5,3600:8; "
        "'forecast': what the forecast day needs each hour",
    )
    what.add_argument(
        "--wrap-s", type=float, default=0.0, help="wrap-up after each call, s (default 0)"
    )
    what.add_argument(
        "--ring-delay-s",
        type=float,
        default=0.0,
        help="ring before the agent answers, s (default 0)",
    )
    what.add_argument(
        "--strategy",
        default="longest-idle",
        choices=[s.value for s in Strategy],
        help="which free agent gets the call (default longest-idle)",
    )
    what.add_argument(
        "--callback-after-s", type=float, help="offer a callback after this wait (default: never)"
    )
    what.add_argument(
        "--callback-accept",
        type=float,
        default=0.5,
        help="share of callers offered a callback who take it (default 0.5)",
    )
    what.add_argument(
        "--announce-after-s",
        type=float,
        help="announce the expected wait then; callers who would not wait "
        "that long hang up (default: no announcement)",
    )
    run = sim.add_argument_group("run and figures")
    run.add_argument("--hours", type=float, default=8.0, help="hours of arrivals (default 8)")
    run.add_argument(
        "--warmup-h",
        type=float,
        default=0.0,
        help="first hours left out of the figures (default 0)",
    )
    run.add_argument(
        "--seed", type=int, default=1, help="the same seed gives the same run (default 1)"
    )
    run.add_argument(
        "--target-s", type=float, default=20.0, help="service-level time T, s (default 20)"
    )
    run.add_argument(
        "--short-abandon-s",
        type=float,
        default=5.0,
        help="abandons sooner than this are short (default 5)",
    )
    run.add_argument(
        "--definition",
        default=DEFAULT_SL_DEFINITION.value,
        help="service-level definition, one of docs/analytics.md's names "
        f"(default {DEFAULT_SL_DEFINITION.value})",
    )
    run.add_argument("--json", action="store_true", help="print one JSON object")
    sim.set_defaults(func=_guarded)


_EXAMPLES = """examples:
  frontdesk simulate --calls-per-hour 200 --aht-s 180 --patience-s 300 --agents 12
  frontdesk simulate --history data --replay --hours 24 --agents 11    # one more agent?
  frontdesk simulate --history data --forecast 2026-12-01 --staffing forecast --tz Europe/London
"""


def _guarded(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (PlanningError, AnalyticsError) as exc:
        print(f"frontdesk simulate: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    resolve_zone(args, PlanningError)
    if args.forecast:
        args.hours = DAY_S / 3600  # the forecast's intervals cover the whole day
    scenario, words = scenario_from_flags(args)
    settings = MetricSettings(
        args.target_s, args.short_abandon_s, definition=SLDefinition.parse(args.definition)
    )
    started = time.perf_counter()
    result = Simulation(scenario, args.seed).run(args.hours * 3600, args.warmup_h * 3600)
    elapsed = time.perf_counter() - started
    out = figures(result.tally(settings), result.agent_time.occupancy())
    out.update(
        seed=args.seed,
        hours=args.hours,
        simulated_calls=len(result.records),
        run_s=round(elapsed, 3),
        scenario=words,
    )
    if args.json:
        print(json.dumps({k: _finite(v) for k, v in out.items()}))
        return 0
    for name, line in words.items():
        print(f"{name:<10} {line}")
    warm = f" after a {args.warmup_h:g} h warm-up" if args.warmup_h else ""
    print(
        f"{len(result.records):,} calls simulated ({args.hours:g} h of arrivals{warm}) "
        f"in {elapsed:.2f} s, seed {args.seed}:"
    )
    for name in (
        "offered",
        "answered",
        "abandoned",
        "callbacks",
        "abandonment_rate",
        "service_level",
        "asa_s",
        "aht_s",
        "longest_wait_s",
        "occupancy",
    ):
        value = out[name]
        shown = (
            "-" if value is None
            else f"{value:.1%}" if name in _RATES
            else seconds(value) if name.endswith("_s")
            else f"{value:,}"
        )  # fmt: skip
        print(f"  {name:<18} {shown}")
    return 0


_RATES = ("abandonment_rate", "service_level", "occupancy")


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value
