"""`frontdesk demo` end to end: the real server with simulated callers and agents on real
loopback calls for 25 seconds, judged from the event log it leaves in its data directory.

Run as `python -m frontdesk.demo`, which parses and runs exactly what `frontdesk demo` does
(`frontdesk.demo.cli.register`). Two agents against thirty calls a minute with short patience
is a queue that overflows: some callers must give up or ask for a callback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.store.eventlog import EventLog, StoredEvent, open_engine

SIMULATED = {"bob", "chloe"}
DURATION_S = 25


def run_demo(
    data_dir: Path, *extra: str, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "frontdesk.demo", "--data-dir", str(data_dir),
               "--sip-port", "0", "--http-port", "0", *extra]  # fmt: skip
    # One media worker: the machine is shared, and a few calls need no more.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FRONTDESK_MEDIA_WORKERS": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], list[StoredEvent]]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    done = run_demo(
        data_dir, "--duration", str(DURATION_S), "--calls-per-minute", "30", "--agents", "2",
        "--patience", "8", "--seed", "20",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return done, list(EventLog(open_engine(data_dir)).read())


def kinds(events: list[StoredEvent], kind: str) -> list[StoredEvent]:
    return [e for e in events if e.kind == kind]


def test_it_says_where_to_sign_in_and_who_is_simulated(
    demo: tuple[subprocess.CompletedProcess[str], list[StoredEvent]],
) -> None:
    done, _ = demo
    assert "simulated agents: bob, chloe" in done.stderr
    assert "take calls as alice: sign in at http://127.0.0.1:" in done.stderr
    assert "password frontdesk-demo" in done.stderr
    assert "as supervisor" in done.stderr


def test_simulated_agents_answer_calls_the_routing_engine_offered_them(
    demo: tuple[subprocess.CompletedProcess[str], list[StoredEvent]],
) -> None:
    _, events = demo
    answered = kinds(events, "acd.answered")
    assert answered and {e.data["agent_id"] for e in answered} <= SIMULATED
    offered = {
        (e.call_id, agent) for e in kinds(events, "acd.offered") for agent in e.data["agent_ids"]
    }
    assert all((e.call_id, e.data["agent_id"]) in offered for e in answered)
    connected = {e.call_id for e in kinds(events, "call.connected")}
    assert {e.call_id for e in answered} <= connected  # media bridged to the agent's phone


def test_callers_come_from_the_demo_crm_and_press_keys_as_rfc_4733(
    demo: tuple[subprocess.CompletedProcess[str], list[StoredEvent]],
) -> None:
    _, events = demo
    received = kinds(events, "call.received")
    assert len(received) >= 5
    numbers = {e.data["caller"].removeprefix("sip:").split("@")[0] for e in received}
    assert numbers & set(DEMO_CALLERS.values())
    known = [e for e in kinds(events, "call.attributes") if e.data["known"]]
    assert known and all(e.data["name"] for e in known)  # screen pops name the customer
    assert kinds(events, "call.dtmf")
    assert kinds(events, "acd.queued")


def test_with_few_agents_some_callers_give_up_or_ask_for_a_callback(
    demo: tuple[subprocess.CompletedProcess[str], list[StoredEvent]],
) -> None:
    _, events = demo
    logouts = [e.at for e in kinds(events, "acd.agent_state") if e.data["new"] == "logged-out"]
    stopping = min(logouts)  # agents log out only once the demo is stopping
    # Callers still queued when the demo stops hang up too: those are not the ones counted.
    gave_up = [e for e in kinds(events, "acd.abandoned") if e.at < stopping - 1.0]
    callbacks = kinds(events, "acd.callback_requested")
    assert gave_up or callbacks


def test_the_agent_left_for_the_browser_is_never_registered(
    demo: tuple[subprocess.CompletedProcess[str], list[StoredEvent]],
) -> None:
    _, events = demo
    registered = {e.data["extension"] for e in kinds(events, "endpoint.registered")}
    assert registered == {"1002", "1003"}  # bob and chloe; alice is 1001
    assert not [e for e in kinds(events, "acd.agent_state") if e.data["agent_id"] == "alice"]


def test_every_call_ends_with_bye_and_the_agents_log_out_before_the_server_stops(
    demo: tuple[subprocess.CompletedProcess[str], list[StoredEvent]],
) -> None:
    _, events = demo
    ended = defaultdict(list)
    for e in kinds(events, "call.ended"):
        ended[e.call_id].append(e.data["reason"])
    received = {e.call_id for e in kinds(events, "call.received")}
    assert set(ended) == received
    assert all(reasons[0] in ("remote_bye", "flow_end", "local_bye") for reasons in ended.values())
    # The simulation hung up, not the server's own shutdown.
    assert not [r for reasons in ended.values() for r in reasons if r == "shutdown"]
    last_logout = max(
        e.at for e in kinds(events, "acd.agent_state") if e.data["new"] == "logged-out"
    )
    assert events[-1].kind == "server.stopped" and last_logout <= events[-1].at


def test_a_bad_setting_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = run_demo(tmp_path / "data", "--leave-for-browser", "zoe", timeout=60)
    assert done.returncode == 2
    assert "zoe, not an agent of the demo company" in done.stderr
    assert not (tmp_path / "data" / "frontdesk.db").exists()
