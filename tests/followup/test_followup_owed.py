"""What each team owes callers (the wallboard's follow-up figures), counted from a real store:
by kind, overdue against the promise, and closed tasks left out."""

from __future__ import annotations

from sqlalchemy import Engine

from frontdesk.clock import ManualClock
from frontdesk.followup import FollowupStore
from frontdesk.followup.owed import empty_owed, owed_by_team, owed_total

HOUR = 3600.0


def test_open_tasks_by_team_and_kind_and_overdue(
    store: FollowupStore, engine: Engine, clock: ManualClock
) -> None:
    now = clock.wall()
    assert owed_by_team(engine, now) == {}
    store.add_voicemail("c1", "+447700900001", "parcels", "parcels", "/v/c1.wav", 12.0,
                        now + HOUR, "by 11 am")  # fmt: skip
    store.add_missed_call("c2", "+447700900002", "parcels", "parcels", "abandoned", now + 2 * HOUR)
    store.add_missed_call("c3", "+447700900002", "parcels", "parcels", "abandoned", now + 3 * HOUR)
    late = store.add_missed_call("c4", "+447700900003", "billing", "billing", "abandoned",
                                 now + 0.5 * HOUR)  # fmt: skip
    done = store.add_missed_call("c5", "+447700900004", "billing", "billing", "abandoned",
                                 now + 0.25 * HOUR)  # fmt: skip
    assert late is not None and done is not None
    store.complete(done.id, "alice", "called back")
    owed = owed_by_team(engine, now)
    parcels, billing = owed["parcels"], owed["billing"]
    # c3 joined c2's task: one caller owed one call-back
    assert (parcels["voicemail"], parcels["missed_call"], parcels["open"]) == (1, 1, 2)
    assert (billing["missed_call"], billing["open"], billing["overdue"]) == (1, 1, 0)
    assert parcels["oldest_due_at"] == now + HOUR and billing["oldest_due_at"] == now + 0.5 * HOUR
    # 90 minutes on, the voicemail's promise and billing's are broken; c2's is not yet
    later = owed_by_team(engine, now + 1.5 * HOUR)
    assert (later["parcels"]["overdue"], later["billing"]["overdue"]) == (1, 1)
    total = owed_total(later)
    assert (total["open"], total["overdue"], total["voicemail"], total["missed_call"]) == (
        3, 2, 1, 2)  # fmt: skip
    assert total["oldest_due_at"] == now + 0.5 * HOUR
    assert owed_total({}) == empty_owed()
