"""`frontdesk demo` end to end: the real server with simulated callers and agents on real
loopback calls for 25 seconds, judged from the event log it leaves in its data directory.

Run as `python -m frontdesk.demo`, which parses and runs exactly what `frontdesk demo` does
(`frontdesk.demo.cli.register`). Two agents against thirty calls a minute with short patience
is a queue that overflows: some callers must give up or ask for a callback. Meanwhile a person
takes calls as alice, the agent left for the browser, with a phone of this test process
registered like the browser softphone's (the browser itself is tested in tests/peers).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontdesk.config.loader import load_demo_company
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.demo.agents import SimAgent
from frontdesk.demo.behaviour import Behaviour
from frontdesk.demo.media_io import VoiceTicker
from frontdesk.demo.settings import DemoSettings
from frontdesk.demo.speech import murmur
from frontdesk.demo.voice import Script
from frontdesk.sip.transaction import Peer
from frontdesk.store.eventlog import EventLog, StoredEvent, open_engine

SIMULATED = {"bob", "chloe"}
DURATION_S = 25


def command(data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "frontdesk.demo", "--data-dir", str(data_dir),
            "--sip-port", "0", "--http-port", "0", *extra]  # fmt: skip


# One media worker: the machine is shared, and a few calls need no more.
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "FRONTDESK_MEDIA_WORKERS": "1"}
READY = re.compile(r"listening for SIP on udp\+tcp (\S+):(\d+)")


async def person_in_the_browser(log: Path, demo: subprocess.Popen[str]) -> tuple[str, int]:
    """Alice's phone, from this process (as the browser softphone would be): it registers
    once the demo listens, answers what rings, and stays until the demo exits. Gives the
    address it registered from."""
    while not (found := READY.search(log.read_text())):
        if demo.poll() is not None:
            raise AssertionError(f"the demo did not start:\n{log.read_text()}")
        await asyncio.sleep(0.05)
    loop = asyncio.get_running_loop()
    settings = DemoSettings(ring_s=(0.5, 1.0), talk_median_s=3.0, break_share=0.0)
    alice = load_demo_company().agent("alice")
    assert alice is not None
    ticker = VoiceTicker(loop.time)
    phone = SimAgent(
        alice, Peer("udp", found.group(1), int(found.group(2))),
        Behaviour(settings, random.Random(1)), ticker, Script(murmur("Demo Parcels, Alice.")),
        lambda agent, ready, reason: None, loop.time,
    )  # fmt: skip
    await phone.start("127.0.0.1")
    assert phone.transport is not None
    address = phone.transport.ua.local_for(phone.server)
    while demo.poll() is None:
        await asyncio.sleep(0.1)
    await phone.stop()
    await ticker.stop()
    return address.host, address.port


@dataclass
class DemoRun:
    returncode: int
    output: str
    events: list[StoredEvent]
    alice_from: tuple[str, int]  # where the person's phone registered from


def run_demo(
    data_dir: Path, *extra: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(data_dir, *extra), capture_output=True, text=True,
                          timeout=timeout, env=ENV)  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    folder = tmp_path_factory.mktemp("demo")
    log = folder / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command(folder / "data", "--duration", str(DURATION_S), "--calls-per-minute", "30",
                    "--agents", "2", "--patience", "8", "--seed", "20"),
            stdout=out, stderr=subprocess.STDOUT, text=True, env=ENV,
        )  # fmt: skip
        try:
            alice_from = asyncio.run(
                asyncio.wait_for(person_in_the_browser(log, process), DURATION_S + 60)
            )
            returncode = process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log.read_text()
    assert returncode == 0, output[-4000:]
    return DemoRun(
        returncode, output, list(EventLog(open_engine(folder / "data")).read()), alice_from
    )


def kinds(events: list[StoredEvent], kind: str) -> list[StoredEvent]:
    return [e for e in events if e.kind == kind]


def test_it_says_where_to_sign_in_and_who_is_simulated(demo: DemoRun) -> None:
    assert "simulated agents: bob, chloe" in demo.output
    assert "take calls as alice: sign in at http://127.0.0.1:" in demo.output
    assert "password frontdesk-demo" in demo.output
    assert "as supervisor" in demo.output


def test_agents_answer_calls_the_routing_engine_offered_them(demo: DemoRun) -> None:
    answered = kinds(demo.events, "acd.answered")
    by = {e.data["agent_id"] for e in answered}
    assert by & SIMULATED and by <= SIMULATED | {"alice"}
    offered = {
        (e.call_id, agent)
        for e in kinds(demo.events, "acd.offered")
        for agent in e.data["agent_ids"]
    }
    assert all((e.call_id, e.data["agent_id"]) in offered for e in answered)
    connected = {e.call_id for e in kinds(demo.events, "call.connected")}
    # Media bridged to the agent's phone once the whisper has been said; a call answered in
    # the demo's last seconds may be cut off by the stop before that.
    [stopped] = kinds(demo.events, "server.stopped")
    settled = {e.call_id for e in answered if e.at < stopped.at - 5.0}
    assert settled and settled <= connected


def test_a_person_as_alice_takes_calls_among_the_simulated_agents(demo: DemoRun) -> None:
    answered = [e for e in kinds(demo.events, "acd.answered") if e.data["agent_id"] == "alice"]
    assert answered


def test_callers_come_from_the_demo_crm_and_press_keys_as_rfc_4733(demo: DemoRun) -> None:
    received = kinds(demo.events, "call.received")
    assert len(received) >= 5
    numbers = {e.data["caller"].removeprefix("sip:").split("@")[0] for e in received}
    assert numbers & set(DEMO_CALLERS.values())
    known = [e for e in kinds(demo.events, "call.attributes") if e.data["known"]]
    assert known and all(e.data["name"] for e in known)  # screen pops name the customer
    assert kinds(demo.events, "call.dtmf")
    assert kinds(demo.events, "acd.queued")


def simulated_logouts(events: list[StoredEvent]) -> list[float]:
    return [
        e.at
        for e in kinds(events, "acd.agent_state")
        if e.data["new"] == "logged-out" and e.data["agent_id"] in SIMULATED
    ]


def test_with_few_agents_some_callers_give_up_or_ask_for_a_callback(demo: DemoRun) -> None:
    stopping = min(simulated_logouts(demo.events))  # they log out once the demo is stopping
    # Callers still queued when the demo stops hang up too: those are not the ones counted.
    gave_up = [e for e in kinds(demo.events, "acd.abandoned") if e.at < stopping - 1.0]
    callbacks = kinds(demo.events, "acd.callback_requested")
    assert gave_up or callbacks


def test_the_agent_left_for_the_browser_is_registered_only_by_the_person(demo: DemoRun) -> None:
    registrations = kinds(demo.events, "endpoint.registered")
    assert {e.data["extension"] for e in registrations} == {"1001", "1002", "1003"}
    host, port = demo.alice_from
    alices = {e.data["source"] for e in registrations if e.data["extension"] == "1001"}
    assert alices == {f"{host}:{port}"}  # alice is 1001: only the person's phone


def test_every_call_ends_with_bye_and_the_agents_log_out_before_the_server_stops(
    demo: DemoRun,
) -> None:
    ended = defaultdict(list)
    for e in kinds(demo.events, "call.ended"):
        ended[e.call_id].append(e.data["reason"])
    received = {e.call_id for e in kinds(demo.events, "call.received")}
    assert set(ended) == received
    assert all(reasons == ["remote_bye"] or reasons == ["flow_end"] for reasons in ended.values())
    logouts = simulated_logouts(demo.events)
    states = [e.data for e in kinds(demo.events, "acd.agent_state")]
    assert len(logouts) == len(SIMULATED), states[-8:]
    assert demo.events[-1].kind == "server.stopped" and max(logouts) <= demo.events[-1].at


def test_a_bad_setting_is_refused_before_anything_starts(tmp_path: Path) -> None:
    done = run_demo(tmp_path / "data", "--leave-for-browser", "zoe")
    assert done.returncode == 2
    assert "zoe, not an agent of the demo company" in done.stderr
    assert not (tmp_path / "data" / "frontdesk.db").exists()
