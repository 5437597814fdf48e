"""The contact centre's callbacks against the follow-up store, without phones.

Callbacks held again at start (`restore_callback`) are in the routing engine under their own
contact ids, with their tasks; when a caller is reached on another call (their tasks close),
the callbacks still held for those tasks are cancelled, so nobody calls a served caller again,
and the others stay.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from frontdesk.acd.states import ContactState
from frontdesk.clock import SystemClock
from frontdesk.config import load_demo_company
from frontdesk.followup import FollowupStore
from frontdesk.followup.held import HeldPlace
from frontdesk.sip.registrar import Registrar
from frontdesk.store.eventlog import open_engine
from frontdesk.telephony.contact_centre import ContactCentre
from frontdesk.telephony.followups import TaskFollowUps
from frontdesk.telephony.services import Services

SUSAN, TOM = "+447700900123", "+447700900456"


class Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, str | None, dict[str, Any]]] = []

    def append(self, at: float, kind: str, call_id: str | None, **data: Any) -> None:
        self.events.append((kind, call_id, data))


def test_a_caller_reached_elsewhere_is_not_called_back_and_the_others_still_are(
    tmp_path: Path,
) -> None:
    clock, log = SystemClock(), Log()
    store = FollowupStore(open_engine(tmp_path), clock)
    # Only what these paths use: the company, the clock, the log (no SIP, no media).
    services = Services(load_demo_company(), None, None, None, None, clock, log)  # type: ignore[arg-type]
    centre = ContactCentre(services, None, Registrar(), lambda *args: None)  # type: ignore[arg-type]
    followups = TaskFollowUps(store, services)
    followups.on_reached = centre.callers_reached
    services.followups = followups
    wall = clock.wall()
    for number, call in ((SUSAN, "call-susan"), (TOM, "call-tom")):
        place = HeldPlace(call, "parcels", number, wall - 60)
        store.add_callback(number, "parcels", "parcels", due_at=wall + 600, call_id=call,
                           place=place)  # fmt: skip
    # The restart: both held again.
    assert all(centre.restore_callback(held) for held in store.held_callbacks())
    engine = centre.engine
    assert engine.contact_state("call-susan") is ContactState.CALLBACK_WAITING
    restored = [call for kind, call, _ in log.events if kind == "callback.restored"]
    assert sorted(restored) == ["call-susan", "call-tom"]

    async def susan_calls_in_and_is_answered() -> None:
        followups.reached(SUSAN, "bob")
        for _ in range(100):  # the write, then its follow-up back on the loop
            await asyncio.sleep(0.01)
            if engine.contact_state("call-susan") is not ContactState.CALLBACK_WAITING:
                return

    asyncio.run(susan_calls_in_and_is_answered())
    followups.close()
    assert engine.contact_state("call-susan") is ContactState.CANCELLED
    assert engine.contact_state("call-tom") is ContactState.CALLBACK_WAITING
    closed = [d for kind, call, d in log.events if kind == "acd.closed" and call == "call-susan"]
    assert [d["outcome"] for d in closed] == ["cancelled"]
    # The engine is done with Susan's place: a later restart does not hold it again.
    assert [h.place.contact_id for h in store.held_callbacks()] == ["call-tom"]
