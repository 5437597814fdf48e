"""Charts of the planning maths: a target's figure against the agent count, the cost curve,
the staffing history needed with what one more agent would have changed, and a forecast day
with the agents it needs.

Same conventions as charts.py (its style, `render`/`save`, series labelled with their names
so the values can be read back from the figure).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from frontdesk.analytics.charts_style import (
    COLOURS,
    TARGET_COLOUR,
    date_axis,
    interval_start,
    percent_axis,
    styled,
    target_line,
)
from frontdesk.analytics.history_staffing import INTERVAL_HOURS, OneMoreAgent
from frontdesk.planning.cost import CostOptimum
from frontdesk.planning.forecast_plan import ForecastPlan
from frontdesk.planning.metrics import Model, QueueMetrics, Workload
from frontdesk.planning.staffing import (
    StaffingPolicy,
    StaffingResult,
    Target,
    TargetKind,
    evaluate,
)

HIGHLIGHT = "#146c2e"
_FIGURE = {  # what each target is judged on: title, unit, is it a share
    TargetKind.SERVICE_LEVEL: ("Service level", "share of calls", True),
    TargetKind.ASA: ("ASA: mean wait of answered calls", "seconds", False),
    TargetKind.ABANDON: ("Abandonment", "share of calls", True),
    TargetKind.BLOCKING: ("Blocked calls", "share of calls", True),
}


def _figure_of(target: Target, metrics: QueueMetrics) -> float:
    if target.kind is TargetKind.SERVICE_LEVEL:
        return metrics.service_level[target.definition] if metrics.stable else 0.0
    if target.kind is TargetKind.ASA:
        return metrics.asa_s if math.isfinite(metrics.asa_s) else math.nan
    if target.kind is TargetKind.ABANDON:
        return metrics.p_abandon
    return metrics.p_block


def staffing_chart(
    model: Model,
    workload: Workload,
    target: Target,
    policy: StaffingPolicy,
    result: StaffingResult,
    spread: int = 6,
) -> Figure:
    """The target's figure and the occupancy for agent counts around the answer."""
    counts = list(range(max(1, result.agents - spread), result.agents + spread + 1))
    figures = [
        evaluate(model, workload, n, target.threshold_s, policy.short_abandon_s) for n in counts
    ]
    title, unit, share = _FIGURE[target.kind]
    colours = [HIGHLIGHT if n == result.agents else COLOURS[0] for n in counts]
    with styled():
        figure = Figure(figsize=(10.0, 5.0), layout="constrained")
        left, right = figure.subplots(1, 2, sharex=True)
        values = [_figure_of(target, m) for m in figures]
        left.bar(
            counts, values, color=colours, label=title.split(":")[0].lower(), gid=target.kind.value
        )
        left.axhline(target.value, color=TARGET_COLOUR, linestyle="--", label="target")
        left.set_title(title + (f" within {target.threshold_s:g} s" if share else ""))
        left.set_ylabel(unit)
        if share:
            left.yaxis.set_major_formatter(_percent())
        right.bar(
            counts,
            [m.occupancy for m in figures],
            color=colours,
            label="occupancy",
            gid="occupancy",
        )
        right.axhline(
            policy.max_occupancy, color=TARGET_COLOUR, linestyle="--", label="occupancy cap"
        )
        right.set_title("Occupancy (time agents are busy)")
        right.yaxis.set_major_formatter(_percent())
        right.set_ylim(0, 1.05)
        for ax in (left, right):
            ax.set_xlabel("agents on the phones")
            ax.legend(fontsize=8, loc="lower right", frameon=True)
        figure.suptitle(
            f"Erlang {model.name}, {workload.calls_per_hour:g} calls/h, AHT {workload.aht_s:g} s:"
            f" {result.agents} agents needed (green), {result.scheduled} scheduled",
            fontsize=11,
        )
    return figure


