"""E-mail notification against a real SMTP server (aiosmtpd on localhost): the message as
received, the WAV attachment byte for byte, failures reported not raised, the loop not blocked.
"""

from __future__ import annotations

import asyncio
import email
import socket
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from followup_time import HOUR, WEDNESDAY_1000

from frontdesk.clock import ManualClock
from frontdesk.config.company import Smtp, Team
from frontdesk.followup import FollowupStore, Task
from frontdesk.followup.notify import Delivery, notify_team, subject_of

SUSAN = "+447700900123"
TZ = "Europe/London"
PARCELS = Team("parcels", respond_within_h=4.0, email="parcels@example.com")
DUE = WEDNESDAY_1000 + 4 * HOUR  # 14:00 the same day


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    delay_s: float = 0.0
    refuse: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse is not None and address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay_s)
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def only_ann(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    # handled=False: aiosmtpd answers the failure itself (535)
    return AuthResult(success=(data.login, data.password) == (b"ann", b"s3cret"), handled=False)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, Smtp]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=only_ann,
        auth_require_tls=False,  # a test server on loopback; real sites use starttls or 465
    )
    controller.start()
    try:
        yield handler, Smtp("127.0.0.1", port, sender="frontdesk@example.com", timeout_s=5.0)
    finally:
        controller.stop()


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "vm-c1.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes(range(256)) * 62)  # about one second of noise
    return path


def voicemail(store: FollowupStore, path: Path) -> Task:
    return store.add_voicemail(
        "c1", SUSAN, "parcels", "parcels-uk", str(path), 23.0, DUE, "by 2 pm today"
    )


def send(task: Task, smtp: Smtp | None, store: FollowupStore, **kw: Any) -> Delivery:
    clock = ManualClock(wall_offset=WEDNESDAY_1000)
    team = kw.pop("team", PARCELS)
    return asyncio.run(notify_team(task, team, smtp, TZ, store=store, clock=clock, **kw))


def test_voicemail_arrives_with_its_recording(
    inbox: tuple[Inbox, Smtp], store: FollowupStore, recording: Path
) -> None:
    handler, smtp = inbox
    task = voicemail(store, recording)
    delivery = send(task, smtp, store, caller_name="Susan Ríos")
    assert delivery.ok and delivery.error is None
    (message,) = handler.messages
    assert handler.recipients == [["parcels@example.com"]]
    assert message["Subject"] == (
        "Voicemail from Susan Ríos (+447700900123) for parcels — call back by 2 pm today"
    )
    assert message["From"] == "frontdesk@example.com"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    for expected in (
        "+447700900123 (Susan Ríos)",
        "Wednesday 1 May 2024, 10:00 (Europe/London)",
        "Wednesday 1 May 2024, 14:00",
        '"by 2 pm today"',
        "23 s, attached (vm-c1.wav)",
        f"#{task.id}",
        "queue parcels-uk",
    ):
        assert expected in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "audio/wav"
    assert attachment.get_filename() == "vm-c1.wav"
    assert attachment.get_content() == recording.read_bytes()
    stored = store.get(task.id)
    assert stored is not None and stored.notified_at == WEDNESDAY_1000
    assert stored.notify_error is None


def test_missed_calls_are_counted_in_the_subject(
    inbox: tuple[Inbox, Smtp], store: FollowupStore
) -> None:
    handler, smtp = inbox
    store.add_missed_call("c1", SUSAN, "parcels", None, "rang_out", DUE)
    task = store.add_missed_call("c2", SUSAN, "parcels", None, "abandoned", DUE)
    assert task is not None
    assert send(task, smtp, store).ok
    (message,) = handler.messages
    assert message["Subject"] == (
        "2 missed calls from +447700900123 for parcels — call back by 2 pm today"
    )
    assert list(message.iter_attachments()) == []


