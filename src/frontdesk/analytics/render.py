"""Printing a report: an aligned table for people, JSON or CSV for programs.

JSON is one object: `report`, `settings`, `notes`, `rows` (numbers as numbers, undefined
figures as null) and `shares`, the (flattened) columns holding shares, for pages to show as
percentages: a share of exactly 1 is the number 1 in JSON, which a browser cannot tell from a
count. CSV has one header line and a line per row; nested figures (service level by definition)
become `name.key` columns. The table shows shares as percentages and seconds with one decimal.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from frontdesk.analytics.reports import Report

_RATES = (
    "rate",
    "service_level",
    "survival",
    "abandoned_by",
    "share",
    "given",
    "kept",
    "occupancy",
    "answered_within_t_over",
    "answered_and_abandoned",
)


def _is_share(column: str, value: Any) -> bool:
    """Shares are floats (counts are ints) in a column named like one."""
    return isinstance(value, float) and any(part in column for part in _RATES)


def share_columns(report: Report) -> list[str]:
    """The flattened columns of the report that hold shares, in order of appearance."""
    found: dict[str, None] = {}
    for row in report.rows:
        found.update((k, None) for k, v in _flat(row).items() if _is_share(k, v))
    return list(found)


def to_json(report: Report) -> str:
    return json.dumps(
        {
            "report": report.kind,
            "settings": report.settings,
            "notes": list(report.notes),
            "rows": [_clean(row) for row in report.rows],
            "shares": share_columns(report),
        }
    )


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def to_csv(report: Report) -> str:
    rows = [_flat(row) for row in report.rows]
    names: list[str] = list(report.columns)
    for row in rows:
        names += [k for k in row if k not in names]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in names})
    return buffer.getvalue()


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (bool, int)):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1%}" if _is_share(column, value) else f"{value:.1f}"
    return str(value) or "(none)"


def to_table(report: Report) -> str:
    columns = list(report.columns)
    cells = [[_cell(c, row.get(c)) for c in columns] for row in report.rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    if not report.rows:
        lines.append("(no calls in the window)")
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)
