"""Registrar bindings (RFC 3261 §10.3), sans-IO: address-of-record -> contacts with expiry.

Handles several contacts per user, per-contact and default expiry, the minimum interval (423),
removal with expires=0 and the `*` wildcard, and Call-ID/CSeq ordering so a delayed
retransmission cannot resurrect a binding that was removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.sip import SipError
from frontdesk.sip.headers import NameAddr
from frontdesk.sip.message import Request
from frontdesk.sip.transaction import Peer
from frontdesk.sip.uri import SipUri

DEFAULT_EXPIRES = 3600
MIN_EXPIRES = 60
MAX_EXPIRES = 7200


class RegistrationError(SipError):
    def __init__(self, message: str, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, status)
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class Binding:
    contact: NameAddr
    expires_at: float
    call_id: str
    cseq: int
    peer: Peer  # where the REGISTER came from: used to reach phones behind NAT
    q: float = 1.0
    user_agent: str = ""  # the REGISTER's User-Agent header: which kind of phone this is

    @property
    def uri(self) -> SipUri:
        return self.contact.sip_uri

    def remaining(self, now: float) -> int:
        return max(0, int(self.expires_at - now + 0.5))


class Registrar:
    def __init__(self, min_expires: int = MIN_EXPIRES, max_expires: int = MAX_EXPIRES) -> None:
        self.min_expires = min_expires
        self.max_expires = max_expires
        self._bindings: dict[str, list[Binding]] = {}

    def lookup(self, aor: str, now: float) -> list[Binding]:
        """Live bindings of a user, best q first; among equal q, the one that lives longest
        first, which is the one refreshed last: a phone that came back on another address
        (rebooted, or a NAT that moved it) is reached there, not at the address it left,
        whose binding lingers until it expires."""
        live = [b for b in self._bindings.get(aor, []) if b.expires_at > now]
        if not live:
            self._bindings.pop(aor, None)
        else:
            self._bindings[aor] = live
        return sorted(live, key=lambda b: (-b.q, -b.expires_at))

    def register(self, aor: str, request: Request, peer: Peer, now: float) -> list[Binding]:
        """Applies a REGISTER for `aor` (already authenticated); returns the bindings now held.
        Raises RegistrationError with the status to answer (400, 423, 500)."""
        contacts = request.contacts
        default = request.get("Expires")
        default_expires = int(default) if default is not None else DEFAULT_EXPIRES
        current = self.lookup(aor, now)
        if any(c.wildcard for c in contacts):
            if len(contacts) != 1 or default_expires != 0:
                raise RegistrationError("Contact: * needs Expires: 0 and no other contact", 400)
            self._check_order(current, request)
            self._bindings.pop(aor, None)
            return []
        updated = list(current)
        agent = request.get("User-Agent") or ""
        for contact in contacts:
            expires = self._expires_of(contact, default_expires)
            uri = contact.sip_uri
            same = [b for b in updated if b.uri.equivalent(uri)]
            for old in same:
                if old.call_id == request.call_id and request.cseq.seq <= old.cseq:
                    raise RegistrationError("REGISTER out of order (CSeq not increasing)", 500)
                updated.remove(old)
            if expires == 0:
                continue
            q = _q_value(contact.param("q"))
            updated.append(
                Binding(contact, now + expires, request.call_id, request.cseq.seq, peer, q, agent)
            )
        self._bindings[aor] = updated
        return self.lookup(aor, now)

    def _expires_of(self, contact: NameAddr, default: int) -> int:
        text = contact.param("expires")
        expires = default
        if text is not None:
            if not (text.isascii() and text.isdigit()) or len(text) > 10:
                raise RegistrationError(f"bad expires parameter '{text}'", 400)
            expires = int(text)
        if 0 < expires < self.min_expires:
            raise RegistrationError(
                f"expiry {expires}s is below {self.min_expires}s",
                423,
                {"Min-Expires": str(self.min_expires)},
            )
        return min(expires, self.max_expires)

    @staticmethod
    def _check_order(current: list[Binding], request: Request) -> None:
        for binding in current:
            if binding.call_id == request.call_id and request.cseq.seq <= binding.cseq:
                raise RegistrationError("REGISTER out of order (CSeq not increasing)", 500)

    def restore(self, aor: str, bindings: list[Binding]) -> None:
        """Holds bindings again that were held before a restart (their expiry in `now`'s
        clock); a REGISTER since then has already replaced them and is kept."""
        if bindings and aor not in self._bindings:
            self._bindings[aor] = list(bindings)

    def contact_headers(self, bindings: list[Binding], now: float) -> list[str]:
        return [f"<{b.uri}>;expires={b.remaining(now)}" for b in bindings]

    @property
    def users(self) -> int:
        return len(self._bindings)


def _q_value(text: str | None) -> float:
    if text is None:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        raise RegistrationError(f"bad q parameter '{text}'", 400) from None
    if not 0.0 <= value <= 1.0:
        raise RegistrationError(f"q={text} is outside 0 to 1", 400)
    return value
