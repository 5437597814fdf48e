"""The company file loader: the demo loads, and each broken file is refused with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.cli import main
from frontdesk.config import ConfigError, load_company, load_demo_company
from frontdesk.config.loader import Severity, parse_company

GOOD = """\
company:
  name: Acme
numbers:
  - number: "+15551230000"
agents:
  - {id: a, name: A, extension: "201", password: pw}
"""


def test_demo_company_loads() -> None:
    company = load_demo_company()
    assert company.number_for("100") is not None
    assert company.number_for("442079460100") is not None
    assert company.agent_by_extension("1001") is not None
    assert company.agent_by_extension("9999") is None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("company: [\n", 2, "not valid YAML"),
        ("", 1, "empty"),
        (GOOD.replace('"+15551230000"', '"5551230000"'), 4, "E.164"),
        (GOOD.replace('extension: "201"', 'extension: "2x1"'), 6, "digits only"),
        (GOOD + '  - {id: b, name: B, extension: "201", password: q}\n', 7, "used by both"),
        (
            GOOD.replace("  name: Acme\n", "  name: Acme\n  colour: red\n"),
            3,
            "unknown key 'colour'",
        ),
        (GOOD.replace(", password: pw", ""), 6, "'password' is missing"),
        (GOOD + "trunks:\n  - {name: t, host: h, port: 70000}\n", 8, "from 1 to 65535"),
    ],
)
def test_broken_files_name_line_and_reason(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_company(text, "acme.yaml")
    problems = info.value.problems
    assert any(p.line == line and fragment in p.message for p in problems), problems
    assert all(p.file == "acme.yaml" for p in problems if p.severity is Severity.ERROR)


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace('"+15551230000"', '"0"').replace('"201"', '"x"')
    with pytest.raises(ConfigError) as info:
        parse_company(text, "acme.yaml")
    assert len([p for p in info.value.problems if p.severity is Severity.ERROR]) == 2


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    assert main(["check", str(good)]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("+1555", "1555"))
    assert main(["check", str(bad)]) == 1
    assert f"{bad}:4:" in capsys.readouterr().err
    assert load_company(good).name == "Acme"


def test_missing_and_non_utf8_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load_company(tmp_path / "nowhere.yaml")
    assert missing.value.problems[0].line == 1
    assert "cannot read the file" in missing.value.problems[0].message
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("company:\n  name: Café\n".encode("latin-1"))
    with pytest.raises(ConfigError) as binary:
        load_company(latin)
    assert binary.value.problems[0].message == "the file is not UTF-8 text"
    assert main(["check", str(latin)]) == 1
