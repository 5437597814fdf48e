"""Shared helpers for the flow tests: parse inline flows, find problems by marker line."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.clock import ManualClock
from frontdesk.flows import FlowFileError, FlowRun, Problem, call_context, parse_flows
from frontdesk.flows.model import Flow

LONDON = ZoneInfo("Europe/London")
WEDNESDAY_10AM = dt.datetime(2025, 5, 14, 10, 0, tzinfo=LONDON)

MARK = "#<"


def problems_of(text: str) -> list[Problem]:
    """Every problem (errors and warnings) a flows document gets."""
    try:
        return list(parse_flows(textwrap.dedent(text), "t.yaml").warnings)
    except FlowFileError as exc:
        return exc.problems


def marked_line(text: str) -> int:
    """The 1-based line carrying the `#<` marker."""
    lines = textwrap.dedent(text).splitlines()
    found = [i + 1 for i, line in enumerate(lines) if MARK in line]
    assert len(found) == 1, "a case needs exactly one #< marker"
    return found[0]


def flow_of(text: str, name: str = "main") -> Flow:
    return parse_flows(textwrap.dedent(text), "t.yaml").flows[name]


def clock_at(moment: dt.datetime = WEDNESDAY_10AM) -> ManualClock:
    return ManualClock(wall_offset=moment.timestamp())


def start_run(
    text: str,
    number: str = "+447700900123",
    crm: dict[str, Any] | None = None,
    moment: dt.datetime = WEDNESDAY_10AM,
) -> FlowRun:
    flow = flow_of(text)
    return FlowRun(flow, call_context(number, crm, flow.languages), clock_at(moment))
