"""The changing part of one flow run: variables, language, keys typed ahead, retry counts —
and the rendering of texts and expressions against the caller's data at the clock's time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.clock import Clock
from frontdesk.flows import actions as a
from frontdesk.flows import phrases
from frontdesk.flows.context import CallContext
from frontdesk.flows.evaluate import evaluate
from frontdesk.flows.expr import Expr
from frontdesk.flows.functions import Now
from frontdesk.flows.model import Flow, MenuOption, Text
from frontdesk.flows.template import Template

_SPACES = re.compile(r"\s+")
_SPACE_BEFORE = re.compile(r"\s+([,.])")


def tidy(text: str) -> str:
    """Cleans what empty placeholders leave behind: doubled spaces, a space before a comma."""
    return _SPACE_BEFORE.sub(r"\1", _SPACES.sub(" ", text)).strip()


class Session:
    def __init__(self, flow: Flow, context: CallContext, clock: Clock) -> None:
        self.flow, self.context, self.clock = flow, context, clock
        self.vars: dict[str, Any] = dict(context.vars)
        self.crm: Mapping[str, Any] = context.crm
        self.typed_ahead = ""  # keys pressed while nothing was being collected
        self.entered = ""  # keys collected so far by a gather
        self.tries = 0  # failed attempts at the current question
        self.offered: list[tuple[str, MenuOption]] = []  # the current menu, as this caller hears it
        self.window_keys: dict[str, tuple[float, float, str]] = {}  # callback windows by key

    @property
    def language(self) -> str:
        chosen = self.vars.get("language")
        if isinstance(chosen, str) and chosen in self.flow.languages:
            return chosen
        return self.context.caller.language

    def now(self) -> Now:
        local = dt.datetime.fromtimestamp(self.clock.wall(), ZoneInfo(self.flow.timezone))
        return Now(local, self.language)

    def names(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        names: dict[str, Any] = {
            "caller": self.context.caller_fields(self.crm),
            "crm": self.crm,
            "vars": self.vars,
            "language": self.language,
        }
        if extra:
            names.update(extra)
        return names

    def value(self, expr: Expr, extra: Mapping[str, Any] | None = None) -> Any:
        return evaluate(expr, self.names(extra), self.now())

    def truth(self, expr: Expr, extra: Mapping[str, Any] | None = None) -> bool:
        return bool(self.value(expr, extra))

    def render(self, text: Text | Template) -> str:
        if isinstance(text, Text):
            text = text.pick(self.language, self.flow.default_language)
        return tidy(text.render(self.names(), self.now()))

    def say(self, text: str, voice: str | None = None) -> a.Say:
        return a.Say(text, self.language, voice or self.flow.voice(self.language))

    def phrase(self, name: str, **values: object) -> str:
        return phrases.text(self.language, name, **values)

    def take_typed_ahead(self) -> str:
        keys, self.typed_ahead = self.typed_ahead, ""
        return keys
