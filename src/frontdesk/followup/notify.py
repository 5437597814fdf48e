"""E-mail to a team about a voicemail, a missed call or a booked callback.

The message is built with `email.message.EmailMessage` (the voicemail WAV attached as
audio/wav) and sent with `smtplib` in a worker thread (`asyncio.to_thread`), so a slow or dead
mail server never stalls the event loop that carries the calls' audio. `notify_team` never
raises into the call that triggered it: it returns a `Delivery` saying whether the server took
the message or why not, and records that on the task when given the store.

Port 465 means TLS from the first byte (RFC 8314 §3.3, "submissions"); on other ports
`starttls` upgrades the plain connection (RFC 3207) before any login.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from frontdesk.clock import Clock, SystemClock
from frontdesk.config.company import Smtp, Team
from frontdesk.followup.model import Task, TaskKind
from frontdesk.followup.promise import promise_text, zone_of
from frontdesk.followup.store import FollowupStore

log = logging.getLogger(__name__)
IMPLICIT_TLS_PORT = 465


@dataclass(frozen=True, slots=True)
class Delivery:
    task_id: int
    ok: bool
    recipient: str | None
    subject: str
    error: str | None = None  # why the message was not sent; None when it was


def _one_line(text: str) -> str:
    return " ".join(text.split())  # a caller name must not break the Subject header


def subject_of(task: Task, timezone: str, caller_name: str | None = None) -> str:
    who = task.caller if not caller_name else f"{_one_line(caller_name)} ({task.caller})"
    by = promise_text(task.due_at, task.updated_at, timezone, "en")
    if task.kind is TaskKind.VOICEMAIL:
        return f"Voicemail from {who} for {task.team} — call back {by}"
    if task.kind is TaskKind.MISSED_CALL:
        calls = (
            "Missed call" if task.unanswered_calls <= 1 else f"{task.unanswered_calls} missed calls"
        )
        return f"{calls} from {who} for {task.team} — call back {by}"
    if task.not_before is not None:
        start = promise_text(task.not_before, task.updated_at, timezone, "en").removeprefix("by ")
        return f"Callback booked by {who} for {task.team} — call from {start}, {by}"
    return f"Callback requested by {who} for {task.team} — call back {by}"


def _local(wall: float, timezone: str) -> str:
    moment = dt.datetime.fromtimestamp(wall, zone_of(timezone))
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} ({timezone})"


def _body(task: Task, timezone: str, caller_name: str | None, recording: str) -> str:
    name = f" ({_one_line(caller_name)})" if caller_name else ""
    lines = [
        f"Caller:          {task.caller}{name}",
        f"When:            {_local(task.updated_at, timezone)}",
        f"Team:            {task.team}" + (f", queue {task.queue}" if task.queue else ""),
    ]
    if task.kind is TaskKind.CALLBACK and task.not_before is not None:
        lines.append(f"Booked from:     {_local(task.not_before, timezone)}")
    lines.append(f"Call back by:    {_local(task.due_at, timezone)}")
    if task.promise:
        lines.append(f'Caller was told: "{task.promise}"')
    if task.recording_path is not None:
        lines.append(f"Voicemail:       {task.recording_s or 0:.0f} s, {recording}")
    if task.unanswered_calls > 1:
        lines.append(f"Unanswered calls: {task.unanswered_calls} (latest {task.last_call_id})")
    lines += [f"Task:            #{task.id}", f"Call id:         {task.last_call_id or '-'}"]
    return "\n".join(lines) + "\n"


def build_message(
    task: Task,
    recipient: str,
    smtp: Smtp,
    timezone: str,
    sent_at: float,
    caller_name: str | None = None,
) -> EmailMessage:
    """The e-mail about `task`; reads the voicemail file, if any, to attach it."""
    message = EmailMessage()
    message["Subject"] = subject_of(task, timezone, caller_name)
    message["From"] = smtp.sender
    message["To"] = recipient
    message["Date"] = formatdate(sent_at)
    message["Message-ID"] = make_msgid("followup")
    attachment: tuple[bytes, str] | None = None
    recording = "none"
    if task.recording_path is not None:
        path = Path(task.recording_path)
        try:
            attachment = (path.read_bytes(), path.name)
            recording = f"attached ({path.name})"
        except OSError as exc:
            recording = f"the recording {path} could not be read ({exc.strerror or exc})"
    message.set_content(_body(task, timezone, caller_name, recording))
    if attachment is not None:
        wav, filename = attachment
        message.add_attachment(wav, maintype="audio", subtype="wav", filename=filename)
    return message


def send_message(smtp: Smtp, message: EmailMessage) -> None:
    """Hands `message` to the mail server; blocking, so run it in a thread."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.port == IMPLICIT_TLS_PORT:
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
    with client:
        if smtp.starttls and smtp.port != IMPLICIT_TLS_PORT:
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        refused = client.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


