"""The forecast on real history: the first three weeks of the Anonymous Bank log (August 1999;
Technion SEE lab, A. Mandelbaum), imported as `frontdesk import` does, in the bank's time zone.

The held-out week (15-21 August) is forecast from the two weeks before it, and the error the
forecast reports is checked against the same method computed here straight from the file
(read with `anonymous_bank.read_calls`, not through the database): calls offered per local
hour, weekday profile, weekly level, WAPE. Patience is checked against the censored
exponential fit of the file's waits. Then `frontdesk plan forecast --json/--chart` and a
simulated day driven by the forecast.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from frontdesk.acd import QueueConfig
from frontdesk.analytics.anonymous_bank import BankCall, Outcome, read_calls
from frontdesk.analytics.importers import bank_call, import_calls
from frontdesk.cli import main
from frontdesk.planning.forecast_history import forecast_inputs
from frontdesk.planning.forecast_plan import (
    plan_forecast,
    simulation_arrivals,
    simulation_patience,
    simulation_staffing,
)
from frontdesk.planning.metrics import Model
from frontdesk.planning.sim_model import Exponential, KaplanMeierPatience, Scenario
from frontdesk.planning.simulator import Simulation
from frontdesk.planning.staffing import Target
from frontdesk.store.eventlog import open_engine

BANK = Path("/work/shared/data/anonymous_bank_1999_08_calls.csv")
TZ = ZoneInfo("Asia/Jerusalem")
FIRST, END = date(1999, 8, 1), date(1999, 8, 22)  # three whole weeks, Sunday to Saturday
TODAY = date(2026, 1, 1)

pytestmark = pytest.mark.skipif(not BANK.is_file(), reason="the Anonymous Bank file is absent")


def three_weeks() -> list[BankCall]:
    return [c for c in read_calls(BANK) if FIRST <= c.entry.date() < END]


@pytest.fixture(scope="module")
def calls() -> list[BankCall]:
    return three_weeks()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, calls: list[BankCall]) -> Path:
    data = tmp_path_factory.mktemp("bank-forecast")
    import_calls(open_engine(data), (bank_call(c, TZ) for c in calls))
    return data


@pytest.fixture(scope="module")
def engine(data_dir: Path) -> Iterator[Engine]:
    found = open_engine(data_dir)
    yield found
    found.dispose()


def offered_at(c: BankCall) -> datetime | None:
    """When a call reached the agents' queue, as the import puts it (None: not offered)."""
    if c.outcome is Outcome.AGENT:
        return c.queue_start if c.queued else c.vru_exit
    if c.outcome is Outcome.HANG and c.queued:
        return c.queue_start
    return None


def hourly(calls: list[BankCall]) -> Counter[tuple[date, int]]:
    found: Counter[tuple[date, int]] = Counter()
    for c in calls:
        at = offered_at(c)
        if at is not None:
            found[(at.date(), at.hour)] += 1
    return found


def test_the_held_out_weeks_error_is_the_methods(engine: Engine, calls: list[BankCall]) -> None:
    counts = hourly(calls)
    week = [FIRST + timedelta(days=i) for i in range(7)]
    w2 = sum(counts[(d, h)] for d in week for h in range(24))  # 1-7 August
    w1 = sum(counts[(d + timedelta(days=7), h)] for d in week for h in range(24))
    level = w1 / ((w1 + w2) / 2)
    forecast, actual, naive = [], [], []
    for j in range(7):
        day = date(1999, 8, 15) + timedelta(days=j)
        for h in range(24):
            a, b = counts[(day - timedelta(days=7), h)], counts[(day - timedelta(days=14), h)]
            forecast.append(level * (a + b) / 2)
            actual.append(counts[(day, h)])
            naive.append(a)
    wape = sum(abs(f - a) for f, a in zip(forecast, actual, strict=True)) / sum(actual)
    naive_wape = sum(abs(f - a) for f, a in zip(naive, actual, strict=True)) / sum(actual)
    found = forecast_inputs(engine, END, TODAY, 2, "hour", TZ)
    tested = found.backtest
    assert tested is not None and tested.held_from == date(1999, 8, 15) and tested.weeks == 2
    assert list(tested.actual) == actual and sum(actual) > 5000
    assert tested.wape == pytest.approx(wape, rel=1e-12)
    assert tested.naive_wape == pytest.approx(naive_wape, rel=1e-12)
    assert 0.05 < tested.wape < 0.6  # a forecast, not a copy of the answer nor noise