def test_a_missing_recording_is_said_and_the_mail_still_goes(
    inbox: tuple[Inbox, Smtp], store: FollowupStore, tmp_path: Path
) -> None:
    handler, smtp = inbox
    task = voicemail(store, tmp_path / "gone.wav")
    assert send(task, smtp, store).ok
    body = handler.messages[0].get_body(preferencelist=("plain",))
    assert body is not None and "could not be read" in body.get_content()
    assert list(handler.messages[0].iter_attachments()) == []


def test_login(inbox: tuple[Inbox, Smtp], store: FollowupStore, recording: Path) -> None:
    handler, smtp = inbox
    task = voicemail(store, recording)
    good = Smtp(smtp.host, smtp.port, smtp.sender, username="ann", password="s3cret")
    bad = Smtp(smtp.host, smtp.port, smtp.sender, username="ann", password="guess")
    assert send(task, good, store).ok
    refused = send(task, bad, store)
    assert not refused.ok and refused.error is not None
    assert "refused the login of ann: 535" in refused.error
    assert len(handler.messages) == 1


def test_a_refused_recipient_is_reported_and_recorded(
    inbox: tuple[Inbox, Smtp], store: FollowupStore, recording: Path
) -> None:
    handler, smtp = inbox
    handler.refuse = "parcels@example.com"
    task = voicemail(store, recording)
    delivery = send(task, smtp, store)
    assert not delivery.ok and delivery.error is not None
    assert "refused the recipient parcels@example.com (550" in delivery.error
    stored = store.get(task.id)
    assert stored is not None
    assert (stored.notified_at, stored.notify_error) == (None, delivery.error)


def test_unreachable_and_silent_servers_are_reported(store: FollowupStore, recording: Path) -> None:
    task = voicemail(store, recording)
    closed = send(task, Smtp("127.0.0.1", free_port()), store)
    assert closed.error is not None and "refused the connection" in closed.error
    with socket.socket() as mute:  # accepts connections, never greets
        mute.bind(("127.0.0.1", 0))
        mute.listen()
        silent = Smtp("127.0.0.1", mute.getsockname()[1], timeout_s=0.3)
        late = send(task, silent, store)
    assert late.error is not None and "did not answer within 0.3 s" in late.error


def test_nothing_to_send_with_is_reported(store: FollowupStore, recording: Path) -> None:
    task = voicemail(store, recording)
    assert send(task, None, store).error == "no mail server is configured"
    nobody = Team("parcels")
    smtp = Smtp("127.0.0.1", 25)
    assert send(task, smtp, store, team=nobody).error == "team parcels has no e-mail address"


def test_the_event_loop_keeps_running_while_mail_is_sent(
    inbox: tuple[Inbox, Smtp], store: FollowupStore, recording: Path
) -> None:
    handler, smtp = inbox
    handler.delay_s = 0.5  # a slow server
    task = voicemail(store, recording)

    async def scenario() -> tuple[Delivery, int]:
        ticks = 0
        sending = asyncio.create_task(notify_team(task, PARCELS, smtp, TZ))
        while not sending.done():
            await asyncio.sleep(0.01)
            ticks += 1
        return sending.result(), ticks

    delivery, ticks = asyncio.run(scenario())
    assert delivery.ok
    assert ticks >= 25  # at 10 ms a tick through half a second of server delay


def test_callback_subjects(store: FollowupStore) -> None:
    soon = store.add_callback(SUSAN, "parcels", None, due_at=DUE)
    assert subject_of(soon, TZ) == (
        "Callback requested by +447700900123 for parcels — call back by 2 pm today"
    )
    tomorrow_2pm = WEDNESDAY_1000 + 28 * HOUR
    booked = store.add_callback(
        "+447700900456", "parcels", None, window=(tomorrow_2pm, tomorrow_2pm + 2 * HOUR)
    )
    assert subject_of(booked, TZ, "Tom\r\nBcc: x@example.com") == (
        "Callback booked by Tom Bcc: x@example.com (+447700900456) for parcels"
        " — call from 2 pm tomorrow, by 4 pm tomorrow"
    )
