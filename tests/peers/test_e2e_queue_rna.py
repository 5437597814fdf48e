"""Ring-no-answer, end to end: an agent whose phone only rings loses the call to the next one.

alice has the best skill, so the routing engine offers her the caller first; her baresip rings
and is never picked up. After the queue's ring timeout Frontdesk cancels her ring (her phone
answers the CANCEL with 487), the engine records the miss and offers the caller to bob, whose
phone answers. Two more callers ring alice in turn and are missed too: after three misses in a
row the engine puts her on a break ("missed calls"), the engine's rule. All from the event log.
"""

from __future__ import annotations

import pytest
from test_e2e_queue_peers import Centre, running, start_centre

pytestmark = pytest.mark.peer

RING_S = 4.0


@pytest.fixture
def centre(tmp_path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    yield from running(
        start_centre(tmp_path, monkeypatch, ring=RING_S, strategy="best-skill", api=False)
    )


def _states(centre: Centre, agent: str) -> list[tuple[str, str]]:
    return [(str(e.data["new"]), str(e.data["reason"])) for e in centre.events("acd.agent_state")
            if e.data["agent_id"] == agent]  # fmt: skip


def test_an_unanswered_ring_goes_to_the_next_agent_and_three_misses_put_the_agent_on_break(
    centre: Centre,
) -> None:
    centre.phone("1001", answers=False)  # alice: rings, never answers
    centre.phone("1002")  # bob answers by himself
    centre.registered("1001", "1002")

    first = centre.caller("+447700900621")
    [connected] = centre.wait("bob taking the caller",
                              lambda: centre.events("call.connected", first.call_id))  # fmt: skip
    assert connected.data["agent"] == "bob"
    offers = [(e.at, e.data["agent_ids"]) for e in centre.events("acd.offered", first.call_id)]
    assert [agents for _, agents in offers] == [["alice"], ["bob"]], offers
    [missed] = centre.events("acd.offer_missed", first.call_id)
    assert missed.data["agent_id"] == "alice" and missed.data["misses_in_row"] == 1
    # The ring lasted the queue's ring timeout; then it was cancelled on alice's phone.
    assert RING_S - 0.5 <= missed.at - offers[0][0] <= RING_S + 2.0, (offers, missed.at)
    alice_legs = [e for e in centre.events("leg.dialled") if "1001" in str(e.data["target"])]
    [failed] = [e for e in centre.events("leg.failed") if e.call_id == alice_legs[0].call_id]
    assert failed.data["status"] == 487, failed.data  # Request Terminated: our CANCEL
    assert missed.at <= offers[1][0]
    # One miss: alice is free again (skipped for this caller only).
    assert ("available", f"missed {first.call_id}") in _states(centre, "alice")

    # Two more callers while bob is busy: each rings alice first, and each is missed.
    second = centre.caller("+447700900622")
    third = centre.caller("+447700900623")
    centre.wait("alice on a break after three misses",
                lambda: ("on-break", "missed calls") in _states(centre, "alice"),
                timeout=4 * RING_S + 20)  # fmt: skip
    misses = [e for e in centre.events("acd.offer_missed") if e.data["agent_id"] == "alice"]
    assert [e.data["misses_in_row"] for e in misses] == [1, 2, 3]
    assert {e.call_id for e in misses[1:]} == {second.call_id, third.call_id}
    assert not centre.events("acd.answered", second.call_id)  # still waiting for bob
