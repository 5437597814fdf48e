"""Planning over HTTP: the `frontdesk plan` maths, and the staffing history needed.

`GET /api/planning/erlang` answers `plan erlang --json`'s object, plus `one_more_agent` (the
same figures with one more agent); `/staffing` answers `plan staffing --json`'s; `/cost`
`plan cost --json`'s; `/history` the staffing each interval of the stored calls needed (the
intervals report read through Erlang C for the target), the agents who answered calls in it,
and Erlang A's figures (patience from the same calls) as staffed and with one more agent.
`/forecast` a day's calls, AHT and agents per interval forecast from the stored calls (the
object `frontdesk plan forecast --json` prints). Charts: `/staffing/chart.svg`,
`/cost/chart.svg`, `/history/chart.svg`, `/forecast/chart.svg`; tables as CSV with
`format=csv`. Supervisors and admins only; `/history` and `/forecast` read the calls through
the reports' own access check (`records_reports.checked_report`), so a supervisor sees their
teams' queues.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from frontdesk.accounts.model import Principal
from frontdesk.api.context import AppContext, ctx
from frontdesk.api.errors import ApiError
from frontdesk.api.routes.planning_forecast import ForecastQuery, forecast_for
from frontdesk.api.routes.planning_history import HistoryQuery, history_rows
from frontdesk.api.routes.reports_page_charts import DRAWING, svg_response
from frontdesk.api.security import supervisor
from frontdesk.planning.cli import metrics_json, staffing_json
from frontdesk.planning.cost import CostOptimum, CostRates, cheapest_staffing
from frontdesk.planning.errors import PlanningError
from frontdesk.planning.metrics import DEFAULT_SL_DEFINITION, Model, SLDefinition, Workload
from frontdesk.planning.staffing import (
    StaffingPolicy,
    StaffingResult,
    Target,
    evaluate,
    required_agents,
)

router = APIRouter(prefix="/api/planning", tags=["planning"])
Rate = Annotated[float, Query(ge=0, le=100_000, description="calls offered per hour")]
Aht = Annotated[float, Query(gt=0, le=86_400, description="average handling time, s")]
Patience = Annotated[float | None, Query(gt=0, le=86_400, description="mean patience, s (A)")]
Seconds = Annotated[float, Query(ge=0, le=86_400)]
Fraction = Annotated[float, Query(ge=0, lt=1)]
Money = Annotated[float, Query(ge=0, le=1e9)]
Format = Literal["json", "csv"]
# a request must answer in well under a second: Erlang A's cost walk grows with the load
MAX_LOAD_ERLANGS = 2_000
DEFINITIONS = "^(" + "|".join(d.value for d in SLDefinition) + ")$"
SVG_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}}}


def _workload(model: Literal["b", "c", "a"], calls: float, aht: float,
              patience: float | None) -> tuple[Model, Workload]:  # fmt: skip
    chosen = Model(model)
    if chosen is Model.A and patience is None:
        raise ApiError(422, "bad_planning_request", "Erlang A needs patience_s (mean patience).")
    if calls * aht / 3600.0 > MAX_LOAD_ERLANGS:
        raise ApiError(422, "bad_planning_request",
                       f"The web planner takes loads up to {MAX_LOAD_ERLANGS:,} Erlangs (calls "
                       "per hour x AHT / 3600); use `frontdesk plan` for more.")  # fmt: skip
    return chosen, Workload(calls, aht, patience if chosen is Model.A else None)


def _refused(exc: PlanningError) -> ApiError:
    text = str(exc)
    return ApiError(422, "bad_planning_request", f"{text[:1].upper()}{text[1:]}.")


def csv_text(rows: list[dict[str, Any]]) -> Response:
    buffer = io.StringIO()
    names = list(rows[0]) if rows else []
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")


def _json(value: Any) -> Response:
    return Response(json.dumps(value), media_type="application/json")


@router.get("/erlang", summary="Erlang B/C/A figures for an agent count, and with one more")
def erlang(
    calls_per_hour: Rate, aht_s: Aht, agents: Annotated[int, Query(ge=0, le=10_000)],
    model: Literal["b", "c", "a"] = "c", patience_s: Patience = None,
    target_s: Seconds = 20.0, short_abandon_s: Seconds = 5.0, format: Format = "json",
    _: Principal = Depends(supervisor),
) -> Response:  # fmt: skip
    chosen, workload = _workload(model, calls_per_hour, aht_s, patience_s)
    try:
        here = metrics_json(evaluate(chosen, workload, agents, target_s, short_abandon_s))
        more = metrics_json(evaluate(chosen, workload, agents + 1, target_s, short_abandon_s))
    except PlanningError as exc:
        raise _refused(exc) from exc
    if format == "csv":
        return csv_text([_flat(here), _flat(more)])
    return _json({**here, "one_more_agent": more})


def _flat(figures: dict[str, Any]) -> dict[str, Any]:
    levels = {f"service_level.{k}": v for k, v in figures["service_level"].items()}
    return {**{k: v for k, v in figures.items() if k != "service_level"}, **levels}


def _staffing(model: str, calls: float, aht: float, patience: float | None, target_sl: float,
              target_s: float, definition: str, shrinkage: float, max_occupancy: float,
              ) -> tuple[Model, Workload, Target, StaffingPolicy, StaffingResult]:  # fmt: skip
    chosen, workload = _workload(model, calls, aht, patience)  # type: ignore[arg-type]
    try:
        target = Target.service_level(target_sl, target_s, SLDefinition.parse(definition))
        policy = StaffingPolicy(max_occupancy, shrinkage)
        return chosen, workload, target, policy, required_agents(chosen, workload, target, policy)
    except PlanningError as exc:
        raise _refused(exc) from exc


@router.get("/staffing", summary="Agents needed for a service-level target")
def staffing(
    calls_per_hour: Rate, aht_s: Aht, model: Literal["b", "c", "a"] = "c",
    patience_s: Patience = None, target_sl: Annotated[float, Query(gt=0, lt=1)] = 0.8,
    target_s: Seconds = 20.0,
    definition: Annotated[str, Query(pattern=DEFINITIONS)] = DEFAULT_SL_DEFINITION.value,
    shrinkage: Fraction = 0.0, max_occupancy: Annotated[float, Query(gt=0, le=1)] = 1.0,
    _: Principal = Depends(supervisor),
) -> Response:  # fmt: skip
    _m, _w, target, policy, result = _staffing(model, calls_per_hour, aht_s, patience_s,
                                               target_sl, target_s, definition, shrinkage,
                                               max_occupancy)  # fmt: skip
    return _json(staffing_json(result, target, policy))


@router.get("/staffing/chart.svg", summary="Staffing: the target's figure by agent count (SVG)",
            response_class=Response, responses=SVG_ANSWER)  # fmt: skip
def staffing_svg(
    calls_per_hour: Rate, aht_s: Aht, model: Literal["b", "c", "a"] = "c",
    patience_s: Patience = None, target_sl: Annotated[float, Query(gt=0, lt=1)] = 0.8,
    target_s: Seconds = 20.0,
    definition: Annotated[str, Query(pattern=DEFINITIONS)] = DEFAULT_SL_DEFINITION.value,
    shrinkage: Fraction = 0.0, max_occupancy: Annotated[float, Query(gt=0, le=1)] = 1.0,
    _: Principal = Depends(supervisor),
) -> Response:  # fmt: skip
    found = _staffing(model, calls_per_hour, aht_s, patience_s, target_sl, target_s, definition,
                      shrinkage, max_occupancy)  # fmt: skip
    from frontdesk.analytics.charts_planning import (
        staffing_chart,
    )  # matplotlib: imported with the first chart
    from frontdesk.analytics.charts_style import render

    with DRAWING:
        body = render(staffing_chart(*found), "svg")
    return svg_response(body, "staffing")


def _cost(model: str, calls: float, aht: float, patience: float | None, agent: float,
          lost: float, waiting: float, shrinkage: float, spread: int,
          ) -> tuple[Model, Workload, CostOptimum]:  # fmt: skip
    chosen, workload = _workload(model, calls, aht, patience)  # type: ignore[arg-type]
    try:
        optimum = cheapest_staffing(chosen, workload, CostRates(agent, lost, waiting, shrinkage),
                                    spread)  # fmt: skip
    except PlanningError as exc:
        raise _refused(exc) from exc
    return chosen, workload, optimum


def _cost_rows(optimum: CostOptimum) -> list[dict[str, Any]]:
    return [{"agents": p.agents, "staff": p.staff, "lost_calls": p.lost_calls,
             "waiting": p.waiting, "total": p.total} for p in optimum.curve]  # fmt: skip


@router.get("/cost", summary="Staffing of least hourly cost, with the cost curve")
def cost(
    calls_per_hour: Rate, aht_s: Aht, agent_cost_per_hour: Money,
    model: Literal["b", "c", "a"] = "c", patience_s: Patience = None,
    lost_call_cost: Money = 0.0, wait_cost_per_hour: Money = 0.0, shrinkage: Fraction = 0.0,
    spread: Annotated[int, Query(ge=0, le=20)] = 5, format: Format = "json",
    _: Principal = Depends(supervisor),
) -> Response:  # fmt: skip
    chosen, _w, optimum = _cost(model, calls_per_hour, aht_s, patience_s, agent_cost_per_hour,
                                lost_call_cost, wait_cost_per_hour, shrinkage, spread)  # fmt: skip
    rows = _cost_rows(optimum)
    if format == "csv":
        return csv_text(rows)
    return _json({"model": chosen.value, "agents": optimum.best.agents,
                  "total_per_hour": optimum.best.total, "curve": rows})  # fmt: skip


@router.get("/cost/chart.svg", summary="The cost curve (SVG)", response_class=Response,
            responses=SVG_ANSWER)  # fmt: skip
def cost_svg(
    calls_per_hour: Rate, aht_s: Aht, agent_cost_per_hour: Money,
    model: Literal["b", "c", "a"] = "c", patience_s: Patience = None,
    lost_call_cost: Money = 0.0, wait_cost_per_hour: Money = 0.0, shrinkage: Fraction = 0.0,
    spread: Annotated[int, Query(ge=0, le=20)] = 5,
    _: Principal = Depends(supervisor),
) -> Response:  # fmt: skip
    found = _cost(model, calls_per_hour, aht_s, patience_s, agent_cost_per_hour, lost_call_cost,
                  wait_cost_per_hour, shrinkage, spread)  # fmt: skip
    from frontdesk.analytics.charts_planning import (
        cost_chart,
    )  # matplotlib: imported with the first chart
    from frontdesk.analytics.charts_style import render

    with DRAWING:
        body = render(cost_chart(*found), "svg")
    return svg_response(body, "cost")


@router.get("/history", summary="Staffing the stored calls needed, and one more agent")
def history(
    query: HistoryQuery = Depends(), format: Format = "json",
    who: Principal = Depends(supervisor), context: AppContext = Depends(ctx),
) -> Response:  # fmt: skip
    found = history_rows(context, who, query).as_json
    if format == "csv":
        return csv_text(found["rows"])
    return _json(found)


@router.get("/history/chart.svg", summary="Staffing history needed and one more agent (SVG)",
            response_class=Response, responses=SVG_ANSWER)  # fmt: skip
def history_svg(
    query: HistoryQuery = Depends(),
    who: Principal = Depends(supervisor), context: AppContext = Depends(ctx),
) -> Response:  # fmt: skip
    found = history_rows(context, who, query)
    from frontdesk.analytics.charts_planning import (
        history_chart,
    )  # matplotlib: imported with the first chart
    from frontdesk.analytics.charts_style import render

    with DRAWING:
        body = render(history_chart(found.rows, query.interval, found.target), "svg")
    return svg_response(body, "history")


@router.get("/forecast", summary="A day's calls, AHT and agents per interval, from history")
def forecast(
    query: ForecastQuery = Depends(), format: Format = "json",
    who: Principal = Depends(supervisor), context: AppContext = Depends(ctx),
) -> Response:  # fmt: skip
    found, settings = forecast_for(context, who, query)
    body = found.as_json(settings)
    if format == "csv":
        return csv_text(body["rows"])
    return _json(body)


@router.get("/forecast/chart.svg", summary="A day's forecast and the agents it needs (SVG)",
            response_class=Response, responses=SVG_ANSWER)  # fmt: skip
def forecast_svg(
    query: ForecastQuery = Depends(),
    who: Principal = Depends(supervisor), context: AppContext = Depends(ctx),
) -> Response:  # fmt: skip
    found, _ = forecast_for(context, who, query)
    from frontdesk.analytics.charts_planning import (
        forecast_chart,
    )  # matplotlib: imported with the first chart
    from frontdesk.analytics.charts_style import render

    with DRAWING:
        body = render(forecast_chart(found), "svg")
    return svg_response(body, "forecast")
