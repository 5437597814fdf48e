"""Planning charts and the staffing history needed: the cost curve and the figure-by-agents
chart plot the planning maths' own numbers; needed agents are the least meeting the target;
one more agent never makes abandonment worse; `plan staffing|cost --chart` write files.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.container import BarContainer

from frontdesk.analytics.charts_planning import cost_chart, history_chart, staffing_chart
from frontdesk.analytics.history_staffing import agents_seen, needed_by_interval, one_more_agent
from frontdesk.cli import main
from frontdesk.planning.cost import CostRates, cheapest_staffing
from frontdesk.planning.metrics import Model, SLDefinition, Workload
from frontdesk.planning.staffing import StaffingPolicy, Target, evaluate, required_agents


def test_cost_chart_plots_the_cost_curve() -> None:
    workload = Workload(200.0, 180.0, 300.0)
    optimum = cheapest_staffing(Model.A, workload, CostRates(25.0, 10.0), spread=4)
    figure = cost_chart(Model.A, workload, optimum)
    ax = figure.axes[0]
    total = next(x for x in ax.get_lines() if x.get_label() == "total")
    assert list(total.get_xdata()) == [p.agents for p in optimum.curve]
    assert np.allclose(total.get_ydata(), [p.total for p in optimum.curve])
    staff = next(c for c in ax.containers if c.get_label() == "agents' pay")
    assert np.allclose([b.get_height() for b in staff], [p.staff for p in optimum.curve])
    lowest = min(optimum.curve, key=lambda p: p.total)
    assert ax.texts[0].get_text().startswith(f"least cost: {lowest.agents} agents")


def test_staffing_chart_marks_the_least_count_meeting_the_target() -> None:
    workload = Workload(300.0, 240.0)
    target = Target.service_level(0.8, 20.0)
    policy = StaffingPolicy()
    result = required_agents(Model.C, workload, target, policy)
    figure = staffing_chart(Model.C, workload, target, policy, result)
    bars = next(c for c in figure.axes[0].containers if isinstance(c, BarContainer))
    by_agents = {round(b.get_x() + b.get_width() / 2): b for b in bars}
    chosen = by_agents[result.agents]
    assert chosen.get_height() >= 0.8 > by_agents[result.agents - 1].get_height()
    assert chosen.get_facecolor() != by_agents[result.agents - 1].get_facecolor()
    for n, bar in by_agents.items():
        expected = evaluate(Model.C, workload, n, 20.0)
        assert bar.get_height() == pytest.approx(
            expected.service_level[SLDefinition.ANSWERED_WITHIN_T_OVER_OFFERED]
            if expected.stable
            else 0.0
        )


ROWS = [  # an `intervals` report by hour: offered, abandoned, AHT, measured service level
    {"hour": "1999-08-01T09:00", "offered": 120, "abandoned": 30, "aht_s": 200.0,
     "service_level": 0.3, "answered": 90},
    {"hour": "1999-08-01T10:00", "offered": 0, "abandoned": 0, "aht_s": None,
     "service_level": None, "answered": 0},
    {"hour": "1999-08-01T11:00", "offered": 60, "abandoned": 6, "aht_s": None,
     "service_level": 0.6, "answered": 54},
]  # fmt: skip
BY_AGENT = [
    {"hour": "1999-08-01T09:00", "agent": "AVI", "answered": 50},
    {"hour": "1999-08-01T09:00", "agent": "DORIT", "answered": 40},
    {"hour": "1999-08-01T09:00", "agent": "", "answered": 0},
    {"hour": "1999-08-01T11:00", "agent": "AVI", "answered": 54},
    {"hour": "1999-08-01T11:00", "agent": "TOVA", "answered": 0},
]


def test_agents_seen_counts_agents_who_answered_in_each_interval() -> None:
    assert agents_seen(BY_AGENT, "hour") == {"1999-08-01T09:00": 2, "1999-08-01T11:00": 1}


def test_needed_agents_per_interval_and_one_more_agent() -> None:
    target = Target.service_level(0.8, 20.0)
    needs = needed_by_interval(ROWS, "hour", target, fallback_aht_s=180.0)
    assert [n.agents for n in needs][1] == 0  # no calls, no agents
    assert needs[2].aht_s == 180.0  # no AHT of its own: the window's
    for need in (needs[0], needs[2]):
        assert (
            need.agents
            == required_agents(
                Model.C, Workload(need.calls_per_hour, float(need.aht_s or 0)), target
            ).agents
        )
    more = one_more_agent(ROWS, needs, agents_seen(BY_AGENT, "hour"), 300.0, 20.0, 5.0)
    first = more[0]
    assert first.agents_seen == 2 and first.as_staffed is not None
    assert first.as_staffed.agents == 2 and first.one_more is not None
    expected = 120 * (first.as_staffed.p_abandon - first.one_more.p_abandon)
    assert first.abandons_saved == pytest.approx(expected) and expected > 1.0
    assert (
        more[1].abandons_saved == 0.0 and more[1].as_json(target.definition)["abandon_rate"] is None
    )
    figure = history_chart(more, "hour", target)
    seen = next(
        x for x in figure.axes[0].get_lines() if x.get_label() == "agents who answered calls"
    )
    assert list(seen.get_ydata()) == [2, 0, 1, 1]
    measured = next(x for x in figure.axes[1].get_lines() if x.get_gid() == "abandon_measured")
    assert np.allclose(measured.get_ydata(), [0.25, math.nan, 0.1], equal_nan=True)


@settings(max_examples=25, deadline=None)
@given(
    calls=st.floats(1.0, 2000.0),
    aht=st.floats(30.0, 600.0),
    patience=st.floats(10.0, 2000.0),
    seen=st.integers(0, 40),
)
def test_one_more_agent_never_loses_callers(
    calls: float, aht: float, patience: float, seen: int
) -> None:
    row = {"hour": "2024-01-01T09:00", "offered": int(calls), "abandoned": 0, "aht_s": aht,
           "service_level": None}  # fmt: skip
    needs = needed_by_interval([row], "hour", Target.service_level(0.8, 20.0))
    (found,) = one_more_agent([row], needs, {"2024-01-01T09:00": seen}, patience, 20.0, 5.0)
    assert found.abandons_saved >= -1e-9


def test_plan_commands_draw_their_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--model", "a", "--calls-per-hour", "200", "--aht-s", "180", "--patience-s", "300"]
    staffing = tmp_path / "staffing.svg"
    assert main(["plan", "staffing", *common, "--target-sl", "0.8", "--chart", str(staffing)]) == 0
    assert ET.fromstring(staffing.read_bytes()).tag.endswith("svg")
    capsys.readouterr()
    cost = tmp_path / "cost.png"
    assert main(["plan", "cost", *common, "--agent-cost-per-hour", "25", "--lost-call-cost",
                 "10", "--json", "--chart", str(cost)]) == 0  # fmt: skip
    assert cost.read_bytes().startswith(b"\x89PNG")
    assert capsys.readouterr().out.startswith("{")  # the JSON stays clean; the note is on stderr
    assert main(["plan", "cost", *common, "--agent-cost-per-hour", "25", "--chart", "c.bmp"]) == 2
    assert "must end in .svg or .png" in capsys.readouterr().err
