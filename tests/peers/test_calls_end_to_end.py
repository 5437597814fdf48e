"""Live calls end to end: sipp callers (RFC 4733 keys from the pcaps sip-tester ships),
baresip phones registered as agents that answer by themselves, a real SMTP server.

Each test runs `frontdesk serve` on loopback with the small company of `live_company.py`
and the demo CRM callers, places real calls and reads the event log, the recordings, the
follow-up tasks and the e-mail that result.
"""

from __future__ import annotations

import email
import random
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerProcess, free_port, start_server
from live_company import write_company
from sipp_caller import caller_scenario, play
from test_baresip import baresip_dir, write_tone

from frontdesk.crm.demo import DEMO_CALLERS
from frontdesk.media.wav import read_wav

pytestmark = pytest.mark.peer


def _caller(server: ServerProcess, tmp_path: Path, number: str, dialled: str,
            body: str) -> subprocess.Popen[bytes]:  # fmt: skip
    """Starts a sipp caller in the background."""
    scenario = tmp_path / f"caller-{time.monotonic_ns()}.xml"
    scenario.write_text(caller_scenario(body, caller=number, dialled=dialled))
    media = free_port() // 2 * 2
    command = ["sipp", f"{server.host}:{server.port}", "-i", "127.0.0.1", "-p",
               str(free_port()), "-sf", str(scenario), "-m", "1", "-mi", "127.0.0.1", "-mp",
               str(media), "-nostdin", "-timeout", "60s", "-timeout_error"]  # fmt: skip
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip


def _finish(proc: subprocess.Popen[bytes], server: ServerProcess) -> None:
    out, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, out.decode(errors="replace")[-3000:] + server.log()[-3000:]


class Phones:
    """baresip agents' phones, registered and answering every call by themselves."""

    def __init__(self, server: ServerProcess, tmp_path: Path) -> None:
        self.server, self.tmp_path = server, tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def register(self, *extensions: str) -> None:
        for ext in extensions:
            password = {"1001": "alice1001", "1002": "bob1002", "1003": "chloe1003"}[ext]
            account = (f"<sip:{ext}@{self.server.host}:{self.server.port}>;auth_pass={password}"
                       ";answermode=auto;regint=60")  # fmt: skip
            (self.tmp_path / ext).mkdir()
            folder = baresip_dir(self.tmp_path / ext, self.server, account)
            write_tone(folder / "tone.wav", 60.0)  # baresip hangs up when its source ends
            self.procs.append(subprocess.Popen(
                ["baresip", "-4", "-f", str(folder)], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL))  # fmt: skip
        self.server.wait_for_events("endpoint.registered", len(extensions), timeout=20)
        time.sleep(0.6)  # the contact centre logs agents in on its next tick

    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    base = random.randrange(40000, 58000, 2)
    monkeypatch.setenv("FRONTDESK_RTP_PORTS", f"{base}-{base + 400}")
    monkeypatch.setenv("FRONTDESK_MEDIA_WORKERS", "1")
    smtp = free_port(socket_kind())
    company = write_company(tmp_path / "company", smtp_port=smtp)
    proc = start_server(tmp_path, "--config", str(company))
    proc.smtp_port = smtp  # type: ignore[attr-defined]
    yield proc
    assert proc.stop() == 0, proc.log()


def socket_kind() -> int:
    import socket

    return socket.SOCK_STREAM


@pytest.fixture
def phones(centre: ServerProcess, tmp_path: Path) -> Iterator[Phones]:
    agents = Phones(centre, tmp_path)
    yield agents
    agents.close()


def _by_kind(server: ServerProcess, kind: str) -> list[dict[str, object]]:
    return [dict(e.data) | {"call_id": e.call_id} for e in server.events(kind)]