def _percent() -> object:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def cost_chart(model: Model, workload: Workload, optimum: CostOptimum) -> Figure:
    """Hourly cost by agent count: staff, lost calls and waiting stacked, the total marked."""
    points = optimum.curve
    counts = [p.agents for p in points]
    with styled():
        figure = Figure(figsize=(10.0, 5.0), layout="constrained")
        ax = figure.add_subplot()
        bottom = np.zeros(len(points))
        for i, (key, name) in enumerate(
            (("staff", "agents' pay"), ("lost_calls", "lost calls"), ("waiting", "waiting"))
        ):
            values = np.array([getattr(p, key) for p in points], dtype=float)
            values[~np.isfinite(values)] = 0.0
            label = name if values.any() else f"_{name}"  # nothing to show: not in the legend
            ax.bar(counts, values, bottom=bottom, color=COLOURS[i], label=label, gid=key)
            bottom = bottom + values
        totals = [p.total if math.isfinite(p.total) else math.nan for p in points]
        ax.plot(counts, totals, "o-", color="#17202a", label="total", gid="total")
        best = optimum.best
        highest = max((t for t in totals if math.isfinite(t)), default=1.0)
        ax.annotate(
            f"least cost: {best.agents} agents, {best.total:,.2f} per hour",
            (best.agents, best.total),
            xytext=(best.agents, highest * 1.12),
            textcoords="data",
            ha="center",
            fontsize=9,
            color=HIGHLIGHT,
            weight="bold",
            arrowprops={"arrowstyle": "->", "color": HIGHLIGHT},
        )
        ax.set_xlabel("agents on the phones")
        ax.set_ylabel("cost per hour")
        ax.set_xticks(counts)
        ax.set_ylim(0, highest * 1.3)
        ax.legend(fontsize=8, loc="upper right", ncols=4)
        ax.set_title(
            f"Cost per hour, Erlang {model.name}: {workload.calls_per_hour:g} calls/h, "
            f"AHT {workload.aht_s:g} s"
        )
    return figure


def history_chart(rows: Sequence[OneMoreAgent], interval: str, target: Target) -> Figure:
    """Agents needed against agents who answered calls; abandonment as it was, as the model
    says it was, and as the model says it would have been with one more agent."""
    starts = [interval_start(r.need.interval) for r in rows]
    width = timedelta(hours=INTERVAL_HOURS[interval])
    with styled():
        figure = Figure(figsize=(10.0, 6.0), layout="constrained")
        top, bottom = figure.subplots(2, 1, sharex=True)
        if not rows:
            top.text(0.5, 0.5, "no calls in the window", ha="center", transform=top.transAxes)
            return figure
        ends = [*starts, starts[-1] + width]
        needed = [math.nan if r.need.agents is None else r.need.agents for r in rows]
        seen = [r.agents_seen for r in rows]
        top.step(
            ends,
            [*needed, needed[-1]],
            where="post",
            color=COLOURS[0],
            linewidth=2,
            label="agents needed",
            gid="agents_needed",
        )
        top.step(
            ends,
            [*seen, seen[-1]],
            where="post",
            color=COLOURS[3],
            linewidth=2,
            label="agents who answered calls",
            gid="agents_seen",
        )
        top.set_ylabel("agents")
        top.set_title(
            f"Agents per {interval}: needed for {target.value:.0%} within "
            f"{target.threshold_s:g} s (Erlang C) and seen answering"
        )
        top.legend(fontsize=8, loc="upper left")
        measured = [math.nan if r.need.offered == 0 else r.abandoned / r.need.offered for r in rows]
        bottom.plot(
            starts,
            measured,
            "o",
            markersize=3,
            color=COLOURS[1],
            label="abandoned (measured)",
            gid="abandon_measured",
        )
        bottom.plot(
            starts,
            [_abandon(r.as_staffed, r) for r in rows],
            color=COLOURS[1],
            label="model, as staffed",
            gid="abandon_model",
        )
        bottom.plot(
            starts,
            [_abandon(r.one_more, r) for r in rows],
            color=HIGHLIGHT,
            linestyle="--",
            label="model, one more agent",
            gid="abandon_one_more",
        )
        bottom.yaxis.set_major_formatter(_percent())
        bottom.set_ylim(0, 1.0)
        bottom.set_ylabel("share of calls offered")
        saved = sum(r.abandons_saved for r in rows)
        bottom.set_title(
            f"Abandonment (Erlang A): one more agent in every {interval} would have "
            f"kept about {saved:,.0f} callers"
        )
        bottom.legend(fontsize=8, loc="upper left", ncols=3)
        date_axis(bottom)
    return figure


