"""Agent selection strategies: how a queue chooses among free agents who may take a caller.

Every strategy ranks the qualifying free agents with a sort key and breaks ties by idle order
(the agent free the longest first), so results are deterministic for the same inputs; only
`RANDOM` draws from the engine's injected `random.Random`.

* longest-idle: the agent available the longest without interruption (an offer, even a missed
  one, restarts the clock);
* fewest-calls: fewest calls answered today (`reset_daily_counters` starts a new day);
* least-talk-time: least talk time today;
* best-skill: highest sum of proficiency in the skills the matched requirement names;
* round-robin: the next member after the one chosen last, in the queue's member order;
* random: uniformly among qualifying agents;
* ring-all: every qualifying free agent (up to `ring_all_limit`), in idle order.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from frontdesk.acd.lines import Requirement
from frontdesk.acd.model import Strategy
from frontdesk.acd.records import AgentRecord, QueueRecord

Ranked = list[tuple[AgentRecord, str]]


def _skill_sum(agent: AgentRecord, requirement: Requirement) -> int:
    total = 0
    for name in requirement.skills:
        value = agent.attrs.get(name, 0)
        if isinstance(value, int) and not isinstance(value, bool):
            total += value
    return total


def rank_agents(
    queue: QueueRecord,
    eligible: list[AgentRecord],
    requirement: Requirement,
    rng: random.Random,
) -> Ranked:
    """Qualifying free agents (given in idle order), best first, each with its score in words."""
    strategy = queue.config.strategy
    if strategy in (Strategy.LONGEST_IDLE, Strategy.RING_ALL):
        return [(a, f"idle since t={a.idle_since:.1f}s") for a in eligible]
    key: Callable[[AgentRecord], float]
    if strategy is Strategy.FEWEST_CALLS:

        def key(a: AgentRecord) -> float:
            return a.calls_today

        words = "{:.0f} calls today"
    elif strategy is Strategy.LEAST_TALK_TIME:

        def key(a: AgentRecord) -> float:
            return a.talk_today

        words = "{:.0f}s talk today"
    elif strategy is Strategy.BEST_SKILL:

        def key(a: AgentRecord) -> float:
            return -_skill_sum(a, requirement)

        words = "skill score {:.0f}"
    elif strategy is Strategy.ROUND_ROBIN:
        size = max(1, len(queue.member_index))

        def key(a: AgentRecord) -> float:
            return (queue.member_index[a.id] - queue.rr_cursor - 1) % size

        words = "{:.0f} places after the last agent chosen"
    else:
        draws = {a.id: rng.random() for a in eligible}

        def key(a: AgentRecord) -> float:
            return draws[a.id]

        words = "random draw {:.3f}"
    ranked = sorted(eligible, key=key)  # stable: ties stay in idle order
    sign = -1 if strategy is Strategy.BEST_SKILL else 1
    return [(a, words.format(sign * key(a))) for a in ranked]
