"""`frontdesk plan forecast`: a day's calls, handling time and staffing, forecast from history.

    frontdesk plan forecast --date 1999-08-25 [--weeks 4] [--interval hour|15min]
        [--queue Q ...] [--tz ZONE] [--model a|c] [--target-sl 0.8] [--target-s 20]
        [--definition NAME] [--shrinkage 0] [--max-occupancy 1] [--data-dir data]
        [--json] [--chart FILE.svg|png]

Prints per interval the expected calls, AHT, agents needed and the model's service level and
abandonment at that count, with the forecast's error on the held-out week before (see
forecast.py); `--json` prints `forecast_plan.forecast_json`'s object. Added to `plan` by
planning/cli.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.analytics.calls_table import refresh_calls
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.slices import zone
from frontdesk.config.zone_option import add_zone_options, resolve_zone
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.forecast_plan import ForecastPlan, plan_forecast
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, Model, SLDefinition
from frontdesk.planning.staffing import StaffingPolicy, Target
from frontdesk.store.eventlog import DATABASE_FILE, open_engine

MAX_WEEKS = 26
EXIT_BAD_INPUT = 2


def add_parser(sub: Any) -> None:
    """Adds `forecast` to `plan`'s subcommands."""
    p = sub.add_parser("forecast", help="a day's calls, AHT and agents, forecast from history")
    p.add_argument("--date", required=True, help="the day to forecast, YYYY-MM-DD (local)")
    p.add_argument("--weeks", type=int, default=4, help="weeks of history to learn from")
    p.add_argument("--interval", choices=("hour", "15min"), default="hour")
    p.add_argument("--queue", action="append", default=[], help="only this queue (repeat)")
    add_zone_options(p, "time zone of days and intervals")
    p.add_argument("--model", choices=("a", "c"), default="a",
                   help="Erlang A with the history's patience (default) or Erlang C")  # fmt: skip
    p.add_argument("--target-sl", type=float, default=0.8, help="service level to reach")
    p.add_argument("--target-s", type=float, default=20.0, help="service-level time T, s")
    p.add_argument("--definition", default=DEFAULT_SL_DEFINITION.value,
                   help="service-level definition (default %(default)s)")  # fmt: skip
    p.add_argument("--shrinkage", type=float, default=0.0, help="time off phones, 0-1")
    p.add_argument("--max-occupancy", type=float, default=1.0, help="occupancy cap, 0-1")
    p.add_argument("--data-dir", default="data", help="where the database lives")
    p.add_argument("--chart", metavar="FILE", help="draw the forecast (.svg/.png)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PlanningError(f"--date must be a day like 1999-08-25, not {text!r}") from None


def build(args: argparse.Namespace, today: date | None = None) -> tuple[ForecastPlan, ZoneInfo]:
    """The staffed forecast the options ask for (`today`: the local day now, by default)."""
    if not 1 <= args.weeks <= MAX_WEEKS:
        raise PlanningError(f"--weeks must be between 1 and {MAX_WEEKS}, not {args.weeks}")
    try:
        tz = zone(resolve_zone(args, PlanningError))
    except AnalyticsError as exc:
        raise PlanningError(str(exc)) from exc
    target = Target.service_level(
        args.target_sl, args.target_s, SLDefinition.parse(args.definition)
    )
    policy = StaffingPolicy(args.max_occupancy, args.shrinkage)
    data = Path(args.data_dir)
    if not (data / DATABASE_FILE).is_file():
        raise PlanningError(f"no Frontdesk database in {data} (import history first)")
    engine = open_engine(data)
    refresh_calls(engine)
    now = today or datetime.now(tz).date()
    found = plan_forecast(engine, _day(args.date), now, args.weeks, args.interval, tz,
                          tuple(args.queue), Model(args.model), target, policy)  # fmt: skip
    return found, tz


def settings_json(args: argparse.Namespace, tz: ZoneInfo) -> dict[str, Any]:
    return {"weeks": args.weeks, "interval": args.interval, "timezone": str(tz),
            "queues": list(args.queue), "target_sl": args.target_sl, "target_s": args.target_s,
            "definition": args.definition, "shrinkage": args.shrinkage,
            "max_occupancy": args.max_occupancy}  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    try:
        found, tz = build(args)
        if args.chart:
            _draw(found, args.chart)
    except PlanningError as exc:
        print(f"frontdesk plan forecast: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    body = found.as_json(settings_json(args, tz))
    print(json.dumps(body) if args.json else table(body))
    return 0


def _draw(found: ForecastPlan, path: str) -> None:
    from frontdesk.analytics.charts_planning import forecast_chart  # matplotlib: lazy
    from frontdesk.analytics.charts_style import save

    try:
        written = save(forecast_chart(found), path)
    except (AnalyticsError, OSError) as exc:
        raise PlanningError(str(exc)) from exc
    print(f"chart written to {written}", file=sys.stderr)


def _pct(value: float | None) -> str:
    return "      -" if value is None else f"{value:7.1%}"


def table(body: dict[str, Any]) -> str:
    """The forecast as a readable table, with how it was made and its measured error."""
    h, t = body["history"], body["totals"]
    lines = [
        f"Forecast for {body['date']} per {body['interval']}: {t['calls']:.0f} calls "
        f"(weekday profile of {h['weeks']} weeks before {h['cut']} x level {h['level']:.3f}), "
        f"Erlang {body['model'].upper()}, peak {t['peak_agents']} agents, "
        f"{t['agent_hours']:.1f} agent-hours",
    ]
    patience = body["patience"]["mean_s"]
    if patience is not None:
        lines.append(f"patience: mean {patience:.0f} s (exponential fit of the same weeks)")
    b = body["backtest"]
    if b is not None:
        lines.append(
            f"error on the held-out week from {b['held_out_from']}: WAPE {b['wape']:.1%} "
            f"per interval, {b['daily_wape']:.1%} per day (same interval a week before: "
            f"{b['same_interval_last_week_wape']:.1%})"
        )
    lines.append(f"{'interval':<17} {'calls':>7} {'actual':>7} {'AHT s':>7} {'agents':>7} "
                 f"{'SL':>7} {'abandon':>7}")  # fmt: skip
    for r in body["rows"]:
        actual = "" if r["actual_calls"] is None else str(r["actual_calls"])
        lines.append(
            f"{r['interval']:<17} {r['calls']:7.1f} {actual:>7} {r['aht_s']:7.0f} "
            f"{r['agents']:7d} {_pct(r['service_level'])} {_pct(r['abandon'])}"
        )
    return "\n".join(lines)
