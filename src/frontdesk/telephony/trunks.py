"""Outbound registration to carrier trunks (RFC 3261 §10.2), with digest credentials.

For each trunk that asks for it, Frontdesk registers its contact with the carrier, answers the
carrier's digest challenge (once per attempt), refreshes before the granted expiry runs out, and
retries failures with back-off. Changes of state are written to the event log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from frontdesk.config import Company, Trunk
from frontdesk.sip import SipError
from frontdesk.sip.digest_client import answer_challenge, choose_challenge
from frontdesk.sip.events import RequestTimedOut, ResponseReceived, SipEvent
from frontdesk.sip.headers import parse_name_addr
from frontdesk.sip.message import Request, Response
from frontdesk.sip.timers import Later
from frontdesk.sip.transaction import Peer
from frontdesk.sip.uri import SipUri
from frontdesk.sip.useragent import UserAgent
from frontdesk.telephony.switchboard import EventSink

log = logging.getLogger("frontdesk.trunks")
REQUESTED_EXPIRES = 3600
RETRY_FIRST, RETRY_MAX = 30.0, 300.0


@dataclass
class TrunkState:
    trunk: Trunk
    call_id: str = ""
    cseq: int = 0
    registered: bool = False
    expires_at: float = 0.0
    retry_delay: float = RETRY_FIRST
    nc: int = 0


class TrunkRegistrar:
    def __init__(
        self, company: Company, ua: UserAgent, events: EventSink, wall: Callable[[], float]
    ) -> None:
        self.ua = ua
        self.log = events
        self.wall = wall
        self.states = [TrunkState(t) for t in company.trunks if t.register]
        self._by_call_id: dict[str, TrunkState] = {}

    def start(self, now: float) -> None:
        for state in self.states:
            self.register(state, now)

    def register(self, state: TrunkState, now: float) -> None:
        trunk = state.trunk
        if not state.call_id:
            state.call_id = self.ua.ids.call_id("frontdesk")
            self._by_call_id[state.call_id] = state
        state.cseq += 1
        user = trunk.username or "frontdesk"
        aor = parse_name_addr(f"<sip:{user}@{trunk.host}>")
        peer = Peer(trunk.transport, trunk.host, trunk.port)
        request = self.ua.new_request(
            "REGISTER",
            SipUri("sip", trunk.host, port=trunk.port),
            aor,
            aor,
            peer,
            headers={"Expires": str(REQUESTED_EXPIRES)},
            call_id=state.call_id,
            cseq=state.cseq,
        )
        self.ua.send(request, peer, now, lambda req, resp: self._credentials(state, req, resp))

    def _credentials(
        self, state: TrunkState, request: Request, response: Response
    ) -> dict[str, str] | None:
        trunk = state.trunk
        if trunk.username is None or trunk.password is None:
            return None
        proxy = response.status == 407
        challenges = response.get_all("Proxy-Authenticate" if proxy else "WWW-Authenticate")
        try:
            challenge = choose_challenge(challenges)
            state.nc += 1
            value = answer_challenge(
                challenge,
                request.method,
                request.uri_text,
                trunk.username,
                trunk.password,
                self.ua.ids.token(64),
                state.nc,
            )
        except SipError as exc:
            log.warning("cannot answer %s's challenge: %s", trunk.name, exc)
            return None
        state.cseq += 1  # the user agent sends the retry with the next CSeq
        return {"Proxy-Authorization" if proxy else "Authorization": value}

    def handle(self, events: list[SipEvent], now: float) -> None:
        for event in events:
            if isinstance(event, ResponseReceived | RequestTimedOut):
                request = event.txn.request
                if request.method != "REGISTER":
                    continue
                state = self._by_call_id.get(request.call_id)
                if state is None:
                    continue
                if isinstance(event, RequestTimedOut):
                    self._failed(state, now, "no answer")
                elif event.response.status >= 200:
                    self._final(state, event.response, now)

    def _final(self, state: TrunkState, response: Response, now: float) -> None:
        if response.status >= 300:
            self._failed(state, now, f"{response.status} {response.reason}")
            return
        granted = _granted_expiry(response, REQUESTED_EXPIRES)
        was = state.registered
        state.registered = True
        state.expires_at = now + granted
        state.retry_delay = RETRY_FIRST
        # Refresh well before expiry (at 80%, but never later than 30 s before it).
        refresh = max(1.0, min(granted * 0.8, granted - 30.0))
        self.ua.timers.schedule(
            now + refresh, Later(lambda t: self.register(state, t)), "REREGISTER"
        )
        if not was:
            log.info("registered with trunk %s for %d s", state.trunk.name, granted)
            self.log.append(
                self.wall(), "trunk.registered", None, trunk=state.trunk.name, expires_s=granted
            )

    def _failed(self, state: TrunkState, now: float, why: str) -> None:
        state.registered = False
        log.warning(
            "registration with trunk %s failed: %s; retrying in %.0f s",
            state.trunk.name,
            why,
            state.retry_delay,
        )
        self.log.append(
            self.wall(),
            "trunk.registration_failed",
            None,
            trunk=state.trunk.name,
            reason=why,
            retry_in_s=state.retry_delay,
        )
        self.ua.timers.schedule(
            now + state.retry_delay, Later(lambda t: self.register(state, t)), "REREGISTER"
        )
        state.retry_delay = min(state.retry_delay * 2, RETRY_MAX)


def _granted_expiry(response: Response, requested: int) -> int:
    """The expiry the registrar granted: our contact's expires parameter, else Expires."""
    for contact in response.contacts:
        value = contact.param("expires")
        if value is not None and value.isdigit():
            return int(value)
    header = response.get("Expires")
    if header is not None and header.strip().isdigit():
        return int(header.strip())
    return requested
