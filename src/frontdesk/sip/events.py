"""Events the SIP user agent hands to the application (the telephony layer)."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.sip.dialog import Dialog
from frontdesk.sip.message import Request, Response
from frontdesk.sip.transaction import Peer, Transaction


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    """An out-of-dialog request the application must answer (INVITE, REGISTER, MESSAGE...)."""

    request: Request
    txn: Transaction
    peer: Peer


@dataclass(frozen=True, slots=True)
class DialogRequest:
    """A request inside a dialog (re-INVITE, UPDATE, INFO, REFER, NOTIFY) to be answered."""

    dialog: Dialog
    request: Request
    txn: Transaction


@dataclass(frozen=True, slots=True)
class InviteCancelled:
    """The caller cancelled a pending INVITE; 487 has already been sent."""

    txn: Transaction


@dataclass(frozen=True, slots=True)
class DialogConfirmed:
    """The ACK for our 2xx arrived (UAS), or we received a 2xx and sent the ACK (UAC)."""

    dialog: Dialog


@dataclass(frozen=True, slots=True)
class DialogEnded:
    dialog: Dialog
    reason: str  # "remote_bye", "local_bye", "no_ack", "timeout", "shutdown"


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    """A response to a request Frontdesk sent; `dialog` is set once one exists."""

    txn: Transaction
    response: Response
    dialog: Dialog | None


@dataclass(frozen=True, slots=True)
class RequestTimedOut:
    txn: Transaction


@dataclass(frozen=True, slots=True)
class MessageRejected:
    """A message that failed to parse or failed the core checks (for logs and counters)."""

    peer: Peer
    status: int | None  # the status answered, None when it was dropped
    reason: str


SipEvent = (
    IncomingRequest | DialogRequest | InviteCancelled | DialogConfirmed | DialogEnded
    | ResponseReceived | RequestTimedOut | MessageRejected
)  # fmt: skip
