"""Who may call what: every operation of the live app's OpenAPI document, for every role.

One real `frontdesk serve --config FILE` (tests/peers' start_server) runs a company of two
teams (parcels: queues parcels and key-accounts, agents alice and bob; billing: queue
billing, agent chloe), with a user of every role: ada (admin), sue (supervisor of parcels),
tom (supervisor of billing) and the three agents. Finished calls with recordings are written
to its event log before it starts; the call index takes them in when the server starts.

The walk reads GET /api/openapi.json and calls EVERY operation: anonymous callers get 401
except on the two public operations; each role gets what `EXPECTED` says — "in" (past the
role gate: any answer but 401/403) or 403. Requests carry an empty JSON body where one is
expected, so that the gate is exercised without changing anything (validation comes after
the role check). The walk fails when an operation has no row in `EXPECTED` (a new endpoint
must say who may call it) and when a row names an operation the app does not have. Then
the calls and recordings are checked across agents and teams.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import profiles

from frontdesk.accounts import AccountStore, NewUser, Passwords, Role
from frontdesk.clock import SystemClock
from frontdesk.followup.store import FollowupStore
from frontdesk.store.eventlog import EventLog, open_engine

PEERS = Path(__file__).parents[1] / "peers"
if str(PEERS) not in sys.path:
    sys.path.insert(0, str(PEERS))
if "peers_conftest" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("peers_conftest", PEERS / "conftest.py")
    assert _spec is not None and _spec.loader is not None
    sys.modules["peers_conftest"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["peers_conftest"])
peers = sys.modules["peers_conftest"]
from live_company import FLOWS  # noqa: E402

PASSWORD = "correct horse battery"
COMPANY = """\
company:
  name: Two Teams Ltd
  domain: frontdesk.test
  timezone: Europe/London
  recording: all
  flows: flows.yaml
  crm: {demo_data: true}
numbers:
  - {number: "+442079460100", aliases: ["100"], flow: main}
  - {number: "+442079460101", aliases: ["101"], flow: closed}
teams:
  - {name: parcels, email: parcels@test.example}
  - {name: billing, email: billing@test.example}
queues:
  - {name: parcels, team: parcels, skills: {parcels: 1}}
  - {name: key-accounts, team: parcels, skills: {parcels: 1}}
  - {name: billing, team: billing, skills: {billing: 1}}
agents:
  - {id: alice, name: Alice, extension: "1001", password: alice1001, skills: {parcels: 5},
     teams: [parcels]}
  - {id: bob, name: Bob, extension: "1002", password: bob1002, skills: {parcels: 3},
     teams: [parcels]}
  - {id: chloe, name: Chloe, extension: "1003", password: chloe1003, skills: {billing: 2},
     teams: [billing]}