def test_vip_caller_reaches_the_account_owner_and_the_call_is_recorded(
    centre: ServerProcess, phones: Phones, tmp_path: Path
) -> None:
    phones.register("1001", "1002")
    vip = DEMO_CALLERS["vip_account"]  # Northwind Traders: team key-accounts, owner alice
    caller = _caller(centre, tmp_path, vip, "100", play("g711a.pcap", 9000))
    _finish(caller, centre)
    [answered] = centre.wait_for_events("acd.answered", 1, timeout=10)
    assert answered.data["agent_id"] == "alice" and answered.data["queue"] == "key-accounts"
    [connected] = centre.wait_for_events("call.connected", 1)
    assert connected.data["agent"] == "alice"
    [started] = centre.events("call.flow_started")
    assert started.data["known"] is True
    recordings = [e for e in centre.wait_for_events("call.recording", 1, timeout=15)
                  if e.call_id == answered.call_id]  # fmt: skip
    assert recordings, centre.events()
    audio = read_wav(str(recordings[0].data["path"]))
    assert audio.samples.shape[1] == 2 and len(audio.samples) / 8000 > 5.0
    # The agent's side of the talk came through the bridge: baresip plays its tone file.
    agent_side = audio.samples[-8000 * 3 :, 1]
    assert float((agent_side**2).mean() ** 0.5) > 0.01
    ended = centre.wait_for_events("acd.call_ended", 1, timeout=10)
    assert ended[0].data["agent_id"] == "alice"


def test_french_caller_gets_a_french_speaking_agent(
    centre: ServerProcess, phones: Phones, tmp_path: Path
) -> None:
    phones.register("1002", "1003")  # bob speaks English only, chloe French
    caller = _caller(centre, tmp_path, DEMO_CALLERS["french_caller"], "100",
                     play("g711a.pcap", 7000))  # fmt: skip
    _finish(caller, centre)
    [started] = centre.events("call.flow_started")
    assert started.data["language"] == "fr"
    [answered] = centre.wait_for_events("acd.answered", 1, timeout=10)
    assert answered.data["agent_id"] == "chloe"


def test_after_hours_voicemail_with_a_promise_is_mailed_and_becomes_a_task(
    centre: ServerProcess, tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[bytes] = []

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            self.messages.append(envelope.content)  # type: ignore[attr-defined]
            return "250 OK"

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=centre.smtp_port)  # type: ignore[attr-defined]
    smtp.start()
    try:
        number = DEMO_CALLERS["open_parcel_case"]
        caller = _caller(centre, tmp_path, number, "101", play("g711a.pcap", 12000))
        _finish(caller, centre)
        [started] = centre.wait_for_events("call.voicemail_started", 1)
        assert "call you back by" in str(started.data["promise"])
        [message] = centre.wait_for_events("call.voicemail", 1, timeout=15)
        assert float(message.data["duration_s"]) > 3.0
        assert float(message.data["voiced_s"]) > 1.0
        assert Path(str(message.data["path"])).exists()
        [notified] = centre.wait_for_events("task.notified", 1, timeout=15)
        assert notified.data["error"] is None, notified.data
        mail = email.message_from_bytes(inbox.messages[0])
        assert number in mail["Subject"] and mail["To"] == "parcels@test.example"
        attachment = [p for p in mail.walk() if p.get_content_type() == "audio/wav"]
        assert (
            attachment[0].get_payload(decode=True) == Path(str(message.data["path"])).read_bytes()
        )
    finally:
        smtp.stop()
    with sqlite3.connect(centre.data_dir / "frontdesk.db") as db:
        rows = db.execute("select kind, status, caller from followup_tasks").fetchall()
    assert ("voicemail", "open", number) in rows, rows


def test_a_voicemail_of_silence_is_a_missed_call_not_a_message(
    centre: ServerProcess, tmp_path: Path
) -> None:
    """The caller stays on past the tone but sends no audio (sipp's pause sends no RTP)."""
    number = DEMO_CALLERS["open_parcel_case"]
    caller = _caller(centre, tmp_path, number, "101", '<pause milliseconds="12000"/>')
    _finish(caller, centre)
    centre.wait_for_events("call.voicemail_started", 1)
    [missed] = centre.wait_for_events("call.missed", 1, timeout=15)
    assert missed.data["why"] == "left no message"
    [recorded] = [e for e in centre.events("call.recording") if "voicemail" in str(e.data["path"])]
    assert float(recorded.data["duration_s"]) > 2.0  # there was a file: it held only silence
    assert centre.events("call.voicemail") == []
    with sqlite3.connect(centre.data_dir / "frontdesk.db") as db:
        rows = db.execute("select kind, status, caller from followup_tasks").fetchall()
    assert rows == [("missed_call", "open", number)], rows
