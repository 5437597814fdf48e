"""The admin API end to end, against a real `frontdesk serve --config FILE` (httpx, no mocks).

Checked: every admin endpoint refuses anonymous callers (401), agents and supervisors (403);
a check of a broken text finds exactly what `frontdesk check` prints for it; an applied edit
is taken by the server's hot reload (`config.reloaded` in the event log within 3 s); a stale
edit is refused (409) and changes nothing; rollback; a user made in the API signs in and is
shut out once disabled; an API token works as a Bearer until revoked; a webhook made in the
API delivers a signed event to a local receiver, and a redelivery arrives with a new id.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from admin_app import ENDPOINTS, PASSWORD

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import open_engine
from frontdesk.webhooks import verify

PEERS = Path(__file__).parents[1] / "peers"
if "peers_conftest" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("peers_conftest", PEERS / "conftest.py")
    assert _spec is not None and _spec.loader is not None
    sys.modules["peers_conftest"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["peers_conftest"])
peers = sys.modules["peers_conftest"]
from live_company import write_company  # noqa: E402  (admin_app put tests/peers on the path)


@dataclass
class Centre:
    server: Any  # peers' ServerProcess
    company: Path
    base: str
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=15)
        answer = client.post("/api/session", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        self.clients[username] = client
        return client

    def wait_for(self, kind: str, count: int, timeout: float = 3.0) -> list[Any]:
        found: list[Any] = self.server.wait_for_events(kind, count, timeout)
        return found


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    tmp_path = tmp_path_factory.mktemp("admin")
    company = write_company(tmp_path / "company", smtp_port=peers.free_port())
    store = AccountStore(open_engine(tmp_path / "data"), SystemClock())
    for new in (NewUser("root", "Root", Role.ADMIN),
                NewUser("sue", "Sue", Role.SUPERVISOR, ("parcels",)),
                NewUser("alice", "Alice", Role.AGENT, ("parcels",), "alice")):  # fmt: skip
        store.create_user(new, PASSWORD)
    proc = peers.start_server(tmp_path, "--config", str(company))
    running = Centre(proc, company, proc.http_url)
    if "/api/admin/config" not in httpx.get(f"{running.base}/api/openapi.json").json()["paths"]:
        proc.stop()
        pytest.skip("the admin router is not included in frontdesk.api.app yet")
    try:
        yield running
    finally:
        for client in running.clients.values():
            client.close()
        assert proc.stop() == 0, proc.log()


@pytest.fixture(scope="module")
def root(centre: Centre) -> httpx.Client:
    return centre.sign_in("root")


def test_only_admins_get_in(centre: Centre, root: httpx.Client) -> None:
    anonymous = httpx.Client(base_url=centre.base, timeout=15)
    callers = [(anonymous, 401, "not_signed_in"), (centre.sign_in("alice"), 403, "forbidden"),
               (centre.sign_in("sue"), 403, "forbidden")]  # fmt: skip
    for client, status, error_id in callers:
        for method, path, body in ENDPOINTS:
            answer = client.request(method, path, json=body)
            assert (answer.status_code, answer.json()["error_id"]) == (status, error_id), path
    anonymous.close()
    assert root.get("/api/admin/config").status_code == 200


def test_check_finds_what_frontdesk_check_prints(
    centre: Centre, root: httpx.Client, tmp_path: Path
) -> None:
    text = root.get("/api/admin/config").json()["text"]
    broken = (text.replace("announce_every_s: 10", "announce_every_s: lots")
              .replace("teams: [parcels]}", "teams: [parsels]}", 1))  # fmt: skip
    found = root.post("/api/admin/config/validate", json={"text": broken}).json()
    twin = write_company(tmp_path / "twin")
    twin.write_text(broken)
    checked = subprocess.run([sys.executable, "-m", "frontdesk.cli", "check", str(twin)],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert checked.returncode == 1
    printed = [line for line in checked.stderr.splitlines() if line.startswith(str(twin))]
    shown = [p["text"].replace(str(centre.company), str(twin)) for p in found["problems"]]
    assert shown == printed and len(printed) >= 2
    assert centre.company.read_text() == text  # a check writes nothing


def test_an_applied_edit_is_hot_reloaded(centre: Centre, root: httpx.Client) -> None:
    reloads = len(centre.wait_for("config.reloaded", 0, 0))
    now = root.get("/api/admin/config").json()
    edited = now["text"].replace("announce_every_s: 10", "announce_every_s: 30")
    answer = root.put("/api/admin/config", json={"text": edited, "expected_sha": now["sha256"],
                                                  "message": "announce less often"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert len(centre.wait_for("config.reloaded", reloads + 1)) == reloads + 1
    [audit] = centre.wait_for("admin.config_applied", 1)
    assert audit.data["by"] == "root" and audit.data["message"] == "announce less often"
    stale = root.put("/api/admin/config", json={"text": now["text"],
                                                 "expected_sha": now["sha256"]})  # fmt: skip
    assert (stale.status_code, stale.json()["error_id"]) == (409, "stale_edit")
    assert centre.company.read_text() == edited
    back = root.post(f"/api/admin/config/versions/{answer.json()['version']['id'] - 1}/rollback")
    assert back.status_code == 200 and centre.company.read_text() == now["text"]
    assert len(centre.wait_for("config.reloaded", reloads + 2)) == reloads + 2
    kinds = [v["kind"] for v in root.get("/api/admin/config/versions").json()["versions"]]
    assert kinds[:2] == ["rollback", "edit"]


def test_users_and_tokens(centre: Centre, root: httpx.Client) -> None:
    made = root.post("/api/admin/users", json={
        "username": "dan", "display_name": "Dan", "role": "agent", "teams": ["parcels"],
        "agent_id": "bob", "password": "dan's long passphrase"})  # fmt: skip
    assert made.status_code == 201, made.text
    dan = centre.sign_in("dan", "dan's long passphrase")
    assert dan.get("/api/session").json()["agent_id"] == "bob"
    assert root.patch("/api/admin/users/dan", json={"disabled": True}).json()["disabled"]
    assert dan.get("/api/session").json()["error_id"] == "not_signed_in"
    token = root.post("/api/admin/tokens", json={"username": "root", "name": "ci"}).json()
    auth = {"Authorization": f"Bearer {token['secret']}"}
    with httpx.Client(base_url=centre.base, timeout=15, headers=auth) as bearer:
        assert bearer.get("/api/session").json()["username"] == "root"
        assert root.delete(f"/api/admin/tokens/{token['token']['id']}").status_code == 200
        refused = bearer.get("/api/session")
        assert (refused.status_code, refused.json()["error_id"]) == (401, "bad_token")
    kinds = [e.kind for e in centre.wait_for("admin.token_revoked", 1)]
    assert kinds == ["admin.token_revoked"]


@dataclass
class Receiver:
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        return Handler

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, self.received


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    box = Receiver()
    http = ThreadingHTTPServer(("127.0.0.1", 0), box.handler())
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield box, f"http://127.0.0.1:{http.server_address[1]}/hooks/frontdesk"
    http.shutdown()
    http.server_close()


def test_a_webhook_reaches_its_receiver(
    centre: Centre, root: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    box, url = receiver
    hook = root.post(
        "/api/admin/webhooks",
        json={"url": url, "kinds": ["admin.user_created"], "description": "audit feed"},
    ).json()
    assert (
        root.post(
            "/api/admin/users",
            json={"username": "svc", "display_name": "Service", "role": "supervisor"},
        ).status_code
        == 201
    )
    box.wait(1)
    headers, body = box.received[0]
    assert verify(hook["secret"], headers["Frontdesk-Signature"], body, time.time())
    assert b'"admin.user_created"' in body and b'"svc"' in body
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        [delivery] = root.get(f"/api/admin/webhooks/{hook['id']}/deliveries").json()["deliveries"]
        if delivery["status"] == "delivered":
            break
        time.sleep(0.1)
    assert (delivery["status"], delivery["last_http_status"]) == ("delivered", 204)
    again = root.post(f"/api/admin/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 201
    box.wait(2)
    assert box.received[1][0]["Frontdesk-Delivery"] == again.json()["id"] != delivery["id"]
    assert box.received[1][1].replace(again.json()["id"].encode(), b"") == body.replace(
        delivery["id"].encode(), b"")  # fmt: skip
    changed = root.patch(
        f"/api/admin/webhooks/{hook['id']}", json={"enabled": False, "description": "paused"}
    )
    assert (changed.json()["enabled"], changed.json()["description"]) == (False, "paused")
    listed = root.get("/api/admin/webhooks").json()["webhooks"]
    assert [(w["id"], w["enabled"]) for w in listed] == [(hook["id"], False)]
    assert hook["secret"] not in json.dumps(listed)
    assert root.delete(f"/api/admin/webhooks/{hook['id']}").status_code == 200
    assert root.get("/api/admin/webhooks").json()["webhooks"] == []
