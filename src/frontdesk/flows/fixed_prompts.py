"""The sentences a flow says the same way to every caller, so they can be made before any call.

A `say` or `gather` whose words hold no placeholder, and a menu whose options have no
condition and whose words hold no placeholder, sound the same to every caller of a language.
The server synthesises them when it starts (docs/calls.md), so the first caller of the day
does not wait for speech synthesis. The sentences are built by the same step functions the
flow runner uses, so they match what a call will ask for word for word.
"""

from __future__ import annotations

from frontdesk.clock import ManualClock
from frontdesk.flows import actions as a
from frontdesk.flows import model as m
from frontdesk.flows.context import CallContext, Caller
from frontdesk.flows.session import Session
from frontdesk.flows.steps import gather_prompt, menu_prompt
from frontdesk.flows.template import Placeholder, Template


def fixed_prompts(flow: m.Flow) -> list[a.Say]:
    """Every fixed sentence of `flow`, in each of its languages, once."""
    found: dict[tuple[str, str, str], a.Say] = {}
    for language in flow.languages:
        context = CallContext(Caller("", "", "", language), vars={"language": language})
        session = Session(flow, context, ManualClock())  # fixed words never read the time
        for node in flow.nodes.values():
            for say in _fixed(node, session, language, flow.default_language):
                found.setdefault((say.text, say.language, say.voice), say)
    return [say for say in found.values() if say.text]


def _fixed(node: m.Node, s: Session, language: str, default: str) -> list[a.Say]:
    if isinstance(node, m.Say) and _plain(node.text, language, default):
        return [s.say(s.render(node.text), node.voice)]
    if isinstance(node, m.Gather) and _plain(node.prompt, language, default):
        return _says(gather_prompt(node, s))
    if isinstance(node, m.Menu) and _fixed_menu(node, language, default):
        s.offered = [(o.key or str(i), o) for i, o in enumerate(node.options, 1)]
        return _says(menu_prompt(node, s))
    return []


def _fixed_menu(node: m.Menu, language: str, default: str) -> bool:
    if node.prompt is not None and not _plain(node.prompt, language, default):
        return False
    return all(o.condition is None and _plain(o.label, language, default) for o in node.options)


def _plain(text: m.Text, language: str, default: str) -> bool:
    template: Template = text.pick(language, default)
    return not any(isinstance(part, Placeholder) for part in template.parts)


def _says(actions: list[a.Action]) -> list[a.Say]:
    return [action for action in actions if isinstance(action, a.Say)]
