"""The look shared by every chart (charts.py, charts_slices.py, charts_planning.py): style,
colours, options, SVG/PNG output, and the small drawing helpers.

Figures are built with `matplotlib.figure.Figure` directly, never pyplot: no global figure
registry, safe to draw in the web server's worker threads; PNG goes through the Agg canvas.
SVG keeps its text as text (`svg.fonttype: none`): smaller, searchable, and rendered by the
browser in DejaVu Sans (installed here, and shipped with matplotlib for PNG) or a fallback.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import matplotlib
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.reports import Report
from frontdesk.analytics.sl_labels import SL_SHORT
from frontdesk.planning.metrics import Model

FORMATS = ("svg", "png")
COLOURS = ("#0b5cad", "#b3261e", "#146c2e", "#8a5300", "#6b3fa0", "#00767a", "#56606b")
TARGET_COLOUR = "#b3261e"
STYLE: dict[str, Any] = {
    "font.family": ["DejaVu Sans", "Liberation Sans", "sans-serif"],
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#d5d9de",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "frontdesk",  # the same chart gives the same bytes
}


class NothingToDraw(AnalyticsError):
    """The report has rows, but every slice is empty for what the chart draws."""


@dataclass(frozen=True, slots=True)
class ChartOptions:
    """What the tables do not say: the service-level goal to draw and to staff for."""

    target_sl: float = 0.8
    model: Model = Model.C  # for the agents needed per interval
    patience_s: float | None = None  # Erlang A only
    max_slices: int = 20  # more slices than this: the largest by calls
    size: tuple[float, float] = (10.0, 6.0)  # inches, at 100 dpi for PNG


@contextmanager
def styled() -> Iterator[None]:
    with matplotlib.rc_context(cast(Any, STYLE)):
        yield


def render(figure: Figure, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes."""
    if fmt not in FORMATS:
        raise AnalyticsError(f"charts are SVG or PNG, not {fmt!r}")
    buffer = io.BytesIO()
    with styled():
        figure.savefig(buffer, format=fmt, dpi=100, metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, Any]:
    # no creation date: the same chart gives the same file
    return {"Date": None} if fmt == "svg" else {}


def save(figure: Figure, path: str | Path) -> Path:
    """Writes the figure to FILE.svg or FILE.png (the suffix says which)."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise AnalyticsError(f"a chart file must end in .svg or .png, not {target.name!r}")
    target.write_bytes(render(figure, fmt))
    return target


# -- helpers ------------------------------------------------------------------------------


def slice_label(row: Mapping[str, Any], dims: Sequence[str]) -> str:
    if not dims:
        return "all calls"
    return " · ".join(str(row.get(d) or "(none)") for d in dims)


def largest(
    labels: list[str],
    weights: list[float],
    limit: int,
    by_weight: bool = False,
    empty: str = "no calls offered in the window",
) -> list[str]:
    """The `limit` heaviest slices with any weight, in report order (or heaviest first)."""
    order = [i for i in sorted(range(len(labels)), key=lambda i: -weights[i]) if weights[i] > 0]
    if not order:
        raise NothingToDraw(empty)
    kept = order[:limit] if by_weight else sorted(order[:limit])
    return [labels[i] for i in kept]


def of_total(shown: int, total: int, what: str) -> str:
    return f" (the {shown} largest of {total} {what})" if shown < total else ""


def value_labels(ax: Axes, container: Any, fmt: str) -> None:
    ax.bar_label(container, fmt=fmt, padding=3, fontsize=8)


def percent_axis(ax: Axes, axis: str = "y", top: float = 1.0) -> None:
    formatter = PercentFormatter(xmax=1.0, decimals=0)
    if axis == "y":
        ax.yaxis.set_major_formatter(formatter)
        ax.set_ylim(0, top)
    else:
        ax.xaxis.set_major_formatter(formatter)
        ax.set_xlim(0, top)


def target_line(ax: Axes, value: float, vertical: bool = False) -> None:
    label = f"target {value:.0%}"
    if vertical:
        ax.axvline(value, color=TARGET_COLOUR, linestyle="--", linewidth=1.4, label=label)
    else:
        ax.axhline(value, color=TARGET_COLOUR, linestyle="--", linewidth=1.4, label=label)


def number(value: Any) -> float:
    return math.nan if value is None else float(value)


def sl_caption(report: Report) -> str:
    s = report.settings
    name = s.get("service_level_definition", "answered_within_t_over_offered")
    return f"service level = {SL_SHORT.get(name, name)}, T = {s.get('target_s', 20):g} s"


def date_axis(ax: Axes) -> None:
    """Local times on the x axis, labelled as concisely as their span allows."""
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def interval_start(label: str) -> datetime:
    return datetime.fromisoformat(label)
