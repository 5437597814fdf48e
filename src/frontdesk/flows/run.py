"""The flow interpreter: one `FlowRun` per call, fed inputs, giving back actions (sans-IO).

    run = FlowRun(flow, call_context(number, crm_record, flow.languages), clock)
    actions = run.start()              # e.g. [Say(...)]  -> the run waits for speech_done()
    actions = run.speech_done()        # e.g. [Say(menu), CollectDigits(1, 5.0)]
    actions = run.digits("2")          # e.g. [Enqueue(...)]

Which input is meaningful depends on the state, and the pairs live in one table (`_TABLE`).
Inputs that a real call can deliver out of turn are absorbed: keys pressed while a prompt
plays are kept as type-ahead for the next question, late speech_done / timeout / lookup
results are ignored, and anything after the end gives no action.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

from frontdesk.clock import Clock
from frontdesk.flows import actions as a
from frontdesk.flows import model as m
from frontdesk.flows.context import CallContext, plain_data
from frontdesk.flows.errors import FlowRunError
from frontdesk.flows.session import Session
from frontdesk.flows.steps import (
    ASKING,
    RunState,
    book_callback,
    callback_prompt,
    enter,
    gather_prompt,
    menu_prompt,
    open_windows,
    survey_prompt,
)

MAX_STEPS_WITHOUT_INPUT = 200


class Input(enum.Enum):
    DIGITS = "digits"
    TIMEOUT = "timeout"
    LOOKUP_RESULT = "lookup-result"
    SPEECH_DONE = "speech-done"
    AGENT_LEFT = "agent-left"
    HANDOFF_FAILED = "handoff-failed"


class FlowRun:
    def __init__(self, flow: m.Flow, context: CallContext, clock: Clock) -> None:
        self.flow = flow
        self.session = Session(flow, context, clock)
        self.state = RunState.READY
        self.node_id = flow.start
        self.path: list[str] = []  # every node entered, in order
        self._after_speech: str | None = None

    @property
    def node(self) -> m.Node:
        return self.flow.nodes[self.node_id]

    @property
    def vars(self) -> Mapping[str, Any]:
        return self.session.vars

    @property
    def language(self) -> str:
        return self.session.language

    def start(self) -> list[a.Action]:
        if self.state is not RunState.READY:
            raise FlowRunError("this flow run has already started; make a new FlowRun per call")
        return self._go(self.flow.start)

    def digits(self, keys: str) -> list[a.Action]:
        return self._input(Input.DIGITS, keys)

    def timeout(self) -> list[a.Action]:
        return self._input(Input.TIMEOUT, None)

    def lookup_result(
        self, data: Mapping[str, Any] | None = None, error: str | None = None
    ) -> list[a.Action]:
        """The record found (None: nothing found), or `error` when the source failed."""
        return self._input(Input.LOOKUP_RESULT, (data, error))

    def speech_done(self) -> list[a.Action]:
        return self._input(Input.SPEECH_DONE, None)

    def agent_left(self) -> list[a.Action]:
        """The agent or transfer target hung up while the caller is still on the line."""
        return self._input(Input.AGENT_LEFT, None)

    def handoff_failed(self, reason: str) -> list[a.Action]:
        """The queue, transfer or forward could not take the call."""
        return self._input(Input.HANDOFF_FAILED, reason)

    def _input(self, kind: Input, payload: Any) -> list[a.Action]:
        if self.state is RunState.READY:
            raise FlowRunError(f"{kind.value} before start(); call start() first")
        handler = _TABLE.get((self.state, kind))
        if handler is not None:
            return handler(self, payload)
        if kind is Input.DIGITS and self.state in (RunState.SPEAKING, RunState.LOOKUP):
            self.session.typed_ahead += str(payload)
        return []

    def _go(self, node_id: str | None) -> list[a.Action]:
        """Enters nodes from `node_id` until one waits for an input; gives their actions."""
        out: list[a.Action] = []
        for _ in range(MAX_STEPS_WITHOUT_INPUT):
            if node_id is None:
                break
            self.node_id, self.session.tries = node_id, 0
            self.path.append(node_id)
            step = enter(self.node, self.session)
            if step.state is RunState.RUNNING:
                out.extend(step.actions)
                node_id = step.goto
                continue
            self.state, self._after_speech = step.state, step.goto
            if step.state in ASKING and self.session.typed_ahead:
                return out + self._answer_typed_ahead()
            return out + step.actions
        self.state = RunState.FINISHED
        return [*out, a.Hangup("the flow went round without ending")]

    def _answer_typed_ahead(self) -> list[a.Action]:
        keys = self.session.take_typed_ahead()
        handler = _TABLE[(self.state, Input.DIGITS)]
        answer = handler(self, keys)
        if not answer and isinstance(self.node, m.Gather):  # part of the entry: collect the rest
            node = self.node
            left = node.max_digits - len(self.session.entered)
            return [a.CollectDigits(left, node.timeout_s, node.terminator)]
        return answer

    def _finish(self, reason: str) -> list[a.Action]:
        self.state = RunState.FINISHED
        return [a.Hangup(reason)]

    def _retry(self, message: str, prompt: list[a.Action], on_fail: str | None) -> list[a.Action]:
        """Another try at the current question, or `on_fail` when tries are used up."""
        self.session.tries += 1
        retries = getattr(self.node, "retries", 0)
        if self.session.tries > retries:
            return self._go(on_fail) if on_fail else []
        return [self.session.say(message), *prompt]

    # -- the handlers of the transition table ------------------------------------------------

    def _speech_done(self, _: object) -> list[a.Action]:
        return self._go(self._after_speech)

    def _menu_keys(self, keys: str) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Menu)
        key, s.typed_ahead = keys[:1], keys[1:] + s.typed_ahead
        for offered_key, option in s.offered:
            if offered_key == key:
                return self._go(option.goto)
        message = s.render(node.invalid) if node.invalid else s.phrase("invalid_choice")
        return self._retry(message, menu_prompt(node, s), node.on_fail)

    def _menu_timeout(self, _: object) -> list[a.Action]:
        node = self.node
        assert isinstance(node, m.Menu)
        prompt = menu_prompt(node, self.session)
        return self._retry(self.session.phrase("no_choice"), prompt, node.on_fail)

    def _gather_keys(self, keys: str) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Gather)
        for index, key in enumerate(keys):
            if node.terminator and key == node.terminator:
                s.typed_ahead = keys[index + 1 :] + s.typed_ahead
                return self._gather_done()
            s.entered += key
            if len(s.entered) >= node.max_digits:
                s.typed_ahead = keys[index + 1 :] + s.typed_ahead
                return self._gather_done()
        return []

    def _gather_timeout(self, _: object) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Gather)
        if s.entered:
            return self._gather_done()
        return self._retry(s.phrase("no_entry"), gather_prompt(node, s), node.on_fail)

    def _gather_done(self) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Gather)
        entered, s.entered = s.entered, ""
        ok = len(entered) >= node.min_digits and (
            node.valid is None or s.truth(node.valid, {"input": entered})
        )
        if ok:
            s.vars[node.into] = entered
            return [a.SetVar(node.into, entered), *self._go(node.next)]
        message = s.render(node.invalid) if node.invalid else s.phrase("invalid_entry")
        return self._retry(message, gather_prompt(node, s), node.on_fail)

    def _lookup_result(
        self, payload: tuple[Mapping[str, Any] | None, str | None]
    ) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Lookup)
        data, error = payload
        if error is not None or data is None:
            return self._go(node.on_error)
        record = plain_data(data)
        if node.into == "crm":
            s.crm = record
        else:
            s.vars[node.into] = record
        return [a.SetVar(node.into, record), *self._go(node.next)]

    def _lookup_timeout(self, _: object) -> list[a.Action]:
        node = self.node
        assert isinstance(node, m.Lookup)
        return self._go(node.on_error)

    def _callback_choice(self, keys: str) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Callback)
        if keys[:1] == "1":
            return self._book(None)
        if keys[:1] == "2":
            self.state, s.tries = RunState.CALLBACK_WINDOW, 0
            return self._window_prompt()
        return self._callback_retry(s.phrase("invalid_choice"))

    def _window_prompt(self) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Callback)
        s.window_keys = {}
        parts: list[str] = []
        for i, (window, start, end) in enumerate(open_windows(node, s), 1):
            label = s.render(window.label)
            s.window_keys[str(i)] = (start, end, label)
            parts.append(s.phrase("press", label=label[:1].upper() + label[1:], key=i))
        return [s.say(" ".join(parts)), a.CollectDigits(1, node.timeout_s)]

    def _callback_window(self, keys: str) -> list[a.Action]:
        chosen = self.session.window_keys.get(keys[:1])
        if chosen is not None:
            return self._book(chosen)
        return self._callback_retry(self.session.phrase("invalid_choice"))

    def _callback_timeout(self, _: object) -> list[a.Action]:
        return self._callback_retry(self.session.phrase("no_choice"))

    def _callback_retry(self, message: str) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Callback)
        s.tries += 1
        if s.tries > node.retries:  # the caller came here for a callback: book the soonest
            return self._book(None)
        if self.state is RunState.CALLBACK_WINDOW:
            return [s.say(message), *self._window_prompt()]
        return [s.say(message), *callback_prompt(node, s)]

    def _book(self, window: tuple[float, float, str] | None) -> list[a.Action]:
        node = self.node
        assert isinstance(node, m.Callback)
        step = book_callback(node, self.session, window)
        self.state = step.state
        return step.actions

    def _survey_keys(self, keys: str) -> list[a.Action]:
        node, s = self.node, self.session
        assert isinstance(node, m.Survey)
        key = keys[:1]
        if key.isdigit() and 1 <= int(key) <= node.scale:
            rating = a.SurveyRating(node.id, int(key), node.scale)
            self.state, self._after_speech = RunState.SPEAKING, node.next
            return [rating, s.say(s.phrase("survey_thanks"))]
        prompt = survey_prompt(node, s)
        return self._retry(s.phrase("invalid_choice"), prompt, node.next)

    def _survey_timeout(self, _: object) -> list[a.Action]:
        node = self.node
        assert isinstance(node, m.Survey)
        prompt = survey_prompt(node, self.session)
        return self._retry(self.session.phrase("no_choice"), prompt, node.next)

    def _agent_left(self, _: object) -> list[a.Action]:
        after = getattr(self.node, "after", None)
        return self._go(after) if after else self._finish("the agent ended the call")

    def _handoff_failed(self, reason: str) -> list[a.Action]:
        on_fail = getattr(self.node, "on_fail", None)
        return self._go(on_fail) if on_fail else self._finish(f"hand-over failed: {reason}")


S, In = RunState, Input
_TABLE: dict[tuple[RunState, Input], Callable[[FlowRun, Any], list[a.Action]]] = {
    (S.SPEAKING, In.SPEECH_DONE): FlowRun._speech_done,
    (S.MENU, In.DIGITS): FlowRun._menu_keys,
    (S.MENU, In.TIMEOUT): FlowRun._menu_timeout,
    (S.GATHER, In.DIGITS): FlowRun._gather_keys,
    (S.GATHER, In.TIMEOUT): FlowRun._gather_timeout,
    (S.LOOKUP, In.LOOKUP_RESULT): FlowRun._lookup_result,
    (S.LOOKUP, In.TIMEOUT): FlowRun._lookup_timeout,
    (S.CALLBACK_CHOICE, In.DIGITS): FlowRun._callback_choice,
    (S.CALLBACK_CHOICE, In.TIMEOUT): FlowRun._callback_timeout,
    (S.CALLBACK_WINDOW, In.DIGITS): FlowRun._callback_window,
    (S.CALLBACK_WINDOW, In.TIMEOUT): FlowRun._callback_timeout,
    (S.SURVEY, In.DIGITS): FlowRun._survey_keys,
    (S.SURVEY, In.TIMEOUT): FlowRun._survey_timeout,
    (S.HANDED_OFF, In.AGENT_LEFT): FlowRun._agent_left,
    (S.HANDED_OFF, In.HANDOFF_FAILED): FlowRun._handoff_failed,
}
