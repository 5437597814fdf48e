"""The live event stream (`/api/events`), filtered per user, on a live server with a real call.

The two-team company of the access test (parcels: sue supervises, alice and bob; billing: tom
supervises, chloe). A sipp caller dials 101, whose flow only takes a voicemail for parcels:
the call never reaches a queue. It belongs to the teams its number serves (docs/accounts.md),
so sue sees it live and tom does not; the admin sees everything, agents nothing of it.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_access_matrix import USERS, peers, signed_in, start_company_server
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

pytestmark = pytest.mark.peer

WATCHERS = ("ada", "sue", "tom", "chloe")
CALLER = "+447700900777"


class Listener(threading.Thread):
    """One user's WebSocket: every event it delivers, in order."""

    def __init__(self, url: str, cookie: str) -> None:
        super().__init__(daemon=True)
        self.url, self.cookie = url, cookie
        self.events: list[dict[str, Any]] = []
        self.ready = threading.Event()
        self.ws: ClientConnection | None = None
        self.close_code: int | None = None

    def run(self) -> None:
        with connect(self.url, additional_headers={"Cookie": self.cookie}) as ws:
            self.ws = ws
            self.ready.set()
            try:
                while True:
                    self.events.extend(json.loads(ws.recv()))
            except ConnectionClosed as closed:  # by the test, or by the server
                self.close_code = closed.rcvd.code if closed.rcvd is not None else None

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        self.join(5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    found = start_company_server(tmp_path_factory.mktemp("live-events"))
    yield found
    assert found.stop() == 0, found.log()[-3000:]


def _listen(base: str, username: str) -> Listener:
    client = signed_in(base, username)
    try:
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    finally:
        client.close()
    url = base.replace("http://", "ws://") + "/api/events"
    listener = Listener(url, cookie)
    listener.start()
    assert listener.ready.wait(10), f"{username} could not open the event stream"
    return listener


def _call_101(server: Any, tmp_path: Path) -> None:
    from sipp_caller import caller_scenario

    free_port = peers.free_port  # tests/peers' conftest, loaded under its own name

    scenario = tmp_path / "caller.xml"
    scenario.write_text(caller_scenario('<pause milliseconds="3000"/>', dialled="101",
                                        caller=CALLER))  # fmt: skip
    media = str(free_port() // 2 * 2)
    command = ["sipp", f"{server.host}:{server.port}", "-i", "127.0.0.1", "-p",
               str(free_port()), "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp",
               media, "-nostdin", "-timeout", "30s", "-timeout_error"]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]


def test_a_call_that_ends_in_the_menu_reaches_the_supervisors_of_its_numbers_teams(
    server: Any, tmp_path: Path
) -> None:
    assert {"ada", "sue", "tom", "chloe"} <= set(USERS)
    listeners = {name: _listen(server.http_url, name) for name in WATCHERS}
    _call_101(server, tmp_path)
    ours = [e for e in server.events("call.flow_started") if e.data["caller"] == CALLER]
    assert len(ours) == 1, server.events("call.flow_started")
    call_id = ours[0].call_id
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if any(
            e["kind"] == "call.ended" and e["call_id"] == call_id for e in listeners["ada"].events
        ):
            break
        time.sleep(0.1)
    time.sleep(1.0)  # anything tom or chloe would wrongly get has had time to arrive
    for listener in listeners.values():
        listener.close()
    seen = {
        name: {e["kind"] for e in listener.events if e["call_id"] == call_id}
        for name, listener in listeners.items()
    }
    assert {"call.answered", "call.flow_started", "call.ended"} <= seen["sue"], seen
    assert seen["ada"] >= seen["sue"], seen
    assert seen["tom"] == set() and seen["chloe"] == set(), seen


def test_a_stopping_server_closes_each_event_stream_as_going_away(server: Any) -> None:
    """Runs last: it stops the module's server. A subscriber whose stream is closed with 1001
    (RFC 6455 section 7.4.1) reconnects to the next server; a subscriber that left while no
    event came still has a handler waiting for events, which must end too, not be cancelled
    by the HTTP server as an error."""
    gone = _listen(server.http_url, "sue")
    gone.close()
    staying = _listen(server.http_url, "ada")
    assert server.stop() == 0, server.log()[-3000:]
    staying.join(10)
    assert staying.close_code == 1001
    assert "Exception in ASGI application" not in server.log(), server.log()[-3000:]
