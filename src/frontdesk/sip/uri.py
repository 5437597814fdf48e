"""SIP and other URIs (RFC 3261 §19.1, §25.1): parse, compare, serialise.

`sip:` and `sips:` URIs are parsed into `SipUri`; any other scheme is kept whole as an
`AbsoluteUri` (RFC 3261 lets header fields carry any URI; the UAS answers 416 when it cannot
use one in the Request-URI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from frontdesk.sip import SipParseError

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*\Z")
# Characters no URI may contain unescaped in SIP header fields or the Request-URI.
_FORBIDDEN = re.compile(r"[\s<>\"]")
_HOSTNAME = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.?\Z"
)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}\Z")

Params = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class AbsoluteUri:
    """A URI of a scheme SIP does not interpret (tel:, http:, isbn:, ...), kept as written."""

    scheme: str
    rest: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.rest}"


@dataclass(frozen=True, slots=True)
class SipUri:
    scheme: str  # "sip" or "sips", lower case
    host: str  # lower case; IPv6 references keep their brackets
    user: str | None = None
    password: str | None = None
    port: int | None = None
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.params:
            if key.lower() == name:
                return value if value is not None else ""
        return None

    def has_param(self, name: str) -> bool:
        return self.param(name) is not None

    @property
    def host_port(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def with_params(self, params: Params) -> SipUri:
        return SipUri(
            self.scheme, self.host, self.user, self.password, self.port, params, self.headers
        )

    def without_headers(self) -> SipUri:
        return SipUri(self.scheme, self.host, self.user, self.password, self.port, self.params)

    def equivalent(self, other: SipUri) -> bool:
        """URI comparison of RFC 3261 §19.1.4 (user part case-sensitive, escapes decoded)."""
        if (self.scheme, self.host, self.port) != (other.scheme, other.host, other.port):
            return False
        if unquote(self.user or "") != unquote(other.user or ""):
            return False
        if unquote(self.password or "") != unquote(other.password or ""):
            return False  # userinfo, passwords included, compares case-sensitively
        if _header_set(self.headers) != _header_set(other.headers):
            return False  # header components are never ignored
        mine = {k.lower(): unquote(v or "").lower() for k, v in self.params}
        theirs = {k.lower(): unquote(v or "").lower() for k, v in other.params}
        for key in ("user", "ttl", "method", "maddr", "transport"):
            if mine.get(key) != theirs.get(key):
                return False
        return all(theirs[k] == v for k, v in mine.items() if k in theirs)

    def __str__(self) -> str:
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(self.user)
            if self.password is not None:
                parts += [":", self.password]
            parts.append("@")
        parts.append(self.host_port)
        for key, value in self.params:
            parts += [";", key] if value is None else [";", key, "=", value]
        if self.headers:
            parts.append("?" + "&".join(f"{k}={v}" for k, v in self.headers))
        return "".join(parts)


def _header_set(headers: tuple[tuple[str, str], ...]) -> set[tuple[str, str]]:
    # Compared in any order, names case-insensitively, after decoding escapes.
    return {(unquote(name).lower(), unquote(value)) for name, value in headers}


Uri = SipUri | AbsoluteUri


@lru_cache(maxsize=4096)
def parse_host_port(text: str) -> tuple[str, int | None]:
    """Parses `host[:port]` where host is a name, IPv4 address or [IPv6] reference."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise SipParseError(f"unterminated IPv6 reference in '{text}'")
        host, rest = text[: end + 1].lower(), text[end + 1 :]
        if len(host) < 4 or not all(c in "0123456789abcdef:." for c in host[1:-1]):
            raise SipParseError(f"'{host}' is not an IPv6 reference")
    else:
        host, sep, port_text = text.partition(":")
        rest = sep + port_text
        host = host.lower()
        if not host or not (_HOSTNAME.match(host) or _IPV4.match(host)):
            raise SipParseError(f"'{host}' is not a host name or address")
    if not rest:
        return host, None
    digits = rest[1:]
    if not rest.startswith(":") or not (digits.isascii() and digits.isdigit()) or len(rest) > 6:
        raise SipParseError(f"bad port in '{text}'")
    port = int(rest[1:])
    if port > 65535:
        raise SipParseError(f"port {port} is out of range")
    return host, port


def parse_params(text: str, what: str) -> Params:
    """`;name=value;flag` (the leading ';' already removed). Empty parameters are errors."""
    out: list[tuple[str, str | None]] = []
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        if not name:
            raise SipParseError(f"empty parameter in {what}")
        out.append((name, value if sep else None))
    return tuple(out)


@lru_cache(maxsize=8192)
def parse_uri(text: str) -> Uri:
    """Parses a URI. Results are immutable and cached: the same URIs recur in every call."""
    if _FORBIDDEN.search(text):
        raise SipParseError(f"URI '{text}' contains white space, '<', '>' or '\"'")
    scheme, sep, rest = text.partition(":")
    if not sep or not _SCHEME.match(scheme):
        raise SipParseError(f"'{text}' is not a URI (no scheme)")
    scheme_lower = scheme.lower()
    if scheme_lower not in ("sip", "sips"):
        if not rest:
            raise SipParseError(f"URI '{text}' is empty after its scheme")
        return AbsoluteUri(scheme_lower, rest)
    return _parse_sip(scheme_lower, rest, text)


def _parse_sip(scheme: str, rest: str, text: str) -> SipUri:
    user = password = None
    at = rest.find("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, pw = userinfo.partition(":")
        if colon:
            password = pw
        if not user:
            raise SipParseError(f"empty user part in '{text}'")
    rest, qmark, header_text = rest.partition("?")
    host_text, semi, param_text = rest.partition(";")
    host, port = parse_host_port(host_text)
    params = parse_params(param_text, f"URI '{text}'") if semi else ()
    headers: list[tuple[str, str]] = []
    if qmark:
        for item in header_text.split("&"):
            name, eq, value = item.partition("=")
            if not name or not eq:
                raise SipParseError(f"bad header component '{item}' in '{text}'")
            headers.append((name, value))
    return SipUri(scheme, host, user, password, port, params, tuple(headers))


def parse_sip_uri(text: str) -> SipUri:
    uri = parse_uri(text)
    if not isinstance(uri, SipUri):
        raise SipParseError(f"'{text}' is not a sip: or sips: URI", status=416)
    return uri
