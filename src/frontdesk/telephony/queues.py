"""A company file's queue as the routing engine's `QueueConfig`.

Skills become the ring requirement (`parcels >= 1 and billing >= 2`). A caller's language is
required first — a French caller rings French speakers — and after `language_for_s` any agent
with the skills may answer: a caller waits a little longer for their language, not forever.
A caller whose language nobody who may answer the queue speaks (by the company file) is queued
without one (`caller_language`), so they are not kept waiting for a speaker who does not exist.
A queue with nobody logged in takes no callers and sends those waiting to voicemail, since
waiting for an agent who is not there helps no one.
"""

from __future__ import annotations

from frontdesk.acd.model import (
    EmptyRule,
    ExitAction,
    OfferCallback,
    QueueConfig,
    Reject,
    Ring,
    Strategy,
    ToVoicemail,
)
from frontdesk.config.company import Company, Queue, QueueExit


def requirement(skills: tuple[tuple[str, int], ...]) -> str:
    return " and ".join(f"{name} >= {level}" for name, level in skills) or "true"


def spoken_in(company: Company, queue: Queue) -> frozenset[str]:
    """The languages spoken by the agents who may answer `queue` (its team, its skills)."""
    able = (a for a in company.agents if company.can_answer(a, queue))
    return frozenset(language for agent in able for language in agent.languages)


def caller_language(company: Company, queue: Queue, language: str) -> str:
    """The language the caller waits for: theirs if an agent who may answer the queue speaks
    it, else none."""
    return language if language in spoken_in(company, queue) else ""


class CallerLanguages:
    """`caller_language` for every caller without walking agents and queues each time: the
    languages of each queue are worked out once per company (a reload brings a new one)."""

    def __init__(self) -> None:
        self._company: Company | None = None
        self._spoken: dict[str, frozenset[str]] = {}

    def waits_for(self, company: Company, queue_name: str, language: str) -> str:
        if company is not self._company:
            self._spoken = {q.name: spoken_in(company, q) for q in company.queues}
            self._company = company
        spoken = self._spoken.get(queue_name)
        return language if spoken is None or language in spoken else ""


def queue_config(queue: Queue) -> QueueConfig:
    skills = requirement(queue.skills)
    # A caller queued without a language (see caller_language) may be taken by anyone at once.
    in_language = '(language == contact.language or contact.language == "")'
    first = in_language if skills == "true" else f"{in_language} and {skills}"
    rings = [Ring(0.0, first)]
    if queue.language_for_s is not None:
        rings.append(Ring(max(queue.language_for_s, 0.001), skills))
    on_max_wait: ExitAction = ToVoicemail()
    max_wait = queue.max_wait_s
    if queue.on_max_wait is QueueExit.CALLBACK:
        on_max_wait = OfferCallback()
    elif queue.on_max_wait is QueueExit.KEEP_WAITING:
        max_wait = None
    return QueueConfig(
        name=queue.name,
        rings=tuple(rings),
        strategy=Strategy(queue.strategy),
        target_answer_time=queue.target_answer_s,
        max_wait=max_wait,
        on_max_wait=on_max_wait,
        max_length=queue.max_length,
        on_full=Reject(),
        join_when_empty=EmptyRule.NO_AGENT_LOGGED_IN,
        leave_when_empty=EmptyRule.NO_AGENT_LOGGED_IN,
        on_empty=ToVoicemail(),
        wrap_up=queue.wrap_up_s,
        ring_timeout=queue.ring_timeout_s,
    )
