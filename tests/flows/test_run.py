"""The interpreter, node type by node type: what the caller hears, which keys do what, where
the call ends up. Runs are driven by hand, as telephony would drive them."""

from __future__ import annotations

import datetime as dt

import pytest
from flowcase import LONDON, WEDNESDAY_10AM, clock_at, flow_of, start_run

from frontdesk.flows import FlowRun, FlowRunError, RunState, call_context
from frontdesk.flows import actions as a
from frontdesk.flows import model as m
from frontdesk.flows.hours import Schedule

HEAD = "main:\n  timezone: Europe/London\n  languages: [en, fr]\n  nodes:\n"


def flow(nodes: str) -> str:
    return HEAD + "".join(f"    {line}\n" for line in nodes.strip().splitlines())


def says(actions: list[a.Action]) -> list[str]:
    return [x.text for x in actions if isinstance(x, a.Say)]


def test_say_waits_for_the_speech_then_goes_on() -> None:
    run = start_run(
        flow("""
hi: {type: say, text: 'Hello {caller.first_name|there}.', next: bye, voice: en-gb-x-rp}
bye: {type: hangup, reason: done}
"""),
        crm={"name": "Susan Clarke"},
    )
    assert run.start() == [a.Say("Hello Susan.", "en", "en-gb-x-rp")]
    assert run.state is RunState.SPEAKING
    assert run.speech_done() == [a.Hangup("done")]
    assert run.state is RunState.FINISHED
    assert run.path == ["hi", "bye"]


def test_play_renders_the_file_name_in_the_callers_language() -> None:
    run = start_run(
        flow("""
music: {type: play, file: 'prompts/{language}/welcome.wav', next: bye}
bye: {type: hangup}
"""),
        number="+33612345678",
    )
    assert run.start() == [a.Play("prompts/fr/welcome.wav")]


MENU = flow("""
m:
  type: menu
  prompt: {en: 'Choose.', fr: 'Choisissez.'}
  retries: 1
  options:
    - {label: {en: For parcels, fr: Pour les colis}, goto: parcels}
    - {label: {en: For freight, fr: Pour le fret}, if: '"freight" in crm.services', goto: freight}
    - {label: {en: For billing, fr: Pour la facturation}, goto: billing}
  on_fail: operator
parcels: {type: queue, queue: parcels}
freight: {type: queue, queue: freight}
billing: {type: queue, queue: billing}
operator: {type: transfer, number: '+442079460000'}
""")


def test_menu_offers_only_the_options_whose_condition_holds_and_numbers_them() -> None:
    seller = start_run(MENU, crm={"services": ["freight"]})
    assert says(seller.start()) == [
        "Choose. For parcels, press 1. For freight, press 2. For billing, press 3."
    ]
    other = start_run(MENU, crm={"services": ["parcels"]})
    assert says(other.start()) == ["Choose. For parcels, press 1. For billing, press 2."]
    assert other.digits("2")[0] == a.Enqueue("billing", (), 0, None, "en")


def test_menu_speaks_french_to_a_french_number() -> None:
    run = start_run(MENU, number="+33612345678")
    assert says(run.start()) == [
        "Choisissez. Pour les colis, tapez 1. Pour la facturation, tapez 2."
    ]
    assert run.language == "fr"


def test_menu_retries_then_takes_on_fail() -> None:
    run = start_run(MENU)
    first = run.start()
    assert isinstance(first[-1], a.CollectDigits) and first[-1].max_digits == 1
    again = run.digits("7")
    assert says(again)[0] == "Sorry, that is not one of the choices."
    assert isinstance(again[-1], a.CollectDigits)
    assert run.timeout() == [a.Transfer("number", "+442079460000")]
    assert run.state is RunState.HANDED_OFF


def test_keys_typed_during_a_greeting_answer_the_next_menu() -> None:
    run = start_run(
        flow("""
hi: {type: say, text: Welcome, next: m}
m: {type: menu, on_fail: bye, options: [{label: x, goto: q}, {label: y, goto: bye}]}
q: {type: queue, queue: q}
bye: {type: hangup}
""")
    )
    run.start()
    assert run.digits("1") == []  # kept for the menu
    assert run.speech_done() == [a.Enqueue("q", (), 0, None, "en")]


GATHER = flow("""
ask:
  type: gather
  prompt: Type your account number, then hash.
  into: account
  min_digits: 4
  max_digits: 12
  valid: luhn(input)
  retries: 1
  next: found
  on_fail: operator
found: {type: say, text: 'Account {digits_text(vars.account)}.', next: bye}
operator: {type: queue, queue: general}
bye: {type: hangup}
""")


