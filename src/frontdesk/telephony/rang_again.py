"""A caller who kept their place for a callback rings again before we called them back.

They must not hold two places. The new call takes over the kept place: it joins the same queue
with the place's entry time (so it is where the place was, ahead of everyone who rang after
the caller first did), and the engine's virtual contact for the place is cancelled. The
caller is on the line now; calling them back later, or at the same time on another agent's
phone, would be wrong. It is what the routing engine already does for a caller who hung up
and rings again within the resume window (acd.md), and what callback products call "the
customer called in": the callback is withdrawn, their turn is not lost.

The place is not given up in the store: until the new call has an agent, the task and its
place stay written, so a restart (which drops the live call) still calls the caller back. How
the new call ends settles it:

* answered by an agent: the caller was reached (their tasks close) — the place is released;
* they pressed the callback key again: the new kept place replaces the old one in the store;
* any other end (hung up while waiting, voicemail, the line dropped) before anyone talked
  with them: the engine holds the place again, with its original entry time and attempts,
  under `<call id>:callback` (the first contact id is used up), and the stored row moves to
  that id; the promise made on the first call stands.

Only a place kept in the same queue is taken over, and only while the engine is not already
dialling the caller (then the dial goes on; answered on the new call, their task closes and a
failed dial is not retried). Booked callbacks (a promised time) are appointments: a new call
queues as usual, and if answered the booking is cancelled as its task closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from frontdesk.acd.errors import AcdError
from frontdesk.acd.records import ContactRecord
from frontdesk.acd.states import ContactState
from frontdesk.followup.held import HeldCallback, HeldPlace
from frontdesk.telephony.followups import restore_into

if TYPE_CHECKING:
    from frontdesk.telephony.contact_centre import ContactCentre
    from frontdesk.telephony.conversation import InboundCall

# A kept place a new call may take over: in line, ringing an agent first, or waiting to retry.
_TAKEN_FROM = frozenset({ContactState.CALLBACK_WAITING, ContactState.CALLBACK_OFFERED,
                         ContactState.CALLBACK_SCHEDULED})  # fmt: skip
# The new call left a callback of its own (the key again): nothing to give back.
_KEPT_AGAIN = frozenset({*_TAKEN_FROM, ContactState.CALLBACK_DIALING,
                         ContactState.CALLBACK_CONNECTED})  # fmt: skip
WHY = "the caller rang again: their new call holds the place"


@dataclass(slots=True)
class Carried:
    """A kept place a live call holds for the caller."""

    contact_id: str  # the engine's id of the place taken over (used up)
    task_id: str | None
    place: HeldPlace  # as it would be held again (entry time on the wall clock)
    attempts: int
    task_closed: bool = False  # the caller was reached, or someone closed the task


def kept_place_of(centre: ContactCentre, caller: str, queue: str) -> ContactRecord | None:
    """The caller's kept place in `queue` that a new call can take over, if any."""
    if not caller:
        return None
    for record in centre.engine.contacts.values():
        if (record.number == caller and record.queue.name == queue
                and record.promised_at is None and record.state in _TAKEN_FROM):  # fmt: skip
            return record
    return None


def take_over(centre: ContactCentre, call: InboundCall, record: ContactRecord) -> None:
    """`call` (already in line with the place's entry time) takes over the kept place."""
    s = centre.services
    wall = s.clock.wall() - s.clock.now()
    spec = record.spec
    place = HeldPlace(f"{call.call_id}:callback", record.queue.name, record.number,
                      record.entered_at + wall, None, spec.priority, spec.language,
                      spec.account)  # fmt: skip
    task = centre.callbacks.get(record.id)
    centre.carried[call.call_id] = Carried(record.id, task, place, record.attempts)
    centre._apply(lambda: centre.engine.cancel_callback(record.id, WHY))
    s.log.append(s.clock.wall(), "callback.taken_over", call.call_id, contact=record.id,
                 task=task, place_at=round(place.place_at, 3), reason=WHY)  # fmt: skip


def is_carried(carried: dict[str, Carried], contact_id: str) -> bool:
    """Whether a place a live call took over was kept under `contact_id` (its store row stays)."""
    return any(c.contact_id == contact_id for c in carried.values())


def tasks_closed(carried: dict[str, Carried], task_ids: set[str]) -> None:
    """Places taken over for these tasks are not held again when their call ends."""
    for one in carried.values():
        if one.task_id in task_ids:
            one.task_closed = True


def call_ended(centre: ContactCentre, call: InboundCall) -> None:
    """Settles a place the ended call held (see the module's docstring)."""
    carried = centre.carried.pop(call.call_id, None)
    if carried is None:
        return
    s = centre.services
    try:
        state: ContactState | None = centre.engine.contact_state(call.call_id)
    except AcdError:
        state = None
    if carried.task_closed or call.agent is not None or state in _KEPT_AGAIN:
        if s.followups is not None:  # answered or kept again: the place taken over is done
            s.followups.callback_closed(carried.contact_id, "taken over by a later call")
        return
    held = HeldCallback(int(carried.task_id or 0), carried.place, carried.attempts)
    if not centre._apply(lambda: restore_into(centre.engine, held)):
        return
    new_id = carried.place.contact_id
    if carried.task_id is not None:
        centre.callbacks[new_id] = carried.task_id
    if s.followups is not None:
        s.followups.callback_moved(carried.contact_id, new_id)
    s.log.append(s.clock.wall(), "callback.held_again", new_id, task=carried.task_id,
                 taken_from=carried.contact_id, place_at=round(carried.place.place_at, 3),
                 attempts=carried.attempts)  # fmt: skip
