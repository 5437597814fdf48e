"""`frontdesk plan erlang | staffing | cost`: the planning maths from the command line.

`register(subparsers)` adds the `plan` command to the main parser. Every subcommand prints a
readable table, or one JSON object with --json. Bad input is refused with a clear sentence on
stderr and exit code 2, as argparse does for malformed options.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from frontdesk.planning.cost import CostPoint, CostRates, cheapest_staffing
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import (
    DEFAULT_SHORT_ABANDON_S,
    DEFAULT_SL_DEFINITION,
    Model,
    QueueMetrics,
    SLDefinition,
    Workload,
)
from frontdesk.planning.staffing import (
    StaffingPolicy,
    StaffingResult,
    Target,
    evaluate,
    required_agents,
)

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    """Add `plan` (and `simulate`, see sim_cli.py) to an argparse subparsers object."""
    plan = subparsers.add_parser("plan", help="staffing maths: Erlang B/C/A, staffing, cost")
    sub = plan.add_subparsers(dest="plan_command", required=True)

    erlang = sub.add_parser("erlang", help="figures for a given number of agents")
    _workload_options(erlang)
    erlang.add_argument("--agents", type=int, required=True, help="agents on the phones")
    erlang.set_defaults(func=_run_erlang)

    staffing = sub.add_parser("staffing", help="agents needed for a target")
    _workload_options(staffing)
    goal = staffing.add_mutually_exclusive_group(required=True)
    goal.add_argument("--target-sl", type=float, help="service level to reach, e.g. 0.8")
    goal.add_argument("--target-asa-s", type=float, help="mean wait of answered calls, s")
    goal.add_argument("--max-abandon", type=float, help="abandonment rate, e.g. 0.05 (A)")
    goal.add_argument("--max-block", type=float, help="blocking probability, e.g. 0.01 (B)")
    staffing.add_argument(
        "--definition",
        default=DEFAULT_SL_DEFINITION.value,
        help=f"service-level definition (default {DEFAULT_SL_DEFINITION.value}); one of "
        + ", ".join(d.value for d in SLDefinition),
    )
    staffing.add_argument("--shrinkage", type=float, default=0.0, help="time off phones, 0-1")
    staffing.add_argument("--max-occupancy", type=float, default=1.0, help="occupancy cap, 0-1")
    staffing.add_argument("--chart", metavar="FILE", help="draw the figure by agents (.svg/.png)")
    staffing.set_defaults(func=_run_staffing)

    cost = sub.add_parser("cost", help="staffing of least total cost, with the cost curve")
    _workload_options(cost)
    cost.add_argument("--agent-cost-per-hour", type=float, required=True)
    cost.add_argument("--lost-call-cost", type=float, default=0.0, help="per blocked/abandoned")
    cost.add_argument("--wait-cost-per-hour", type=float, default=0.0, help="per caller-hour")
    cost.add_argument("--shrinkage", type=float, default=0.0, help="time off phones, 0-1")
    cost.add_argument("--spread", type=int, default=5, help="curve points either side")
    cost.add_argument("--chart", metavar="FILE", help="draw the cost curve (.svg/.png)")
    cost.set_defaults(func=_run_cost)

    # `plan forecast` (forecast_cli.py): a day forecast from history, staffed per interval
    from frontdesk.planning.forecast_cli import add_parser as add_forecast

    add_forecast(sub)

    # `frontdesk simulate` lives beside `plan`; imported here so one register wires both
    from frontdesk.planning.sim_cli import register as register_simulate

    register_simulate(subparsers)


def _workload_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=[m.value for m in Model], default="c")
    parser.add_argument("--calls-per-hour", type=float, required=True)
    parser.add_argument("--aht-s", type=float, required=True, help="average handling time, s")
    parser.add_argument("--patience-s", type=float, help="mean caller patience, s (Erlang A)")
    parser.add_argument("--target-s", type=float, default=20.0, help="service-level time T, s")
    parser.add_argument(
        "--short-abandon-s",
        type=float,
        default=DEFAULT_SHORT_ABANDON_S,
        help="abandons quicker than this are short abandons, s",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _refusing_bad_input(run: Any) -> Any:
    def guarded(args: argparse.Namespace) -> int:
        try:
            code: int = run(args)
        except PlanningError as exc:
            print(f"frontdesk plan {args.plan_command}: error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return code

    return guarded


def _workload(args: argparse.Namespace) -> tuple[Model, Workload]:
    model = Model(args.model)
    if model is Model.A and args.patience_s is None:
        raise PlanningError("--model a needs --patience-s (the callers' mean patience)")
    patience = args.patience_s if model is Model.A else None
    return model, Workload(args.calls_per_hour, args.aht_s, patience)


@_refusing_bad_input
def _run_erlang(args: argparse.Namespace) -> int:
    model, workload = _workload(args)
    metrics = evaluate(model, workload, args.agents, args.target_s, args.short_abandon_s)
    if args.json:
        print(json.dumps(metrics_json(metrics)))
    else:
        print(_metrics_table(metrics))
    return 0


@_refusing_bad_input
def _run_staffing(args: argparse.Namespace) -> int:
    model, workload = _workload(args)
    target = _target(args)
    policy = StaffingPolicy(args.max_occupancy, args.shrinkage, args.short_abandon_s)
    result = required_agents(model, workload, target, policy)
    if args.chart:
        from frontdesk.analytics.charts_planning import staffing_chart

        _save_chart(staffing_chart(model, workload, target, policy, result), args.chart)
    if args.json:
        print(json.dumps(staffing_json(result, target, policy)))
    else:
        print(
            f"agents on phones: {result.agents}   scheduled (shrinkage "
            f"{policy.shrinkage:.0%}): {result.scheduled}   set by: {result.limited_by}"
        )
        print(_metrics_table(result.metrics))
    return 0


@_refusing_bad_input
def _run_cost(args: argparse.Namespace) -> int:
    model, workload = _workload(args)
    if args.spread < 0:
        raise PlanningError(f"--spread must be 0 or more, not {args.spread}")
    rates = CostRates(
        args.agent_cost_per_hour, args.lost_call_cost, args.wait_cost_per_hour, args.shrinkage
    )
    optimum = cheapest_staffing(model, workload, rates, args.spread, args.target_s)
    if args.chart:
        from frontdesk.analytics.charts_planning import cost_chart

        _save_chart(cost_chart(model, workload, optimum), args.chart)
    if args.json:
        print(
            json.dumps(
                {
                    "model": model.value,
                    "agents": optimum.best.agents,
                    "total_per_hour": optimum.best.total,
                    "curve": [_cost_json(p) for p in optimum.curve],
                }
            )
        )
        return 0
    print(f"least cost: {optimum.best.agents} agents, {optimum.best.total:.2f} per hour")
    print(f"{'agents':>7} {'staff':>12} {'lost calls':>12} {'waiting':>12} {'total':>12}")
    for p in optimum.curve:
        mark = " <" if p.agents == optimum.best.agents else ""
        print(
            f"{p.agents:>7} {p.staff:>12.2f} {p.lost_calls:>12.2f} {p.waiting:>12.2f} "
            f"{p.total:>12.2f}{mark}"
        )
    return 0


def _save_chart(figure: Any, path: str) -> None:
    """Charts are drawn by analytics/charts.py (matplotlib, imported only when asked for)."""
    from frontdesk.analytics.charts import save
    from frontdesk.analytics.errors import AnalyticsError

    try:
        written = save(figure, path)
    except (AnalyticsError, OSError) as exc:
        raise PlanningError(str(exc)) from exc
    print(f"chart written to {written}", file=sys.stderr)


def _target(args: argparse.Namespace) -> Target:
    if args.target_sl is not None:
        definition = SLDefinition.parse(args.definition)
        return Target.service_level(args.target_sl, args.target_s, definition)
    if args.target_asa_s is not None:
        return Target.asa(args.target_asa_s)
    if args.max_abandon is not None:
        return Target.abandon(args.max_abandon)
    return Target.blocking(args.max_block)


def _number(value: float) -> float | None:
    """JSON has no infinity: an unbounded wait is written as null."""
    return value if math.isfinite(value) else None


def metrics_json(m: QueueMetrics) -> dict[str, Any]:
    return {
        "model": m.model.value,
        "calls_per_hour": m.workload.calls_per_hour,
        "aht_s": m.workload.aht_s,
        "patience_s": m.workload.patience_s,
        "agents": m.agents,
        "load_erlangs": m.load,
        "target_s": m.target_s,
        "short_abandon_s": m.short_abandon_s,
        "stable": m.stable,
        "p_block": m.p_block,
        "p_wait": m.p_wait,
        "p_abandon": m.p_abandon,
        "asa_s": _number(m.asa_s),
        "mean_wait_s": _number(m.mean_wait_s),
        "occupancy": m.occupancy,
        "service_level": {d.value: v for d, v in m.service_level.items()},
    }


def staffing_json(result: StaffingResult, target: Target, policy: StaffingPolicy) -> dict[str, Any]:
    return {
        "agents": result.agents,
        "scheduled_agents": result.scheduled,
        "limited_by": result.limited_by,
        "target": {
            "kind": target.kind.value,
            "value": target.value,
            "target_s": target.threshold_s,
            "definition": target.definition.value,
        },
        "shrinkage": policy.shrinkage,
        "max_occupancy": policy.max_occupancy,
        "metrics": metrics_json(result.metrics),
    }


def _cost_json(p: CostPoint) -> dict[str, Any]:
    return {
        "agents": p.agents,
        "staff": p.staff,
        "lost_calls": p.lost_calls,
        "waiting": _number(p.waiting),
        "total": _number(p.total),
    }


def _metrics_table(m: QueueMetrics) -> str:
    def pct(value: float) -> str:
        return f"{value:8.2%}"

    def seconds(value: float) -> str:
        return f"{value:8.2f} s" if math.isfinite(value) else "unbounded (load >= agents)"

    lines = [
        f"Erlang {m.model.name}: {m.workload.calls_per_hour:g} calls/h, AHT "
        f"{m.workload.aht_s:g} s, load {m.load:.3f} Erl, {m.agents} agents"
        + (f", patience {m.workload.patience_s:g} s" if m.workload.patience_s else ""),
        f"  blocked            {pct(m.p_block)}",
        f"  wait               {pct(m.p_wait)}",
        f"  abandon            {pct(m.p_abandon)}",
        f"  ASA (answered)     {seconds(m.asa_s)}",
        f"  occupancy          {pct(m.occupancy)}",
        f"  service level, T = {m.target_s:g} s (short abandon < {m.short_abandon_s:g} s):",
    ]
    lines += [f"    {d.value:<52} {pct(v)}" for d, v in m.service_level.items()]
    return "\n".join(lines)
