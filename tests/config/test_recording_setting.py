"""The company file's `recording` setting: all, queues, on-demand or none (default none)."""

from __future__ import annotations

import pytest

from frontdesk.config import ConfigError, RecordingPolicy, load_demo_company
from frontdesk.config.loader import parse_company

BASE = """\
company:
  name: Acme
{extra}numbers:
  - number: "+15551230000"
"""


def test_default_is_none_and_the_demo_records_everything() -> None:
    assert parse_company(BASE.format(extra=""), "a.yaml").recording is RecordingPolicy.NONE
    assert load_demo_company().recording is RecordingPolicy.ALL


@pytest.mark.parametrize("value", ["all", "queues", "none"])
def test_accepted_values(value: str) -> None:
    company = parse_company(BASE.format(extra=f"  recording: {value}\n"), "a.yaml")
    assert company.recording == value


@pytest.mark.parametrize("value", ["yes", "ALL", "some", "true"])
def test_other_values_are_refused_with_the_line(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_company(BASE.format(extra=f"  recording: {value}\n"), "a.yaml")
    [problem] = [p for p in info.value.problems if p.file == "a.yaml"]
    assert problem.line == 3
    assert "recording" in problem.message and "all, queues, on-demand or none" in problem.message