def test_gather_collects_until_the_terminator_and_validates() -> None:
    run = start_run(GATHER)
    assert run.start()[-1] == a.CollectDigits(12, 5.0, "#")
    assert run.digits("7992") == []
    # 79927398713: the worked example of a valid number in the Luhn algorithm's usual write-ups
    after = run.digits("7398713#")
    assert after[0] == a.SetVar("account", "79927398713")
    assert says(after) == ["Account 7 9 9 2 7 3 9 8 7 1 3."]
    assert run.vars["account"] == "79927398713"


def test_gather_stops_at_max_digits_and_refuses_a_bad_check_digit() -> None:
    run = start_run(GATHER)
    run.start()
    retry = run.digits("799273987140")  # 12 digits: complete, but the check digit is wrong
    assert says(retry)[:2] == [
        "Sorry, that number is not valid.",
        "Type your account number, then hash.",
    ]
    assert run.digits("12#") == [
        a.Enqueue("general", (), 0, None, "en")
    ]  # too short, no tries left


def test_gather_takes_what_was_typed_when_the_caller_stops() -> None:
    run = start_run(GATHER)
    run.start()
    run.digits("79927398713")
    assert says(run.timeout()) == ["Account 7 9 9 2 7 3 9 8 7 1 3."]


def test_gather_silence_asks_again() -> None:
    run = start_run(GATHER)
    run.start()
    assert says(run.timeout())[0] == "Sorry, I did not hear any digits."


LOOKUP = flow("""
ask: {type: gather, prompt: 'Account?', into: account, next: find, on_fail: bye, max_digits: 4}
find: {type: lookup, source: crm, key: '{vars.account}', into: crm, next: hello, on_error: sorry}
hello: {type: say, text: 'Hello {caller.first_name}.', next: bye}
sorry: {type: say, text: Not found., next: bye}
bye: {type: hangup}
""")


def test_crm_lookup_by_gathered_account_replaces_the_callers_record() -> None:
    run = start_run(LOOKUP, number="anonymous")
    run.start()
    assert run.digits("1234") == [a.SetVar("account", "1234"), a.Lookup("crm", "1234", 3.0)]
    assert run.state is RunState.LOOKUP
    found = run.lookup_result({"name": "Raj Patel", "since": dt.date(2020, 1, 2)})
    assert found[0] == a.SetVar("crm", {"name": "Raj Patel", "since": "2020-01-02"})
    assert says(found) == ["Hello Raj."]


@pytest.mark.parametrize("how", ["nothing", "error", "timeout"])
def test_lookup_falls_back_when_nothing_comes(how: str) -> None:
    run = start_run(LOOKUP)
    run.start()
    run.digits("1234")
    if how == "nothing":
        actions = run.lookup_result(None)
    elif how == "error":
        actions = run.lookup_result(error="HTTP 503")
    else:
        actions = run.timeout()
    assert says(actions) == ["Not found."]
    assert run.lookup_result({"late": True}) == []  # a late answer changes nothing


def test_http_lookup_sends_the_rendered_url() -> None:
    run = start_run(
        flow("""
find: {type: lookup, source: http, url: 'https://x.invalid/c/{caller.country}', into: info,
       timeout_s: 1.5, next: tell, on_error: bye}
tell: {type: say, text: 'Status {vars.info.status}.', next: bye}
bye: {type: hangup}
""")
    )
    assert run.start() == [a.Lookup("http", "https://x.invalid/c/GB", 1.5)]
    assert says(run.lookup_result({"status": "ok"})) == ["Status ok."]


def test_branch_takes_the_first_case_that_holds() -> None:
    text = flow("""
b:
  type: branch
  cases:
    - {if: 'crm.tier == "gold" and days_since(crm.since) > 365', goto: vip}
    - {if: 'crm.tier in ["gold", "silver"]', goto: good}
  else: rest
vip: {type: hangup, reason: vip}
good: {type: hangup, reason: good}
rest: {type: hangup, reason: rest}
""")
    since_long = {"tier": "gold", "since": "2020-01-01"}
    assert start_run(text, crm=since_long).start() == [a.Hangup("vip")]
    assert start_run(text, crm={"tier": "gold", "since": "2025-05-01"}).start() == [
        a.Hangup("good")
    ]
    assert start_run(text, crm={}).start() == [a.Hangup("rest")]


