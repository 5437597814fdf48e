"""The admin page in Chromium, end to end against `frontdesk serve --config FILE`.

An admin signs in and edits the company file in the page: a broken edit (a negative
`announce_every_s`) is checked, its problem is listed with its line number, clicking it puts
the cursor on that line, and Apply refuses it (the file on disk does not change); a good edit
checks clean, applies with a note, shows up at the top of the history as the version in force,
its diff shows the changed line, and the server's hot reload takes it (`config.reloaded`).
The tabs follow the keyboard (arrow keys). An API token and a webhook are made in the page:
each secret is shown once, and is not in the page once dismissed; the token is revoked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import chromium, sign_in
from conftest import ServerProcess, free_port, start_server
from live_company import write_company
from playwright.sync_api import Page, expect

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
PASSWORD = "correct horse battery"
CARET_LINE = """() => {
  const text = document.getElementById('config-text');
  return text.value.slice(0, text.selectionStart).split('\\n').length;
}"""


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    tmp_path = tmp_path_factory.mktemp("web-admin")
    company = write_company(tmp_path / "company", smtp_port=free_port())
    store = AccountStore(open_engine(tmp_path / "data"), SystemClock())
    store.create_user(NewUser("root", "Root", Role.ADMIN), PASSWORD)
    proc = start_server(tmp_path, "--config", str(company))
    wired = "/api/admin/config" in httpx.get(f"{proc.http_url}/api/openapi.json").json()["paths"]
    if not wired:
        proc.stop()
        pytest.skip("the admin router is not included in frontdesk.api.app yet")
    yield proc, company
    assert proc.stop() == 0, proc.log()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def edit(page: Page, text: str) -> None:
    page.fill("#config-text", text)
    page.click("#config-check")


def test_admin_edits_the_company_file(centre: tuple[ServerProcess, Path]) -> None:
    server, company = centre
    original = company.read_text()
    with chromium() as browser:
        page = sign_in(browser, server.http_url, "root", PASSWORD)
        page.goto(f"{server.http_url}/admin")
        expect(page.locator("#config-text")).to_have_value(original)

        broken = original.replace("announce_every_s: 10", "announce_every_s: -5")
        edit(page, broken)
        problem = page.locator("#config-problems li").first
        expect(problem).to_contain_text("'announce_every_s' must be a number")
        line = line_of(broken, "announce_every_s: -5")
        expect(problem).to_contain_text(f"Line {line}")
        problem.get_by_role("button").click()
        assert page.evaluate("document.activeElement.id") == "config-text"
        assert page.evaluate(CARET_LINE) == line
        page.click("#config-apply")
        expect(page.locator("#config-status")).to_contain_text("Not applied")
        assert company.read_text() == original

        good = original.replace("announce_every_s: 10", "announce_every_s: 45")
        edit(page, good)
        expect(page.locator("#config-status")).to_contain_text("No problems")
        expect(page.locator("#config-problems li")).to_have_count(0)
        page.fill("#config-message", "announce every 45 s")
        page.click("#config-apply")
        expect(page.locator("#config-status")).to_contain_text("Applied as version")
        assert company.read_text() == good
        newest = page.locator("#versions tbody tr").first
        expect(newest).to_contain_text("announce every 45 s")
        expect(newest).to_contain_text("in force")
        expect(newest).to_contain_text("root")
        newest.get_by_role("button", name="Diff").click()
        expect(page.locator("#version-view-text .add")).to_contain_text("announce_every_s: 45")
        expect(page.locator("#version-view-text .del")).to_contain_text("announce_every_s: 10")
        assert server.wait_for_events("config.reloaded", 1, timeout=3)
        assert not any(e.data.get("message") != "announce every 45 s"
                       for e in server.events("admin.config_applied"))  # fmt: skip

        page.focus("#tab-config")
        page.keyboard.press("ArrowRight")
        expect(page.locator("#tab-users")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#panel-users")).to_be_visible()
        expect(page.locator("#users tbody")).to_contain_text("root")


def test_secrets_are_shown_once(centre: tuple[ServerProcess, Path]) -> None:
    server, _ = centre
    with chromium() as browser:
        page = sign_in(browser, server.http_url, "root", PASSWORD)
        page.on("dialog", lambda dialog: dialog.accept())  # the revoke confirmation
        page.goto(f"{server.http_url}/admin#tokens")
        page.fill("#token-name", "crm-sync")
        page.click("#token-form button[type=submit]")
        secret = page.locator("#token-secret-value")
        expect(secret).to_have_value(re.compile(r"^fdk_\S{40,}$"))
        value = secret.input_value()
        page.get_by_role("button", name="I have stored it").click()
        expect(page.locator("#token-secret")).to_be_hidden()
        row = page.locator("#tokens tbody tr", has_text="crm-sync")
        expect(row).to_contain_text("active")
        assert value not in page.content()
        row.get_by_role("button", name="Revoke").click()
        expect(row).to_contain_text("revoked")
        assert (
            httpx.get(
                f"{server.http_url}/api/session", headers={"Authorization": f"Bearer {value}"}
            ).status_code
            == 401
        )

        page.click("#tab-webhooks")
        page.fill("#webhook-url", "http://127.0.0.1:9/hooks")
        page.fill("#webhook-kinds", "call., admin.token_revoked")
        page.click("#webhook-form button[type=submit]")
        expect(page.locator("#webhook-secret-value")).to_have_value(re.compile(r"^whsec_"))
        expect(page.locator("#webhooks tbody")).to_contain_text("call., admin.token_revoked")
