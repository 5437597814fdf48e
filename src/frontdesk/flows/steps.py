"""What entering each node type does: the actions it gives and what the run waits for next.

`enter` is the only place that knows node types' behaviour on arrival; answers to questions
(keys, timeouts, lookups) are handled by the run's transition table in `run`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.flows import actions as a
from frontdesk.flows import model as m
from frontdesk.flows.session import Session


class RunState(enum.Enum):
    READY = "ready"  # not started
    RUNNING = "running"  # moving from node to node (never seen between inputs)
    SPEAKING = "speaking"  # waiting for speech_done
    MENU = "menu"
    GATHER = "gather"
    LOOKUP = "lookup"
    CALLBACK_CHOICE = "callback-choice"  # as soon as possible, or choose a time?
    CALLBACK_WINDOW = "callback-window"
    SURVEY = "survey"
    HANDED_OFF = "handed-off"  # queued, transferred or forwarded
    FINISHED = "finished"


ASKING = frozenset(
    {RunState.MENU, RunState.GATHER, RunState.CALLBACK_CHOICE, RunState.CALLBACK_WINDOW}
    | {RunState.SURVEY}
)


@dataclass(slots=True)
class Step:
    actions: list[a.Action] = field(default_factory=list)
    state: RunState = RunState.RUNNING
    goto: str | None = None  # RUNNING: go on here now; SPEAKING: go on here after the speech


def _say(node: m.Say, s: Session) -> Step:
    return Step([s.say(s.render(node.text), node.voice)], RunState.SPEAKING, node.next)


def _play(node: m.Play, s: Session) -> Step:
    return Step([a.Play(s.render(node.file))], RunState.SPEAKING, node.next)


def menu_prompt(node: m.Menu, s: Session) -> list[a.Action]:
    parts = [s.render(node.prompt)] if node.prompt else []
    for key, option in s.offered:
        parts.append(s.phrase("press", label=s.render(option.label), key=key))
    return [s.say(" ".join(parts)), a.CollectDigits(1, node.timeout_s)]


def _menu(node: m.Menu, s: Session) -> Step:
    shown = [o for o in node.options if o.condition is None or s.truth(o.condition)]
    s.offered = [(o.key or str(i), o) for i, o in enumerate(shown, 1)]
    if not s.offered:
        return Step(goto=node.on_fail)
    return Step(menu_prompt(node, s), RunState.MENU)


def gather_prompt(node: m.Gather, s: Session) -> list[a.Action]:
    collect = a.CollectDigits(node.max_digits, node.timeout_s, node.terminator)
    return [s.say(s.render(node.prompt)), collect]


def _gather(node: m.Gather, s: Session) -> Step:
    s.entered = ""
    return Step(gather_prompt(node, s), RunState.GATHER)


def _lookup(node: m.Lookup, s: Session) -> Step:
    template = node.key if node.source is m.LookupSource.CRM else node.url
    key = s.render(template) if template is not None else ""
    return Step([a.Lookup(node.source.value, key, node.timeout_s)], RunState.LOOKUP)


def _branch(node: m.Branch, s: Session) -> Step:
    for case in node.cases:
        if s.truth(case.condition):
            return Step(goto=case.goto)
    return Step(goto=node.otherwise)


def _hours(node: m.Hours, s: Session) -> Step:
    return Step(goto=node.open if node.schedule.is_open(s.clock.wall()) else node.closed)


def _set(node: m.SetVars, s: Session) -> Step:
    changes: list[a.Action] = []
    for name, expr in node.values:
        s.vars[name] = s.value(expr)
        changes.append(a.SetVar(name, s.vars[name]))
    return Step(changes, goto=node.next)


def _queue(node: m.Queue, s: Session) -> Step:
    priority = s.value(node.priority) if node.priority is not None else 0
    preferred = s.render(node.preferred_agent) if node.preferred_agent else ""
    language = s.render(node.language) if node.language else ""
    enqueue = a.Enqueue(
        queue=s.render(node.queue),
        skills=node.skills,
        priority=int(priority) if isinstance(priority, int | float) else 0,
        preferred_agent=preferred or None,
        language=language or s.language,
    )
    return Step([enqueue], RunState.HANDED_OFF)


def _voicemail(node: m.Voicemail, s: Session) -> Step:
    promise = s.render(node.promise)
    actions: list[a.Action] = [
        s.say(promise),
        a.Voicemail(s.render(node.team), promise, node.max_s),
    ]
    return Step(actions, RunState.FINISHED)


def open_windows(node: m.Callback, s: Session) -> list[tuple[m.CallbackWindow, float, float]]:
    """The windows not yet over at the clock's time, with their wall-time bounds."""
    zone = ZoneInfo(s.flow.timezone)
    wall = s.clock.wall()
    today = dt.datetime.fromtimestamp(wall, zone).date()
    found = []
    for window in node.windows:
        day = today + dt.timedelta(days=window.day_offset)
        start = dt.datetime.combine(day, window.start, zone).timestamp()
        end = dt.datetime.combine(day, window.end, zone).timestamp()
        if end > wall:
            found.append((window, start, end))
    return found


def book_callback(node: m.Callback, s: Session, window: tuple[float, float, str] | None) -> Step:
    number = s.context.caller.number
    if window is None:
        booking = a.BookCallback(s.render(node.queue), number, s.language)
        spoken = s.phrase("callback_asap")
    else:
        start, end, label = window
        booking = a.BookCallback(s.render(node.queue), number, s.language, start, end)
        spoken = s.phrase("callback_window", label=label)
    return Step([s.say(spoken), booking, a.Hangup("callback booked")], RunState.FINISHED)


def callback_prompt(node: m.Callback, s: Session) -> list[a.Action]:
    text = s.render(node.prompt) if node.prompt else s.phrase("callback_offer")
    return [s.say(text), a.CollectDigits(1, node.timeout_s)]


def _callback(node: m.Callback, s: Session) -> Step:
    if not open_windows(node, s):
        return book_callback(node, s, None)
    return Step(callback_prompt(node, s), RunState.CALLBACK_CHOICE)


def _transfer(node: m.Transfer, s: Session) -> Step:
    return Step([a.Transfer(node.kind.value, s.render(node.to))], RunState.HANDED_OFF)


def _forward(node: m.Forward, s: Session) -> Step:
    number = s.render(node.number) if node.number else None
    agent = s.render(node.agent) if node.agent else None
    return Step([a.Forward(number or None, agent or None, node.ring_s)], RunState.HANDED_OFF)


def survey_prompt(node: m.Survey, s: Session) -> list[a.Action]:
    text = s.render(node.question) if node.question else s.phrase("survey", scale=node.scale)
    return [s.say(text), a.CollectDigits(1, node.timeout_s)]


def _survey(node: m.Survey, s: Session) -> Step:
    return Step(survey_prompt(node, s), RunState.SURVEY)


def _hangup(node: m.Hangup, s: Session) -> Step:
    return Step([a.Hangup(node.reason)], RunState.FINISHED)


_ENTER: dict[type[m.NodeBase], Callable[[Any, Session], Step]] = {
    m.Say: _say,
    m.Play: _play,
    m.Menu: _menu,
    m.Gather: _gather,
    m.Lookup: _lookup,
    m.Branch: _branch,
    m.Hours: _hours,
    m.SetVars: _set,
    m.Queue: _queue,
    m.Voicemail: _voicemail,
    m.Callback: _callback,
    m.Transfer: _transfer,
    m.Forward: _forward,
    m.Survey: _survey,
    m.Hangup: _hangup,
}


def enter(node: m.Node, session: Session) -> Step:
    return _ENTER[type(node)](node, session)
