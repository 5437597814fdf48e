"""`frontdesk serve` against sipp, a real SIP peer, over real sockets on loopback."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from conftest import SCENARIOS, ServerProcess, run_sipp

from frontdesk.store.eventlog import StoredEvent


def scenario(tmp_path: Path, name: str, **values: str) -> str:
    text = (SCENARIOS / name).read_text()
    for key, value in values.items():
        text = text.replace(key, value)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def run_scenario(
    server: ServerProcess, tmp_path: Path, name: str, service: str, calls: int
) -> None:
    """Runs one of our scenario files for `calls` calls to `service`; every call must pass."""
    path = scenario(tmp_path, name)
    count = str(calls)
    result = run_sipp(server, tmp_path, "-sf", path, "-s", service, "-m", count, "-r", count)
    assert result.returncode == 0, result.screen


def by_call(events: list[StoredEvent]) -> dict[str | None, list[str]]:
    calls: dict[str | None, list[str]] = collections.defaultdict(list)
    for event in events:
        if event.kind.startswith("call."):
            calls[event.call_id].append(event.kind)
    return calls


def test_builtin_uac_calls_are_answered_and_logged(server: ServerProcess, tmp_path: Path) -> None:
    result = run_sipp(server, tmp_path, "-sn", "uac", "-s", "100", "-m", "30", "-r", "30")
    assert result.returncode == 0, result.screen
    ended = server.wait_for_events("call.ended", 30)
    assert len(ended) == 30
    assert {e.data["reason"] for e in ended} == {"remote_bye"}
    calls = by_call(server.events())
    assert len(calls) == 30
    # Each call: received, answered, its flow started (unless the BYE came first), and ended;
    # sipp hangs up at once, so each is also a missed call of an unknown caller. When the
    # greeting's first packets went out before the BYE, the closed stream logs its quality.
    for kinds in calls.values():
        assert kinds[:2] == ["call.received", "call.answered"], kinds
        assert kinds.count("call.ended") == 1
        assert set(kinds) <= {"call.received", "call.answered", "call.flow_started",
                              "call.attributes", "call.missed", "call.quality",
                              "call.ended"}, kinds  # fmt: skip


def test_builtin_uac_over_tcp(server: ServerProcess, tmp_path: Path) -> None:
    result = run_sipp(
        server, tmp_path, "-sn", "uac", "-s", "100", "-m", "10", "-r", "10", "-t", "t1"
    )
    assert result.returncode == 0, result.screen
    assert len(server.wait_for_events("call.ended", 10)) == 10


def test_frontdesk_hangs_up_the_test_line(server: ServerProcess, tmp_path: Path) -> None:
    run_scenario(server, tmp_path, "call_answered_by_frontdesk_bye.xml", "199", 3)
    ended = server.wait_for_events("call.ended", 3)
    assert [e.data["reason"] for e in ended] == ["local_bye"] * 3
    assert all(e.data["duration_s"] >= 3.0 for e in ended)  # 1 s ringing + 2 s answered


def test_cancel_while_ringing(server: ServerProcess, tmp_path: Path) -> None:
    run_scenario(server, tmp_path, "cancel_while_ringing.xml", "199", 3)
    ended = server.wait_for_events("call.ended", 3)
    assert [e.data["reason"] for e in ended] == ["cancelled"] * 3
    assert not server.events("call.answered")


def test_reinvite_hold_is_answered_recvonly(server: ServerProcess, tmp_path: Path) -> None:
    run_scenario(server, tmp_path, "reinvite.xml", "100", 2)
    assert len(server.wait_for_events("call.ended", 2)) == 2


def test_retransmissions_under_loss(server: ServerProcess, tmp_path: Path) -> None:
    # sipp drops 10% of what it sends and receives; both sides must retransmit until done.
    result = run_sipp(
        server,
        tmp_path,
        "-sn",
        "uac",
        "-s",
        "100",
        "-m",
        "40",
        "-r",
        "20",
        "-lost",
        "10",
        "-recv_timeout",
        "40000",
        timeout=90,
    )
    assert "Successful call" in result.screen
    successful = int(result.screen.split("Successful call")[1].split("|")[2].split()[0])
    assert successful >= 36, result.screen  # sipp gives up on the few whose BYE it lost
    assert len(server.wait_for_events("call.answered", successful)) >= successful


def test_register_with_digest(server: ServerProcess, tmp_path: Path) -> None:
    path = scenario(tmp_path, "register_auth.xml", EXTENSION="1001", PASSWORD="alice1001")
    result = run_sipp(server, tmp_path, "-sf", path, "-m", "1")
    assert result.returncode == 0, result.screen
    registered = server.wait_for_events("endpoint.registered", 1)
    assert registered[0].data["extension"] == "1001"


def test_register_with_wrong_password_is_refused(server: ServerProcess, tmp_path: Path) -> None:
    path = scenario(tmp_path, "register_wrong_password.xml")
    result = run_sipp(server, tmp_path, "-sf", path, "-m", "1")
    assert result.returncode == 0, result.screen
    assert not server.events("endpoint.registered")


@pytest.mark.parametrize(("target", "status"), [("9999", "404"), ("1002", "480")])
def test_authenticated_calls_to_unknown_or_unregistered(
    server: ServerProcess, tmp_path: Path, target: str, status: str
) -> None:
    path = scenario(
        tmp_path, "call_with_auth.xml", EXTENSION="1001", PASSWORD="alice1001", EXPECTED=status
    )
    # sipp signs "sip:host:port" unless told the Request-URI; Frontdesk checks they match.
    auth_uri = f"{target}@{server.host}:{server.port}"
    result = run_sipp(server, tmp_path, "-sf", path, "-s", target, "-m", "1", "-auth_uri", auth_uri)
    assert result.returncode == 0, result.screen
    rejected = server.wait_for_events("call.rejected", 1)
    assert rejected[0].data["status"] == int(status)


def test_unauthenticated_call_never_leaves_frontdesk(server: ServerProcess, tmp_path: Path) -> None:
    # A caller with no credentials dialling an outside number is only ever challenged.
    result = run_sipp(
        server, tmp_path, "-sn", "uac", "-s", "0033612345678", "-m", "1", "-timeout", "5s"
    )
    assert result.returncode != 0
    assert not server.events("call.received")
