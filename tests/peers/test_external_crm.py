"""The company file's external CRM, live: a caller the built-in CRM does not know is looked up
over HTTP (a real HTTP server on loopback), recognised and routed by the answer; a CRM that
does not answer in time leaves the call going on as an unknown caller."""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ServerProcess, free_port, start_server
from live_company import write_company
from sipp_caller import caller_scenario

pytestmark = pytest.mark.peer

KNOWN_REMOTELY = "+447700900321"  # not in the demo CRM data
SLOW_NUMBER = "+447700900999"
API_KEY = "s3cret-key-for-tests"


class FakeCrm(BaseHTTPRequestHandler):
    """An external CRM: one customer, an API key required, one number that answers late."""

    asked: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:
        phone = parse_qs(urlparse(self.path).query).get("phone", [""])[0]
        FakeCrm.asked.append((phone, self.headers.get("X-Api-Key")))
        if self.headers.get("X-Api-Key") != API_KEY:
            self._answer(401, {"error": "no key"})
        elif phone == SLOW_NUMBER:
            time.sleep(2.0)
            self._answer(200, {"data": {"first": "Too", "last": "Late"}})
        elif phone == KNOWN_REMOTELY:
            customer = {"first": "Nadia", "last": "Kowalski", "id": "ext-77",
                        "company": {"id": "acc-9", "name": "Kowalski Imports", "tier": "VIP",
                                    "team": "key-accounts", "owner": "bob"}}  # fmt: skip
            self._answer(200, {"data": customer})
        else:
            self._answer(404, {"error": "not found"})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def crm_server() -> Iterator[int]:
    FakeCrm.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeCrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def centre(tmp_path: Path, crm_server: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[
        ServerProcess]:  # fmt: skip
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 100}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    monkeypatch.setenv("TEST_CRM_KEY", API_KEY)
    path = write_company(tmp_path / "company")
    http = (
        "{demo_data: true, http: {url: 'http://127.0.0.1:%d/customers?phone={number}', "
        "timeout_ms: 500, headers: {X-Api-Key: '${TEST_CRM_KEY}'}, "
        "mapping: {contact.id: data.id, contact.first_name: data.first, "
        "contact.last_name: data.last, account.id: data.company.id, "
        "account.name: data.company.name, account.tier: data.company.tier, "
        "account.team: data.company.team, account.owner: data.company.owner}}}"
    ).replace("%d", str(crm_server))
    path.write_text(path.read_text().replace("crm: {demo_data: true}", f"crm: {http}"))
    proc = start_server(tmp_path, "--config", str(path))
    yield proc
    assert proc.stop() == 0, proc.log()


def _call(server: ServerProcess, tmp_path: Path, number: str) -> None:
    scenario = tmp_path / f"caller-{number[1:]}.xml"
    scenario.write_text(caller_scenario('<pause milliseconds="4000"/>', caller=number))
    media = str(free_port() // 2 * 2)
    command = ["sipp", f"{server.host}:{server.port}", "-i", "127.0.0.1", "-p",
               str(free_port()), "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp",
               media, "-nostdin", "-timeout", "30s", "-timeout_error"]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:] + server.log()[-2000:]


def test_a_caller_known_to_the_external_crm_is_recognised_and_routed_by_it(
    centre: ServerProcess, tmp_path: Path
) -> None:
    _call(centre, tmp_path, KNOWN_REMOTELY)
    [attributes] = centre.wait_for_events("call.attributes", 1, timeout=30)
    assert attributes.data["name"] == "Nadia Kowalski"
    assert attributes.data["tier"] == "vip" and attributes.data["known"] is True
    # Routed by the answer's account team (no agent is in, so on to that queue's voicemail).
    [closed] = centre.wait_for_events("acd.closed", 1, timeout=30)
    assert closed.data["queue"] == "key-accounts"
    assert (KNOWN_REMOTELY, API_KEY) in FakeCrm.asked  # the key came from the environment


def test_an_external_crm_that_answers_late_leaves_the_caller_unknown_not_waiting(
    centre: ServerProcess, tmp_path: Path
) -> None:
    _call(centre, tmp_path, SLOW_NUMBER)
    [started] = centre.wait_for_events("call.flow_started", 1, timeout=30)
    [answered] = centre.events("call.answered")
    assert started.data["known"] is False
    # The lookup gave up at its 500 ms deadline, not after the CRM's 2 s.
    assert started.at - answered.at < 1.5, (answered, started)
    # The unknown caller's route: the general queue (empty here, so on to its voicemail).
    [closed] = centre.wait_for_events("acd.closed", 1, timeout=30)
    assert closed.data["queue"] == "parcels"
