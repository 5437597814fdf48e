"""Importing any call-history CSV through a YAML column mapping.

The mapping names which CSV column holds each field, how times are written and how the
source's outcome values map to ours. Example (docs/analytics.md has the full list):

    columns:
      id: CallID            # required: unique per call, becomes the source id
      arrived: StartTime    # required: when the call arrived
      outcome: Result       # required
      queue: Skill
      wait_s: QueueSeconds  # or queued + answered/left time columns
      talk_s: TalkSeconds
      agent: AgentName
      number: DNIS
      caller: ANI
      tier: Segment
    time_format: "%d/%m/%Y %H:%M:%S"   # default: ISO 8601
    timezone: Europe/London            # default UTC, for times without an offset
    outcomes: {ANS: answered, ABN: abandoned, VM: voicemail, IVR: ivr}
    source: acme-2024                  # prefix of the source ids (default: generic)
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.importers import ImportedCall
from frontdesk.analytics.records import CallOutcome

_REQUIRED = ("id", "arrived", "outcome")
_TEXT = ("queue", "agent", "number", "caller")
_SECONDS = ("wait_s", "talk_s", "hold_s", "wrap_s")
_TIMES = ("queued", "answered", "ended")
_ATTRIBUTES = ("tier", "country", "language", "open_case", "known", "team")
_KNOWN = frozenset((*_REQUIRED, *_TEXT, *_SECONDS, *_TIMES, *_ATTRIBUTES))


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    columns: dict[str, str]
    outcomes: dict[str, CallOutcome]
    time_format: str | None
    tz: ZoneInfo
    source: str


def load_mapping(path: Path | str) -> ColumnMapping:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnalyticsError(f"cannot read the column mapping {path}: {exc}") from None
    return parse_mapping(raw, str(path))


def parse_mapping(raw: Any, where: str = "mapping") -> ColumnMapping:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("columns"), Mapping):
        raise AnalyticsError(f"{where}: a mapping needs a 'columns:' section")
    columns = {str(k): str(v) for k, v in raw["columns"].items()}
    unknown = sorted(set(columns) - _KNOWN)
    if unknown:
        raise AnalyticsError(f"{where}: unknown fields {unknown}; known: {sorted(_KNOWN)}")
    missing = [f for f in _REQUIRED if f not in columns]
    if missing:
        raise AnalyticsError(f"{where}: the columns for {missing} are required")
    outcomes: dict[str, CallOutcome] = {
        o.value: o for o in CallOutcome if o is not CallOutcome.OPEN
    }
    for value, ours in (raw.get("outcomes") or {}).items():
        try:
            outcomes[str(value)] = CallOutcome(str(ours))
        except ValueError:
            raise AnalyticsError(
                f"{where}: outcome {value!r} maps to {ours!r}, which is not one of "
                + ", ".join(o.value for o in CallOutcome)
            ) from None
    try:
        tz = ZoneInfo(str(raw.get("timezone", "UTC")))
    except (KeyError, ValueError):
        raise AnalyticsError(f"{where}: unknown time zone {raw.get('timezone')!r}") from None
    fmt = raw.get("time_format")
    return ColumnMapping(
        columns, outcomes, str(fmt) if fmt else None, tz, str(raw.get("source", "generic"))
    )


def generic_csv_calls(path: Path | str, mapping: ColumnMapping) -> Iterator[ImportedCall]:
    """Streams the calls of a CSV file read through `mapping`; a bad row stops with its line."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in mapping.columns.values() if c not in (reader.fieldnames or [])]
        if absent:
            raise AnalyticsError(f"{path}: the mapping names columns the file lacks: {absent}")
        for line, row in enumerate(reader, start=2):
            try:
                yield _call(row, mapping)
            except (ValueError, KeyError) as exc:
                raise AnalyticsError(f"{path}, line {line}: {exc}") from None


def _call(row: Mapping[str, str], m: ColumnMapping) -> ImportedCall:
    def cell(name: str) -> str:
        column = m.columns.get(name)
        return (row.get(column) or "").strip() if column else ""

    def seconds(name: str) -> float:
        text = cell(name)
        return max(0.0, float(text)) if text else 0.0

    def moment(name: str) -> float | None:
        text = cell(name)
        return _parse_time(text, m) if text else None

    raw_outcome = cell("outcome")
    if raw_outcome not in m.outcomes:
        raise ValueError(f"outcome {raw_outcome!r} is not in the mapping's outcomes")
    arrived = moment("arrived")
    if arrived is None:
        raise ValueError("the arrival time is empty")
    queued, answered = moment("queued"), moment("answered")
    wait = seconds("wait_s")
    if not cell("wait_s") and answered is not None:
        wait = max(0.0, answered - (queued if queued is not None else arrived))
    attributes = {name: cell(name) for name in _ATTRIBUTES if cell(name)}
    return ImportedCall(
        source_id=f"{m.source}:{cell('id')}",
        arrived_at=arrived,
        outcome=m.outcomes[raw_outcome],
        queue=cell("queue"),
        queued_at=queued,
        wait_s=wait,
        answered_at=answered,
        agent=cell("agent"),
        talk_s=seconds("talk_s"),
        hold_s=seconds("hold_s"),
        wrap_s=seconds("wrap_s"),
        ended_at=moment("ended"),
        number=cell("number"),
        caller=cell("caller"),
        attributes=attributes,
    )


def _parse_time(text: str, m: ColumnMapping) -> float:
    moment = (
        datetime.strptime(text, m.time_format) if m.time_format else datetime.fromisoformat(text)
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=m.tz)
    return moment.timestamp()
