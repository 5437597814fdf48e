"""Charts of reports that compare slices side by side: customer segments (summary), service
level under every definition, agent performance, missed calls and whether they were called
back. Horizontal bars, one row per slice, the largest `max_slices` slices by calls when there
are more; missed calls sliced by time only (day, hour) are columns in time order instead.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from sqlalchemy import Engine

from frontdesk.analytics.charts_style import (
    COLOURS,
    ChartOptions,
    largest,
    number,
    of_total,
    percent_axis,
    sl_caption,
    slice_label,
    target_line,
    value_labels,
)
from frontdesk.analytics.reports import Report, ReportRequest
from frontdesk.analytics.sl_labels import SL_SHORT
from frontdesk.analytics.slices import TIME_DIMENSIONS

# -- summary: the customer-segment comparison -------------------------------------------


def segments_chart(
    figure: Figure, _e: Engine, _r: ReportRequest, report: Report, options: ChartOptions
) -> None:
    dims = list(report.settings.get("by", []))
    labels_all = [slice_label(row, dims) for row in report.rows]
    by_label = dict(zip(labels_all, report.rows, strict=True))
    offered = [float(r["offered"] or 0) for r in report.rows]
    labels = largest(labels_all, offered, options.max_slices)
    rows = [by_label[label] for label in labels]
    y = np.arange(len(labels))
    axes = figure.subplots(2, 2, sharey=True)
    panels = (
        (axes[0][0], "service_level", "Service level", True),
        (axes[0][1], "abandonment_rate", "Abandonment rate (of offered calls)", True),
        (axes[1][0], "asa_s", "ASA: mean wait of answered calls (s)", False),
    )
    for index, (ax, key, title, rate) in enumerate(panels):
        values = [number(r[key]) for r in rows]
        bars = ax.barh(y, values, color=COLOURS[index], label=key.replace("_", " "), gid=key)
        value_labels(ax, bars, "{:.0%}" if rate else "{:.0f} s")
        ax.set_title(title)
        if rate:
            finite = [v for v in values if math.isfinite(v)]
            percent_axis(ax, "x", top=min(1.0, max([0.1, *finite]) * 1.25))
        else:
            ax.set_xlabel("seconds")
            ax.margins(x=0.15)
        if key == "service_level":
            target_line(ax, options.target_sl, vertical=True)
            ax.set_xlim(0, 1.0)
            ax.legend(loc="lower right", fontsize=8, frameon=True)
    ax = axes[1][1]
    height = 0.4
    requested = [float(r["callbacks"] or 0) for r in rows]
    kept = [float(r["callbacks_kept"] or 0) for r in rows]
    ax.barh(y - height / 2, requested, height, color=COLOURS[3], label="callbacks", gid="callbacks")
    ax.barh(
        y + height / 2, kept, height, color=COLOURS[2], label="callbacks_kept", gid="callbacks_kept"
    )
    for i, r in enumerate(rows):
        share = r.get("callback_promise_kept")
        if share is not None:
            ax.annotate(
                f"promise kept {share:.0%}",
                (max(requested[i], kept[i]), y[i]),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    ax.set_title("Callbacks: requested and made (calls)")
    ax.set_xlabel("calls")
    if sum(requested) == 0:
        ax.set_xlim(0, 1)
        ax.text(
            0.5,
            0.5,
            "no callbacks requested",
            transform=ax.transAxes,
            ha="center",
            color=COLOURS[6],
        )
    else:
        ax.legend(["requested", "made"], loc="lower right", fontsize=8)
    axes[0][0].set_yticks(y, labels)
    axes[0][0].invert_yaxis()  # the axes share y: first slice on top in all four
    title = f"Customer segments by {', '.join(dims)}" if dims else "All calls"
    more = of_total(len(labels), len(labels_all), "slices")
    figure.suptitle(f"{title}{more}; {sl_caption(report)}", fontsize=11)


# -- service level under every definition ------------------------------------------------


def service_levels_chart(
    figure: Figure, _e: Engine, _r: ReportRequest, report: Report, options: ChartOptions
) -> None:
    dims = list(report.settings.get("by", []))
    labels_all = [slice_label(row, dims) for row in report.rows]
    by_label = dict(zip(labels_all, report.rows, strict=True))
    labels = largest(
        labels_all, [float(r["offered"] or 0) for r in report.rows], options.max_slices
    )
    ax = figure.add_subplot()
    y = np.arange(len(labels))
    names = list(SL_SHORT)
    height = 0.8 / len(names)
    for i, name in enumerate(names):
        values = [number(by_label[label].get(name)) for label in labels]
        ax.barh(
            y - 0.4 + height * (i + 0.5),
            values,
            height,
            color=COLOURS[i],
            label=SL_SHORT[name],
            gid=name,
        )
    target_line(ax, options.target_sl, vertical=True)
    percent_axis(ax, "x")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("service level (share of calls)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    more = of_total(len(labels), len(labels_all), "slices")
    ax.set_title(
        f"Service level by definition, T = {report.settings.get('target_s', 20):g} s{more}"
    )


# -- agents ------------------------------------------------------------------------------


def agents_chart(
    figure: Figure, _e: Engine, _r: ReportRequest, report: Report, options: ChartOptions
) -> None:
    dims = [d for d in report.settings.get("by", []) if d != "agent"]
    labels_all = [slice_label(row, ["agent", *dims]) for row in report.rows]
    by_label = dict(zip(labels_all, report.rows, strict=True))
    labels = largest(
        labels_all,
        [float(r["handled"] or 0) for r in report.rows],
        options.max_slices,
        by_weight=True,
    )
    rows = [by_label[label] for label in labels]
    has_occupancy = any(r.get("occupancy") is not None for r in rows)
    axes = figure.subplots(1, 3 if has_occupancy else 2, sharey=True)
    y = np.arange(len(labels))
    axes[0].barh(
        y,
        [float(r["handled"] or 0) for r in rows],
        color=COLOURS[0],
        label="handled",
        gid="handled",
    )
    axes[0].set_title("Calls handled")
    axes[0].set_xlabel("calls")
    axes[0].set_yticks(y, labels)
    axes[0].invert_yaxis()
    talk = np.array([number(r.get("talk_s")) for r in rows])
    hold = np.array([number(r.get("hold_s")) for r in rows])
    wrap = np.array([number(r.get("wrap_s")) for r in rows])
    parts = (("talk_s", "talk", talk), ("hold_s", "hold", hold), ("wrap_s", "wrap-up", wrap))
    left = np.zeros(len(rows))
    for i, (key, name, values) in enumerate(parts):
        shown = np.nan_to_num(values)
        label = name if shown.any() else f"_{name}"  # a part nobody has stays out of the legend
        axes[1].barh(y, shown, left=left, color=COLOURS[i + 1], label=label, gid=key)
        left = left + shown
    axes[1].set_title("Handling time per call (AHT = talk + hold + wrap-up)")
    axes[1].set_xlabel("seconds")
    axes[1].legend(fontsize=8, loc="lower right", frameon=True)
    if has_occupancy:
        axes[2].barh(
            y,
            [number(r.get("occupancy")) for r in rows],
            color=COLOURS[4],
            label="occupancy",
            gid="occupancy",
        )
        axes[2].set_title("Occupancy")
        percent_axis(axes[2], "x")
    more = of_total(len(labels), len(labels_all), "agents, by calls handled")
    figure.suptitle(f"Agent performance{more}", fontsize=11)


# -- missed calls and whether they were called back --------------------------------------

_MISSED_PARTS = (
    ("called_back", "called back since", COLOURS[2]),
    ("not_called_back", "not called back", COLOURS[1]),
    ("no_number", "number unknown", COLOURS[6]),
)


def missed_chart(
    figure: Figure, _e: Engine, _r: ReportRequest, report: Report, options: ChartOptions
) -> None:
    """Missed calls per slice, stacked by what became of them: the number reached since
    (a later answered call or a kept callback), not reached, or no number to reach."""
    dims = list(report.settings.get("by", []))
    labels_all = [slice_label(row, dims) for row in report.rows]
    by_label = dict(zip(labels_all, report.rows, strict=True))
    over_time = bool(dims) and all(d in TIME_DIMENSIONS for d in dims)
    limit = len(labels_all) if over_time else options.max_slices
    weights = [float(r["missed"] or 0) for r in report.rows]
    labels = largest(labels_all, weights, limit, empty="no missed calls in the window")
    rows = [by_label[label] for label in labels]
    ax = figure.add_subplot()
    at = np.arange(len(labels))
    base = np.zeros(len(labels))
    for key, name, colour in _MISSED_PARTS:
        values = np.array([float(r[key] or 0) for r in rows])
        label = name if values.any() else f"_{name}"  # nothing of this kind: not in the legend
        if over_time:
            ax.bar(at, values, 0.8, base, color=colour, label=label, gid=key)
        else:
            ax.barh(at, values, 0.8, base, color=colour, label=label, gid=key)
        base = base + values
    for i, row in enumerate(rows):
        share = row.get("called_back_share")
        if share is not None:
            spot = (at[i], base[i]) if over_time else (base[i], at[i])
            ax.annotate(f"{share:.0%}", spot, xytext=(0, 3) if over_time else (4, 0),
                        textcoords="offset points", fontsize=8,
                        ha="center" if over_time else "left",
                        va="bottom" if over_time else "center")  # fmt: skip
    if over_time:
        ax.set_xticks(at, labels, rotation=90 if len(labels) > 12 else 0, fontsize=8)
        ax.set_ylabel("missed calls")
        ax.margins(y=0.12)
    else:
        ax.set_yticks(at, labels)
        ax.invert_yaxis()
        ax.set_xlabel("missed calls")
        ax.margins(x=0.12)
    ax.legend(fontsize=8, loc="best", frameon=True)
    missed = sum(float(r["missed"] or 0) for r in report.rows)
    reached = sum(float(r["called_back"] or 0) for r in report.rows)
    known = missed - sum(float(r["no_number"] or 0) for r in report.rows)
    share = f" ({reached / known:.0%} of those with a number)" if known else ""
    more = of_total(len(labels), len(labels_all), "slices")
    ax.set_title(
        f"Missed calls (abandoned or voicemail): {missed:,.0f}, {reached:,.0f} called back"
        f" since{share}{more}"
    )
