"""Importing any call-history CSV through a YAML column mapping.

The mapping names which CSV column holds each field, how times are written and how the
source's outcome values map to ours. Example (docs/analytics.md has the full list):

    columns:
      id: CallID            # required: unique per call, becomes the source id
      arrived: StartTime    # required: when the call arrived ([Date, Time]: two columns)
      outcome: Result       # required
      queue: Skill
      wait_s: QueueSeconds  # seconds, M:SS or H:MM:SS; or queued + answered time columns
      talk_s: TalkSeconds
      agent: AgentName
      number: DNIS
      caller: ANI           # national numbers are read in `region`
      tier: Segment
    time_format: "%d/%m/%Y %H:%M:%S"   # default: ISO 8601
    timezone: Europe/London            # for times without an offset (default: the company's)
    region: GB                         # default: the company's country
    outcomes: {ANS: answered, ABN: abandoned, VM: voicemail, IVR: ivr}
    queues: {Plumbing: plumbing}       # the file's queue names -> the company's (optional)
    source: acme-2024                  # prefix of the source ids (default: generic)

PBX exports write durations as H:MM:SS and dates and times in separate columns, so both are
read as such. Callers' numbers become E.164 where they can, like live callers' (the missed-call
report matches a missed caller with a later call by that number); others are kept as written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import yaml

from frontdesk.analytics.errors import AnalyticsError
from frontdesk.analytics.importers import ImportedCall
from frontdesk.analytics.records import CallOutcome
from frontdesk.crm.numbers import DEFAULT_REGION, caller_key

_REQUIRED = ("id", "arrived", "outcome")
_TEXT = ("queue", "agent", "number", "caller")
_SECONDS = ("wait_s", "talk_s", "hold_s", "wrap_s")
_TIMES = ("queued", "answered", "ended")
_ATTRIBUTES = ("tier", "country", "language", "open_case", "known", "team")
_KNOWN = frozenset((*_REQUIRED, *_TEXT, *_SECONDS, *_TIMES, *_ATTRIBUTES))


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    columns: dict[str, tuple[str, ...]]  # a field's columns, joined by a space when several
    outcomes: dict[str, CallOutcome]
    time_format: str | None
    tz: ZoneInfo
    source: str
    region: str = DEFAULT_REGION
    queues: dict[str, str] = field(default_factory=dict)  # renames: the file's -> ours


def load_mapping(
    path: Path | str, default_tz: str = "UTC", default_region: str = DEFAULT_REGION
) -> ColumnMapping:
    """The mapping in a YAML file; `default_tz` and `default_region` (the company's) serve
    where it names no `timezone` or `region`."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AnalyticsError(f"cannot read the column mapping {path}: {exc}") from None
    return parse_mapping(raw, str(path), default_tz, default_region)


def _column_names(field: str, value: Any, where: str) -> tuple[str, ...]:
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, (str, int)) and str(n) for n in names):
        raise AnalyticsError(f"{where}: '{field}' must name a column, or a list of columns")
    return tuple(str(n) for n in names)


def parse_mapping(
    raw: Any,
    where: str = "mapping",
    default_tz: str = "UTC",
    default_region: str = DEFAULT_REGION,
) -> ColumnMapping:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("columns"), Mapping):
        raise AnalyticsError(f"{where}: a mapping needs a 'columns:' section")
    columns = {str(k): _column_names(str(k), v, where) for k, v in raw["columns"].items()}
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
        tz = ZoneInfo(str(raw.get("timezone") or default_tz))
    except (KeyError, ValueError):
        raise AnalyticsError(f"{where}: unknown time zone {raw.get('timezone')!r}") from None
    region = str(raw.get("region") or default_region).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise AnalyticsError(f"{where}: unknown region {region!r} (a country code like GB)")
    renames = raw.get("queues") or {}
    if not isinstance(renames, Mapping):
        raise AnalyticsError(f"{where}: 'queues' maps the file's queue names to the company's")
    fmt = raw.get("time_format")
    source = str(raw.get("source", "generic"))
    queues = {str(k): str(v) for k, v in renames.items()}
    return ColumnMapping(columns, outcomes, str(fmt) if fmt else None, tz, source, region, queues)


