"""The company file's `widget:` section: read by the widget's own checker, every problem placed
on the line of the setting it names, numbers and queues checked against the company."""

from __future__ import annotations

from pathlib import Path

import pytest
from company_files import COMPANY, line_with, write_company

from frontdesk.config import ConfigError
from frontdesk.config.loader import load_setup
from frontdesk.flows.errors import Severity

WIDGET = """\
widget:
  callback_days: 7
  limits:
    calls_per_minute_per_address: 2
  widgets:
    - key: shop
      number: "200"
      callback_queue: support
      origins: ["https://shop.example", "https://*.shop.example"]
      languages: [fr, en]
"""


def test_a_widget_section_is_part_of_the_company(tmp_path: Path) -> None:
    company = load_setup(write_company(tmp_path, COMPANY + WIDGET)).company
    assert company.widget is not None
    [shop] = company.widget.widgets
    assert (shop.key, shop.number, shop.callback_queue) == ("shop", "200", "support")
    assert shop.origins == ("https://shop.example", "https://*.shop.example")
    assert company.widget.callback_days == 7
    assert company.widget.limits.calls_per_minute_per_address == 2


def test_without_a_section_there_is_no_widget(tmp_path: Path) -> None:
    assert load_setup(write_company(tmp_path)).company.widget is None


@pytest.mark.parametrize(
    ("old", "new", "line_of", "fragment"),
    [
        ('"https://*.shop.example"', '"shop.example"', "origins", "widget.widgets[0].origins[1]"),
        ("callback_days: 7", "callback_days: 900", "callback_days", "widget.callback_days"),
        ("calls_per_minute_per_address: 2", "calls_per_fortnight: 2", "calls_per_fortnight",
         "widget.limits"),
        ("key: shop", "key: s", "key: s", "widget.widgets[0].key"),
        ('number: "200"', 'number: "999"', "999", "999 is not one of the company's numbers"),
        ("callback_queue: support", "callback_queue: nowhere", "nowhere", "no queue named"),
    ],
)  # fmt: skip
def test_each_problem_names_its_line(
    tmp_path: Path, old: str, new: str, line_of: str, fragment: str
) -> None:
    text = COMPANY + WIDGET.replace(old, new)
    path = write_company(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_setup(path)
    errors = [p for p in info.value.problems if p.severity is Severity.ERROR]
    expected_line = line_with(text, line_of)
    assert any(p.line == expected_line and fragment in p.message for p in errors), [
        f"{p.line}: {p.message}" for p in errors
    ]
