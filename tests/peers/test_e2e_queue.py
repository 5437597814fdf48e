"""A queue full of callers, end to end: positions announced, and a kept place called back first.

`frontdesk serve` on loopback with one agent (alice, a baresip that answers by itself) busy
with a first caller; three sipp callers queue behind. Each hears their position and expected
wait (the words from the event log, the sound from the call recording, which holds what sipp
echoed back, i.e. what reached it). The first of them presses the callback key (RFC 4733 from
sip-tester's pcap), hears the promised time and is hung up on. When alice frees up, her phone
rings first for the callback, then Frontdesk dials the customer through the trunk (a sipp UAS),
and only then is the next caller — who queued later — answered; the last caller's position
goes down from 3 to 1 meanwhile.
"""

from __future__ import annotations

import time

import pytest
from test_e2e_queue_peers import (
    Centre,
    centre,
    energy,
    heard_at,
    press,
    prompt_audio,
    recording_of,
)

pytestmark = pytest.mark.peer
__all__ = ["centre"]  # the fixture, imported for pytest

# Ofcom's drama range (07700 900xxx): never allocated to anyone.
FIRST, KEEPS_PLACE, SECOND, THIRD = (
    "+447700900601",
    "+447700900602",
    "+447700900603",
    "+447700900604",
)


def _announced(centre: Centre, call_id: str) -> list[dict[str, object]]:
    return [dict(e.data) for e in centre.events("call.queue_announced", call_id)]


def test_queued_callers_hear_positions_and_a_kept_place_is_called_back_ahead_of_later_callers(
    centre: Centre,
) -> None:
    centre.phone("1001")
    centre.registered("1001")
    customer = centre.customer(KEEPS_PLACE)
    talking = centre.caller(FIRST)
    centre.wait("alice answering the first caller",
                lambda: centre.events("call.connected", talking.call_id))  # fmt: skip

    keeper = centre.caller(KEEPS_PLACE, press("*", 5000))
    centre.wait("the second caller queued", lambda: centre.events("acd.queued", keeper.call_id))
    second = centre.caller(SECOND)
    centre.wait("the third caller queued", lambda: centre.events("acd.queued", second.call_id))
    third = centre.caller(THIRD)
    centre.wait("the fourth caller queued", lambda: centre.events("acd.queued", third.call_id))

    # Each caller hears their place at once, with an expected wait, and the callback key.
    for caller, position in ((keeper, 1), (second, 2), (third, 3)):
        first = centre.wait(f"{caller.number}'s first announcement",
                            lambda c=caller: _announced(centre, c.call_id))[0]  # fmt: skip
        assert first["position"] == position, first
        assert first["expected_wait"] is not None, first
        said = str(first["said"])
        assert "in line" in said and "We expect to answer you in" in said, said
        assert "press star" in said, said

    # The callback key: the promise is said, then Frontdesk hangs up; the task is stored.
    [promised] = centre.wait(
        "the callback promise", lambda: centre.events("call.callback_promised", keeper.call_id)
    )
    assert str(promised.data["said"]).startswith("Thank you. We will call you back at about")
    assert promised.data["task"] is not None
    keeper.finished()
    [requested] = centre.events("acd.callback_requested", keeper.call_id)
    assert requested.at <= promised.at

    # alice frees up: her phone rings first for the kept place, then the customer is dialled.
    assert centre.api("POST", "/api/desk/hangup").status_code == 200
    talking.finished()
    [connected] = centre.wait(
        "the callback connected", lambda: centre.events("acd.callback_connected", keeper.call_id)
    )
    assert connected.data["agent_id"] == "alice"
    [offered] = [e for e in centre.events("acd.offered", keeper.call_id) if e.data["callback"]]
    [dialled] = [e for e in centre.events("leg.dialled") if e.data["purpose"] == "callback"]
    assert offered.at <= dialled.at and KEEPS_PLACE in str(dialled.data["target"])
    time.sleep(2.0)  # alice and the customer talk a little
    assert centre.api("POST", "/api/desk/hangup").status_code == 200  # the callback is over
    # The customer heard alice (her phone plays a tone) through the bridge.
    centre.wait("the customer hearing alice", lambda: energy(customer) > 0.05, timeout=10)

    # Only then the next caller, who queued later, is answered; the last one moves up to 1.
    [answered] = centre.wait("the next caller answered",
                             lambda: centre.events("acd.answered", second.call_id))  # fmt: skip
    assert answered.data["agent_id"] == "alice" and connected.at < answered.at
    centre.wait("the last caller told they are next",
                lambda: [a for a in _announced(centre, third.call_id) if a["position"] == 1],
                timeout=40)  # fmt: skip
    positions = [a["position"] for a in _announced(centre, third.call_id)]
    assert positions[0] == 3 and positions[-1] == 1, positions
    assert positions == sorted(positions, reverse=True), positions
    entered = {e.call_id: e.data["entered_at"] for e in centre.events("acd.queued")}
    assert entered[keeper.call_id] < entered[second.call_id] < entered[third.call_id]

    # The sound reached the callers: each announcement and the promise are in what sipp
    # echoed back, in the order they were said.
    centre.server.stop()
    for caller in (second, third):
        caller.finished()
    heard = recording_of(centre, third.call_id)[:, 0]
    [announcement, *_] = _announced(centre, third.call_id)
    at, alike = heard_at(heard, prompt_audio(centre, str(announcement["said"]), "en-gb"))
    assert alike > 0.8, (at, alike)
    heard = recording_of(centre, keeper.call_id)[:, 0]
    said_first = _announced(centre, keeper.call_id)[0]
    at_first, _ = heard_at(heard, prompt_audio(centre, str(said_first["said"]), "en-gb"))
    at_promise, alike_promise = heard_at(
        heard, prompt_audio(centre, str(promised.data["said"]), "en-gb")
    )
    assert alike_promise > 0.8 and at_first < at_promise, (at_first, at_promise, alike_promise)