def generic_csv_calls(path: Path | str, mapping: ColumnMapping) -> Iterator[ImportedCall]:
    """Streams the calls of a CSV file read through `mapping`; a bad row stops with its line."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        named = [c for columns in mapping.columns.values() for c in columns]
        absent = [c for c in named if c not in (reader.fieldnames or [])]
        if absent:
            raise AnalyticsError(f"{path}: the mapping names columns the file lacks: {absent}")
        for line, row in enumerate(reader, start=2):
            try:
                yield _call(row, mapping)
            except (ValueError, KeyError) as exc:
                raise AnalyticsError(f"{path}, line {line}: {exc}") from None


def _call(row: Mapping[str, str], m: ColumnMapping) -> ImportedCall:
    def cell(name: str) -> str:
        parts = ((row.get(c) or "").strip() for c in m.columns.get(name, ()))
        return " ".join(p for p in parts if p)

    def seconds(name: str) -> float:
        text = cell(name)
        return max(0.0, _duration(text, _where(m, name))) if text else 0.0

    def moment(name: str) -> float | None:
        text = cell(name)
        return _parse_time(text, m, _where(m, name)) if text else None

    raw_outcome = cell("outcome")
    if raw_outcome not in m.outcomes:
        raise ValueError(
            f"{_where(m, 'outcome')}: {raw_outcome!r} is not one of the mapping's outcomes ("
            + ", ".join(m.outcomes)
            + ")"
        )
    arrived = moment("arrived")
    if arrived is None:
        raise ValueError("the arrival time is empty")
    queued, answered = moment("queued"), moment("answered")
    wait = seconds("wait_s")
    if not cell("wait_s") and answered is not None:
        wait = max(0.0, answered - (queued if queued is not None else arrived))
    attributes = {name: value for name in _ATTRIBUTES if (value := cell(name))}
    queue, caller = cell("queue"), cell("caller")
    return ImportedCall(
        source_id=f"{m.source}:{cell('id')}",
        arrived_at=arrived,
        outcome=m.outcomes[raw_outcome],
        queue=m.queues.get(queue, queue),
        queued_at=queued,
        wait_s=wait,
        answered_at=answered,
        agent=cell("agent"),
        talk_s=seconds("talk_s"),
        hold_s=seconds("hold_s"),
        wrap_s=seconds("wrap_s"),
        ended_at=moment("ended"),
        number=cell("number"),
        caller=caller_key(caller, m.region) or caller,
        attributes=attributes,
    )


def _where(m: ColumnMapping, field: str) -> str:
    columns = m.columns[field]
    named = columns[0] if len(columns) == 1 else " + ".join(columns)
    return f"column {named!r} ({field})"


def _duration(text: str, where: str) -> float:
    """Seconds from "75", "75.5", "1:15", "75:00" or "0:01:15" (hours may exceed 24)."""
    if text.startswith("-") and text[1:].replace(".", "", 1).isdecimal():
        return 0.0  # some exports write -1 for "none"
    *whole, last = text.split(":")
    fraction = last.replace(".", "", 1)
    fine = len(whole) <= 2 and all(w.isdecimal() for w in whole) and fraction.isdecimal()
    if fine and whole:
        fine = float(last) < 60 and (len(whole) == 1 or int(whole[1]) < 60)
    if not fine:
        raise ValueError(f"{where}: {text!r} is not a duration (seconds, M:SS or H:MM:SS)")
    seconds = 0.0
    for part in whole:
        seconds = seconds * 60 + int(part) * 60
    return seconds + float(last)


def _parse_time(text: str, m: ColumnMapping, where: str) -> float:
    try:
        moment = (
            datetime.strptime(text, m.time_format)
            if m.time_format
            else datetime.fromisoformat(text)
        )
    except ValueError:
        expected = f"the time format {m.time_format!r}" if m.time_format else "ISO 8601"
        raise ValueError(f"{where}: {text!r} does not match {expected}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=m.tz)
    return moment.timestamp()