def test_the_forecast_day_and_its_patience(engine: Engine, calls: list[BankCall]) -> None:
    counts = hourly(calls)
    found = forecast_inputs(engine, END, TODAY, 3, "hour", TZ)
    f = found.forecast
    sundays = (date(1999, 8, 15), date(1999, 8, 8), date(1999, 8, 1))
    assert f.same_days == sundays and found.actual is None  # 22 August is not in the history
    weekly = [sum(c for (d, _), c in counts.items() if s <= d < s + timedelta(days=7))
              for s in sundays]  # fmt: skip
    assert list(f.weekly_calls) == weekly
    level = weekly[0] / (sum(weekly) / 3)
    for slot in f.intervals:
        hour = int(slot.interval.clock[:2])
        expected = level * sum(counts[(s, hour)] for s in sundays) / 3
        assert slot.calls == pytest.approx(expected, rel=1e-12)
    # Erlang A's patience: abandons / seconds waited by the answered and abandoned calls
    waits = [float(max(c.queue_time_s, 0)) if c.queued else 0.0
             for c in calls if offered_at(c) is not None]  # fmt: skip
    gave_up = sum(1 for c in calls if c.outcome is Outcome.HANG and c.queued)
    assert found.patience.abandoned == gave_up
    assert found.patience.mean_s == pytest.approx(sum(waits) / gave_up, rel=1e-9)