"""
USERS: dict[str, tuple[Role, tuple[str, ...], str | None]] = {
    "ada": (Role.ADMIN, (), None),
    "sue": (Role.SUPERVISOR, ("parcels",), None),
    "tom": (Role.SUPERVISOR, ("billing",), None),
    "alice": (Role.AGENT, ("parcels",), "alice"),
    "bob": (Role.AGENT, ("parcels",), "bob"),
    "chloe": (Role.AGENT, ("billing",), "chloe"),
}
# call id -> queue, agent: finished calls written to the event log before the server starts
SEEDED = {"p-alice": ("parcels", "alice"), "p-bob": ("key-accounts", "bob"),
          "b-chloe": ("billing", "chloe")}  # fmt: skip
T0 = 1_760_000_000.0

IN, NO = "in", 403
ROLES = ("admin", "supervisor", "agent")  # played by ada, sue and alice
PUBLIC = {("POST", "/api/session"), ("GET", "/api/board/shared/{token}")}
# The website widget's operations are public too (a visitor has no account); they are guarded
# by the widget key, the frame's Origin (403 without it) and the abuse limits, not by roles:
# whoever calls, the answer must be neither 401 nor a server error.
WIDGET = {
    ("POST", "/api/widget/{key}/call"), ("GET", "/api/widget/{key}/call/{call}"),
    ("POST", "/api/widget/{key}/call/{call}/keys"),
    ("POST", "/api/widget/{key}/call/{call}/hangup"),
    ("POST", "/api/widget/{key}/callback"),
}  # fmt: skip
PLANNING = ("/erlang", "/staffing", "/staffing/chart.svg", "/cost", "/cost/chart.svg",
            "/history", "/history/chart.svg", "/forecast", "/forecast/chart.svg")  # fmt: skip
EXPECTED: dict[tuple[str, str], tuple[object, object, object]] = {
    # (method, path): (admin, supervisor, agent)
    ("GET", "/api/session"): (IN, IN, IN),
    ("POST", "/api/session"): (IN, IN, IN),
    ("DELETE", "/api/session"): (IN, IN, IN),
    ("GET", "/api/desk"): (NO, NO, IN),
    ("PUT", "/api/desk/presence"): (NO, NO, IN),
    ("POST", "/api/desk/hangup"): (NO, NO, IN),
    ("POST", "/api/desk/transfer"): (NO, NO, IN),
    ("POST", "/api/desk/consult"): (NO, NO, IN),
    ("POST", "/api/desk/consult/complete"): (NO, NO, IN),
    ("POST", "/api/desk/consult/cancel"): (NO, NO, IN),
    ("POST", "/api/desk/dial"): (NO, NO, IN),
    ("POST", "/api/desk/recording"): (NO, NO, IN),
    ("POST", "/api/desk/tasks/{task_id}/done"): (NO, NO, IN),
    ("POST", "/api/desk/tasks/{task_id}/cancel"): (NO, NO, IN),
    ("GET", "/api/desk/tasks/{task_id}/voicemail.wav"): (NO, NO, IN),
    ("GET", "/api/calls/live"): (IN, IN, IN),
    ("GET", "/api/calls/{call_id}/pop"): (IN, IN, IN),
    ("GET", "/api/calls/{call_id}"): (IN, IN, IN),
    ("POST", "/api/calls/{call_id}/wrapup"): (NO, NO, IN),
    ("GET", "/api/board"): (IN, IN, NO),
    ("GET", "/api/board/shared/{token}"): (IN, IN, IN),
    ("GET", "/api/board/shares"): (IN, IN, NO),
    ("POST", "/api/board/shares"): (IN, IN, NO),
    ("DELETE", "/api/board/shares/{share_id}"): (IN, IN, NO),
    ("PUT", "/api/board/agents/{agent_id}/presence"): (IN, IN, NO),  # their teams' agents
    ("GET", "/api/softphone"): (NO, NO, IN),
    ("POST", "/api/softphone"): (NO, NO, IN),
    ("DELETE", "/api/softphone"): (NO, NO, IN),
    ("POST", "/api/softphone/answer"): (NO, NO, IN),
    ("POST", "/api/softphone/mute"): (NO, NO, IN),
    ("POST", "/api/softphone/hold"): (NO, NO, IN),
    ("POST", "/api/softphone/dtmf"): (NO, NO, IN),
    ("POST", "/api/monitor"): (IN, IN, NO),
    ("PUT", "/api/monitor"): (IN, IN, NO),
    ("DELETE", "/api/monitor"): (IN, IN, NO),
    ("GET", "/api/history/calls"): (IN, IN, IN),
    ("GET", "/api/history/calls/{call_id}"): (IN, IN, IN),
    ("GET", "/api/recordings/{call_id}"): (IN, IN, IN),
    ("GET", "/api/recordings/{call_id}/{n}.wav"): (IN, IN, IN),
    ("GET", "/api/reports/{kind}"): (IN, IN, NO),  # agents: only their row of `agents`
    ("GET", "/api/reports/{kind}/chart.svg"): (IN, IN, NO),  # the same rule as the report
    **{
        ("GET", f"/api/planning{path}"): (IN, IN, NO)  # supervisors and admins
        for path in PLANNING
    },
    **{
        (method, f"/api/admin{path}"): (IN, NO, NO)
        for method, path in (
            ("GET", "/choices"),
            ("GET", "/config"),
            ("POST", "/config/validate"),
            ("PUT", "/config"),
            ("GET", "/config/versions"),
            ("GET", "/config/versions/{version_id}"),
            ("GET", "/config/diff"),
            ("POST", "/config/versions/{version_id}/rollback"),
            ("GET", "/users"),
            ("POST", "/users"),
            ("PATCH", "/users/{username}"),
            ("PUT", "/users/{username}/password"),
            ("GET", "/login-failures"),
            ("GET", "/tokens"),
            ("POST", "/tokens"),
            ("DELETE", "/tokens/{token_id}"),
            ("GET", "/webhooks"),
            ("POST", "/webhooks"),
            ("PATCH", "/webhooks/{webhook_id}"),
            ("DELETE", "/webhooks/{webhook_id}"),
            ("GET", "/webhooks/{webhook_id}/deliveries"),
            ("GET", "/deliveries/{delivery_id}/attempts"),
            ("POST", "/deliveries/{delivery_id}/redeliver"),
        )
    },
}
# Path values that name nothing (the gate is checked before anything is looked up).
DUMMY = {"kind": "summary", "n": "1", "token": "fdb_nothing"}


def write_wav(path: Path, seconds: float, channels: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x01\x00" * channels * int(8000 * seconds))


def seed(data_dir: Path) -> None:
    """Users of every role, and finished calls with recordings, in the server's database."""
    engine = open_engine(data_dir)
    accounts = AccountStore(engine, SystemClock(), passwords=Passwords(profiles.CHEAPEST))
    for name, (role, teams, agent_id) in USERS.items():
        accounts.create_user(NewUser(name, name.title(), role, teams, agent_id), PASSWORD)
    log = EventLog(engine)
    stray = data_dir.parent / "outside.wav"  # a row must never lead outside recordings/
    write_wav(stray, 1.0)
    for i, (call_id, (queue, agent)) in enumerate(
        [*SEEDED.items(), ("stray", ("parcels", "alice"))]
    ):
        at = T0 + 600 * i
        path = stray if call_id == "stray" else data_dir / "recordings" / f"{call_id}.wav"
        if call_id != "stray":
            write_wav(path, 3.0)
        for dt, kind, data in (
            (0, "call.received", {"caller": f"sip:+4477009001{i:02d}@x", "number": "+4420"}),
            (0, "acd.queued", {"queue": queue}),
            (4, "acd.answered", {"queue": queue, "agent_id": agent, "wait": 4.0}),
            (4, "acd.closed", {"queue": queue, "outcome": "answered", "wait": 4.0}),
            (4, "call.connected", {"agent": agent, "queue": queue}),
            (64, "call.ended", {"reason": "remote_bye"}),
            (64, "acd.call_ended", {"queue": queue, "agent_id": agent, "talk_time": 60.0}),
            (65, "call.recording", {"path": str(path), "channels": 2, "duration_s": 3.0}),
        ):  # fmt: skip
            log.append(at + dt, kind, call_id, **data)
    log.flush()
    # follow-ups owed by parcels: a missed call, and a voicemail to call back
    followups = FollowupStore(engine, SystemClock())
    followups.add_missed_call("m-1", "+447700900777", "parcels", "parcels", "rang_out", T0 + 7200)
    message = str(data_dir / "recordings" / "v-1.wav")
    followups.add_voicemail("v-1", "+442079460555", "parcels", "parcels", message, 5.0, T0, None)


