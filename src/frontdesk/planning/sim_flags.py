"""The scenario `frontdesk simulate`'s flags describe, and what it assumes in words.

Workload from flags, from imported history (its handling times, Kaplan-Meier patience, its
average rate or `--replay` of its arrival times, from its first call or `--from DAY`), or
from the forecast of a day; agents from `--agents`, `--staffing` or the forecast's plan.
Flags given beside `--history` override what it would give.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from frontdesk.acd import OfferCallback, QueueConfig, Strategy, ToVoicemail
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.slices import local_day_start, zone
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.sim_describe import (
    describe_arrivals,
    describe_distribution,
    describe_staffing,
)
from frontdesk.planning.sim_forecast import forecast_day
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

QUEUE = "q"


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


def scenario_from_flags(args: argparse.Namespace) -> tuple[Scenario, dict[str, str]]:
    """The scenario the flags describe, and in words what it assumes (sim_describe.py)."""
    duration = args.hours * 3600
    service: Distribution | None = None
    patience: Distribution = Never()
    arrivals: PoissonArrivals | ReplayArrivals | None = None
    planned: AgentGroup | None = None
    origin = {"arrivals": "as given", "service": "", "patience": ""}
    if args.forecast and not args.history:
        raise PlanningError("--forecast DAY needs --history DATA_DIR (the calls it learns from)")
    if args.replay and not args.history:
        raise PlanningError("--replay needs --history DATA_DIR (the calls it replays)")
    if args.replay_from and not args.replay:
        raise PlanningError("--from DAY goes with --replay (the day whose calls are replayed)")
    if args.history:
        start = _day_start(args.replay_from, args.tz) if args.replay_from else None
        found = history_inputs(Path(args.history), tuple(args.queue), duration, start)
        service, patience = found.service, found.patience
        origin.update(service="the history's answered calls", patience="the history's waits")
        if args.replay:
            arrivals = ReplayArrivals(tuple((t, QUEUE) for t in found.arrivals))
            origin["arrivals"] = (
                f"{args.hours:g} h of the history from {_local(found.first_at, args.tz)}"
            )
        else:
            arrivals = PoissonArrivals.constant(QUEUE, found.calls_per_hour, duration)
            origin["arrivals"] = (
                f"the history's average over {found.span_h:,.0f} h, quiet hours included; "
                "--replay or --forecast DAY give a day's shape"
            )
        if args.forecast:
            day = forecast_day(args, QUEUE)
            arrivals, patience, planned = day.arrivals, day.patience, day.staffing
            origin["arrivals"] = f"the forecast of {args.forecast}, {args.tz}"
            origin["patience"] = f"the waits of the {args.forecast_weeks} weeks it learns from"
    if args.aht_s is not None:
        service = (
            Lognormal(args.aht_s, args.service_sd_s or args.aht_s)
            if args.service == "lognormal"
            else Exponential(args.aht_s)
        )
        origin["service"] = ""
    if args.patience_s is not None:
        patience = Exponential(args.patience_s)
    if args.calls_per_hour is not None:
        arrivals = PoissonArrivals.constant(QUEUE, args.calls_per_hour, duration)
        origin["arrivals"] = "as given"
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
    group = _staffing(args, planned)
    scenario = Scenario(
        queues=(queue,),
        groups=(group,),
        arrivals=(arrivals,),
        service=service,
        patience=patience,
        ring_delay_s=args.ring_delay_s,
        callback=CallbackBehaviour(args.callback_accept) if callback else None,
        announcement=Announcement(args.announce_after_s) if args.announce_after_s else None,
    )
    words = {
        "arrivals": describe_arrivals(arrivals, origin["arrivals"]),
        "handling": describe_distribution(service, origin["service"]),
        "patience": describe_distribution(patience, origin["patience"]),
        "agents": describe_staffing(group),
    }
    return scenario, words


def _zone(tz: str) -> ZoneInfo:
    try:
        return zone(tz)
    except AnalyticsError:
        raise PlanningError(f"--tz {tz!r} is not a time zone name") from None


def _local(epoch_s: float, tz: str) -> str:
    return f"{datetime.fromtimestamp(epoch_s, _zone(tz)):%Y-%m-%d %H:%M} {tz}"


def _day_start(day: str, tz: str) -> float:
    """Local midnight starting DAY, as `report --from` reads it."""
    local = _zone(tz)
    try:
        return local_day_start(day, local)
    except AnalyticsError:
        raise PlanningError(f"--from {day!r} is not a day (YYYY-MM-DD)") from None
