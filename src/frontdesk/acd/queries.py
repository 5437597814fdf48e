"""Position and expected wait of one caller (on demand, not on the routing hot path).

Position counts the callers ahead that the same agents could take: for every line (queue and
requirement) that some of this caller's eligible agents serve and match, callers ahead of
this one in (priority, age) order count in proportion to the share of eligible agents who can
take them. The expected wait then comes from `estimate.queue_length_delay` with s = working
agents who may take the caller. With thin history it falls back to the head-of-line delay H
(how long the oldest caller in this queue has waited; the wait of the last caller served when
nobody has waited yet): a caller with k ahead among n in line expects H * (k + 1) / n.
"""

from __future__ import annotations

from frontdesk.acd.core import EngineCore
from frontdesk.acd.estimate import WaitEstimate, queue_length_delay
from frontdesk.acd.lines import Line
from frontdesk.acd.records import AgentRecord, ContactRecord
from frontdesk.acd.states import AgentState, ContactState

_OFF = (AgentState.LOGGED_OUT, AgentState.ON_BREAK)


def _eligible(core: EngineCore, contact: ContactRecord) -> list[AgentRecord]:
    line = contact.line
    assert line is not None
    if line.requirement is None:
        agent = core.agents[contact.spec.preferred_agent or ""]
        return [agent] if agent.state not in _OFF else []
    requirement = line.requirement
    return [
        agent
        for agent in contact.queue.members.values()
        if agent.state not in _OFF and agent.can_take(requirement)
    ]


def _ahead(contact: ContactRecord, eligible: list[AgentRecord]) -> int:
    line = contact.line
    assert line is not None
    if line.requirement is None or not eligible:
        return line.count_ahead(contact.key)
    shares: dict[int, tuple[Line, int]] = {}
    for agent in eligible:
        for queue in agent.queues:
            for other in queue.lines.values():
                requirement = other.requirement
                if other.live and requirement is not None and agent.can_take(requirement):
                    seen = shares.get(id(other), (other, 0))[1]
                    shares[id(other)] = (other, seen + 1)
    total = sum(other.count_ahead(contact.key) * n / len(eligible) for other, n in shares.values())
    return round(total)


def _delay_history(core: EngineCore, contact: ContactRecord) -> float | None:
    """How long the head of the queue's line has waited (HOL), else the last served wait."""
    heads = [
        head
        for line in contact.queue.lines.values()
        if (head := line.head_for("", core.now)) is not None
    ]
    if heads:
        elapsed = core.now - min(head.arrived_at for head in heads)
        if elapsed > 0:
            return elapsed
    last = contact.queue.history.last_served_wait
    return last if last else None


def estimate_wait(core: EngineCore, contact: ContactRecord) -> WaitEstimate:
    queue = contact.queue
    history = queue.history
    mu, theta = history.service_rate(), history.abandon_rate()
    samples = history.handle_samples

    def answer(position: int, ahead: int, wait: float | None, basis: str, s: int) -> WaitEstimate:
        return WaitEstimate(
            contact.id, queue.name, position, ahead, wait, basis, s, mu, theta, samples
        )

    if contact.state in (ContactState.OFFERED, ContactState.CALLBACK_OFFERED):
        return answer(1, 0, 0.0, "ringing an agent now", len(contact.offered_to))
    if contact.line is None:
        return answer(0, 0, None, f"not in line ({contact.state.value})", 0)
    eligible = _eligible(core, contact)
    ahead = _ahead(contact, eligible)
    servers = len(eligible)
    if servers == 0:
        return answer(ahead + 1, ahead, None, "no working agent can take this caller now", 0)
    if mu is not None and samples >= core.config.min_history:
        wait = queue_length_delay(ahead, servers, mu, theta)
        return answer(
            ahead + 1,
            ahead,
            wait,
            "queue length with abandonment (Ibrahim & Whitt 2009)",
            servers,
        )
    delay = _delay_history(core, contact)
    if delay is None:
        return answer(ahead + 1, ahead, None, "no history yet", servers)
    in_line = max(queue.in_line, ahead + 1)
    return answer(
        ahead + 1,
        ahead,
        delay * (ahead + 1) / in_line,
        "head-of-line delay (too few recent calls for the queue-length estimator)",
        servers,
    )
