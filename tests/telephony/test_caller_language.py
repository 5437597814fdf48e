"""A caller waits for an agent who speaks their language only when one could exist: someone
who may answer the queue (its team and skills) speaks it in the company file. Otherwise the
first free agent with the skills takes them at once (telephony/queues.py, caller_language).

The demo company: alice (en, fr) and chloe (fr, en) serve parcels; bob speaks English only.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from centre_rig import Rig

from frontdesk.config import load_demo_company
from frontdesk.config.company import Company
from frontdesk.telephony.queues import CallerLanguages, caller_language

DEMO = load_demo_company()


def _queue(company: Company, name: str):  # type: ignore[no-untyped-def]
    queue = company.queue(name)
    assert queue is not None
    return queue


def test_the_language_is_kept_only_if_someone_who_may_answer_speaks_it() -> None:
    parcels, freight = _queue(DEMO, "parcels"), _queue(DEMO, "freight")
    assert caller_language(DEMO, parcels, "fr") == "fr"  # alice, chloe
    assert caller_language(DEMO, parcels, "de") == ""  # nobody speaks German
    # freight needs freight >= 2: only alice, who speaks French too
    assert caller_language(DEMO, freight, "fr") == "fr"
    only_bob = replace(DEMO, agents=tuple(a for a in DEMO.agents if a.id == "bob"))
    assert caller_language(only_bob, _queue(only_bob, "parcels"), "fr") == ""
    # a French speaker without the queue's skills cannot take the caller either
    unskilled = tuple(replace(a, skills=()) if "fr" in a.languages else a for a in DEMO.agents)
    assert caller_language(replace(DEMO, agents=unskilled), parcels, "fr") == ""


def test_a_german_caller_rings_bob_at_once_a_french_one_waits_for_a_french_speaker(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    try:
        rig.log_in("bob")
        rig.queue_caller("call-de", "+4930123456", language="de")
        assert rig.dialer.ringing(rig.phone_of("bob"))  # nobody speaks German: bob, now
        assert rig.centre.engine.contacts["call-de"].spec.language == ""
    finally:
        rig.close()
    rig = Rig(tmp_path / "fr")
    try:
        rig.log_in("bob")
        rig.queue_caller("call-fr", "+33612345678", language="fr")
        engine = rig.centre.engine
        # alice and chloe speak French (logged out now): the caller waits for one of them
        assert engine.contacts["call-fr"].offered_to == ()
        rig.clock.advance(121)  # language_for_s (120 s) later, anyone with the skills
        rig.centre.tick(rig.clock.now())
        assert rig.dialer.ringing(rig.phone_of("bob"))
    finally:
        rig.close()


def test_the_languages_are_worked_out_again_for_a_reloaded_company() -> None:
    languages = CallerLanguages()
    assert languages.waits_for(DEMO, "parcels", "de") == ""
    assert languages.waits_for(DEMO, "parcels", "fr") == "fr"
    german_bob = tuple(
        replace(a, languages=("en", "de")) if a.id == "bob" else a for a in DEMO.agents
    )
    reloaded = replace(DEMO, agents=german_bob)  # what a reload of an edited file gives
    assert languages.waits_for(reloaded, "parcels", "de") == "de"
    assert languages.waits_for(reloaded, "no-such-queue", "de") == "de"  # left to the engine
