"""Frontdesk registers with a carrier (sipp playing the carrier's registrar) using digest."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SCENARIOS, free_port, start_server

COMPANY = """\
company: {{name: Trunk test, domain: frontdesk.test}}
numbers:
  - number: "+442079460100"
    aliases: ["100"]
agents: []
trunks:
  - {{name: carrier, host: 127.0.0.1, port: {port}, username: acme, password: {password},
     register: true}}
"""


@pytest.mark.parametrize(("password", "registered"), [("s3cret", True), ("wrong", False)])
def test_registration_with_a_carrier(tmp_path: Path, password: str, registered: bool) -> None:
    if shutil.which("sipp") is None:
        pytest.fail("sipp is not installed (Debian package sip-tester)")
    port = free_port()
    scenario = tmp_path / "registrar.xml"
    text = (SCENARIOS / "trunk_registrar.xml").read_text()
    scenario.write_text(text.replace("USERNAME", "acme").replace("PASSWORD", "s3cret"))
    carrier = subprocess.Popen(
        [
            "sipp",
            "-sf",
            str(scenario),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "20s",
            "-bg",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    carrier.wait(10)  # -bg: sipp forks into the background and the launcher exits
    time.sleep(0.3)
    config = tmp_path / "company.yaml"
    config.write_text(COMPANY.format(port=port, password=password))
    server = start_server(tmp_path, "--config", str(config))
    try:
        if registered:
            events = server.wait_for_events("trunk.registered", 1)
            assert events and events[0].data == {"trunk": "carrier", "expires_s": 60}
        else:
            events = server.wait_for_events("trunk.registration_failed", 1)
            assert events and "403" in events[0].data["reason"]
            assert not server.events("trunk.registered")
    finally:
        assert server.stop() == 0
        subprocess.run(["pkill", "-f", str(scenario)], check=False)
