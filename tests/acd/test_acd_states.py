"""Presence and contact lifecycle tables: legal moves, refusals that change nothing, the doc."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from acd_script import Harness, agent

from frontdesk.acd import (
    AcdError,
    AgentSpec,
    AgentState,
    ContactSpec,
    IllegalTransition,
    QueueConfig,
    Ring,
    RoutingEngine,
    agent_diagram,
    contact_diagram,
)
from frontdesk.acd.states import (
    AGENT_TRANSITIONS,
    CONTACT_TRANSITIONS,
    TERMINAL_STATES,
    AgentTrigger,
    ContactState,
    agent_next,
)
from frontdesk.clock import ManualClock

DOC = Path(__file__).resolve().parents[2] / "docs" / "acd.md"


@pytest.mark.parametrize(("state", "trigger"), [(s, t) for s in AgentState for t in AgentTrigger])
def test_agent_table_allows_exactly_its_entries(state: AgentState, trigger: AgentTrigger) -> None:
    if (state, trigger) in AGENT_TRANSITIONS:
        assert agent_next("ann", state, trigger) is AGENT_TRANSITIONS[(state, trigger)]
    else:
        with pytest.raises(IllegalTransition, match=f"agent ann cannot {trigger.value} while"):
            agent_next("ann", state, trigger)


def test_every_state_is_reachable_and_terminal_states_are_dead_ends() -> None:
    agents = {AgentState.LOGGED_OUT}
    for _ in range(len(AgentState)):
        agents |= {t for (s, _), t in AGENT_TRANSITIONS.items() if s in agents}
    assert agents == set(AgentState)
    reachable = {ContactState.NEW}
    for _ in range(len(ContactState)):
        reachable |= {t for (s, _), t in CONTACT_TRANSITIONS.items() if s in reachable}
    assert reachable == set(ContactState)
    assert not [s for (s, _) in CONTACT_TRANSITIONS if s in TERMINAL_STATES]


def _doc_block(title: str) -> str:
    text = DOC.read_text()
    match = re.search(
        rf"<!-- {title}:begin -->\n```mermaid\n(.*?)\n```\n<!-- {title}:end -->", text, re.S
    )
    assert match, f"docs/acd.md has no generated {title} diagram"
    return match.group(1)


def test_doc_diagrams_are_drawn_from_the_tables() -> None:
    assert _doc_block("agent-states") == agent_diagram()
    assert _doc_block("contact-states") == contact_diagram()
    for (source, trigger), target in AGENT_TRANSITIONS.items():
        edge = f"{source.name.lower()} --> {target.name.lower()}: {trigger.value}"
        assert edge in agent_diagram()


def test_refused_inputs_change_nothing() -> None:
    harness = Harness([QueueConfig("q", ring_timeout=None)], [agent("ann")])
    harness.run([(0, "login ann", []), (0, "arrive c1 q", ["offer c1 -> ann"])])
    engine = harness.engine
    harness.events.clear()
    for bad in (
        lambda: engine.agent_logout("ann"),  # ringing: must answer or miss first
        lambda: engine.agent_break("ann", "lunch"),
        lambda: engine.call_ended("ann"),
        lambda: engine.offer_accepted("c1", "zed"),
        lambda: engine.offer_accepted("c9", "ann"),
        lambda: engine.contact_arrives(ContactSpec("c1", "q")),
        lambda: engine.contact_arrives(ContactSpec("c2", "nowhere")),
        lambda: engine.request_callback("c1", "555"),
    ):
        with pytest.raises(AcdError):
            bad()
    assert engine.drain_events() == []
    assert engine.agent_state("ann") is AgentState.RESERVED
    assert engine.contact_state("c1") is ContactState.OFFERED


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.agent_logout("ann"), "agent ann cannot logout while reserved"),
        (lambda e: e.call_ended("ann"), "agent ann is reserved, not on a call"),
        (lambda e: e.offer_accepted("c1", "bob"), "contact c1 is not ringing agent bob"),
        (lambda e: e.agent_login("zed"), "no agent with id 'zed'"),
        (lambda e: e.contact_abandoned("c7"), "no contact with id 'c7'"),
    ],
)
def test_errors_are_clear_sentences(call: object, message: str) -> None:
    harness = Harness([QueueConfig("q")], [agent("ann"), agent("bob")])
    harness.run([(0, "login ann", []), (0, "arrive c1 q", ["offer c1 -> ann"])])
    with pytest.raises(AcdError, match=re.escape(message)):
        call(harness.engine)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        (QueueConfig("q", rings=(Ring(5, "true"),)), "first ring must start at 0"),
        (QueueConfig("q", rings=(Ring(0, "a"), Ring(0, "b"))), "must increase strictly"),
        (QueueConfig("q", rings=(Ring(0, "a >="),)), "ends too early"),
        (QueueConfig("q", max_length=0), "max_length must be at least 1"),
    ],
)
def test_bad_queues_are_refused(queue: QueueConfig, message: str) -> None:
    engine = RoutingEngine(ManualClock(), random.Random(0))
    with pytest.raises(AcdError, match=message):
        engine.add_queue(queue)
    assert engine.queues == {}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (AgentSpec("a", ("q",), {"parcels": 6}), "from 1 to 5"),
        (AgentSpec("a", ("q",), {"language": 3}), "reserved word"),
        (AgentSpec("a", ("nowhere",)), "no queue named 'nowhere'"),
    ],
)
def test_bad_agents_are_refused(spec: AgentSpec, message: str) -> None:
    engine = RoutingEngine(ManualClock(), random.Random(0))
    engine.add_queue(QueueConfig("q"))
    with pytest.raises(AcdError, match=message):
        engine.add_agent(spec)
    assert engine.agents == {}
