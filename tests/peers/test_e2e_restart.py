"""A promised callback survives the server being killed (SIGKILL) and started again.

alice is logged in (her baresip is registered) but on a break, so a sipp caller waits in the
queue; they press the callback key and hear the promised time. The server is then killed
without warning, and started again on the same data directory. alice comes back as she was:
logged in (her registration is held again from the event log) and on her lunch break, so
nothing rings her. Her phone (a new baresip; the old one was killed with the server)
registers with the new process; she says she is ready, her phone rings for the callback and
Frontdesk dials the customer through the trunk (a baresip standing for the customer's phone):
the promise is kept. The caller asked once: the event log holds one request; the task is done
once they are reached.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from typing import Any

import pytest
from test_e2e_queue_peers import energy, press, start_centre, start_serving

pytestmark = pytest.mark.peer

CALLER = "+447700900611"  # Ofcom's drama range: never allocated to anyone


def _kill_leftover_workers(log: str) -> list[int]:
    """Media workers of the killed server still alive after a few seconds (killed now, by
    pid, so they cannot hold RTP ports the new server needs); a worker should see its server
    gone when its channel closes."""
    pids = [int(p) for p in re.findall(r"media worker \d+ started \(pid (\d+)\)", log)]
    deadline = time.monotonic() + 5
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if _alive(p)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    return alive


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; only its parent (gone) could reap it.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_callback_promised_before_a_sigkill_is_made_after_the_restart(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    centre = start_centre(tmp_path, monkeypatch)
    try:
        customer = centre.customer(CALLER)
        phone = centre.phone("1001")
        centre.registered("1001")
        answer = centre.api("PUT", "/api/desk/presence", {"ready": False, "reason": "lunch"})
        assert answer.status_code == 200 and answer.json()["state"] == "on-break", answer.text
        caller = centre.caller(CALLER, press("*", 3000))
        [promised] = centre.wait("the promise", lambda: centre.events("call.callback_promised"))
        assert promised.call_id == caller.call_id
        caller.finished()
        # The promise is said only once it is stored: the task and the engine's place are in
        # the database before the kill.
        with sqlite3.connect(centre.server.data_dir / "frontdesk.db") as db:
            [(task_id, status)] = db.execute("select id, status from followup_tasks").fetchall()
            held = db.execute("select contact_id, ended_at from followup_held_callbacks").fetchall()
        assert status == "open" and held == [(caller.call_id, None)]

        first = centre.server
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        first.log_file.close()
        assert first.process.returncode == -signal.SIGKILL
        assert not _kill_leftover_workers(first.log()), "a media worker outlived its server"
        phone.kill()  # registered with the dead process (it would try to unregister there)
        phone.wait(5)

        centre.server = start_serving(tmp_path, "--config", str(centre.company))
        [restored] = centre.wait("the callback held again",
                                 lambda: centre.events("callback.restored"))  # fmt: skip
        assert restored.call_id == caller.call_id and restored.data["task"] == task_id
        assert restored.data["promised_at"] is None  # a kept place: in line, not booked

        def since(kind: str, at: float) -> list[Any]:
            return [e for e in centre.events(kind) if e.at > at]

        states = centre.wait("alice logged in again", lambda: since("acd.agent_state", restored.at))
        assert [(e.data["agent_id"], e.data["new"]) for e in states][-1] == ("alice", "on-break")
        back = states[-1]
        assert back.data["reason"] == "lunch"
        assert "available" not in [e.data["new"] for e in states[1:]]  # never offered a call
        centre.phone("1001")  # her phone registers with the new process (a newer binding)
        centre.wait("the new phone's registration", lambda: since("endpoint.registered", back.at))
        assert not [e for e in centre.events("acd.offered") if e.at > restored.at]  # on break
        answer = centre.api("PUT", "/api/desk/presence", {"ready": True})
        assert answer.status_code == 200, answer.text
        [connected] = centre.wait(
            "the customer called back", lambda: centre.events("acd.callback_connected"), timeout=40
        )
        assert connected.call_id == caller.call_id and connected.data["agent_id"] == "alice"
        [dialled] = [e for e in centre.events("leg.dialled") if e.data["purpose"] == "callback"]
        assert CALLER in str(dialled.data["target"]) and dialled.at > restored.at
        centre.wait("the customer hearing alice", lambda: energy(customer) > 0.05, timeout=15)
        assert len(centre.events("acd.callback_requested")) == 1  # asked once, kept once

        def closed() -> list[tuple[str, str | None]]:
            with sqlite3.connect(centre.server.data_dir / "frontdesk.db") as db:
                task = db.execute("select status, done_by from followup_tasks").fetchall()
                place = db.execute("select outcome from followup_held_callbacks").fetchall()
            return (
                task if task == [("done", "alice")] and place == [("callback-connected",)] else []
            )

        centre.wait("the task done and the place released", closed, timeout=10)
        code = centre.server.stop()
    finally:
        if centre.server.process.poll() is None:
            centre.server.stop()
        centre.close()
    assert code == 0, centre.server.log()
