"""Walks a flow without telephony, as `frontdesk flow test` does: plays the caller's keys,
answers lookups, and writes down what the caller hears and where the call ends up.

CRM records come from a `WalkCrm` (walk_data.py gives one over the real CRM store holding the
demo data); HTTP lookups are answered from canned answers keyed by URL, and any other URL gets
no answer, so the flow takes its fallback.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from frontdesk.clock import Clock
from frontdesk.flows import actions as a
from frontdesk.flows.context import call_context
from frontdesk.flows.model import Flow
from frontdesk.flows.run import FlowRun
from frontdesk.flows.steps import RunState

MAX_ROUNDS = 200


class WalkCrm(Protocol):
    """Where a walk finds CRM records, in the plain shape flow expressions read."""

    def record(self, number: str) -> Mapping[str, Any] | None:
        """The record of whoever calls from `number`, or None for an unknown caller."""
        ...

    def find(self, key: str) -> Mapping[str, Any] | None:
        """The record a `lookup` node with `source: crm` asks for by `key`, or None."""
        ...


@dataclass(slots=True)
class Walk:
    lines: list[str] = field(default_factory=list)
    actions: list[a.Action] = field(default_factory=list)
    outcome: a.Action | None = None  # who took the call (last hand-over), else the hang-up
    path: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)
    waiting_at: str | None = None  # the node asking for keys when the test's keys ran out


def describe(action: a.Action) -> str:
    """One transcript line for an action."""
    if isinstance(action, a.Say):
        return f'hears ({action.language}): "{action.text}"'
    if isinstance(action, a.Play):
        return f"hears the recording {action.file}"
    if isinstance(action, a.Enqueue):
        skills = ", ".join(f"{name}>={level}" for name, level in action.skills) or "none"
        return (
            f"queued: {action.queue} (priority {action.priority}, language {action.language}, "
            f"skills {skills}, preferred agent {action.preferred_agent or '-'})"
        )
    if isinstance(action, a.Voicemail):
        return f"voicemail for {action.team} (up to {action.max_s} s)"
    if isinstance(action, a.BookCallback):
        when = "as soon as possible"
        if action.not_before is not None and action.not_after is not None:
            start = dt.datetime.fromtimestamp(action.not_before, dt.UTC).strftime("%Y-%m-%d %H:%M")
            end = dt.datetime.fromtimestamp(action.not_after, dt.UTC).strftime("%H:%M")
            when = f"between {start} and {end} UTC"
        return f"callback booked: {action.queue}, {action.number or 'withheld'}, {when}"
    if isinstance(action, a.Transfer):
        return f"transferred to {action.kind} {action.to}"
    if isinstance(action, a.Forward):
        target = action.number or f"the mobile of {action.agent}"
        return f"forwarded to {target} (rings {action.ring_s} s)"
    if isinstance(action, a.SurveyRating):
        return f"survey {action.survey}: rated {action.rating} of {action.scale}"
    if isinstance(action, a.SetVar):
        shown = json.dumps(action.value, ensure_ascii=False, default=str)
        return f"set {action.name} = {shown if len(shown) <= 70 else shown[:67] + '...'}"
    if isinstance(action, a.Hangup):
        return f"hang up ({action.reason})"
    if isinstance(action, a.Lookup):
        return f"looks up {action.key} in {action.source}"
    return f"waits for up to {action.max_digits} key(s)"


def walk(
    flow: Flow,
    number: str,
    keys: Sequence[str],
    crm: WalkCrm,
    clock: Clock,
    agent_leaves: bool = False,
    http: Mapping[str, Mapping[str, Any]] | None = None,
) -> Walk:
    """Runs `flow` for a call from `number`; each entry of `keys` answers one question
    ("" is silence: a timeout). With `agent_leaves`, a queued or transferred caller is handed
    back when the agent hangs up (to reach a post-call survey). `http` answers HTTP lookups
    by URL."""
    run = FlowRun(flow, call_context(number, crm.record(number), flow.languages), clock)
    result = Walk()
    remaining = list(keys)
    pending = run.start()
    for _ in range(MAX_ROUNDS):
        result.actions.extend(pending)
        result.lines.extend(describe(action) for action in pending if not _quiet(action))
        if run.state is RunState.FINISHED or not pending:
            break
        last = pending[-1]
        if isinstance(last, a.Say | a.Play):
            pending = run.speech_done()
        elif isinstance(last, a.CollectDigits):
            if not remaining:
                result.lines.append("waits for keys, but the test gave no more: the walk stops")
                result.waiting_at = run.node_id
                break
            entry = remaining.pop(0)
            result.lines.append(f"presses {entry}" if entry else "stays silent (timeout)")
            pending = run.digits(entry) if entry else run.timeout()
        elif isinstance(last, a.Lookup):
            pending = _answer_lookup(run, last, crm, http or {}, result)
        elif agent_leaves and run.state is RunState.HANDED_OFF:
            agent_leaves = False
            result.lines.append("the agent hangs up; the caller is still on the line")
            pending = run.agent_left()
        else:
            break
    handovers = (a.Enqueue, a.Voicemail, a.BookCallback, a.Transfer, a.Forward)
    taken = [action for action in result.actions if isinstance(action, handovers)]
    hangups = [action for action in result.actions if isinstance(action, a.Hangup)]
    result.outcome = taken[-1] if taken else (hangups[-1] if hangups else None)
    result.path, result.vars = list(run.path), dict(run.vars)
    return result


def _quiet(action: a.Action) -> bool:
    return isinstance(action, a.CollectDigits)


def _answer_lookup(
    run: FlowRun,
    lookup: a.Lookup,
    crm: WalkCrm,
    http: Mapping[str, Mapping[str, Any]],
    result: Walk,
) -> list[a.Action]:
    if lookup.source == "crm":
        record = crm.find(lookup.key)
        result.lines.append("CRM finds a record" if record else "CRM finds nothing")
        return run.lookup_result(record)
    data = http.get(lookup.key)
    if data is None:
        result.lines.append("no HTTP answer in this test walk (none canned): the fallback")
        return run.lookup_result(error="no canned answer for this URL")
    result.lines.append("HTTP source answers (canned)")
    return run.lookup_result(data)
