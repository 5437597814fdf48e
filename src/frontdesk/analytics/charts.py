"""Charts of the reports, as SVG or PNG: the same rows as the tables, drawn to be looked at.

One chart per report kind (`report_chart`): service level and arrivals by interval against
the agents Erlang staffing asks for (`intervals`), abandonment by wait bucket
(`abandonment`), the Kaplan-Meier patience curve with its exponential fit (`patience`),
agent performance (`agents`), the customer-segment comparison with callbacks (`summary`,
sliced by tier, language, customer, ...), service level under every named definition
(`service-level`), and missed calls with how many were called back since (`missed`). Each
series carries its name as its label, so a test (or anyone) can read the plotted values back
from the figure.

Style, output (`render`, `save`) and helpers are in charts_style.py; the slice comparisons
(summary, service level, agents, missed calls) in charts_slices.py. Times on the axes are
the report's local times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sqlalchemy import Engine

from frontdesk.analytics.charts_slices import (
    agents_chart,
    missed_chart,
    segments_chart,
    service_levels_chart,
)
from frontdesk.analytics.charts_style import (
    COLOURS,
    FORMATS,
    ChartOptions,
    NothingToDraw,
    date_axis,
    interval_start,
    largest,
    number,
    percent_axis,
    render,
    save,
    sl_caption,
    slice_label,
    styled,
    target_line,
)
from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.history_staffing import INTERVAL_HOURS, needed_by_interval, window_aht
from frontdesk.analytics.patience import fit_exponential_patience, kaplan_meier
from frontdesk.analytics.queries import waits
from frontdesk.analytics.reports import Report, ReportRequest
from frontdesk.planning.staffing import Target

__all__ = ["FORMATS", "ChartOptions", "render", "report_chart", "save"]


def report_chart(
    engine: Engine, request: ReportRequest, report: Report, options: ChartOptions | None = None
) -> Figure:
    """The chart of a built report (`engine` and `request` are read by the patience curve)."""
    drawers: dict[str, Callable[[Figure, Engine, ReportRequest, Report, ChartOptions], None]] = {
        "summary": segments_chart,
        "service-level": service_levels_chart,
        "abandonment": _abandonment,
        "patience": _patience,
        "intervals": _intervals,
        "agents": agents_chart,
        "missed": missed_chart,
    }
    if report.kind not in drawers:
        raise AnalyticsError(f"no chart for the {report.kind!r} report")
    options = options or ChartOptions()
    with styled():
        figure = Figure(figsize=options.size, layout="constrained")
        try:
            if not report.rows:
                what = "missed calls" if report.kind == "missed" else "calls"
                raise NothingToDraw(f"no {what} in the window")
            drawers[report.kind](figure, engine, request, report, options)
        except NothingToDraw as why:
            figure.clear()
            _empty(figure, f"{report.kind}: {why}")
    return figure


def _empty(figure: Figure, message: str) -> None:
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=14, transform=ax.transAxes)


# -- abandonment by wait bucket ----------------------------------------------------------


def _abandonment(
    figure: Figure, _e: Engine, _r: ReportRequest, report: Report, options: ChartOptions
) -> None:
    dims = list(report.settings.get("by", []))
    buckets: list[str] = []
    groups: dict[str, dict[str, Mapping[str, Any]]] = {}
    for row in report.rows:
        if row["wait_bucket_s"] not in buckets:
            buckets.append(row["wait_bucket_s"])
        groups.setdefault(slice_label(row, dims), {})[row["wait_bucket_s"]] = row
    weights = [sum(float(r["abandoned"]) for r in g.values()) for g in groups.values()]
    names = largest(list(groups), weights, min(options.max_slices, len(COLOURS)),
                    empty="no caller gave up in the window")  # fmt: skip
    top, bottom = figure.subplots(2, 1, sharex=True)
    x = np.arange(len(buckets))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        rows = [groups[name].get(b, {}) for b in buckets]
        offset = x - 0.4 + width * (i + 0.5)
        top.bar(
            offset,
            [number(r.get("abandoned", 0)) for r in rows],
            width,
            color=COLOURS[i],
            label=name,
            gid=f"abandoned {name}",
        )
        bottom.bar(
            offset,
            [number(r.get("abandon_given_reached")) for r in rows],
            width,
            color=COLOURS[i],
            label=name,
            gid=f"abandon_given_reached {name}",
        )
    top.set_title("Callers who gave up, by how long they had waited")
    top.set_ylabel("abandoned calls")
    bottom.set_title("Chance of giving up in the bucket, for callers who reached it")
    percent_axis(bottom, "y", top=max(0.05, _max_of(bottom) * 1.15))
    bottom.set_ylabel("abandoned / reached")
    bottom.set_xticks(x, [f"{b} s" for b in buckets])
    bottom.set_xlabel("wait before giving up (seconds)")
    if len(names) > 1 or dims:
        top.legend(fontsize=8)


def _max_of(ax: Axes) -> float:
    heights = [p.get_height() for p in ax.patches]  # type: ignore[attr-defined]
    finite = [h for h in heights if math.isfinite(h)]
    return max(finite, default=0.0)


# -- patience ----------------------------------------------------------------------------


def _patience(
    figure: Figure, engine: Engine, request: ReportRequest, report: Report, _o: ChartOptions
) -> None:
    wait_list, abandoned = waits(engine, request.window)
    curve = kaplan_meier(wait_list, abandoned)
    ax = figure.add_subplot()
    horizon = max(600.0, float(max(r["wait_s"] for r in report.rows)))
    times = np.concatenate(([0.0], np.asarray(curve.times, dtype=float)))
    survival = np.concatenate(([1.0], np.asarray(curve.survival, dtype=float)))
    keep = times <= horizon
    times = np.append(times[keep], horizon)
    survival = np.append(survival[keep], curve.at(horizon))
    ax.step(
        times,
        survival,
        where="post",
        color=COLOURS[0],
        linewidth=2,
        label="Kaplan–Meier: still waiting",
        gid="kaplan_meier",
    )
    ax.plot(
        [r["wait_s"] for r in report.rows],
        [r["survival"] for r in report.rows],
        "o",
        color=COLOURS[0],
        label="report points",
        gid="report_points",
    )
    fit = fit_exponential_patience(wait_list, abandoned)
    if fit is not None:
        grid = np.linspace(0.0, horizon, 300)
        ax.plot(
            grid,
            np.exp(-grid * fit.theta_per_s),
            color=COLOURS[3],
            linestyle="--",
            label=f"exponential fit, mean {fit.mean_s:.0f} s",
            gid="exponential_fit",
        )
    median = curve.median()
    if median is not None and median <= horizon:
        ax.axvline(median, color=COLOURS[6], linestyle=":", label=f"median {median:.0f} s")
    percent_axis(ax, "y", top=1.02)
    ax.set_xlim(0, horizon)
    ax.set_xlabel("time waited (seconds)")
    ax.set_ylabel("callers still willing to wait")
    ax.set_title(f"Caller patience: {curve.observations} calls (answered ones are censored)")
    ax.legend(loc="upper right")


# -- intervals: arrivals, agents needed, service level -----------------------------------


def _intervals(
    figure: Figure, _e: Engine, _r: ReportRequest, report: Report, options: ChartOptions
) -> None:
    interval = report.columns[0]
    dims = [d for d in report.settings.get("by", []) if d != interval]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in report.rows:
        groups.setdefault(slice_label(row, dims) if dims else "", []).append(row)
    weights = [sum(float(r["offered"] or 0) for r in g) for g in groups.values()]
    names = largest(list(groups), weights, len(COLOURS))
    target = Target.service_level(options.target_sl, float(report.settings.get("target_s", 20)))
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    width = timedelta(hours=INTERVAL_HOURS[interval]) * (0.8 / max(1, len(names)))
    for i, name in enumerate(names):
        rows = groups[name]
        needs = needed_by_interval(
            rows, interval, target, options.model, options.patience_s, window_aht(rows)
        )
        starts = [interval_start(n.interval) for n in needs]
        suffix = f" {name}" if name else ""
        if len(names) == 1:
            top.bar(
                starts,
                [n.offered for n in needs],
                width,
                align="edge",
                color="#9dbbe0",
                label="calls offered",
                gid="offered",
            )
        else:
            top.plot(
                starts,
                [n.offered for n in needs],
                color=COLOURS[i],
                alpha=0.6,
                label=f"offered{suffix}",
                gid=f"offered{suffix}",
            )
        ends = [*starts[1:], starts[-1] + timedelta(hours=INTERVAL_HOURS[interval])]
        needed = [number(n.agents) for n in needs]
        top.step(
            [*starts, ends[-1]],
            [*needed, needed[-1]],
            where="post",
            color=COLOURS[i],
            linewidth=2,
            label=f"agents needed{suffix}",
            gid=f"agents_needed{suffix}",
        )
        bottom.plot(
            starts,
            [number(n.service_level) for n in needs],
            "o-",
            markersize=3,
            color=COLOURS[i],
            label=f"service level{suffix}",
            gid=f"service_level{suffix}",
        )
    model = f"Erlang {options.model.name}"
    top.set_title(
        f"Calls offered and agents needed per {interval} "
        f"({model}, {options.target_sl:.0%} within {target.threshold_s:g} s)"
    )
    top.set_ylabel(f"calls per {interval} / agents")
    top.legend(fontsize=8, loc="upper left")
    target_line(bottom, options.target_sl)
    percent_axis(bottom, "y", top=1.05)
    bottom.set_title(f"Service level per {interval}: {sl_caption(report)}")
    bottom.set_ylabel("service level")
    bottom.legend(fontsize=8, loc="upper left", ncols=2)
    tz = report.settings.get("timezone", "")
    bottom.set_xlabel(f"local time ({tz})" if tz else "time")
    date_axis(bottom)
