"""The reports: summary, service level, abandonment by wait bucket, patience, intervals, agents.

Each report is a `Report` (a title, its columns, rows of plain values, notes) built from the
calls table through `queries.py` and `metrics.py`; `render.py` prints it as a table, JSON or
CSV. Rows are sorted by their slice key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.metrics import MetricSettings, Tally, abandonment_by_bucket, figures
from frontdesk.analytics.patience import fit_exponential_patience, kaplan_meier
from frontdesk.analytics.queries import (
    Window,
    agent_time,
    missed_calls,
    patience_waits,
    sourced_tallies,
)
from frontdesk.planning.metrics import SLDefinition

KINDS = ("summary", "service-level", "abandonment", "patience", "intervals", "agents", "missed")

_SUMMARY = (
    *("calls", "offered", "answered", "abandoned", "short_abandoned", "callbacks"),
    *("callbacks_kept", "voicemail", "overflowed", "rejected", "ivr", "phantom"),
    *("abandonment_rate", "service_level", "asa_s", "aht_s", "longest_wait_s"),
    *("callback_promise_kept", "survey_mean"),
)
_AGENT = ("handled", "answered", "aht_s", "talk_s", "hold_s", "wrap_s", "asa_s", "occupancy")


@dataclass(frozen=True, slots=True)
class Report:
    kind: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportRequest:
    kind: str
    window: Window = field(default_factory=Window)
    by: tuple[str, ...] = ()
    interval: str = "hour"
    settings: MetricSettings = field(default_factory=MetricSettings)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    use_rollup: bool = True  # False: always sum the calls table (the rollup's check)


def build(engine: Engine, request: ReportRequest) -> Report:
    builders = {
        "summary": _summary,
        "service-level": _service_level,
        "abandonment": _abandonment,
        "patience": _patience,
        "intervals": _intervals,
        "agents": _agents,
        "missed": _missed,
    }
    if request.kind not in builders:
        raise AnalyticsError(f"unknown report {request.kind!r}; reports: {', '.join(KINDS)}")
    return builders[request.kind](engine, request)


def _settings_json(r: ReportRequest, source: str) -> dict[str, Any]:
    s = r.settings
    return {
        "source": source,
        "target_s": s.target_s,
        "short_abandon_s": s.short_abandon_s,
        "buckets_s": list(s.buckets_s),
        "service_level_definition": s.definition.value,
        "timezone": str(r.tz),
        "by": list(r.by),
    }


def _sliced(
    engine: Engine, r: ReportRequest, by: Sequence[str], with_waits: bool = True
) -> tuple[list[tuple[dict[str, str], Tally]], str]:
    """The tallies per slice, sorted by key, and their source (rollup, calls table or both)."""
    found, source = sourced_tallies(
        engine, r.settings, by, r.window, r.tz, r.use_rollup, with_waits
    )
    return [(dict(zip(by, key, strict=True)), found[key]) for key in sorted(found)], source


def _summary(engine: Engine, r: ReportRequest) -> Report:
    sliced, source = _sliced(engine, r, r.by)
    rows = [{**key, **figures(t)} for key, t in sliced]
    return Report(r.kind, (*r.by, *_SUMMARY), rows, _settings_json(r, source), _SUMMARY_NOTES)


_SUMMARY_NOTES = (
    "offered = answered + abandoned + callbacks + voicemail + sent out; rejected, IVR-only and"
    " phantom calls are counted apart",
)


def _service_level(engine: Engine, r: ReportRequest) -> Report:
    names = tuple(d.value for d in SLDefinition)
    rows = []
    sliced, source = _sliced(engine, r, r.by)
    for key, t in sliced:
        f = figures(t)
        counts = {k: f[k] for k in ("offered", "answered", "answered_within_t", "abandoned")}
        extra = {k: f[k] for k in ("abandoned_within_t", "short_abandoned")}
        rows.append({**key, **counts, **extra, **f["service_level_by_definition"]})
    columns = (*r.by, "offered", "answered", "answered_within_t", "abandoned", *names)
    note = f"T = {r.settings.target_s:g} s, short abandon < {r.settings.short_abandon_s:g} s"
    return Report(r.kind, columns, rows, _settings_json(r, source), (note,))


def _abandonment(engine: Engine, r: ReportRequest) -> Report:
    rows = []
    sliced, source = _sliced(engine, r, r.by)
    for key, t in sliced:
        for b in abandonment_by_bucket(t):
            bucket = f"{b.start_s:g}-{b.end_s:g}" if math.isfinite(b.end_s) else f"{b.start_s:g}+"
            rows.append(
                {
                    **key,
                    "wait_bucket_s": bucket,
                    "abandoned": b.abandoned,
                    "reached": b.reached,
                    "share_of_offered": b.share_of_offered,
                    "abandon_given_reached": b.abandon_given_reached,
                }
            )
    columns = (
        *r.by,
        "wait_bucket_s",
        "abandoned",
        "reached",
        "share_of_offered",
        "abandon_given_reached",
    )
    return Report(r.kind, columns, rows, _settings_json(r, source))


def _patience(engine: Engine, r: ReportRequest) -> Report:
    if r.by:
        raise AnalyticsError("the patience report takes no --by (use --queue to narrow it)")
    wait_list, abandoned, source = patience_waits(engine, r.window, r.use_rollup)
    if len(wait_list) == 0:
        empty = ("no answered or abandoned calls",)
        return Report(r.kind, (), [], _settings_json(r, source), empty)
    curve = kaplan_meier(wait_list, abandoned)
    points = [5, 10, 20, 30, 60, 90, 120, 180, 300, 600]
    rows: list[dict[str, Any]] = [
        {"wait_s": t, "survival": curve.at(t), "abandoned_by": 1.0 - curve.at(t)} for t in points
    ]
    notes = [
        f"Kaplan-Meier over {curve.observations} answered (censored) and abandoned calls",
        f"median patience: {_seconds(curve.median())}",
    ]
    fit = fit_exponential_patience(wait_list, abandoned)
    if fit is not None:
        notes.append(f"exponential fit: mean {fit.mean_s:.0f} s (theta {fit.theta_per_s:.5f}/s)")
    settings = {**_settings_json(r, source), "median_s": curve.median()}
    return Report(r.kind, ("wait_s", "survival", "abandoned_by"), rows, settings, tuple(notes))


def _seconds(value: float | None) -> str:
    return "beyond the data" if value is None else f"{value:.0f} s"


def _intervals(engine: Engine, r: ReportRequest) -> Report:
    if r.interval not in ("15min", "hour", "day"):
        raise AnalyticsError(f"--interval must be 15min, hour or day, not {r.interval!r}")
    by = (r.interval, *[d for d in r.by if d != r.interval])
    columns = ("calls", "offered", "answered", "abandoned", "service_level", "asa_s", "aht_s")
    sliced, source = _sliced(engine, r, by)
    rows = [{**key, **_pick(figures(t), columns)} for key, t in sliced]
    return Report(r.kind, (*by, *columns), rows, _settings_json(r, source))


def _pick(found: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: found[name] for name in names}


def _agents(engine: Engine, r: ReportRequest) -> Report:
    by = ("agent", *[d for d in r.by if d != "agent"])
    time = agent_time(engine, r.window)
    rows = []
    sliced, source = _sliced(engine, r, by, with_waits=False)  # no column depends on waits
    for key, t in sliced:
        if not key["agent"]:
            continue  # calls no agent took
        f = figures(t, time.occupancy(key["agent"]))
        rows.append({**key, **{c: f[c] for c in _AGENT}})
    notes = () if time.seconds else ("no agent state events: occupancy unknown",)
    return Report(r.kind, (*by, *_AGENT), rows, _settings_json(r, source), notes)


_MISSED = ("missed", "no_number", "called_back", "not_called_back", "called_back_share")


def _missed(engine: Engine, r: ReportRequest) -> Report:
    found = missed_calls(engine, r.by, r.window, r.tz)
    rows = []
    for key in sorted(found):
        m = found[key]
        matchable = m.missed - m.no_number
        share = m.called_back / matchable if matchable else None
        values = (m.missed, m.no_number, m.called_back, m.not_called_back, share)
        rows.append(
            {**dict(zip(r.by, key, strict=True)), **dict(zip(_MISSED, values, strict=True))}
        )
    notes = (
        "missed = abandoned or sent to voicemail; called back = a later call of the same number"
        " answered by an agent, or a kept callback (up to now, not only in the window)",
    )
    return Report(r.kind, (*r.by, *_MISSED), rows, _settings_json(r, "calls"), notes)
