"""The sentences made at server start are exactly those a call asks for, and only fixed ones.

Each case runs the real interpreter for callers of both languages and compares what it says
with what `fixed_prompts` lists: a sentence a call says that is listed saves that call a
synthesis; a sentence with a placeholder or a conditional option must not be listed (it
would be made for nobody)."""

from __future__ import annotations

from flowcase import flow_of, start_run

from frontdesk.config.loader import load_demo_setup
from frontdesk.flows import actions as a
from frontdesk.flows.fixed_prompts import fixed_prompts

FLOW = """
main:
  timezone: Europe/London
  languages: [en, fr]
  nodes:
    hi: {type: say, text: {en: 'Welcome.', fr: 'Bienvenue.'}, next: name}
    name: {type: say, text: 'Hello {caller.first_name|there}.', next: m}
    m:
      type: menu
      prompt: {en: 'Choose.', fr: 'Choisissez.'}
      options:
        - {label: {en: For parcels, fr: Pour les colis}, goto: ask}
        - {label: {en: For billing, fr: Pour la facturation}, goto: bye}
      on_fail: bye
    ask: {type: gather, prompt: {en: 'Type your number.', fr: 'Tapez votre numéro.'}, into: n, max_digits: 4, next: picky, on_fail: bye}
    picky:
      type: menu
      prompt: 'Again.'
      options:
        - {label: For freight, if: '"freight" in crm.services', goto: bye}
        - {label: For post, goto: bye}
      on_fail: bye
    bye: {type: hangup}
"""  # noqa: E501


def heard(number: str) -> list[a.Say]:
    """Every sentence a caller from `number` hears walking hi → m (1) → ask (1234) → picky."""
    run = start_run(FLOW, number=number, crm={"name": "Susan Clarke", "services": ["freight"]})
    said = [*run.start(), *run.speech_done(), *run.speech_done(), *run.digits("1")]
    said += run.digits("1234")
    return [x for x in said if isinstance(x, a.Say)]


def test_the_fixed_sentences_are_the_ones_calls_say_word_for_word() -> None:
    fixed = set(fixed_prompts(flow_of(FLOW)))
    for number, language in (("+447700900123", "en"), ("+33612345678", "fr")):
        said = heard(number)
        assert [s.language for s in said] == [language] * len(said)
        welcome, hello, menu, gather, picky = said
        assert {welcome, menu, gather} <= fixed, (said, fixed)
        assert hello not in fixed and picky not in fixed
        assert hello.text == "Hello Susan."
    assert len(fixed) == 6  # three sentences in each of two languages, nothing else


def test_the_demo_company_greets_and_closes_with_fixed_sentences() -> None:
    setup = load_demo_setup()
    fixed = [say for flow in setup.flows.flows.values() for say in fixed_prompts(flow)]
    assert fixed, "the demo's flows have sentences every caller hears the same way"
    assert all(say.text and "{" not in say.text for say in fixed)
