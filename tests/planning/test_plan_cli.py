"""`frontdesk plan ...` through `register` on a parser of our own: JSON contract, errors."""

from __future__ import annotations

import argparse
import json

import pytest

from frontdesk.planning import Model, SLDefinition, Workload, evaluate
from frontdesk.planning.cli import register


def _run(argv: str) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv.split())
    code: int = args.func(args)
    return code


def _json(argv: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert _run(argv) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1
    data: dict[str, object] = json.loads(out)
    return data


def test_erlang_json_has_the_contract_keys(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        "plan erlang --model a --calls-per-hour 200 --aht-s 180 --agents 12 --patience-s 120 "
        "--target-s 20 --json",
        capsys,
    )
    expected = evaluate(Model.A, Workload(200, 180, 120), 12, 20)
    for key in ("p_block", "p_wait", "p_abandon", "asa_s"):
        assert key in data
    assert data["p_wait"] == pytest.approx(expected.p_wait)
    assert data["p_abandon"] == pytest.approx(expected.p_abandon)
    assert data["asa_s"] == pytest.approx(expected.asa_s)
    service_level = data["service_level"]
    assert isinstance(service_level, dict)
    assert set(service_level) == {d.value for d in SLDefinition}
    assert service_level["answered_within_t_over_offered"] == pytest.approx(
        expected.service_level[SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED]
    )


def test_erlang_b_json_reports_blocking(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        "plan erlang --model b --calls-per-hour 100 --aht-s 180 --agents 10 --json", capsys
    )
    assert data["p_block"] == pytest.approx(0.01838, abs=5e-6)  # B(10, 5 Erl), Erlang B tables


def test_unstable_erlang_c_prints_null_wait(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        "plan erlang --model c --calls-per-hour 400 --aht-s 180 --agents 19 --json", capsys
    )
    assert data["stable"] is False
    assert data["asa_s"] is None
    assert data["p_wait"] == 1.0


def test_staffing_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        "plan staffing --model c --calls-per-hour 200 --aht-s 180 --target-sl 0.8 --target-s 20 "
        "--definition answered_within_t_over_answered --shrinkage 0.3 --json",
        capsys,
    )
    assert data["agents"] == 14
    assert data["scheduled_agents"] == 20


def test_staffing_by_abandonment_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _run(
            "plan staffing --model a --calls-per-hour 900 --aht-s 240 --patience-s 100 "
            "--max-abandon 0.03 --max-occupancy 0.9"
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "agents on phones:" in out and "answered_within_t_over_offered" in out


def test_cost_json_curve(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        "plan cost --model a --calls-per-hour 200 --aht-s 180 --patience-s 120 "
        "--agent-cost-per-hour 25 --lost-call-cost 5 --spread 2 --json",
        capsys,
    )
    curve = data["curve"]
    assert isinstance(curve, list) and len(curve) == 5
    assert data["agents"] == curve[2]["agents"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ("plan erlang --model a --calls-per-hour 10 --aht-s 180 --agents 2", "patience"),
        ("plan erlang --model c --calls-per-hour -5 --aht-s 180 --agents 2", "calls per hour"),
        ("plan erlang --model c --calls-per-hour 5 --aht-s 180 --agents -2", "agents"),
        ("plan staffing --model c --calls-per-hour 5 --aht-s 180 --target-sl 1.5", "between"),
        (
            "plan staffing --model c --calls-per-hour 5 --aht-s 180 --target-sl 0.8 "
            "--definition nonsense",
            "unknown service-level definition",
        ),
        ("plan staffing --model b --calls-per-hour 5 --aht-s 180 --target-asa-s 10", "asa"),
    ],
)
def test_bad_input_exits_2_with_a_sentence(
    argv: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_malformed_option_is_an_argparse_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        _run("plan erlang --model z --calls-per-hour 5 --aht-s 180 --agents 2")
    assert exc.value.code == 2
