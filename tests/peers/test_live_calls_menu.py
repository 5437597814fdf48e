"""A call still in the menu is on the live calls list of the supervisors of the teams its
number serves (config.home_teams), as its live events are: not of another team's.

`frontdesk serve` with live_company.py's company, whose greeting is made long so the caller
stays in the menu, and a second team (billing) with its own supervisor; a sipp caller dials
the parcels number and talks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import WEB_PASSWORD, ServerProcess, start_web_centre
from test_web_desk import talking_caller

from frontdesk.accounts.model import NewUser, Role
from frontdesk.accounts.store import AccountStore
from frontdesk.clock import SystemClock
from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.store.eventlog import open_engine

pytestmark = pytest.mark.peer
GREETING = (
    "Hello, and thank you for calling Test Parcels. We will put you through in a moment;"
    " while you wait, please have your parcel number ready, because it helps us find your"
    " delivery quickly. Thank you for your patience."
)


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    def prepare(company: Path) -> None:
        flows = company.parent / "flows.yaml"
        text = flows.read_text()
        assert '"Hello {caller.first_name|}."' in text
        flows.write_text(text.replace('"Hello {caller.first_name|}."', f'"{GREETING}"', 1))
        text = company.read_text().replace(
            "queues:", "  - {name: billing, respond_within_h: 4}\nqueues:", 1
        )
        company.write_text(text)
        AccountStore(open_engine(tmp_path / "data"), SystemClock()).create_user(
            NewUser("tim", "Tim", Role.SUPERVISOR, ("billing",)), WEB_PASSWORD
        )

    server = start_web_centre(tmp_path, monkeypatch, prepare)
    yield server
    assert server.stop() == 0, server.log()[-3000:]


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=20)
    answer = client.post("/api/session", json={"username": username, "password": WEB_PASSWORD})
    assert answer.status_code == 200, answer.text
    return client


def listed(client: httpx.Client, call_id: str) -> dict[str, Any] | None:
    answer = client.get("/api/calls/live")
    assert answer.status_code == 200, answer.text
    return next((c for c in answer.json() if c["call_id"] == call_id), None)


def test_a_call_in_the_menu_is_listed_for_the_supervisors_of_its_numbers_teams(
    centre: ServerProcess, tmp_path: Path
) -> None:
    sue, tim = signed_in(centre.http_url, "sue"), signed_in(centre.http_url, "tim")
    caller = talking_caller(centre, tmp_path, DEMO_CALLERS["known_caller"], 30000)
    try:
        [started] = centre.wait_for_events("call.flow_started", 1, timeout=30)
        call_id = str(started.call_id)
        seen = listed(sue, call_id)
        assert seen is not None, centre.log()[-3000:]
        assert seen["state"] == "flow" and seen["queue"] is None, seen  # still in the menu
        assert sue.get(f"/api/calls/{call_id}").status_code == 200
        assert listed(tim, call_id) is None  # billing's supervisor: not their number
        assert tim.get(f"/api/calls/{call_id}").status_code == 403
        assert not centre.events("acd.queued")  # all of this while the greeting played
    finally:
        caller.kill()
        caller.communicate(timeout=10)
        sue.close()
        tim.close()
