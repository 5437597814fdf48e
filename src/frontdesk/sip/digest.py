"""HTTP Digest authentication for SIP: RFC 3261 §22.4, RFC 2617 §3, RFC 7616 §3, RFC 8760.

Server side, `DigestAuthenticator` issues challenges (WWW-Authenticate / Proxy-Authenticate
values) and checks credentials (Authorization / Proxy-Authorization values). Its nonces carry
their issue time and an HMAC, so it keeps no per-challenge state; the only memory it holds is
the highest nonce-count seen for each nonce in use (replay protection, RFC 7616 §3.4.5), bounded
in time and size. The client side (answering a challenge) is `digest_client.py`. Every call
that needs time is given `now`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from frontdesk.sip import SipError

MAX_HEADER_CHARS = 4096
_NONCE_MAC_BYTES = 16
_NONCE_CHARS = 43  # base64url of 8 (time) + 8 (salt) + 16 (MAC) bytes, without padding
_CLOCK_SKEW_S = 1.0

_TOKEN = r"[!%'*+\-.0-9A-Z_`a-z~]+"  # RFC 3261 §25.1 token
_SCHEME = re.compile(rf"\s*({_TOKEN})(?:\s+|$)")
_PARAM = re.compile(rf'({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))', re.DOTALL)
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_NC = re.compile(r"[0-9a-fA-F]{1,8}")


def _available(name: str) -> bool:
    try:
        hashlib.new(name)
    except ValueError:  # SHA-512/256 needs OpenSSL 1.1.1 or later
        return False
    return True


# Canonical algorithm names (RFC 7616 §6.1) and their hashlib names, weakest first.
_HASHES: dict[str, str] = {
    name: impl
    for name, impl in (("MD5", "md5"), ("SHA-256", "sha256"), ("SHA-512-256", "sha512_256"))
    if _available(impl)
}
# Weakest first: a challenge's strength is its algorithm's position here.
ALGORITHM_STRENGTH: tuple[str, ...] = tuple(_HASHES)
SUPPORTED_ALGORITHMS: tuple[str, ...] = tuple(
    name for base in _HASHES for name in (base, f"{base}-sess")
)


class DigestError(SipError):
    """An auth header could not be read or answered; `status` is the SIP status to use.

    `peer_fault` is False only for our own misconfiguration (status 500).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status, peer_fault=status < 500)


@dataclass(frozen=True, slots=True)
class AuthHeader:
    """A parsed challenge or credentials value: the scheme and its auth-params."""

    scheme: str
    params: Mapping[str, str]  # names lower-cased, quoted values unescaped


def parse_auth_header(value: str) -> AuthHeader:
    """Read `scheme param=value, param="quoted", ...` (RFC 3261 §25.1, RFC 7235 §2.1)."""
    scheme, rest = _split_scheme(value)
    return AuthHeader(scheme, _parse_params(rest))


def _split_scheme(value: str) -> tuple[str, str]:
    if len(value) > MAX_HEADER_CHARS:
        raise DigestError(f"auth header value is {len(value)} characters, over {MAX_HEADER_CHARS}")
    match = _SCHEME.match(value)
    if match is None:
        raise DigestError(f"auth header value does not start with a scheme: {value[:40]!r}")
    return match[1], value[match.end() :]


