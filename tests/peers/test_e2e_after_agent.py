"""After the agent hangs up, a caller can stay in the flow (a survey, a goodbye): the live
calls list says where they are, keeps who took the call, and offers no agent leg to join.

`frontdesk serve` with the queue test company, whose queue goes on to a goodbye said to the
caller after the agent leaves; alice (a baresip that answers by itself) takes a sipp caller
and hangs up through her desk API; the caller hears the goodbye and Frontdesk ends the call.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_e2e_queue_peers import FLOWS, Centre, running, start_centre

pytestmark = pytest.mark.peer
CALLER = "+447700900611"  # Ofcom's drama range: never allocated
GOODBYE = (
    "Thank you for calling Queue Test. Before you go, we would like to say that every call"
    " helps us do better, and we hope to hear from you again soon. Goodbye."
)
AFTER_FLOWS = FLOWS.replace("after: bye", "after: thanks") + (
    f'    thanks: {{type: say, text: {{en: "{GOODBYE}"}}, next: bye}}\n'
)


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Centre]:
    yield from running(start_centre(tmp_path, monkeypatch, flows=AFTER_FLOWS))


def live_call(centre: Centre, call_id: str) -> dict[str, Any] | None:
    answer = centre.api("GET", "/api/calls/live")
    assert answer.status_code == 200, answer.text
    return next((c for c in answer.json() if c["call_id"] == call_id), None)


def test_a_caller_left_in_the_flow_by_the_agent_is_shown_after_the_agent(
    centre: Centre,
) -> None:
    centre.phone("1001")
    centre.registered("1001")
    caller = centre.caller(CALLER)  # waits for Frontdesk's BYE
    centre.wait("alice answering", lambda: centre.events("call.connected", caller.call_id))
    talking = centre.wait(
        "the call listed with alice's leg",
        lambda: (c := live_call(centre, caller.call_id)) and c["agent_leg"] and c,
    )
    assert talking["state"] == "connected" and talking["agent"] == "alice"
    assert talking["agent_name"] == "Alice"  # the company file's name, for the page

    assert centre.api("POST", "/api/desk/hangup").status_code == 200
    after = centre.wait(
        "the call listed after the agent",
        lambda: (c := live_call(centre, caller.call_id)) and c["state"] != "connected" and c,
    )
    assert after["state"] == "after_agent", after
    assert after["agent"] == "alice" and after["agent_leg"] is None and after["queue"] == "line"

    caller.finished(timeout=60)  # the goodbye is said, then Frontdesk hangs up
    [ended] = centre.wait("the end logged", lambda: centre.events("call.ended", caller.call_id))
    assert ended.data["reason"] == "flow_end", ended.data  # the flow ended it, not sipp
    [left] = centre.events("acd.call_ended", caller.call_id)
    assert ended.at - left.at > 5.0  # the goodbye (about 9 s of speech) was said meanwhile
    assert live_call(centre, caller.call_id) is None
