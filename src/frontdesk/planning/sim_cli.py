"""`frontdesk simulate`: one queue's what-if, run through the real routing engine.

Workload from flags (`--calls-per-hour`, `--aht-s`, `--patience-s`) or from imported history
(`--history DATA_DIR`: empirical handling times, Kaplan-Meier patience, the average arrival
rate, or `--replay` of the recorded arrival times). What-ifs: agents (`--agents`, or
`--staffing 0:5,3600:8` for counts from given seconds), wrap-up, ring delay, routing strategy,
callback offer after a wait, wait announcement. The figures come from the same metric code
as `frontdesk report`; `--json` prints one object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from frontdesk.acd import OfferCallback, QueueConfig, Strategy, ToVoicemail
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import MetricSettings, figures
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, SLDefinition
from frontdesk.planning.sim_forecast import DAY_S, forecast_day
from frontdesk.planning.sim_history import history_inputs
from frontdesk.planning.sim_model import (
    AgentGroup,
    Announcement,
    CallbackBehaviour,
    Distribution,
    Exponential,
    Lognormal,
    Never,
    PoissonArrivals,
    ReplayArrivals,
    Scenario,
)
from frontdesk.planning.simulator import Simulation

EXIT_BAD_INPUT = 2
QUEUE = "q"


def register(subparsers: Any) -> None:
    sim = subparsers.add_parser("simulate", help="run the routing engine on simulated calls")
    sim.add_argument("--calls-per-hour", type=float, help="Poisson arrival rate")
    sim.add_argument("--aht-s", type=float, help="mean handling (talk) time, s")
    sim.add_argument("--service", choices=("exponential", "lognormal"), default="exponential")
    sim.add_argument("--service-sd-s", type=float, help="standard deviation for lognormal")
    sim.add_argument("--patience-s", type=float, help="mean patience, s (exponential)")
    sim.add_argument("--history", help="data dir with imported calls: service, patience, rate")
    sim.add_argument("--queue", action="append", default=[], help="history of these queues only")
    sim.add_argument("--replay", action="store_true", help="replay the history's arrivals")
    sim.add_argument(
        "--forecast",
        metavar="DAY",
        help="with --history: simulate the forecast "
        "of DAY (YYYY-MM-DD): its arrivals by interval, the history's patience",
    )
    sim.add_argument("--forecast-weeks", type=int, default=4, help="weeks the forecast learns")
    sim.add_argument("--target-sl", type=float, default=0.8, help="for --staffing forecast")
    sim.add_argument("--tz", default="UTC", help="time zone of the forecast day")
    sim.add_argument("--agents", type=int, help="agents logged in throughout")
    sim.add_argument(
        "--staffing",
        help="agents from given seconds on, e.g. 0:5,3600:8; "
        "'forecast': what the forecast day needs per interval",
    )
    sim.add_argument("--wrap-s", type=float, default=0.0, help="wrap-up after each call, s")
    sim.add_argument("--ring-delay-s", type=float, default=0.0, help="ring before answer, s")
    sim.add_argument("--strategy", default="longest-idle", choices=[s.value for s in Strategy])
    sim.add_argument("--callback-after-s", type=float, help="offer a callback after this wait")
    sim.add_argument("--callback-accept", type=float, default=0.5, help="share who accept")
    sim.add_argument("--announce-after-s", type=float, help="announce the expected wait then")
    sim.add_argument("--hours", type=float, default=8.0, help="hours of arrivals")
    sim.add_argument("--warmup-h", type=float, default=0.0, help="hours left out of figures")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--target-s", type=float, default=20.0)
    sim.add_argument("--short-abandon-s", type=float, default=5.0)
    sim.add_argument("--definition", default=DEFAULT_SL_DEFINITION.value)
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.set_defaults(func=_guarded)


def _guarded(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (PlanningError, AnalyticsError) as exc:
        print(f"frontdesk simulate: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _staffing(args: argparse.Namespace, planned: AgentGroup | None = None) -> AgentGroup:
    if args.staffing == "forecast":
        if planned is None:
            raise PlanningError("--staffing forecast needs --history DATA_DIR --forecast DAY")
        return planned
    if args.staffing:
        try:
            steps = [
                (float(a), int(b)) for a, b in (p.split(":") for p in args.staffing.split(","))
            ]
        except ValueError:
            raise PlanningError("--staffing is SECONDS:AGENTS,... e.g. 0:5,3600:8") from None
        first = next((n for at, n in steps if at == 0), 0)
        return AgentGroup("agent", first, (QUEUE,), schedule=tuple(s for s in steps if s[0] > 0))
    if args.agents is None or args.agents < 1:
        raise PlanningError("give --agents N (1 or more) or --staffing")
    return AgentGroup("agent", args.agents, (QUEUE,))


def _scenario(args: argparse.Namespace) -> Scenario:
    duration = args.hours * 3600
    service: Distribution | None = None
    patience: Distribution = Never()
    arrivals: PoissonArrivals | ReplayArrivals | None = None
    planned: AgentGroup | None = None
    if args.forecast and not args.history:
        raise PlanningError("--forecast DAY needs --history DATA_DIR (the calls it learns from)")
    if args.history:
        found = history_inputs(Path(args.history), tuple(args.queue), duration)
        service, patience = found.service, found.patience
        arrivals = (
            ReplayArrivals(tuple((t, QUEUE) for t in found.arrivals))
            if args.replay
            else (PoissonArrivals.constant(QUEUE, found.calls_per_hour, duration))
        )
        if args.forecast:
            day = forecast_day(args, QUEUE)
            arrivals, patience, planned = day.arrivals, day.patience, day.staffing
    if args.aht_s is not None:
        service = (
            Lognormal(args.aht_s, args.service_sd_s or args.aht_s)
            if args.service == "lognormal"
            else Exponential(args.aht_s)
        )
    if args.patience_s is not None:
        patience = Exponential(args.patience_s)
    if args.calls_per_hour is not None:
        arrivals = PoissonArrivals.constant(QUEUE, args.calls_per_hour, duration)
    if service is None or arrivals is None:
        raise PlanningError("give --calls-per-hour and --aht-s, or --history DATA_DIR")
    callback = args.callback_after_s is not None
    queue = QueueConfig(
        QUEUE,
        strategy=Strategy(args.strategy),
        wrap_up=args.wrap_s,
        ring_timeout=None,
        target_answer_time=args.target_s,
        max_wait=args.callback_after_s,
        on_max_wait=OfferCallback() if callback else ToVoicemail(),
    )
    return Scenario(
        queues=(queue,),
        groups=(_staffing(args, planned),),
        arrivals=(arrivals,),
        service=service,
        patience=patience,
        ring_delay_s=args.ring_delay_s,
        callback=CallbackBehaviour(args.callback_accept) if callback else None,
        announcement=Announcement(args.announce_after_s) if args.announce_after_s else None,
    )


def _run(args: argparse.Namespace) -> int:
    if args.forecast:
        args.hours = DAY_S / 3600  # the forecast's intervals cover the whole day
    scenario = _scenario(args)
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
    )
    if args.json:
        print(json.dumps({k: _finite(v) for k, v in out.items()}))
        return 0
    print(f"{len(result.records)} calls simulated in {elapsed:.2f} s (seed {args.seed})")
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
        shown = "-" if value is None else (f"{value:.1%}" if name in _RATES else f"{value:g}")
        print(f"  {name:<18} {shown}")
    return 0


_RATES = ("abandonment_rate", "service_level", "occupancy")


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value
