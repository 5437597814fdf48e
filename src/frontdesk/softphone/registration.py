"""The browser phone's registration with the Frontdesk server (RFC 3261 §10.2), sans-IO.

REGISTER goes to the server as the agent's extension with the agent's password, answering the
server's digest challenge (RFC 3261 §22.2, RFC 8760) once per request. One Call-ID is kept
for the registration's life and the CSeq grows with every request (§10.2.4), so the registrar
orders refreshes and the final un-REGISTER correctly. A granted registration is refreshed at
`REFRESH_AT` of the expiry the server gave back; a refused or unanswered one is retried every
`RETRY_S` while the session lives, so a server restart only interrupts the login.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto

from frontdesk.sip import SipError
from frontdesk.sip.digest_client import answer_challenge, choose_challenge
from frontdesk.sip.events import RequestTimedOut, ResponseReceived, SipEvent
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.message import Request, Response
from frontdesk.sip.timers import Later
from frontdesk.sip.transaction import Peer
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony.registrations import BROWSER_PHONE

log = logging.getLogger("frontdesk.softphone")
EXPIRES_S = 120  # the registrar's minimum is 60 s
REFRESH_AT = 0.5
RETRY_S = 10.0


class RegState(Enum):
    IDLE = auto()
    REGISTERING = auto()
    REGISTERED = auto()
    FAILED = auto()  # refused or unanswered; retried
    UNREGISTERING = auto()
    CLOSED = auto()


class RegInput(Enum):
    SEND = auto()
    GRANTED = auto()
    REFUSED = auto()
    UNREGISTER = auto()
    REMOVED = auto()  # the answer (any) to our un-REGISTER


REG_TABLE: dict[tuple[RegState, RegInput], RegState] = {
    (RegState.IDLE, RegInput.SEND): RegState.REGISTERING,
    (RegState.FAILED, RegInput.SEND): RegState.REGISTERING,
    (RegState.REGISTERED, RegInput.SEND): RegState.REGISTERED,  # a refresh
    (RegState.REGISTERING, RegInput.GRANTED): RegState.REGISTERED,
    (RegState.REGISTERED, RegInput.GRANTED): RegState.REGISTERED,
    (RegState.REGISTERING, RegInput.REFUSED): RegState.FAILED,
    (RegState.REGISTERED, RegInput.REFUSED): RegState.FAILED,
    (RegState.IDLE, RegInput.UNREGISTER): RegState.CLOSED,
    (RegState.REGISTERING, RegInput.UNREGISTER): RegState.UNREGISTERING,
    (RegState.REGISTERED, RegInput.UNREGISTER): RegState.UNREGISTERING,
    (RegState.FAILED, RegInput.UNREGISTER): RegState.UNREGISTERING,
    (RegState.UNREGISTERING, RegInput.REMOVED): RegState.CLOSED,
}


@dataclass(frozen=True, slots=True)
class Account:
    """Who the phone registers as, and where."""

    extension: str
    password: str
    server: Peer


# Called on every change that matters: (registered now?, why not, when it is not).
StatusCallback = Callable[[bool, str], None]


class Registration:
    def __init__(self, ua: UserAgent, account: Account, on_status: StatusCallback) -> None:
        self.ua, self.account, self.on_status = ua, account, on_status
        self.state = RegState.IDLE
        self.call_id = ua.ids.call_id("softphone")
        self._cseq = 0
        self._nc = 0
        self._generation = 0  # timers of an older request are ignored
        self.last_failure = ""

    def _feed(self, what: RegInput) -> bool:
        nxt = REG_TABLE.get((self.state, what))
        if nxt is None:
            return False
        self.state = nxt
        return True

    def start(self, now: float) -> None:
        if self._feed(RegInput.SEND):
            self._send(EXPIRES_S, now)

    def stop(self, now: float) -> None:
        """Un-REGISTER (Expires: 0); the server logs the agent out on its next tick."""
        sent_before = self.state is not RegState.IDLE
        if self._feed(RegInput.UNREGISTER) and sent_before:
            self._send(0, now)

    def _send(self, expires: int, now: float) -> None:
        account = self.account
        server = account.server
        host = f"[{server.host}]" if ":" in server.host else server.host
        target = SipUri("sip", host, port=server.port)
        aor = NameAddr(SipUri("sip", host, user=account.extension, port=server.port))
        self._cseq += 2  # the digest retry takes the next number itself
        request = self.ua.new_request(
            "REGISTER",
            target,
            aor,
            aor,
            server,
            call_id=self.call_id,
            cseq=self._cseq,
            headers={"Expires": str(expires), "User-Agent": BROWSER_PHONE},
        )
        self._generation += 1
        self.ua.send(request, server, now, self._credentials)

    def _credentials(self, request: Request, response: Response) -> dict[str, str] | None:
        proxy = response.status == 407
        challenges = response.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
        try:
            challenge = choose_challenge(challenges)
            self._nc += 1
            value = answer_challenge(
                challenge,
                request.method,
                request.uri_text,
                self.account.extension,
                self.account.password,
                self.ua.ids.token(64),
                self._nc,
            )
        except SipError as exc:
            log.warning("cannot answer the server's challenge: %s", exc)
            return None
        return {"Proxy-Authorization" if proxy else "Authorization": value}

    # -- the user agent's events ----------------------------------------------------------------
    def owns(self, event: SipEvent) -> bool:
        if isinstance(event, ResponseReceived | RequestTimedOut):
            return event.txn.request.call_id == self.call_id
        return False

    def handle(self, event: SipEvent, now: float) -> None:
        if not isinstance(event, ResponseReceived | RequestTimedOut):
            return
        if isinstance(event, ResponseReceived) and event.response.status < 200:
            return
        if self.state is RegState.UNREGISTERING:
            if event.txn.request.get("Expires") == "0":
                self._feed(RegInput.REMOVED)
            return
        if isinstance(event, RequestTimedOut):
            self._refused("no_response", now)
        elif isinstance(event, ResponseReceived):
            response = event.response
            if 200 <= response.status < 300:
                self._granted(response, now)
            else:
                self._refused(f"refused: {response.status} {response.reason}", now)

    def _granted(self, response: Response, now: float) -> None:
        was = self.state
        self._feed(RegInput.GRANTED)
        expires = self._granted_expiry(response)
        generation = self._generation
        self.ua.timers.schedule(
            now + max(expires * REFRESH_AT, 5.0),
            Later(lambda t: self._refresh(generation, t)),
            "REFRESH",
        )
        if was is not RegState.REGISTERED:
            self.last_failure = ""
            self.on_status(True, "")

    def _granted_expiry(self, response: Response) -> int:
        """The expiry the registrar granted our contact (its Contact's expires, §10.2.4)."""
        for contact in response.contacts:
            value = contact.param("expires")
            uri = contact.uri
            ours = (
                isinstance(uri, SipUri) and uri.port == self.ua.local_for(self.account.server).port
            )
            if value and value.isdigit() and ours:
                return int(value)
        value = response.get("Expires")
        return int(value) if value and value.isdigit() else EXPIRES_S

    def _refused(self, why: str, now: float) -> None:
        was = self.state
        if not self._feed(RegInput.REFUSED):
            return
        self.last_failure = why
        log.warning("registration of %s failed: %s", self.account.extension, why)
        generation = self._generation
        self.ua.timers.schedule(
            now + RETRY_S, Later(lambda t: self._refresh(generation, t)), "RETRY"
        )
        if was is RegState.REGISTERED or was is RegState.REGISTERING:
            self.on_status(False, why)

    def _refresh(self, generation: int, now: float) -> None:
        if generation == self._generation and self._feed(RegInput.SEND):
            self._send(EXPIRES_S, now)

    @property
    def registered(self) -> bool:
        return self.state is RegState.REGISTERED