HOURS = flow("""
h:
  type: hours
  weekly: {weekdays: '08:00-18:00', sat: '09:00-13:00', sun: closed}
  holidays: [2025-12-25]
  open: o
  closed: c
o: {type: hangup, reason: open}
c: {type: hangup, reason: closed}
""")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2025, 5, 14, 8, 0), "open"),  # opens at 08:00 sharp
        (dt.datetime(2025, 5, 14, 17, 59), "open"),
        (dt.datetime(2025, 5, 14, 18, 0), "closed"),  # ranges are half-open
        (dt.datetime(2025, 5, 17, 12, 30), "open"),  # Saturday
        (dt.datetime(2025, 5, 18, 12, 30), "closed"),  # Sunday
        (dt.datetime(2025, 12, 25, 10, 0), "closed"),  # holiday on a Thursday
    ],
)
def test_hours_decide_on_local_wall_time(moment: dt.datetime, expected: str) -> None:
    run = start_run(HOURS, moment=moment.replace(tzinfo=LONDON))
    assert run.start() == [a.Hangup(expected)]


def test_hours_follow_daylight_saving_in_the_schedules_zone() -> None:
    # 2025-03-31 07:30 UTC is 08:30 BST (UK clocks went forward on 30 March): open.
    schedule = Schedule("Europe/London", tuple(((480, 1080),) for _ in range(7)))
    utc = dt.datetime(2025, 3, 31, 7, 30, tzinfo=dt.UTC).timestamp()
    assert schedule.is_open(utc)
    assert not schedule.is_open(dt.datetime(2025, 3, 28, 7, 30, tzinfo=dt.UTC).timestamp())


def test_set_evaluates_in_order_and_reports_each_variable() -> None:
    run = start_run(
        flow("""
s: {type: set, vars: {n: 'len(crm.cases)', two: 'vars.n * 2', language: '"fr"'}, next: t}
t: {type: say, text: {en: 'n={vars.two}', fr: 'n vaut {vars.two}'}, next: bye}
bye: {type: hangup}
"""),
        crm={"cases": [1, 2, 3]},
    )
    actions = run.start()
    assert actions[:3] == [a.SetVar("n", 3), a.SetVar("two", 6), a.SetVar("language", "fr")]
    assert actions[3] == a.Say("n vaut 6", "fr", "fr")  # setting `language` switches language


def test_queue_carries_skills_priority_preferred_agent_and_language() -> None:
    run = start_run(
        flow("""
q: {type: queue, queue: '{crm.account.team}', skills: {parcels: 3, billing: 1},
    priority: 'crm.vip * 20 + 5', preferred_agent: '{crm.account.owner}', after: survey}
survey: {type: survey, next: bye, scale: 5}
bye: {type: hangup, reason: surveyed}
"""),
        number="+33612345678",
        crm={"vip": 1, "account": {"team": "key", "owner": "bob"}},
    )
    assert run.start() == [a.Enqueue("key", (("parcels", 3), ("billing", 1)), 25, "bob", "fr")]
    survey = run.agent_left()
    assert says(survey) == ["Sur une échelle de 1 à 5, êtes-vous satisfait de cet appel ?"]
    assert run.digits("9")[0] == a.Say("Désolé, ce choix n'est pas proposé.", "fr", "fr")
    rated = run.digits("4")
    assert rated[0] == a.SurveyRating("survey", 4, 5)
    assert run.speech_done() == [a.Hangup("surveyed")]


def test_survey_silence_moves_on_without_a_rating() -> None:
    run = start_run(
        flow("""
survey: {type: survey, next: bye, retries: 0}
bye: {type: hangup}
""")
    )
    run.start()
    assert run.timeout() == [a.Hangup("flow finished")]


def test_voicemail_speaks_the_promise_then_records() -> None:
    run = start_run(
        flow("""
vm: {type: voicemail, team: parcels, max_s: 60,
    promise: 'We call back by noon, {caller.first_name|}.'}
"""),
        crm={"first_name": "Tom"},
    )
    promise = "We call back by noon, Tom."
    assert run.start() == [a.Say(promise, "en", "en"), a.Voicemail("parcels", promise, 60)]
    assert run.state is RunState.FINISHED
    assert run.digits("1") == []


CALLBACK = flow("""
cb:
  type: callback
  queue: parcels
  retries: 1
  windows:
    - {label: this morning between 9 and 11, day: today, from: '09:00', to: '11:00'}
    - {label: this afternoon between 2 and 4, day: today, from: '14:00', to: '16:00'}
    - {label: tomorrow morning, day: tomorrow, from: '09:00', to: '12:00'}
""")