def _abandon(metrics: QueueMetrics | None, row: OneMoreAgent) -> float:
    if metrics is None:
        return 1.0 if row.one_more is not None else math.nan
    return metrics.p_abandon


def forecast_chart(found: ForecastPlan) -> Figure:
    """Expected calls per interval (and the calls that came, when the day is over) with the
    agents needed; below, the model's service level and abandonment at that staffing."""
    f, target = found.inputs.forecast, found.target
    plans = found.plans
    starts = [interval_start(p.forecast.interval.label) for p in plans]
    width = timedelta(hours=plans[0].forecast.interval.hours if plans else 1.0)
    with styled():
        figure = Figure(figsize=(10.0, 6.0), layout="constrained")
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        top.bar(starts, [p.forecast.calls for p in plans], width * 0.8, align="edge",
                color="#9dbbe0", label="calls expected", gid="calls")  # fmt: skip
        actual = found.inputs.actual
        if actual is not None:
            middles = [s + width * 0.4 for s in starts]
            top.plot(middles, actual, "o", markersize=3, color=COLOURS[3],
                     label="calls that came", gid="actual_calls")  # fmt: skip
        agents = [p.agents for p in plans]
        ends = [*starts, starts[-1] + width] if starts else []
        right = top.twinx()
        right.step(ends, [*agents, agents[-1]] if agents else [], where="post",
                   color=COLOURS[0], linewidth=2, label="agents needed", gid="agents")  # fmt: skip
        right.set_ylim(0, max([1, *agents]) * 1.15)
        right.set_ylabel("agents needed")
        right.yaxis.set_major_locator(MaxNLocator(integer=True))
        right.grid(False)
        top.set_ylabel(f"calls per {f.interval}")
        top.set_title(
            f"Calls expected (same weekday over {f.weeks} weeks x level {f.level:.2f}) and "
            f"agents for {target.value:.0%} within {target.threshold_s:g} s "
            f"(Erlang {found.model.name})",
            fontsize=10,
        )
        handles, labels = top.get_legend_handles_labels()
        more, more_labels = right.get_legend_handles_labels()
        top.legend(handles + more, labels + more_labels, fontsize=8, loc="upper left")
        figure.suptitle(f"Forecast for {f.day:%A %Y-%m-%d}: {f.total:,.0f} calls", fontsize=12)
        busy = [(s, p.metrics) for s, p in zip(starts, plans, strict=True) if p.metrics]
        bottom.plot([s for s, _ in busy], [m.service_level[target.definition] for _, m in busy],
                    "o-", markersize=3, color=COLOURS[0], label="service level",
                    gid="service_level")  # fmt: skip
        bottom.plot([s for s, _ in busy], [m.p_abandon for _, m in busy], "o-", markersize=3,
                    color=COLOURS[1], label="abandoned", gid="abandon")  # fmt: skip
        target_line(bottom, target.value)
        percent_axis(bottom, "y", top=1.05)
        tested = found.inputs.backtest
        error = f"; held-out week's error: WAPE {tested.wape:.0%}" if tested else ""
        bottom.set_title(
            f"Expected service level and abandonment at those agents{error}", fontsize=10
        )
        bottom.set_ylabel("share of calls")
        bottom.legend(fontsize=8, loc="center left", ncols=3)
        bottom.set_xlabel(f"local time ({f.tz})")
        date_axis(bottom)
    return figure