def _parse_params(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = _skip_separators(text, 0)
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None:
            raise DigestError(f"cannot read an auth-param at {text[pos : pos + 40]!r}")
        name = match[1].lower()
        if name in params:
            raise DigestError(f"auth-param {name!r} appears twice")
        quoted = match[2]
        params[name] = match[3] if quoted is None else _QUOTED_PAIR.sub(r"\1", quoted)
        after = _skip_separators(text, match.end())
        if after < len(text) and "," not in text[match.end() : after]:
            raise DigestError(f"expected a comma before {text[after : after + 40]!r}")
        pos = after
    return params


def _skip_separators(text: str, pos: int) -> int:
    """Past whitespace and commas: empty list elements are allowed (RFC 3261 §7.3.1)."""
    while pos < len(text) and (text[pos] == "," or text[pos].isspace()):
        pos += 1
    return pos


def quote_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def canonical_algorithm(name: str) -> str | None:
    """The canonical spelling of a supported algorithm name, or None (names are caseless)."""
    return next((a for a in SUPPORTED_ALGORITHMS if a.lower() == name.strip().lower()), None)


def hash_hex(algorithm: str, data: bytes) -> str:
    """H(data) in lower-case hex for a canonical algorithm name (RFC 7616 §3.4.1)."""
    return hashlib.new(_HASHES[algorithm.removesuffix("-sess")], data).hexdigest()


def digest_response(
    *,
    algorithm: str,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None,
    nc: str = "",
    cnonce: str = "",
    body: bytes = b"",
) -> str:
    """The request-digest of RFC 7616 §3.4.1 (RFC 2617 §3.2.2; RFC 2069 when qop is None)."""

    def h(text: str) -> str:
        return hash_hex(algorithm, text.encode("utf-8"))

    ha1 = h(f"{username}:{realm}:{password}")
    if algorithm.endswith("-sess"):
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    body_part = f":{hash_hex(algorithm, body)}" if qop == "auth-int" else ""
    ha2 = h(f"{method}:{uri}{body_part}")
    if qop is None:
        return h(f"{ha1}:{nonce}:{ha2}")
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


# --- server side ---------------------------------------------------------------------------


class AuthReason(StrEnum):
    OK = "ok"
    MALFORMED = "malformed"
    UNSUPPORTED_SCHEME = "unsupported_scheme"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    WRONG_REALM = "wrong_realm"
    INVALID_NONCE = "invalid_nonce"  # not one of ours (forged, or from before a secret change)
    UNKNOWN_USER = "unknown_user"
    BAD_RESPONSE = "bad_response"
    STALE_NONCE = "stale_nonce"  # right password, nonce too old or already spent
    REPLAY = "replay"  # right password, nonce-count not above the last one seen


_STALE = frozenset({AuthReason.STALE_NONCE, AuthReason.REPLAY})
# An invalid nonce is not counted: after a restart with a new secret every phone behind one
# office NAT presents one, and a password guess can only be tested with a nonce of ours anyway.
_FAILURES = frozenset(
    {AuthReason.MALFORMED, AuthReason.WRONG_REALM, AuthReason.UNKNOWN_USER, AuthReason.BAD_RESPONSE}
)


@dataclass(frozen=True, slots=True)
class AuthResult:
    reason: AuthReason
    detail: str  # a sentence for the log; never send it to the peer
    username: str | None = None
    digest_uri: str | None = None  # the caller may compare it with the Request-URI
    algorithm: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is AuthReason.OK

    @property
    def stale(self) -> bool:
        """Answer with a fresh challenge carrying stale=true: the client knows the password."""
        return self.reason in _STALE

    @property
    def counts_as_failure(self) -> bool:
        """Whether this should count towards blocking the source (see throttle.py)."""
        return self.reason in _FAILURES


@dataclass(frozen=True, slots=True)
class _Credentials:
    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str
    qop: str | None
    nc: str
    cnonce: str


class DigestAuthenticator:
    """Stateless-nonce digest authentication for one realm (RFC 3261 §22.4, RFC 8760)."""

    def __init__(
        self,
        realm: str,
        secret: bytes,
        nonce_ttl_s: float = 300.0,
        *,
        algorithms: Sequence[str] = ("SHA-256", "MD5"),
        allow_legacy_md5: bool = True,
        max_tracked_nonces: int = 50_000,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        if len(secret) < 16:
            raise DigestError("the nonce secret must be at least 16 bytes", status=500)
        self.realm = realm
        self.nonce_ttl_s = nonce_ttl_s
        self.algorithms = tuple(self._known(a) for a in algorithms)
        self.allow_legacy_md5 = allow_legacy_md5
        self._secret = secret
        self._max_tracked = max_tracked_nonces
        self._random_bytes = random_bytes
        self._seen: OrderedDict[str, tuple[float, int]] = OrderedDict()  # nonce -> (issued, nc)
        self._forgotten_until = float("-inf")  # nonces issued by then may have lost their entry

    @staticmethod
    def _known(name: str) -> str:
        canonical = canonical_algorithm(name)
        if canonical is None:
            raise DigestError(f"digest algorithm {name!r} is not supported", status=500)
        return canonical

    def challenge(
        self, now: float, stale: bool = False, algorithms: Sequence[str] | None = None
    ) -> list[str]:
        """One challenge per algorithm, most preferred first (RFC 8760 §2.4), one nonce."""
        nonce = self._make_nonce(now)
        chosen = self.algorithms if algorithms is None else [self._known(a) for a in algorithms]
        tail = ", stale=true" if stale else ""
        return [
            f'Digest realm={quote_string(self.realm)}, nonce="{nonce}", algorithm={name}, '
            f'qop="auth"{tail}'
            for name in chosen
        ]

    def verify(
        self,
        header_value: str,
        method: str,
        now: float,
        password_for: Callable[[str], str | None],
        body: bytes = b"",
    ) -> AuthResult:
        """Check credentials for a request; never raises for anything the peer sent."""
        try:
            scheme, rest = _split_scheme(header_value)
            if scheme.lower() != "digest":
                return AuthResult(AuthReason.UNSUPPORTED_SCHEME, f"scheme {scheme!r} is not Digest")
            creds = self._read_credentials(_parse_params(rest))
        except _Refusal as refusal:
            return refusal.result
        except DigestError as error:
            return AuthResult(AuthReason.MALFORMED, str(error))
        about = {"username": creds.username, "digest_uri": creds.uri, "algorithm": creds.algorithm}
        issued = self._nonce_issued(creds.nonce, now)
        if issued is None:
            return AuthResult(AuthReason.INVALID_NONCE, "the nonce is not one we issued", **about)
        password = password_for(creds.username)
        if password is None:
            return AuthResult(AuthReason.UNKNOWN_USER, "no such user", **about)
        expected = digest_response(
            algorithm=creds.algorithm,
            username=creds.username,
            realm=self.realm,
            password=password,
            method=method,
            uri=creds.uri,
            nonce=creds.nonce,
            qop=creds.qop,
            nc=creds.nc,
            cnonce=creds.cnonce,
            body=body,
        )
        if not hmac.compare_digest(expected.encode(), creds.response.lower().encode()):
            return AuthResult(AuthReason.BAD_RESPONSE, "the response digest is wrong", **about)
        unusable = self._spend(creds, issued, now)
        if unusable is not None:
            return AuthResult(unusable[0], unusable[1], **about)
        return AuthResult(AuthReason.OK, "authenticated", **about)

    def _read_credentials(self, params: Mapping[str, str]) -> _Credentials:
        missing = [p for p in ("username", "realm", "nonce", "uri", "response") if p not in params]
        if missing:
            raise DigestError(f"the credentials lack {', '.join(missing)}")
        if params["realm"] != self.realm:
            detail = f"realm {params['realm']!r} is not ours"
            raise _Refusal(AuthReason.WRONG_REALM, detail, params["username"])
        algorithm = canonical_algorithm(params.get("algorithm", "MD5"))
        if algorithm not in self.algorithms:
            given = params.get("algorithm", "MD5")
            detail = f"algorithm {given!r} is not accepted"
            raise _Refusal(AuthReason.UNSUPPORTED_ALGORITHM, detail, params["username"])
        qop = params.get("qop")
        if qop is None:
            if not (self.allow_legacy_md5 and algorithm == "MD5"):
                raise DigestError(f"qop is required with {algorithm} (RFC 7616 §3.4)")
            nc = cnonce = ""
        else:
            qop = qop.lower()
            nc, cnonce = params.get("nc", ""), params.get("cnonce", "")
            if qop not in ("auth", "auth-int"):
                raise DigestError(f"qop {qop!r} is neither auth nor auth-int")
            if not _NC.fullmatch(nc) or int(nc, 16) == 0 or not cnonce:
                raise DigestError(f"with qop, nc must be 1 to 8 hex digits and cnonce set: {nc!r}")
        return _Credentials(
            params["username"],
            params["realm"],
            params["nonce"],
            params["uri"],
            params["response"],
            algorithm,
            qop,
            nc,
            cnonce,
        )

    def _make_nonce(self, now: float) -> str:
        body = max(0, round(now * 1000)).to_bytes(8, "big") + self._random_bytes(8)
        raw = body + self._mac(body)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def _mac(self, body: bytes) -> bytes:
        message = body + self.realm.encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_NONCE_MAC_BYTES]

    def _nonce_issued(self, nonce: str, now: float) -> float | None:
        if len(nonce) != _NONCE_CHARS:
            return None
        try:
            raw = base64.urlsafe_b64decode(nonce + "=")
        except (ValueError, binascii.Error):
            return None
        body, mac = raw[:-_NONCE_MAC_BYTES], raw[-_NONCE_MAC_BYTES:]
        if len(body) != 16 or not hmac.compare_digest(mac, self._mac(body)):
            return None
        issued = int.from_bytes(body[:8], "big") / 1000
        return None if issued > now + _CLOCK_SKEW_S else issued

    def _spend(
        self, creds: _Credentials, issued: float, now: float
    ) -> tuple[AuthReason, str] | None:
        """Record this use of the nonce, or say why it may not be used (stale or replay)."""
        self._forget_expired(now)
        if now - issued > self.nonce_ttl_s:
            return AuthReason.STALE_NONCE, f"the nonce is {now - issued:.0f} s old"
        seen = self._seen.get(creds.nonce)
        if seen is None and issued <= self._forgotten_until:
            return AuthReason.STALE_NONCE, "the nonce's use count was dropped to bound memory"
        # Without qop there is no nonce-count: a legacy nonce is good for one request only.
        nc = int(creds.nc, 16) if creds.qop else 2**32
        if seen is not None:
            if creds.qop is None:
                return AuthReason.STALE_NONCE, "a nonce without qop is good for one request"
            if nc <= seen[1]:
                return AuthReason.REPLAY, f"nc {creds.nc} is not above {seen[1]:08x}"
        elif len(self._seen) >= self._max_tracked:
            _, (evicted_issued, _) = self._seen.popitem(last=False)
            self._forgotten_until = max(self._forgotten_until, evicted_issued)
        self._seen[creds.nonce] = (issued, nc)
        return None

    def _forget_expired(self, now: float) -> None:
        while self._seen:
            issued, _ = next(iter(self._seen.values()))
            if now - issued <= self.nonce_ttl_s:
                return
            self._seen.popitem(last=False)

    @property
    def tracked_nonces(self) -> int:
        return len(self._seen)


class _Refusal(Exception):
    """Internal: a well-formed credential we refuse for a named reason."""

    def __init__(self, reason: AuthReason, detail: str, username: str) -> None:
        super().__init__(detail)
        self.result = AuthResult(reason, detail, username)
