"""Readers of the company file's `agents:`, `teams:` and `queues:` lists.

Each reader checks the fields of one entry; whether the names it mentions exist (a queue's
team, an agent's teams) is checked once everything is read, in `crossref`.
"""

from __future__ import annotations

import yaml

from frontdesk.acd.model import Strategy
from frontdesk.config.company import Agent, Queue, QueueExit, Team
from frontdesk.config.hours import read_schedule
from frontdesk.config.reader import Fields, Reader, is_none
from frontdesk.config.sections import check_email, check_mobile

AGENT_KEYS = {
    "id", "name", "extension", "password", "skills", "languages", "mobile", "teams",
}  # fmt: skip
TEAM_KEYS = {"name", "hours", "respond_within_h", "email", "mobile"}
QUEUE_KEYS = {
    "name", "team", "skills", "language_for_s", "target_answer_s", "strategy", "ring_timeout_s",
    "wrap_up_s", "announce_every_s", "messages", "music", "callback_key", "max_wait_s",
    "on_max_wait", "max_length", "record",
}  # fmt: skip
DTMF_KEYS = "0123456789*#"
SKILL_LEVELS = (1, 5)


def read_skills(r: Reader, f: Fields, what: str) -> tuple[tuple[str, int], ...]:
    """`skills: {name: level}` with levels 1 (can do it) to 5 (the best)."""
    if "skills" not in f:
        return ()
    lo, hi = SKILL_LEVELS
    skills: list[tuple[str, int]] = []
    for name, _, level in r.entries(f["skills"], f"{what}: 'skills'"):
        value = r.integer({name: level}, name, 0, lo, hi, f"{what}: skill")
        if value:
            skills.append((name, value))
    return tuple(skills)


def read_agent(r: Reader, node: yaml.Node) -> Agent:
    f = r.mapping(node, "agent")
    r.unknown_keys(f, AGENT_KEYS, "agent")
    extension = r.text(f, "extension", node, "agent")
    if extension and not extension.isdigit():
        r.problem(f["extension"], f"agent: extension '{extension}' must be digits only")
    agent_id = r.text(f, "id", node, "agent")
    what = f"agent '{agent_id}'" if agent_id else "agent"
    return Agent(
        id=agent_id,
        name=r.text(f, "name", node, what),
        extension=extension,
        password=r.text(f, "password", node, what),
        skills=read_skills(r, f, what),
        languages=r.texts(f, "languages", ("en",), what),
        mobile=check_mobile(r, f, what),
        teams=r.texts(f, "teams", (), what),
    )


def read_team(r: Reader, node: yaml.Node, company_timezone: str) -> Team:
    f = r.mapping(node, "team")
    r.unknown_keys(f, TEAM_KEYS, "team")
    name = r.text(f, "name", node, "team")
    what = f"team '{name}'" if name else "team"
    schedule = None
    if "hours" in f:
        schedule, problems = read_schedule(f["hours"], r.file, company_timezone, f"{what}: hours")
        r.problems.extend(problems)
    return Team(
        name=name,
        hours=schedule,
        respond_within_h=r.number(f, "respond_within_h", 4.0, (0.25, 720.0), what),
        email=check_email(r, f, what),
        mobile=check_mobile(r, f, what),
    )


def read_queue(r: Reader, node: yaml.Node) -> Queue:
    f = r.mapping(node, "queue")
    r.unknown_keys(f, QUEUE_KEYS, "queue")
    name = r.text(f, "name", node, "queue")
    what = f"queue '{name}'" if name else "queue"
    strategies = [s.value for s in Strategy]
    exits = [e.value for e in QueueExit]
    music = r.path(f, "music", what)
    return Queue(
        name=name,
        team=r.text(f, "team", node, what),
        skills=read_skills(r, f, what),
        language_for_s=r.optional_number(f, "language_for_s", 120.0, (0.0, 3600.0), what),
        target_answer_s=r.number(f, "target_answer_s", 20.0, (1.0, 3600.0), what),
        strategy=r.choice(f, "strategy", Strategy.LONGEST_IDLE.value, strategies, what),
        ring_timeout_s=r.number(f, "ring_timeout_s", 15.0, (1.0, 600.0), what),
        wrap_up_s=r.number(f, "wrap_up_s", 0.0, (0.0, 3600.0), what),
        announce_every_s=_announce_every(r, f, what),
        messages=r.texts(f, "messages", (), what),
        music=str(music) if music is not None else None,
        callback_key=_callback_key(r, f, what),
        max_wait_s=r.optional_number(f, "max_wait_s", None, (1.0, 86400.0), what),
        on_max_wait=QueueExit(r.choice(f, "on_max_wait", QueueExit.VOICEMAIL, exits, what)),
        max_length=_max_length(r, f, what),
        record=r.boolean(f, "record", False, what),
    )


def _announce_every(r: Reader, f: Fields, what: str) -> float:
    value = r.number(f, "announce_every_s", 30.0, (0.0, 3600.0), what)
    if 0 < value < 10:
        # Shorter than the announcement itself: the caller would hear nothing else.
        r.problem(f["announce_every_s"], f"{what}: 'announce_every_s' must be 0 (off) or >= 10")
        return 30.0
    return value


def _callback_key(r: Reader, f: Fields, what: str) -> str | None:
    node = f.get("callback_key")
    if node is None:
        return "*"
    if is_none(node):
        return None
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    if text == "":
        # `callback_key: #` is an empty value: YAML reads # as the start of a comment.
        r.problem(node, f'{what}: \'callback_key\' is empty (write "#" or "*" in quotes, or none)')
        return "*"
    if len(text) != 1 or text not in DTMF_KEYS:
        r.problem(node, f"{what}: callback_key '{text}' (expected one key: 0-9, * or #, or none)")
        return "*"
    return text


def _max_length(r: Reader, f: Fields, what: str) -> int | None:
    node = f.get("max_length")
    if node is None or is_none(node):
        return None
    return r.integer(f, "max_length", 0, 1, 100000, what) or None