def start_company_server(tmp_path: Path) -> Any:
    folder = tmp_path / "company"
    folder.mkdir(parents=True)
    (folder / "flows.yaml").write_text(FLOWS)
    (folder / "company.yaml").write_text(COMPANY)
    seed(tmp_path / "data")
    return peers.start_server(tmp_path, "--config", str(folder / "company.yaml"))


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=20)
    answer = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def wait_for_index(client: httpx.Client, count: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answer = client.get("/api/history/calls")
        if answer.status_code == 200 and len(answer.json()["calls"]) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"the call index did not take in the seeded calls: {answer.text}")


class Centre:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.base = server.http_url
        self.clients = {name: signed_in(self.base, name) for name in USERS}
        wait_for_index(self.clients["ada"], len(SEEDED) + 1)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    server = start_company_server(tmp_path_factory.mktemp("access"))
    found = Centre(server)
    yield found
    found.close()
    assert server.stop() == 0, server.log()[-3000:]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    verbs = ("get", "put", "post", "patch", "delete")
    return [(method.upper(), path, spec) for path, item in document["paths"].items()
            for method, spec in item.items() if method in verbs]  # fmt: skip


def request_of(path: str, spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A concrete URL (path parameters that name nothing) and the request's keyword args."""
    url = path
    for parameter in spec.get("parameters", []):
        if parameter["in"] == "path":
            name = parameter["name"]
            integer = parameter.get("schema", {}).get("type") == "integer"
            url = url.replace(f"{{{name}}}", DUMMY.get(name, "999999" if integer else "nothing"))
    return url, ({"json": {}} if "requestBody" in spec else {})


def test_every_operation_has_an_entry_in_the_table(centre: Centre) -> None:
    document = httpx.get(f"{centre.base}/api/openapi.json").json()
    found = {(method, path) for method, path, _ in operations(document)}
    missing = sorted(found - set(EXPECTED) - WIDGET)
    assert not missing, f"add these operations to EXPECTED (who may call them?): {missing}"
    stale = sorted(set(EXPECTED) - found)
    assert not stale, f"EXPECTED names operations the app does not have: {stale}"


def test_anonymous_callers_get_401_except_on_public_operations(centre: Centre) -> None:
    document = httpx.get(f"{centre.base}/api/openapi.json").json()
    wrong = []
    with httpx.Client(base_url=centre.base, timeout=20) as anonymous:
        for method, path, spec in operations(document):
            url, extra = request_of(path, spec)
            status = anonymous.request(method, url, **extra).status_code
            if (method, path) in WIDGET:
                if status == 401 or status >= 500:
                    wrong.append((method, path, status))
            elif (method, path) in PUBLIC:
                if status in (401, 403) or status >= 500:
                    wrong.append((method, path, status))
            elif status != 401:
                wrong.append((method, path, status))
    assert not wrong, wrong


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(centre: Centre, role: str) -> None:
    document = httpx.get(f"{centre.base}/api/openapi.json").json()
    user = {"admin": "ada", "supervisor": "sue", "agent": "alice"}[role]
    column = ROLES.index(role)
    wrong = []
    for method, path, spec in operations(document):
        url, extra = request_of(path, spec)
        if (method, path) == ("DELETE", "/api/session"):  # signing out: on a session of its own
            leaving = signed_in(centre.base, user)
            status = leaving.request(method, url, **extra).status_code
            leaving.close()
        else:
            status = centre.clients[user].request(method, url, **extra).status_code
        if (method, path) in WIDGET:
            if status == 401 or status >= 500:
                wrong.append((method, path, f"widget operation answered {status}"))
            continue
        row = EXPECTED.get((method, path))
        expected = row[column] if row is not None else "no entry"
        got = IN if status not in (401, 403) else status
        if got != expected or status >= 500:
            wrong.append((method, path, f"expected {expected}, got {status}"))
    assert not wrong, wrong


# -- calls and recordings across agents and teams ------------------------------------------


def status(centre: Centre, user: str, url: str) -> int:
    return centre.clients[user].get(url).status_code


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("ada", {"p-alice", "p-bob", "b-chloe"}),
        ("sue", {"p-alice", "p-bob"}),  # supervisor of parcels (queues parcels, key-accounts)
        ("tom", {"b-chloe"}),
        ("alice", {"p-alice"}),  # agents: the calls they talked on, not their team's
        ("bob", {"p-bob"}),
        ("chloe", {"b-chloe"}),
    ],
)
def test_calls_and_recordings_only_within_reach(centre: Centre, user: str,
                                                allowed: set[str]) -> None:  # fmt: skip
    for call_id in SEEDED:
        expected = 200 if call_id in allowed else 403
        for url in (f"/api/history/calls/{call_id}", f"/api/recordings/{call_id}",
                    f"/api/recordings/{call_id}/1.wav"):  # fmt: skip
            assert status(centre, user, url) == expected, (user, url)
    listed = {c["call_id"] for c in centre.clients[user].get("/api/history/calls").json()["calls"]}
    assert listed - {"stray"} == allowed


