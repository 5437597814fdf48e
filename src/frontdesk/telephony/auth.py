"""Digest authentication of the company's endpoints (agents' phones) with brute-force throttling.

Wraps the sans-IO digest authenticator: challenges with SHA-256 and MD5, checks credentials
against the agents' extension passwords, checks that the credentials were made for this very
request (digest-uri), and counts failures per source address. A source that fails too often is
dropped silently for a while (SIP scanners move on faster when nothing answers) and logged once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from frontdesk.config import Company
from frontdesk.sip import SipParseError
from frontdesk.sip.digest import DigestAuthenticator
from frontdesk.sip.message import Request
from frontdesk.sip.throttle import AuthFailureThrottle
from frontdesk.sip.transaction import Peer
from frontdesk.sip.uri import parse_uri
from frontdesk.telephony.switchboard import AuthOutcome

log = logging.getLogger("frontdesk.auth")


def load_or_make_secret(data_dir: Path) -> bytes:
    """The nonce key, kept across restarts so that phones' nonces stay valid."""
    path = data_dir / "nonce.key"
    try:
        secret = path.read_bytes()
        if len(secret) >= 32:
            return secret
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = os.urandom(32)
    path.write_bytes(secret)
    path.chmod(0o600)
    return secret


class EndpointAuthenticator:
    def __init__(
        self,
        company: Company,
        secret: bytes,
        throttle: AuthFailureThrottle | None = None,
    ) -> None:
        self.company = company
        self.digest = DigestAuthenticator(
            company.domain, secret, algorithms=company.digest_algorithms
        )
        self.throttle = throttle or AuthFailureThrottle()
        self.failures = 0

    def _password_for(self, username: str) -> str | None:
        agent = self.company.agent_by_extension(username)
        return agent.password if agent is not None else None

    def check(self, request: Request, peer: Peer, now: float) -> AuthOutcome:
        source = peer.host
        if self.throttle.is_blocked(source, now):
            return AuthOutcome(None, 0)
        value = request.get("Authorization")
        if value is None:
            return self._challenge(now)
        result = self.digest.verify(value, request.method, now, self._password_for, request.body)
        if result.ok and _same_uri(result.digest_uri, request.uri_text):
            self.throttle.record_success(source, now)
            return AuthOutcome(result.username)
        if result.stale:
            return self._challenge(now, stale=True)
        if not (result.counts_as_failure or result.ok):
            return self._challenge(now)  # an unknown scheme, algorithm or an old nonce
        self.failures += 1
        detail = result.detail if not result.ok else "credentials made for another URI"
        log.info("authentication failed from %s for %r: %s", source, result.username, detail)
        if self.throttle.record_failure(source, now):
            log.warning("blocking %s after repeated authentication failures", source)
            return AuthOutcome(None, 0)
        # The same answer for an unknown user and a wrong password: no user enumeration.
        return AuthOutcome(None, 400 if result.reason == "malformed" else 403)

    def _challenge(self, now: float, stale: bool = False) -> AuthOutcome:
        return AuthOutcome(None, 401, {"WWW-Authenticate": self.digest.challenge(now, stale)})


def _same_uri(digest_uri: str | None, request_uri: str) -> bool:
    if digest_uri is None:
        return False
    if digest_uri == request_uri:
        return True
    try:
        ours, theirs = parse_uri(request_uri), parse_uri(digest_uri)
    except SipParseError:
        return False
    return str(ours) == str(theirs)
