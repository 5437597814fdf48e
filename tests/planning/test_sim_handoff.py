"""The simulator hands the engine's events to the live derivation without a dict per event.

What it derives must be what the event log's path derives from the same events written as
`to_record()` data (the form a live server stores), call for call, and the agent time the same;
and a seed still fixes the run.
"""

from __future__ import annotations

from frontdesk.acd import OfferCallback, QueueConfig
from frontdesk.analytics.agent_time import AgentTime
from frontdesk.analytics.derive import derive_calls
from frontdesk.planning.sim_model import (
    AgentGroup,
    CallbackBehaviour,
    Exponential,
    Lognormal,
    PoissonArrivals,
    Scenario,
)
from frontdesk.planning.simulator import Simulation


def scenario() -> Scenario:
    """Answers, abandons, callbacks offered after 60 s and kept, wrap-up, a staffing change."""
    return Scenario(
        queues=(
            QueueConfig(
                "q",
                ring_timeout=None,
                wrap_up=10.0,
                max_wait=60.0,
                on_max_wait=OfferCallback(),
            ),
        ),
        groups=(AgentGroup("a", 4, ("q",), schedule=((1800.0, 3),)),),
        arrivals=(PoissonArrivals.constant("q", 90.0, 3 * 3600),),
        service=Lognormal(170.0, 90.0),
        patience=Exponential(120.0),
        ring_delay_s=2.0,
        callback=CallbackBehaviour(accept_probability=0.5, answer_probability=0.8, dial_s=5.0),
    )


def test_records_equal_those_derived_from_the_stored_form() -> None:
    sim = Simulation(scenario(), seed=5, keep_events=True)
    result = sim.run(3 * 3600)
    assert sim.kept_events is not None
    stored = list(derive_calls(sim.kept_events))
    assert len(result.records) > 200
    assert sorted(result.records, key=lambda r: r.call_id) == sorted(
        stored, key=lambda r: r.call_id
    )
    outcomes = {r.outcome.value for r in result.records}
    assert {"answered", "abandoned", "callback"} <= outcomes
    timeline = AgentTime().feed_all((at, kind, data) for at, kind, _, data in sim.kept_events)
    timeline.close(sim.clock.wall())
    assert timeline.seconds == result.agent_time.seconds


def test_a_seed_fixes_the_run() -> None:
    first = Simulation(scenario(), seed=9).run(3 * 3600).records
    again = Simulation(scenario(), seed=9).run(3 * 3600).records
    other = Simulation(scenario(), seed=10).run(3 * 3600).records
    assert first == again and first != other
