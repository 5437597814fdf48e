"""A task has one held place: a second one written for it replaces the first, and a place
held again under a new contact id is the same row (moved), so a restart calls a caller once.

Numbers are from Ofcom's drama ranges (07700 900xxx), which are never allocated.
"""

from __future__ import annotations

from followup_time import HOUR, WEDNESDAY_1000
from sqlalchemy import Engine, select

from frontdesk.followup import FollowupStore
from frontdesk.followup.held import HeldPlace
from frontdesk.followup.schema import held_callbacks

SUSAN, TOM = "+447700900123", "+447700900456"
DUE = WEDNESDAY_1000 + 4 * HOUR


def keep(store: FollowupStore, caller: str, call_id: str, entered: float) -> int:
    place = HeldPlace(call_id, "parcels", caller, entered, None, None, "en")
    return store.add_callback(caller, "parcels", "parcels", due_at=DUE, call_id=call_id,
                              place=place).id  # fmt: skip


def rows(engine: Engine) -> list[tuple[str, int, str | None]]:
    table = held_callbacks
    query = select(table.c.contact_id, table.c.task_id, table.c.outcome).order_by(table.c.id)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]  # type: ignore[misc]


def test_a_second_place_for_the_same_task_replaces_the_first(
    store: FollowupStore, engine: Engine
) -> None:
    t = WEDNESDAY_1000
    first = keep(store, SUSAN, "call-1", t - 300)
    tom = keep(store, TOM, "call-tom", t - 200)
    again = keep(store, SUSAN, "call-2", t - 300)  # she rang again and kept her place again
    assert again == first  # the same caller's open task
    assert [(h.place.contact_id, h.task_id) for h in store.held_callbacks()] == [
        ("call-2", first),
        ("call-tom", tom),
    ]
    assert rows(engine) == [("call-1", first, "replaced"), ("call-tom", tom, None),
                            ("call-2", first, None)]  # fmt: skip


def test_a_moved_place_is_the_same_row_with_its_attempts(
    store: FollowupStore, engine: Engine
) -> None:
    t = WEDNESDAY_1000
    task = keep(store, SUSAN, "call-1", t - 300)
    store.callback_attempt_failed("call-1", "no-answer", "alice")
    assert store.move_callback("call-1", "call-2:callback")
    [held] = store.held_callbacks()
    assert (held.place.contact_id, held.task_id, held.attempts) == ("call-2:callback", task, 1)
    assert held.place.place_at == t - 300
    assert not store.move_callback("call-1", "call-3:callback")  # nothing held under it now
    assert store.release_callback("call-2:callback", "callback-connected")
    assert store.held_callbacks() == () and len(rows(engine)) == 1