def _timed_out(exc: BaseException | None) -> bool:
    # smtplib turns a timeout while awaiting a reply into SMTPServerDisconnected
    while exc is not None:
        if isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def why_not_sent(exc: Exception, smtp: Smtp) -> str:
    """One sentence for the failure, naming the server."""
    where = f"{smtp.host}:{smtp.port}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        names = ", ".join(
            f"{address} ({code} {reply.decode(errors='replace')})"
            for address, (code, reply) in exc.recipients.items()
        )
        return f"the mail server {where} refused the recipient {names}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"the mail server {where} refused the login of {smtp.username}: {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"the mail server {where} answered {exc.smtp_code} {reply}".rstrip()
    if _timed_out(exc):
        return f"the mail server {where} did not answer within {smtp.timeout_s:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return f"the mail server {where} refused the connection (is it running?)"
    if isinstance(exc, smtplib.SMTPException | OSError):
        return f"sending to the mail server {where} failed: {exc}"
    return f"sending to the mail server {where} failed unexpectedly: {type(exc).__name__}: {exc}"


def _deliver(
    task: Task,
    team: Team,
    smtp: Smtp | None,
    timezone: str,
    caller_name: str | None,
    sent_at: float,
) -> Delivery:
    """Builds and sends; every failure becomes the Delivery's error (runs in a thread)."""
    subject = ""
    try:
        subject = subject_of(task, timezone, caller_name)
        if smtp is None:
            return Delivery(task.id, False, team.email, subject, "no mail server is configured")
        if not team.email:
            return Delivery(
                task.id, False, None, subject, f"team {team.name} has no e-mail address"
            )
        message = build_message(task, team.email, smtp, timezone, sent_at, caller_name)
        send_message(smtp, message)
    except Exception as exc:  # the call that asked for this must never see a mail failure
        if smtp is None or not isinstance(exc, smtplib.SMTPException | OSError):
            log.exception("notifying team %s about task %s failed", team.name, task.id)
        why = why_not_sent(exc, smtp) if smtp is not None else f"{type(exc).__name__}: {exc}"
        return Delivery(task.id, False, team.email, subject, why)
    return Delivery(task.id, True, team.email, subject)


def _deliver_and_record(
    task: Task,
    team: Team,
    smtp: Smtp | None,
    timezone: str,
    caller_name: str | None,
    sent_at: float,
    store: FollowupStore | None,
) -> Delivery:
    delivery = _deliver(task, team, smtp, timezone, caller_name, sent_at)
    if store is not None:
        try:
            store.record_notification(task.id, delivery.error)
        except Exception:  # the e-mail went (or not) either way; the record is secondary
            log.exception("recording the notification of task %s failed", task.id)
    return delivery


async def notify_team(
    task: Task,
    team: Team,
    smtp: Smtp | None,
    timezone: str,
    *,
    caller_name: str | None = None,
    store: FollowupStore | None = None,
    clock: Clock | None = None,
) -> Delivery:
    """E-mails `team` about `task` from a worker thread; never raises.

    `timezone` is the company's, for the times in the message; `caller_name` comes from the
    CRM when the caller is known. With `store`, the outcome is recorded on the task.
    """
    sent_at = (clock or SystemClock()).wall()
    return await asyncio.to_thread(
        _deliver_and_record, task, team, smtp, timezone, caller_name, sent_at, store
    )