def test_the_command_prints_and_draws_the_forecast(
    data_dir: Path,
    engine: Engine,
    calls: list[BankCall],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chart = tmp_path / "forecast.svg"
    argv = ["plan", "forecast", "--date", "1999-08-18", "--weeks", "2", "--tz", str(TZ),
            "--data-dir", str(data_dir), "--json", "--chart", str(chart)]  # fmt: skip
    assert main(argv) == 0
    body = json.loads(capsys.readouterr().out)
    target = Target.service_level(0.8, 20.0)
    same = plan_forecast(engine, date(1999, 8, 18), TODAY, 2, "hour", TZ, (), None, target)
    assert body["rows"] == json.loads(json.dumps(same.as_json(body["settings"])["rows"]))
    assert body["model"] == "a" and body["history"]["cut"] == "1999-08-18"
    # a past day: the calls that came are shown beside the forecast
    came = sum(n for (d, _), n in hourly(calls).items() if d == date(1999, 8, 18))
    assert body["totals"]["actual_calls"] == came
    assert body["backtest"]["held_out_from"] == "1999-08-11"
    text = chart.read_text()
    assert text.startswith("<?xml") and "Forecast for Wednesday 1999-08-18" in text
    assert main(["plan", "forecast", "--date", "1999-08-18", "--data-dir", str(data_dir)]) == 0
    assert "agents" in capsys.readouterr().out
    assert main(["plan", "forecast", "--date", "18/08/1999", "--data-dir", str(data_dir)]) == 2
    assert "--date must be a day" in capsys.readouterr().err
    assert main(["plan", "forecast", "--date", "1999-08-03", "--data-dir", str(data_dir)]) == 2
    assert "no whole week of history" in capsys.readouterr().err


def test_a_simulated_day_driven_by_the_forecast(engine: Engine) -> None:
    """The simulator takes the forecast's arrivals and staffing as they are (Poisson rate per
    hour, agents per hour); with exponential patience and handling, the simulated days'
    calls and service level come out near what the forecast expects. Only near: the model's
    figure is each hour's steady state, while a simulated queue carries over from one hour
    to the next and a day's service level varies (0.75 to 0.87 over five seeds)."""
    target = Target.service_level(0.8, 20.0)
    found = plan_forecast(engine, END, TODAY, 3, "hour", TZ, (), Model.A, target)
    patience = found.inputs.patience.mean_s
    assert patience is not None
    scenario = Scenario(
        queues=(QueueConfig("bank", wrap_up=0.0, ring_timeout=None),),
        groups=(simulation_staffing(found.plans, "agent", "bank"),),
        arrivals=(simulation_arrivals(found.inputs.forecast, "bank"),),
        service=Exponential(found.inputs.forecast.aht_s),
        patience=Exponential(patience),
    )
    expected = found.inputs.forecast.total
    levels = []
    for seed in range(1, 7):
        tally = Simulation(scenario, seed).run(24 * 3600.0).tally()
        assert abs(tally["offered"] - expected) < 4 * math.sqrt(expected)
        levels.append(tally["answered_within_t"] / tally["offered"])
    # six days of about 1,300 calls: the mean's standard error is about 0.025 here
    model = found.as_json({})["totals"]["service_level"]
    assert sum(levels) / len(levels) == pytest.approx(model, abs=0.08)
    # the history's own patience for simulated callers: draws follow the Kaplan-Meier curve
    drawn = simulation_patience(found.inputs.patience)
    assert isinstance(drawn, KaplanMeierPatience) and drawn.tail_mean_s == patience
    rng = random.Random(5)
    draws = sorted(drawn.sample(rng) for _ in range(4000))
    median = found.inputs.patience.median_s
    assert median is not None and abs(draws[2000] - median) < 30.0  # standard error about 6 s


def test_the_simulate_command_runs_a_forecast_day(
    data_dir: Path, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--history", str(data_dir), "--forecast", "1999-08-18",
            "--forecast-weeks", "2", "--tz", str(TZ), "--staffing", "forecast", "--seed", "5",
            "--json"]  # fmt: skip
    assert main(argv) == 0
    body = json.loads(capsys.readouterr().out)
    expected = sum(f.calls for f in forecast_inputs(
        engine, date(1999, 8, 18), TODAY, 2, "hour", TZ).forecast.intervals)  # fmt: skip
    # Poisson arrivals at the forecast's rates: the day's count within four standard deviations
    assert abs(body["offered"] - expected) < 4 * math.sqrt(expected), (body["offered"], expected)
    assert body["hours"] == 24
    # Staffed as the forecast says (80 % in 20 s per interval), the day comes out near it.
    assert body["service_level"] > 0.6, body
    assert main(["simulate", "--forecast", "1999-08-18", "--agents", "3"]) == 2
    assert "--forecast DAY needs --history" in capsys.readouterr().err
    assert main(["simulate", "--calls-per-hour", "60", "--aht-s", "100", "--staffing",
                 "forecast"]) == 2  # fmt: skip
    assert "--staffing forecast needs" in capsys.readouterr().err


def test_the_simulate_command_replays_a_day_of_the_history(
    data_dir: Path, calls: list[BankCall], capsys: pytest.CaptureFixture[str]
) -> None:
    day = date(1999, 8, 18)
    # offered: served by an agent, or hung up in the queue (phantoms apart); at the queue's
    # start, or when leaving the VRU for an agent straight away
    offered = [c for c in calls if c.outcome is Outcome.AGENT or (c.outcome is Outcome.HANG
               and c.queued)]  # fmt: skip
    that_day = sum((c.queue_start or c.vru_exit).date() == day for c in offered)
    argv = ["simulate", "--history", str(data_dir), "--replay", "--from", day.isoformat(),
            "--hours", "24", "--tz", str(TZ), "--agents", "12", "--seed", "3"]  # fmt: skip
    assert main([*argv, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    # every call of the file that reached a queue that day, at its own time, and no other
    assert body["offered"] == that_day > 1000
    assert body["scenario"]["arrivals"] == (
        f"{that_day:,} recorded arrival times replayed "
        f"(24 h of the history from 1999-08-18 00:00 {TZ})"
    )
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"arrivals   {that_day:,} recorded arrival times replayed"), text
    assert "\nagents     12 throughout\n" in text
    assert main(["simulate", "--history", str(data_dir), "--from", "1999-08-18",
                 "--agents", "3"]) == 2  # fmt: skip
    assert "--from DAY goes with --replay" in capsys.readouterr().err
    assert main([*argv[:5], "1999-09-18", *argv[6:]]) == 2  # a day past the history
    assert "no call to replay" in capsys.readouterr().err
