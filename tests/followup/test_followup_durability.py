"""A write that has returned survives the process being killed (SIGKILL) the next instant.

A child process stores tasks and prints each id once the store method has returned; the
parent kills it with SIGKILL while it is still writing, then opens the database and finds
every task the child announced.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from followup_time import WEDNESDAY_1000
from sqlalchemy import text

from frontdesk.clock import ManualClock
from frontdesk.followup import FollowupStore, TaskKind, TaskStatus
from frontdesk.store.eventlog import open_engine

CHILD = """
import sys
from pathlib import Path
from frontdesk.clock import SystemClock
from frontdesk.followup import FollowupStore
from frontdesk.store.eventlog import open_engine

store = FollowupStore(open_engine(Path(sys.argv[1])), SystemClock())
vm = store.add_voicemail("vm-1", "+447700900001", "parcels", None, "/rec/vm-1.wav", 17.0,
                         2e9, "by 11:30 am tomorrow")
store.attempt(vm.id, "no-answer", by="ann")
print(vm.id, flush=True)
for n in range(2, 10_000):
    task = store.add_missed_call(f"c-{n}", f"+4477009{n:05d}", "parcels", None, "rang_out", 2e9)
    print(task.id, flush=True)
"""


def test_returned_writes_survive_sigkill(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        announced = [int(child.stdout.readline()) for _ in range(20)]
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    engine = open_engine(tmp_path)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        store = FollowupStore(engine, ManualClock(wall_offset=WEDNESDAY_1000))
        voicemail = store.get(announced[0])
        assert voicemail is not None
        assert (voicemail.kind, voicemail.status) == (TaskKind.VOICEMAIL, TaskStatus.OPEN)
        assert (voicemail.recording_path, voicemail.attempts) == ("/rec/vm-1.wav", 1)
        assert [a.outcome for a in store.attempts_of(voicemail.id)] == ["no-answer"]
        for task_id in announced[1:]:
            task = store.get(task_id)
            assert task is not None and task.kind is TaskKind.MISSED_CALL
        assert len(store.open_tasks()) >= len(announced)
        assert len(store.missed_calls()) >= len(announced)
    finally:
        engine.dispose()