def test_callback_as_soon_as_possible() -> None:
    run = start_run(CALLBACK)
    assert says(run.start()) == [
        "To be called back as soon as possible, press 1. To choose a time, press 2."
    ]
    booked = run.digits("1")
    assert booked[1] == a.BookCallback("parcels", "+447700900123", "en")
    assert booked[2] == a.Hangup("callback booked")


def test_callback_in_a_window_offers_only_windows_not_over() -> None:
    at_noon = WEDNESDAY_10AM.replace(hour=12)
    run = start_run(CALLBACK, moment=at_noon)
    run.start()
    listed = run.digits("2")
    assert says(listed) == ["This afternoon between 2 and 4, press 1. Tomorrow morning, press 2."]
    booked = run.digits("2")
    start = dt.datetime(2025, 5, 15, 9, 0, tzinfo=LONDON).timestamp()
    end = dt.datetime(2025, 5, 15, 12, 0, tzinfo=LONDON).timestamp()
    assert booked[1] == a.BookCallback("parcels", "+447700900123", "en", start, end)
    assert says(booked) == ["Thank you. We will call you back tomorrow morning."]


def test_callback_retries_then_books_the_soonest() -> None:
    run = start_run(CALLBACK)
    run.start()
    run.digits("2")
    assert says(run.digits("9"))[0] == "Sorry, that is not one of the choices."
    assert run.timeout()[1] == a.BookCallback("parcels", "+447700900123", "en")


def test_callback_with_every_window_over_books_at_once() -> None:
    late = WEDNESDAY_10AM.replace(hour=23)
    text = CALLBACK.replace(
        "- {label: tomorrow morning, day: tomorrow, from: '09:00', to: '12:00'}", ""
    )
    run = start_run(text, moment=late)
    assert run.start()[1] == a.BookCallback("parcels", "+447700900123", "en")


def test_transfer_failure_goes_to_on_fail_and_agent_leaving_to_after() -> None:
    text = flow("""
t: {type: transfer, agent: '{crm.owner}', on_fail: vm, after: bye}
vm: {type: voicemail, team: sales, promise: Leave a message.}
bye: {type: hangup, reason: after transfer}
""")
    run = start_run(text, crm={"owner": "alice"})
    assert run.start() == [a.Transfer("agent", "alice")]
    assert run.handoff_failed("no answer")[-1] == a.Voicemail("sales", "Leave a message.", 120)
    other = start_run(text, crm={"owner": "alice"})
    other.start()
    assert other.agent_left() == [a.Hangup("after transfer")]


def test_forward_to_an_agents_mobile_or_a_number() -> None:
    by_agent = start_run(
        flow("f: {type: forward, agent: '{crm.owner}', ring_s: 15}"), crm={"owner": "bob"}
    )
    assert by_agent.start() == [a.Forward(None, "bob", 15)]
    assert by_agent.handoff_failed("busy") == [a.Hangup("hand-over failed: busy")]
    by_number = start_run(flow("f: {type: forward, number: '+447700900001'}"))
    assert by_number.start() == [a.Forward("+447700900001", None, 25)]
    assert by_number.agent_left() == [a.Hangup("the agent ended the call")]


def test_team_transfer_and_hangup() -> None:
    assert start_run(flow("t: {type: transfer, team: billing}")).start() == [
        a.Transfer("team", "billing")
    ]
    assert start_run(flow("h: {type: hangup, reason: bye}")).start() == [a.Hangup("bye")]


def test_a_run_starts_once_and_needs_starting() -> None:
    run = start_run(flow("h: {type: hangup}"))
    with pytest.raises(FlowRunError, match="before start"):
        run.digits("1")
    run.start()
    with pytest.raises(FlowRunError, match="already started"):
        run.start()


def test_a_loop_without_input_is_cut_short() -> None:
    # The validator refuses such flows; a run built by hand must still never spin forever.
    nodes: dict[str, m.Node] = {
        "b": m.Branch("b", 1, (), "c"),
        "c": m.SetVars("c", 2, (), "b"),
    }
    looping = m.Flow("main", 1, "b", nodes)
    run = FlowRun(looping, call_context("+447700900123", None, ("en",)), clock_at())
    assert run.start() == [a.Hangup("the flow went round without ending")]
    assert run.state is RunState.FINISHED


def test_flow_of_helper_reads_languages() -> None:
    assert flow_of(MENU).languages == ("en", "fr")