def test_a_recording_plays_with_range_requests_and_a_file_name(centre: Centre) -> None:
    client = centre.clients["sue"]
    whole = client.get("/api/recordings/p-bob/1.wav")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    assert whole.headers["content-disposition"] == 'inline; filename="p-bob-1.wav"'
    assert whole.headers.get("accept-ranges") == "bytes"
    part = client.get("/api/recordings/p-bob/1.wav", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    assert part.content == whole.content[100:200]
    saved = client.get("/api/recordings/p-bob/1.wav?download=true")
    assert saved.headers["content-disposition"].startswith("attachment;")
    assert client.get("/api/recordings/p-bob/2.wav").status_code == 404
    assert client.get("/api/recordings/p-bob/0.wav").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/recordings/..%2F..%2Foutside/1.wav",
        "/api/recordings/../../outside/1.wav",
        "/api/recordings/%2e%2e/1.wav",
        "/api/recordings/stray/1.wav",  # its row points outside recordings/: never served
    ],
)
def test_nothing_outside_the_recordings_is_served(centre: Centre, url: str) -> None:
    answer = centre.clients["ada"].get(url)
    assert answer.status_code == 404, (url, answer.status_code)
    assert b"RIFF" not in answer.content


def test_the_desk_lists_its_teams_missed_calls_apart_from_callbacks(centre: Centre) -> None:
    alice = centre.clients["alice"].get("/api/desk").json()
    listed = {k: [(t["kind"], t["caller"], t["name"]) for t in alice[k]]
              for k in ("missed", "callbacks")}  # fmt: skip
    # The voicemail's caller is in the (demo) CRM, so the desk names her; the other is unknown.
    assert listed == {"missed": [("missed_call", "+447700900777", None)],
                      "callbacks": [("voicemail", "+442079460555", "Susan Clark")]}  # fmt: skip
    assert alice["timezone"] == "Europe/London"  # due times are read on the company's clocks
    chloe = centre.clients["chloe"].get("/api/desk").json()  # billing owes none of them
    assert chloe["missed"] == [] and chloe["callbacks"] == []


def test_reports_are_scoped_to_the_users_teams(centre: Centre) -> None:
    ada, tom, alice = (centre.clients[n] for n in ("ada", "tom", "alice"))
    everyone = ada.get("/api/reports/agents").json()["rows"]
    assert {r["agent"] for r in everyone} == {"alice", "bob", "chloe"}
    billing = tom.get("/api/reports/agents").json()["rows"]
    assert {r["agent"] for r in billing} == {"chloe"}
    assert tom.get("/api/reports/summary?queue=parcels").status_code == 403
    assert alice.get("/api/reports/summary").status_code == 403
    own = alice.get("/api/reports/agents").json()["rows"]
    assert [r["agent"] for r in own] == ["alice"]
    assert own[0]["handled"] == 2  # p-alice and the stray call
    csv = ada.get("/api/reports/summary?format=csv&by=queue")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("queue,calls,offered,answered")
