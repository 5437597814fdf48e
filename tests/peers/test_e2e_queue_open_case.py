"""The demo line, end to end: a caller with an unresolved case hears it offered first.

`frontdesk serve` with the built-in demo company (its flows and CRM data); Priya Shah's parcel
enquiry from yesterday is still open. What the flow should say is taken from the flow walker
(`frontdesk flow test`'s engine), independently of the live call; the live call must have
made exactly that sentence (the prompt cache holds it) and the caller must have heard it (the
recording's caller channel is what sipp echoed back), after the greeting. Pressing 1 (RFC 4733
from sip-tester's pcap) puts the caller in the queue the flow names, with its priority, and
alice's phone (baresip, answering by itself) takes the call.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_e2e_queue_peers import (
    Centre,
    heard_at,
    press,
    prompt_audio,
    recording_of,
    running,
    start_serving,
)

from frontdesk.clock import ManualClock
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.flows import actions as a
from frontdesk.flows.loader import load_demo_flows
from frontdesk.flows.walk import walk
from frontdesk.flows.walk_data import walk_crm

pytestmark = pytest.mark.peer
CALLER = DEMO_CALLERS["open_parcel_case"]


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Centre]:
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 200}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    yield from running(Centre(start_serving(tmp_path), tmp_path))


def expected_prompts() -> tuple[a.Say, a.Say, a.Enqueue]:
    """What the demo flow says to this caller and where 1 takes them, walked without a phone."""
    flow = load_demo_flows().flows["main"]
    moment = dt.datetime.now(ZoneInfo(flow.timezone))
    with walk_crm(moment, ZoneInfo(flow.timezone)) as crm:
        done = walk(flow, CALLER, ["1"], crm, ManualClock(wall_offset=moment.timestamp()))
    says = [x for x in done.actions if isinstance(x, a.Say)]
    [queued] = [x for x in done.actions if isinstance(x, a.Enqueue)]
    return says[0], says[1], queued


def test_an_open_case_is_the_first_option_and_pressing_1_routes_as_the_flow_says(
    demo: Centre,
) -> None:
    greeting, menu, queued = expected_prompts()
    # The flow itself: the case is said first, and its option is the first one offered.
    assert menu.text.startswith("We see your parcel enquiry"), menu.text
    assert menu.text.index("press 1") < menu.text.index("press 2"), menu.text

    demo.phone("1001")
    demo.registered("1001")
    # The recording notice, the greeting and the case take about 9 s, the options 4 s more;
    # a key pressed while a prompt plays cuts it short (and one pressed early is kept for the
    # menu), so 1 comes once the case has surely been said, before the menu gives up.
    caller = demo.caller(CALLER, press("1", 13000))
    [answered] = demo.wait("alice answering", lambda: demo.events("acd.answered", caller.call_id),
                           timeout=45)  # fmt: skip
    assert answered.data["agent_id"] == "alice"
    [entered] = demo.events("acd.queued", caller.call_id)
    assert (entered.data["queue"], entered.data["priority"]) == (queued.queue, queued.priority)
    demo.wait("the call connected", lambda: demo.events("call.connected", caller.call_id))

    demo.server.stop()
    caller.finished()
    heard = recording_of(demo, caller.call_id)[:, 0]
    voice = "en-gb"  # the demo flow's English voice
    at_greeting, alike_greeting = heard_at(heard, prompt_audio(demo, greeting.text, voice))
    # The case sentence (the menu's first seconds: a key may cut the rest short).
    case = prompt_audio(demo, menu.text, voice)[: 8000 * 3]
    at_case, alike_case = heard_at(heard, case)
    assert alike_greeting > 0.8 and alike_case > 0.8, (alike_greeting, alike_case)
    assert at_greeting < at_case, (at_greeting, at_case)
