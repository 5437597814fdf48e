"""Pairing callers with agents, from either side, without scanning everything.

The engine keeps one invariant after every input: no available agent can take any caller in
line. So only two searches are ever needed:

* an agent became free: compare the heads of the lines (per queue, per requirement) that the
  agent matches, plus its own line of callers who asked for it; take the best
  (priority, then age) — the same order across every queue it serves;
* a caller became routable (arrived, relaxed a ring, a skip or a preference ended): look at the
  free agents of its queue (kept in idle order) that match its requirement and let the queue's
  strategy choose.
"""

from __future__ import annotations

from frontdesk.acd import events as ev
from frontdesk.acd.core import EngineCore
from frontdesk.acd.explain import Assignment, Candidate
from frontdesk.acd.lines import SortKey
from frontdesk.acd.model import Strategy
from frontdesk.acd.records import AgentRecord, ContactRecord
from frontdesk.acd.states import AgentState, AgentTrigger, ContactState, ContactTrigger
from frontdesk.acd.strategies import rank_agents
from frontdesk.acd.timers import TimerKind

_STRATEGY_NAMES = {strategy: strategy.value for strategy in Strategy}
_AVAILABLE = AgentState.AVAILABLE


class Matching(EngineCore):
    def _agent_free(self, agent: AgentRecord) -> None:
        """The agent just became available: offer it the best caller it can take, if any."""
        if agent.state is not _AVAILABLE:
            return
        now = self.now
        agent_id = agent.id
        best: ContactRecord | None = None
        best_key: SortKey | None = None
        heads: list[object] = []  # flat: key, contact id, queue, key, ... (see FlatHeads)
        if agent.preferred.live:
            best = agent.preferred.head_for(agent_id, now)
            if best is not None:
                best_key = best.key
                heads += (best_key, best.id, best.queue.name)
        for line in agent.lines:
            if not line.live:
                continue
            entry = line.top or line.head_entry()
            head = entry[4]  # type: ignore[index]
            if head.skipped:  # someone missed this caller: the first one this agent did not
                found = line.head_for(agent_id, now)
                if found is None:
                    continue
                head = found
            key = head.key
            heads += (key, head.id, line.queue_name)
            if best_key is None or key < best_key:
                best, best_key = head, key
        if best is None:
            return
        self._offer(best, agent.alone, self._agent_free_note(agent, best, heads))

    def _becomes_free(self, agent: AgentRecord, trigger: AgentTrigger, reason: str) -> None:
        """The agent becomes available and is offered the best caller it can take; it is
        listed as idle only if there was none."""
        self._agent_to(agent, trigger, reason, listed=False)
        self._agent_free(agent)
        self._list_idle(agent)

    def _agent_free_note(
        self, agent: AgentRecord, chosen: ContactRecord, heads: list[object]
    ) -> Assignment:
        requirement = chosen.requirement
        assert requirement is not None
        preferred = chosen.line is agent.preferred
        return Assignment(
            self.now,
            chosen.queue.name,
            agent.id_alone,
            "agent-free",
            chosen.ring,
            f"asked for {agent.id}" if preferred else requirement.text,
            _STRATEGY_NAMES[chosen.queue.config.strategy],
            "priority and age",
            tuple(heads),
            preferred,
        )

    def _contact_ready(self, contact: ContactRecord) -> None:
        """The contact just became routable: offer it to a free agent who may take it."""
        if contact.line is None:
            return
        queue = contact.queue
        preferred_id = contact.spec.preferred_agent
        if preferred_id is not None and contact.line is self.agents[preferred_id].preferred:
            agent = self.agents[preferred_id]
            if agent.state is AgentState.AVAILABLE and not contact.skips(agent.id, self.now):
                note = Assignment(
                    self.now,
                    queue.name,
                    agent.id_alone,
                    "contact-ready",
                    contact.ring,
                    f"asked for {agent.id}",
                    "preferred agent",
                    "preferred agent is free",
                    (),
                    True,
                )
                self._offer(contact, agent.alone, note)
            return
        idle = queue.idle
        if not idle:
            return
        requirement = contact.requirement
        assert requirement is not None
        strategy = queue.config.strategy
        limit = self.config.explanation_candidates
        # idle dicts are in idle order, so longest-idle can stop at the first few that qualify
        enough = limit if strategy is Strategy.LONGEST_IDLE else len(idle)
        eligible: list[AgentRecord] = []
        requirement_id, now, skipped = requirement.id, self.now, contact.skipped
        for agent in idle.values():
            allowed = agent.matches.get(requirement_id)
            if allowed is None:
                allowed = agent.can_take(requirement)
            if allowed and not (skipped and contact.skips(agent.id, now)):
                eligible.append(agent)
                if len(eligible) >= enough:
                    break
        if not eligible:
            return
        ranked = rank_agents(queue, eligible, requirement, self.rng)
        chosen = (
            tuple(a for a, _ in ranked[: queue.config.ring_all_limit])
            if strategy is Strategy.RING_ALL
            else (ranked[0][0],)
        )
        note = Assignment(
            self.now,
            queue.name,
            tuple(a.id for a in chosen),
            "contact-ready",
            contact.ring,
            requirement.text,
            strategy.value,
            ranked[0][1],
            tuple(Candidate(a.id, words) for a, words in ranked[:limit]),
        )
        if strategy is Strategy.ROUND_ROBIN:
            queue.rr_cursor = queue.member_index[chosen[0].id]
        self._offer(contact, chosen, note)

    def _offer(
        self, contact: ContactRecord, agents: tuple[AgentRecord, ...], note: Assignment
    ) -> None:
        self._take_from_line(contact)
        self._contact_to(contact, ContactTrigger.OFFER)
        contact.offered_to = agents
        contact.offer_serial += 1
        reason = f"offered {contact.id}"
        for agent in agents:
            self._agent_to(agent, AgentTrigger.OFFER, reason)
            agent.offer = contact
        contact.notes.append(note)
        queue = contact.queue
        timeout = queue.config.ring_timeout
        ids = note.agents
        rule = note.requirement if note.preferred else f"ring {contact.ring}: {note.requirement}"
        now = self.now
        callback = contact.number != ""
        self._events.append(
            ev.ContactOffered(
                now, contact.id, queue.name, ids, now - contact.arrived_at, callback, rule
            )
        )
        self._decisions.append(ev.Offer(contact.id, queue.name, ids, callback, timeout))
        if timeout is not None:
            self._schedule(
                now + timeout, TimerKind.RING_TIMEOUT, contact, contact.offer_serial, timeout
            )

    def _offered_state(self, contact: ContactRecord) -> bool:
        return contact.state in (ContactState.OFFERED, ContactState.CALLBACK_OFFERED)
