"""What `frontdesk simulate` says it assumed: the words for each input, and the command's text
and JSON carrying them beside the figures."""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

import pytest

from frontdesk.analytics.patience import kaplan_meier
from frontdesk.planning.cli import register
from frontdesk.planning.sim_describe import (
    clock,
    describe_arrivals,
    describe_distribution,
    describe_staffing,
    seconds,
)
from frontdesk.planning.sim_model import (
    AgentGroup,
    Empirical,
    Exponential,
    KaplanMeierPatience,
    Lognormal,
    Never,
    PoissonArrivals,
    RatePeriod,
    ReplayArrivals,
)


def test_distributions_are_named_with_their_mean() -> None:
    assert describe_distribution(Exponential(180.0), "") == "exponential, mean 180 s"
    assert describe_distribution(Lognormal(90.0, 45.0), "") == (
        "lognormal, mean 90.0 s, standard deviation 45.0 s"
    )
    assert describe_distribution(Empirical((100.0, 200.0, 360.0)), "the calls") == (
        "the calls resampled (3), mean 220 s"
    )
    assert describe_distribution(Never(), "x").startswith("callers never give up")
    rng = random.Random(4)
    waits = [rng.expovariate(1 / 60) for _ in range(500)]
    curve = kaplan_meier(waits, [True] * len(waits))  # every wait an abandon: the whole curve
    patience = KaplanMeierPatience(curve, tail_mean_s=60.0)
    assert patience.mean == pytest.approx(sum(waits) / len(waits))
    assert describe_distribution(patience, "the waits") == (
        f"Kaplan-Meier curve of the waits, mean {seconds(patience.mean)} "
        "(exponential tail, mean 60.0 s)"
    )


def test_arrivals_say_their_rate_or_its_range_and_origin() -> None:
    steady = PoissonArrivals.constant("q", 1234.5, 3600.0)
    assert describe_arrivals(steady, "as given") == "Poisson at 1,234.5 calls/h (as given)"
    day = PoissonArrivals("q", (RatePeriod(0, 3600, 10.0), RatePeriod(3600, 5400, 60.0)))
    assert describe_arrivals(day, "a forecast") == (
        "Poisson, 10.0 to 60.0 calls/h by interval, 40 expected (a forecast)"
    )
    replay = ReplayArrivals(tuple((float(t), "q") for t in range(1500)))
    assert describe_arrivals(replay, "a day") == "1,500 recorded arrival times replayed (a day)"


def test_staffing_lists_each_change_as_a_time_of_day() -> None:
    assert describe_staffing(AgentGroup("a", 10, ("q",))) == "10 throughout"
    shifts = AgentGroup("a", 2, ("q",), schedule=((3600.0, 0), (9 * 3600 + 1800.0, 7)))
    assert describe_staffing(shifts) == (
        "2 at the start, then 0 from 1:00, 7 from 9:30 (between 0 and 7)"
    )
    assert clock(86399.0) == "23:59"
    assert seconds(math.inf) == "never" and seconds(18.84) == "18.8 s"


def _simulate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="frontdesk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["simulate", *argv])
    code: int = args.func(args)
    return code


ARGV = ["--calls-per-hour", "120", "--aht-s", "150", "--service", "lognormal", "--patience-s",
        "90", "--staffing", "0:4,3600:6", "--hours", "2", "--seed", "7"]  # fmt: skip


def test_the_command_says_what_it_assumed_before_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _simulate(ARGV) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "arrivals   Poisson at 120.0 calls/h (as given)",
        "handling   lognormal, mean 150 s, standard deviation 150 s",
        "patience   exponential, mean 90.0 s",
        "agents     4 at the start, then 6 from 1:00 (between 4 and 6)",
    ]
    assert lines[4].endswith("calls simulated (2 h of arrivals) in " + lines[4].split(" in ")[1])
    figures = dict(line.split(None, 1) for line in lines[5:])
    assert figures["asa_s"].endswith(" s") and figures["service_level"].endswith("%")
    assert _simulate([*ARGV, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["scenario"]["agents"] == "4 at the start, then 6 from 1:00 (between 4 and 6)"
    assert f"{body['offered']:,}" == figures["offered"]


def test_a_replay_without_history_or_with_a_bad_day_or_zone_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _simulate([*ARGV, "--replay"]) == 2
    assert "--replay needs --history" in capsys.readouterr().err
    replay = ["--history", str(tmp_path), "--replay", "--agents", "3"]
    assert _simulate([*replay, "--from", "2026-02-30"]) == 2
    assert "--from '2026-02-30' is not a day" in capsys.readouterr().err
    assert _simulate([*replay, "--from", "2026-02-03", "--tz", "Mars/Olympus"]) == 2
    assert "--tz 'Mars/Olympus' is not a time zone name" in capsys.readouterr().err
