"""A desk phone's registration survives a server restart: baresip registers (for an hour),
the server is SIGKILLed and started again on the same data directory, and a caller's call
rings the agent's phone at once — without the phone registering again, which over UDP it
would only do when its hour is up (telephony/registrations.py)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ServerProcess, free_port, run_sipp, start_server
from sipp_caller import caller_scenario
from test_baresip import baresip_dir
from test_starter_company import COMPANY  # Acme Plumbing: bob, extension 2001

pytestmark = pytest.mark.peer


def wait_until(what: str, check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_an_agents_phone_rings_after_a_restart_without_registering_again(
    tmp_path: Path,
) -> None:
    if shutil.which("baresip") is None:
        pytest.fail("baresip is not installed; run scripts/setup.sh --with-peers")
    company = tmp_path / "company.yaml"
    company.write_text(COMPANY)
    first: ServerProcess = start_server(tmp_path, "--config", str(company))
    target = f"{first.host}:{first.port}"
    folder = baresip_dir(tmp_path, first, f"<sip:2001@{target}>;auth_pass=bob2001;answermode=auto")
    phone = subprocess.Popen(["baresip", "-4", "-f", str(folder)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    second: ServerProcess | None = None
    try:
        wait_until("the phone's registration", lambda: first.events("endpoint.registered"))
        first.process.kill()  # SIGKILL: no goodbye, only what the event log already holds
        first.process.wait()
        first.log_file.close()
        second = start_server(tmp_path, "--config", str(company))
        scenario = tmp_path / "caller.xml"
        scenario.write_text(caller_scenario('  <pause milliseconds="6000"/>\n',
                                            caller="+33612345678", dialled="200"))  # fmt: skip
        port = free_port()
        args = ("-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp", str(port - port % 2))
        result = run_sipp(second, tmp_path, *args, timeout=40)
        assert result.returncode == 0, result.screen + second.log()
        [answered] = second.wait_for_events("acd.answered", 1)
        assert answered.data["agent_id"] == "bob"
        # The phone did not register with the new server (the one registration in the shared
        # database is the first server's): its binding came from the log.
        assert len(second.events("endpoint.registered")) == 1
    finally:
        phone.kill()  # it would try to unregister from the killed server first
        phone.wait(10)
        if second is not None:
            assert second.stop() == 0, second.log()
