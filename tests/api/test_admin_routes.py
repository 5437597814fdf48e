"""The admin API over real HTTP, in process (tests/api/admin_app.py): who may call what, the
company-file editor, users, tokens and webhooks, the audit trail, and no 5xx on any input.

The end-to-end twin, against a real `frontdesk serve`, is test_admin_api.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from admin_app import ENDPOINTS, PASSWORD, SHA0, AdminApp, build, serving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.accounts import BadCredentials
from frontdesk.api.routes import admin
from frontdesk.config.loader import check_company
from frontdesk.webhooks.model import DeliveryStatus


@pytest.fixture
def served(tmp_path: Path) -> Iterator[AdminApp]:
    with serving(build(tmp_path)) as app:
        yield app


@pytest.fixture
def root(served: AdminApp) -> Iterator[httpx.Client]:
    with served.client("root") as client:
        yield client


def call(client: httpx.Client, method: str, path: str, body: Any = None) -> httpx.Response:
    return client.request(method, path, json=body)


def test_the_role_list_names_every_admin_route() -> None:
    routes = [*admin.choices_router.routes,
              *(route for part in admin.PARTS for route in part.router.routes)]  # fmt: skip
    templated = {(m, re.sub(r"\{[^}]+\}", "{}", r.path)) for r in routes
                 for m in getattr(r, "methods", ())}  # fmt: skip
    listed = {(m, re.sub(r"/(\d+|d1|alice)(?=/|$)", "/{}", p.split("?")[0]))
              for m, p, _ in ENDPOINTS}  # fmt: skip
    assert templated == listed


def test_only_admins_get_in(served: AdminApp) -> None:
    for username, status, error_id in ((None, 401, "not_signed_in"), ("alice", 403, "forbidden"),
                                       ("sue", 403, "forbidden")):  # fmt: skip
        with served.client(username) as client:
            for method, path, body in ENDPOINTS:
                answer = call(client, method, path, body)
                assert (answer.status_code, answer.json()["error_id"]) == (status, error_id), (
                    username, method, path)  # fmt: skip
    with served.client("root") as client:
        for method, path, body in ENDPOINTS:
            answer = call(client, method, path, body)
            assert answer.status_code not in (401, 403), (method, path, answer.text)
    assert served.events() == [e for e in served.events() if e.data.get("by") == "root"]


def test_a_write_without_the_csrf_token_is_refused(served: AdminApp) -> None:
    with served.client("root") as client:
        del client.headers["X-CSRF-Token"]
        answer = client.post("/api/admin/tokens", json={"username": "alice", "name": "crm"})
    assert (answer.status_code, answer.json()["error_id"]) == (403, "bad_csrf_token")
    assert served.context.accounts.list_tokens() == []


# -- the company file -----------------------------------------------------------------------


def test_check_finds_what_frontdesk_check_finds(
    served: AdminApp, root: httpx.Client, tmp_path: Path
) -> None:
    text = root.get("/api/admin/config").json()["text"]
    broken = (text.replace("announce_every_s: 10", "announce_every_s: -5")
              .replace("teams: [parcels]}", "teams: [parsels]}", 1))  # fmt: skip
    found = root.post("/api/admin/config/validate", json={"text": broken}).json()
    # `frontdesk check` on the same text in the same folder (a second company file beside it)
    twin = served.company_path.with_name("twin.yaml")
    twin.write_text(broken)
    expected = [(p.line, p.message, p.severity.value) for p in check_company(twin)]
    assert [(p["line"], p["message"], p["severity"]) for p in found["problems"]] == expected
    assert found["errors"] >= 1 and not found["ok"]
    assert all(p["file"] == str(served.company_path) for p in found["problems"])
    assert found["problems"][0]["text"].startswith(f"{served.company_path}:")


def test_apply_records_a_version_and_audits_it(served: AdminApp, root: httpx.Client) -> None:
    now = root.get("/api/admin/config").json()
    edited = now["text"].replace("announce_every_s: 10", "announce_every_s: 25")
    answer = root.put("/api/admin/config", json={"text": edited, "expected_sha": now["sha256"],
                                                  "message": "slower announcements"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    version = answer.json()["version"]
    assert served.company_path.read_text() == edited
    assert (version["author"], version["message"], version["kind"]) == (
        "root", "slower announcements", "edit")  # fmt: skip
    listed = root.get("/api/admin/config/versions").json()
    assert [v["id"] for v in listed["versions"]] == [version["id"], version["id"] - 1]
    assert listed["versions"][1]["kind"] == "found"  # the text it replaced is kept
    assert listed["current_version"] == version["id"]
    assert root.get(f"/api/admin/config/versions/{version['id']}").json()["text"] == edited
    diff = root.get(f"/api/admin/config/diff?a={version['id'] - 1}&b={version['id']}").json()
    assert "-  - {name: parcels, team: parcels, skills: {parcels: 1}, announce_every_s: 10," in (
        diff["diff"])  # fmt: skip
    assert "+  - {name: parcels, team: parcels, skills: {parcels: 1}, announce_every_s: 25," in (
        diff["diff"])  # fmt: skip
    [event] = served.events("admin.config_applied")
    assert event.data["by"] == "root" and event.data["version"] == version["id"]
    assert event.data["message"] == "slower announcements"


def test_a_stale_or_broken_edit_changes_nothing(served: AdminApp, root: httpx.Client) -> None:
    before = root.get("/api/admin/config").json()
    served.company_path.write_text(before["text"] + "# edited by hand\n")
    stale = root.put("/api/admin/config", json={"text": before["text"].replace("10", "11", 1),
                                                 "expected_sha": before["sha256"]})  # fmt: skip
    assert (stale.status_code, stale.json()["error_id"]) == (409, "stale_edit")
    fresh = root.get("/api/admin/config").json()
    assert stale.json()["current_sha256"] == fresh["sha256"] != before["sha256"]
    broken = fresh["text"].replace("ring_timeout_s: 6}", "ring_timeout_s: -1}")
    refused = root.put("/api/admin/config", json={"text": broken,
                                                   "expected_sha": fresh["sha256"]})  # fmt: skip
    assert (refused.status_code, refused.json()["error_id"]) == (422, "invalid_company")
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "-1}" in text)
    assert [p["line"] for p in refused.json()["problems"]] == [line]
    assert served.company_path.read_text() == fresh["text"]
    assert served.events() == []


def test_rollback_brings_back_an_old_text(served: AdminApp, root: httpx.Client) -> None:
    first = root.get("/api/admin/config").json()
    for seconds in (11, 12):
        now = root.get("/api/admin/config").json()
        text = first["text"].replace("announce_every_s: 10", f"announce_every_s: {seconds}")
        assert (
            root.put(
                "/api/admin/config", json={"text": text, "expected_sha": now["sha256"]}
            ).status_code
            == 200
        )
    back = root.post("/api/admin/config/versions/1/rollback")
    assert back.status_code == 200, back.text
    assert back.json()["version"]["rollback_of"] == 1
    assert served.company_path.read_text() == first["text"]
    stale = root.post("/api/admin/config/versions/2/rollback", json={"expected_sha": SHA0})
    assert stale.json()["error_id"] == "stale_edit"
    [event] = served.events("admin.config_rolled_back")
    assert event.data["rollback_of"] == 1
    for path in ("/api/admin/config/versions/99", "/api/admin/config/diff?a=1&b=99"):
        assert root.get(path).json()["error_id"] == "unknown_version"


def test_the_demo_company_is_shown_read_only(tmp_path: Path) -> None:
    with serving(build(tmp_path, demo=True)) as app, app.client("root") as root:
        shown = root.get("/api/admin/config").json()
        assert not shown["editable"] and "--config" in shown["reason"]
        assert "company:" in shown["text"]
        assert root.post("/api/admin/config/validate", json={"text": shown["text"]}).json()["ok"]
        answer = root.put(
            "/api/admin/config", json={"text": shown["text"], "expected_sha": shown["sha256"]}
        )
        assert (answer.status_code, answer.json()["error_id"]) == (409, "config_read_only")
        assert root.get("/api/admin/config/versions").json()["versions"] == []


# -- users ----------------------------------------------------------------------------------


def test_users_must_fit_the_company(root: httpx.Client) -> None:
    offered = root.get("/api/admin/choices").json()
    assert offered["teams"] == ["parcels"]
    assert [a["id"] for a in offered["agents"]] == ["alice", "bob", "chloe"]
    base = {"username": "dan", "display_name": "Dan", "role": "agent"}
    cases = [
        ({**base, "teams": ["sales"], "agent_id": "bob"}, 400, "unknown_team"),
        ({**base, "teams": ["parcels"], "agent_id": "zed"}, 400, "unknown_agent"),
        ({**base, "teams": ["parcels"]}, 400, "invalid_user"),  # an agent user needs an agent
        ({**base, "agent_id": "alice"}, 409, "agent_taken"),
        ({**base, "username": "ALICE", "role": "admin"}, 409, "user_exists"),
        ({**base, "agent_id": "bob", "password": "short"}, 400, "weak_password"),
        ({**base, "agent_id": "bob", "surname": "x"}, 422, "invalid_request"),
    ]
    for body, status, error_id in cases:
        answer = root.post("/api/admin/users", json=body)
        assert (answer.status_code, answer.json()["error_id"]) == (status, error_id), body
    made = root.post("/api/admin/users", json={**base, "agent_id": "bob", "teams": ["parcels"],
                                               "password": PASSWORD})  # fmt: skip
    assert made.status_code == 201
    assert made.json()["has_password"] and made.json()["agent_id"] == "bob"
    assert "password" not in json.dumps(made.json()).replace("has_password", "")


def test_user_lifecycle(served: AdminApp, root: httpx.Client) -> None:
    store = served.context.accounts
    made = root.post(
        "/api/admin/users",
        json={
            "username": "Crm-Sync",
            "display_name": "CRM",
            "role": "supervisor",
            "teams": ["parcels"],
        },
    )
    assert made.json()["username"] == "crm-sync" and not made.json()["has_password"]
    changed = root.patch("/api/admin/users/crm-sync", json={"display_name": "CRM sync",
                                                            "agent_id": "bob"}).json()  # fmt: skip
    assert (changed["display_name"], changed["agent_id"], changed["role"]) == (
        "CRM sync", "bob", "supervisor")  # fmt: skip
    assert (
        root.patch("/api/admin/users/crm-sync", json={"agent_id": None}).json()["agent_id"] is None
    )
    assert root.patch("/api/admin/users/crm-sync", json={"teams": ["x"]}).json()["error_id"] == (
        "unknown_team")  # fmt: skip
    with served.client("alice") as alice:
        assert alice.get("/api/admin/users").status_code == 403
        disabled = root.patch("/api/admin/users/alice", json={"disabled": True}).json()
        assert disabled["disabled"]
        assert alice.get("/api/admin/users").json()["error_id"] == "not_signed_in"
    assert not root.patch("/api/admin/users/alice", json={"disabled": False}).json()["disabled"]
    assert root.patch("/api/admin/users/nobody", json={}).json()["error_id"] == "unknown_user"
    kinds = [e.data["changes"] for e in served.events("admin.user_updated")]
    assert {"display_name": "CRM sync", "agent_id": "bob"} in kinds and {"disabled": True} in kinds
    assert store.user("crm-sync").display_name == "CRM sync"


def test_admins_cannot_lock_themselves_out(served: AdminApp, root: httpx.Client) -> None:
    own = root.patch("/api/admin/users/root", json={"disabled": True})
    assert (own.status_code, own.json()["error_id"]) == (409, "own_account")
    assert root.patch("/api/admin/users/ada", json={"disabled": True}).status_code == 200
    last = root.patch("/api/admin/users/root", json={"role": "supervisor"})
    assert (last.status_code, last.json()["error_id"]) == (409, "last_admin")
    assert served.context.accounts.user("root").role.value == "admin"
    assert root.patch("/api/admin/users/ada", json={"disabled": False}).status_code == 200
    assert root.patch("/api/admin/users/root", json={"role": "supervisor"}).status_code == 200


def test_password_reset_ends_the_users_sessions(served: AdminApp, root: httpx.Client) -> None:
    store = served.context.accounts
    with served.client("alice") as alice:
        weak = root.put("/api/admin/users/alice/password", json={"password": "alice"})
        assert weak.json()["error_id"] == "weak_password"
        reset = root.put("/api/admin/users/alice/password", json={"password": "a brand new one"})
        assert reset.status_code == 200
        assert alice.get("/api/admin/users").json()["error_id"] == "not_signed_in"
    assert store.authenticate("alice", "a brand new one").username == "alice"
    own = root.put("/api/admin/users/root/password", json={"password": "a fresh passphrase"})
    assert own.status_code == 200 and root.get("/api/admin/users").status_code == 200
    events = served.events("admin.password_set")
    assert [e.data["username"] for e in events] == ["alice", "root"]
    assert "a brand new one" not in json.dumps([e.data for e in served.events()])


def test_login_failures_are_listed(served: AdminApp, root: httpx.Client) -> None:
    store = served.context.accounts
    for name in ("alice", "mallory"):
        with pytest.raises(BadCredentials):
            store.authenticate(name, "not the password", address="10.0.0.9")
    failures = root.get("/api/admin/login-failures").json()["failures"]
    assert [(f["username"], f["reason"], f["address"]) for f in failures] == [
        ("mallory", "unknown_user", "10.0.0.9"),
        ("alice", "bad_password", "10.0.0.9"),
    ]
    assert len(root.get("/api/admin/login-failures?username=alice").json()["failures"]) == 1


# -- API tokens -----------------------------------------------------------------------------


def test_token_lifecycle(served: AdminApp, root: httpx.Client) -> None:
    made = root.post("/api/admin/tokens", json={"username": "ada", "name": "crm-sync",
                                                "expires_in_days": 30})  # fmt: skip
    assert made.status_code == 201
    secret, token = made.json()["secret"], made.json()["token"]
    assert secret.startswith("fdk_") and token["state"] == "active"
    with served.bearer(secret) as integration:
        assert integration.get("/api/admin/users").status_code == 200
        listing = root.get("/api/admin/tokens").text
        assert secret not in listing and '"crm-sync"' in listing
        revoked = root.delete(f"/api/admin/tokens/{token['id']}").json()
        assert revoked["state"] == "revoked"
        assert integration.get("/api/admin/users").json()["error_id"] == "bad_token"
    agent_token = root.post("/api/admin/tokens", json={"username": "alice", "name": "x"}).json()
    with served.bearer(agent_token["secret"]) as agent:
        assert agent.get("/api/admin/tokens").status_code == 403
    assert root.delete("/api/admin/tokens/999").json()["error_id"] == "unknown_token"
    assert root.post("/api/admin/tokens", json={"username": "nobody", "name": "x"}).json()[
        "error_id"] == "unknown_user"  # fmt: skip
    audit = json.dumps([e.data for e in served.events()])
    assert secret not in audit and agent_token["secret"] not in audit
    assert [e.kind for e in served.events()] == [
        "admin.token_created",
        "admin.token_revoked",
        "admin.token_created",
    ]


# -- webhooks -------------------------------------------------------------------------------


def test_webhook_lifecycle(served: AdminApp, root: httpx.Client) -> None:
    url = "https://hooks.example.com/in?token=abc123"
    bad = [
        ({"url": "ftp://x/"}, "bad_webhook_url"),
        ({"url": url, "teams": ["sales"]}, "bad_team_filter"),
        ({"url": url, "kinds": ["Call answered"]}, "bad_event_filter"),
    ]
    for body, error_id in bad:
        assert root.post("/api/admin/webhooks", json=body).json()["error_id"] == error_id
    made = root.post(
        "/api/admin/webhooks",
        json={
            "url": url,
            "kinds": ["call.", "acd.answered"],
            "teams": ["parcels"],
            "description": "CRM",
        },
    )
    assert made.status_code == 201
    hook, secret = made.json(), made.json()["secret"]
    assert secret.startswith("whsec_")
    listing = root.get("/api/admin/webhooks").text
    assert secret not in listing and "abc123" in listing  # the admin sees the URL it typed
    rotated = root.patch(
        f"/api/admin/webhooks/{hook['id']}", json={"rotate_secret": True, "enabled": False}
    ).json()
    assert rotated["secret"] not in (secret, None) and not rotated["enabled"]
    assert "secret" not in root.patch(f"/api/admin/webhooks/{hook['id']}",
                                      json={"enabled": True}).json()  # fmt: skip
    assert root.delete(f"/api/admin/webhooks/{hook['id']}").json() == {"deleted": hook["id"]}
    assert root.delete(f"/api/admin/webhooks/{hook['id']}").json()["error_id"] == "unknown_webhook"
    audit = json.dumps([e.data for e in served.events()])
    assert secret not in audit and rotated["secret"] not in audit and "abc123" not in audit
    assert "https://hooks.example.com/in" in audit
    assert [e.kind for e in served.events()] == ["admin.webhook_created"] + [
        "admin.webhook_updated"] * 2 + ["admin.webhook_deleted"]  # fmt: skip


def test_deliveries_are_listed_and_redelivered(served: AdminApp, root: httpx.Client) -> None:
    hook = root.post(
        "/api/admin/webhooks", json={"url": "http://127.0.0.1:9/h", "kinds": ["call.answered"]}
    ).json()
    log, service = served.context.event_log, served.context.webhooks
    log.append(served.context.clock.wall(), "call.answered", "c1", number="100")
    log.flush()
    assert service.after_flush() == 1
    [delivery] = root.get(f"/api/admin/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert (delivery["kind"], delivery["status"]) == ("call.answered", DeliveryStatus.PENDING)
    again = root.post(f"/api/admin/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 201 and again.json()["redelivery_of"] == delivery["id"]
    assert root.get(f"/api/admin/deliveries/{delivery['id']}/attempts").json() == {"attempts": []}
    root.patch(f"/api/admin/webhooks/{hook['id']}", json={"enabled": False})
    off = root.post(f"/api/admin/deliveries/{delivery['id']}/redeliver")
    assert (off.status_code, off.json()["error_id"]) == (409, "webhook_disabled")
    assert root.post("/api/admin/deliveries/nope/redeliver").json()["error_id"] == (
        "unknown_delivery")  # fmt: skip
    assert root.get("/api/admin/webhooks/77/deliveries").json()["error_id"] == "unknown_webhook"


# -- no 5xx on any input --------------------------------------------------------------------

SCALAR = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
)
JSON = st.recursive(
    SCALAR | st.text(st.characters(blacklist_categories=())),  # lone surrogates too
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=10,
)  # fmt: skip
FIELDS = ["text", "expected_sha", "message", "username", "display_name", "role", "teams",
          "agent_id", "password", "disabled", "name", "expires_in_days", "url", "kinds",
          "description", "enabled", "rotate_secret"]  # fmt: skip
ODD_SEGMENTS = ["1", "0", "-1", "99999999999999999999999", "alice", "%00", "%F0%9F", "..", "%ud800"]


SEGMENT = st.sampled_from(ODD_SEGMENTS) | st.text(min_size=1, max_size=10).map(
    lambda text: quote(text, safe="")
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    segment=SEGMENT,
    body=st.one_of(JSON, st.fixed_dictionaries({}, optional={f: JSON for f in FIELDS})),
)
def test_no_input_gets_a_5xx(root: httpx.Client, endpoint: Any, segment: str, body: Any) -> None:
    method, path, _ = endpoint
    path = re.sub(r"/(\d+|d1|alice)(?=/|$|\?)", f"/{segment}", path, count=1)
    # json.dumps escapes lone surrogates ("\ud800"), which httpx's own encoder cannot send
    answer = root.request(method, path, content=json.dumps(body),
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code < 500, (method, path, body, answer.text)
    # (a success may have no body: a 204 is not JSON, so the status is looked at first)
    assert answer.status_code < 400 or "error_id" in answer.json(), (method, path, answer.text)


def test_text_that_is_not_unicode_is_refused(served: AdminApp, root: httpx.Client) -> None:
    """JSON may carry lone surrogates, which no file, database or hash takes: 422, not 500."""
    bad = "\ud800"
    cases = [
        ("POST", "/api/admin/config/validate", {"text": bad}),
        ("POST", "/api/admin/users", {"username": "x", "display_name": bad, "role": "admin"}),
        ("PUT", "/api/admin/users/alice/password", {"password": bad * 12}),
        ("POST", "/api/admin/webhooks", {"url": f"http://h/{bad}"}),
        ("POST", "/api/admin/tokens", {"username": "alice", "name": bad}),
    ]
    for path in ("/api/admin/users/%ED%A0%80", "/api/admin/users/%FF"):
        assert root.patch(path, json={}).json()["error_id"] == "unknown_user"
    for method, path, body in cases:
        answer = root.request(method, path, content=json.dumps(body),
                              headers={"Content-Type": "application/json"})  # fmt: skip
        assert (answer.status_code, answer.json()["error_id"]) == (422, "invalid_request"), path
    assert served.events() == []
