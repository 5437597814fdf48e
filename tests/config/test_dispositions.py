"""The company file's `dispositions`: what agents choose from after a call."""

from __future__ import annotations

from pathlib import Path

import pytest
from company_files import COMPANY, line_with, write_company

from frontdesk.config import ConfigError
from frontdesk.config.company import DEFAULT_DISPOSITIONS
from frontdesk.config.loader import load_company


def company_file(folder: Path, dispositions: str | None) -> Path:
    extra = f"  dispositions: {dispositions}\n" if dispositions is not None else ""
    return write_company(folder, COMPANY.replace("  name: Acme\n", "  name: Acme\n" + extra))


def test_the_default_list_when_the_file_names_none(tmp_path: Path) -> None:
    company = load_company(company_file(tmp_path, None))
    assert company.dispositions == DEFAULT_DISPOSITIONS


def test_the_company_list_in_its_order(tmp_path: Path) -> None:
    company = load_company(company_file(tmp_path, "[sold, quoted, no interest]"))
    assert company.dispositions == ("sold", "quoted", "no interest")


@pytest.mark.parametrize(
    ("value", "words"),
    [("[]", "is empty"), ("[sold, sold]", "names one twice"), (f"[{'x' * 65}]", "longer than 64")],
)
def test_a_bad_list_is_refused_with_its_line(tmp_path: Path, value: str, words: str) -> None:
    path = company_file(tmp_path, value)
    with pytest.raises(ConfigError) as caught:
        load_company(path)
    [problem] = caught.value.problems
    line = line_with(path.read_text(), "dispositions:")
    assert words in str(problem) and f":{line}:" in str(problem)
