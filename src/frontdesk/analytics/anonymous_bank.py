"""Reader for the Technion "Anonymous Bank" call log (SEE lab, A. Mandelbaum), e.g. August 1999.

One CSV row per call: VRU entry/exit, queue start/exit, outcome, service start/exit, server.
Times are wall-clock H:MM:SS on the row's date; `0:00:00` marks a stage the call never
reached. The `*_time` columns are the durations in seconds as the lab recorded them and are
kept as given: a few rows carry small clock-skew negatives (e.g. vru_time -87) or stages that
run past midnight, where the exit clock reads less than the start. A stage is placed on the
next day only when its clock runs back by more than 12 hours, so skew is not mistaken for
midnight. Rows are streamed and typed one by one; a malformed row stops the read with its
line number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import Path
from typing import TextIO

from frontdesk.analytics.errors import AnalyticsError

COLUMNS = [
    *("vru+line", "call_id", "customer_id", "priority", "type", "date"),
    *("vru_entry", "vru_exit", "vru_time", "q_start", "q_exit", "q_time", "outcome"),
    *("ser_start", "ser_exit", "ser_time", "server"),
]
_NEVER = "0:00:00"
_NO_SERVER = "NO_SERVER"
_MIDNIGHT_SLACK = timedelta(hours=12)


class Outcome(Enum):
    AGENT = "AGENT"  # served by an agent
    HANG = "HANG"  # hung up: in the VRU, or abandoned while queued
    PHANTOM = "PHANTOM"  # a call the lab marks as not a real customer call


class CallType(Enum):
    PS = "PS"  # regular
    PE = "PE"  # regular, in English
    IN = "IN"  # internet support
    NE = "NE"  # stock exchange
    NW = "NW"  # prospective customers
    TT = "TT"  # callback request left earlier


@dataclass(frozen=True, slots=True)
class BankCall:
    """One call of the log; queue and service fields are None where the call never got there."""

    line: int
    vru_line: str
    call_id: str
    customer_id: int  # 0 when the caller was not identified
    priority: int  # 0/1 unidentified or regular, 2 high priority
    call_type: CallType
    entry: datetime  # entered the VRU
    vru_exit: datetime
    vru_time_s: int
    queue_start: datetime | None
    queue_exit: datetime | None
    queue_time_s: int
    outcome: Outcome
    service_start: datetime | None
    service_exit: datetime | None
    service_time_s: int
    server: str | None

    @property
    def queued(self) -> bool:
        return self.queue_start is not None

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.AGENT

    @property
    def abandoned_in_queue(self) -> bool:
        return self.queued and self.outcome is Outcome.HANG


def read_calls(source: Path | str | TextIO) -> Iterator[BankCall]:
    """Stream the typed calls of one Anonymous Bank CSV file (path or open text file)."""
    if isinstance(source, (str, Path)):
        with open(source, newline="", encoding="ascii") as handle:
            yield from _parse(handle)
    else:
        yield from _parse(source)


def _parse(rows: Iterable[str]) -> Iterator[BankCall]:
    reader = csv.reader(rows)
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != COLUMNS:
        raise AnalyticsError(
            "not an Anonymous Bank call log: the header must be " + ",".join(COLUMNS)
        )
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(COLUMNS):
            raise AnalyticsError(f"line {number}: expected {len(COLUMNS)} fields, got {len(row)}")
        try:
            yield _call(number, dict(zip(COLUMNS, row, strict=True)))
        except (ValueError, KeyError) as exc:
            raise AnalyticsError(f"line {number}: {exc}") from None


def _call(number: int, f: dict[str, str]) -> BankCall:
    day = date.fromisoformat(f["date"])
    entry = _at(day, f["vru_entry"])
    vru_exit = _after(entry, f["vru_exit"])
    queue_start = None if f["q_start"] == _NEVER else _after(vru_exit, f["q_start"])
    queue_exit = None if queue_start is None else _after(queue_start, f["q_exit"])
    last = queue_exit or vru_exit
    service_start = None if f["ser_start"] == _NEVER else _after(last, f["ser_start"])
    service_exit = None if service_start is None else _after(service_start, f["ser_exit"])
    try:
        call_type = CallType(f["type"])
        outcome = Outcome(f["outcome"])
    except ValueError:
        raise ValueError(f"unknown call type {f['type']!r} or outcome {f['outcome']!r}") from None
    return BankCall(
        line=number,
        vru_line=f["vru+line"],
        call_id=f["call_id"],
        customer_id=int(f["customer_id"]),
        priority=int(f["priority"]),
        call_type=call_type,
        entry=entry,
        vru_exit=vru_exit,
        vru_time_s=int(f["vru_time"]),
        queue_start=queue_start,
        queue_exit=queue_exit,
        queue_time_s=int(f["q_time"]),
        outcome=outcome,
        service_start=service_start,
        service_exit=service_exit,
        service_time_s=int(f["ser_time"]),
        server=None if f["server"] == _NO_SERVER else f["server"],
    )


def _at(day: date, clock: str) -> datetime:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes, seconds))


def _after(previous: datetime, clock: str) -> datetime:
    """The clock time on the previous stage's day, or the next day if it ran past midnight."""
    moment = _at(previous.date(), clock)
    if moment < previous - _MIDNIGHT_SLACK:
        moment += timedelta(days=1)
    return moment


def queued_waits(calls: Iterable[BankCall]) -> tuple[list[float], list[bool]]:
    """Waits of the calls that queued, flagged True where the caller abandoned.

    Answered calls are censored observations of patience; phantom calls are left out, as
    the lab marks them as not real customer calls.
    """
    waits: list[float] = []
    abandoned: list[bool] = []
    for call in calls:
        if call.queued and call.outcome is not Outcome.PHANTOM:
            waits.append(float(max(call.queue_time_s, 0)))
            abandoned.append(call.outcome is Outcome.HANG)
    return waits, abandoned
