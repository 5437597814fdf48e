"""Header field grammar of RFC 3261 §7.3 and §25.1: names, multi-values, and structured values.

Covers compact and case-insensitive names, comma-separated values (split outside quotes and
angle brackets), generic parameters with LWS and quoted strings, name-addr / addr-spec
(From, To, Contact, Route, Record-Route, Refer-To), Via and CSeq.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from frontdesk.sip import SipParseError
from frontdesk.sip.uri import AbsoluteUri, Params, SipUri, Uri, parse_host_port, parse_uri

_KNOWN = [
    "Accept", "Accept-Contact", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow",
    "Allow-Events", "Authentication-Info", "Authorization", "Call-ID", "Call-Info", "Contact",
    "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length",
    "Content-Type", "CSeq", "Date", "Error-Info", "Event", "Expires", "From", "In-Reply-To",
    "Max-Forwards", "Min-Expires", "Min-SE", "MIME-Version", "Organization", "Path",
    "P-Asserted-Identity", "P-Preferred-Identity", "Priority", "Proxy-Authenticate",
    "Proxy-Authorization", "Proxy-Require", "RAck", "Reason", "Record-Route", "Refer-To",
    "Referred-By", "Reject-Contact", "Replaces", "Reply-To", "Request-Disposition", "Require",
    "Retry-After", "Route", "RSeq", "Server", "Service-Route", "Session-Expires",
    "Subject", "Subscription-State", "Supported", "Timestamp", "To", "Unsupported",
    "User-Agent", "Via", "Warning", "WWW-Authenticate", "Identity",
]  # fmt: skip
_COMPACT = {
    "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
    "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To", "v": "Via",
    "o": "Event", "r": "Refer-To", "b": "Referred-By", "u": "Allow-Events",
    "x": "Session-Expires", "y": "Identity", "a": "Accept-Contact", "j": "Reject-Contact",
    "d": "Request-Disposition",
}  # fmt: skip
_CANONICAL: dict[str, str] = {name.lower(): name for name in _KNOWN} | _COMPACT

# Header fields whose value is a comma-separated list (RFC 3261 §7.3.1); the rest are single.
MULTI_VALUED = frozenset({
    "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow", "Allow-Events",
    "Call-Info", "Contact", "Content-Encoding", "Content-Language", "Error-Info", "In-Reply-To",
    "Path", "Proxy-Require", "Reason", "Record-Route", "Require", "Route", "Service-Route",
    "Supported", "Unsupported", "Via", "Warning", "P-Asserted-Identity",
})  # fmt: skip
SINGLE_VALUED = frozenset({
    "Call-ID", "Content-Length", "Content-Type", "CSeq", "From", "To", "Max-Forwards", "Expires",
    "Min-Expires", "RSeq", "RAck",
})  # fmt: skip

_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+\Z")
_DISPLAY_TOKENS = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+(?:\s+[A-Za-z0-9\-.!%*_+`'~]+)*\Z")
_VIA = re.compile(r"\s*([^\s/]+)\s*/\s*([^\s/]+)\s*/\s*([^\s/;]+)\s+([^;]*?)\s*(?:;(.*))?\Z", re.S)


_NAME_CACHE: dict[str, str] = {}


def canonical_name(name: str) -> str:
    """The canonical spelling of a header name; raises SipParseError if it is not a token."""
    found = _NAME_CACHE.get(name)
    if found is not None:
        return found
    if not is_token(name):
        raise SipParseError(f"'{name[:40]}' is not a header name")
    found = _CANONICAL.get(name.lower())
    if found is None:
        found = "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
    if len(_NAME_CACHE) < 10_000:  # bounded: names come from the network
        _NAME_CACHE[name] = found
    return found


def is_token(text: str) -> bool:
    return _TOKEN.match(text) is not None


def split_outside(text: str, sep: str) -> list[str]:
    """Splits at `sep` where it is not inside a quoted string or <...>."""
    if '"' not in text and "<" not in text:
        return text.split(sep)
    out: list[str] = []
    depth = 0
    quoted = False
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            out.append(text[start:i])
            start = i + 1
        i += 1
    if quoted:
        raise SipParseError(f"unterminated quoted string in '{text}'")
    out.append(text[start:])
    return out


def split_values(text: str) -> list[str]:
    """The values of one multi-valued header line; empty elements are errors."""
    values = [v.strip() for v in split_outside(text, ",")]
    if any(not v for v in values):
        raise SipParseError(f"empty element in list '{text}'")
    return values


def parse_generic_params(text: str, what: str) -> Params:
    """`name [= value]` items already split from the value; LWS around '=' is allowed."""
    out: list[tuple[str, str | None]] = []
    for item in split_outside(text, ";"):
        name, eq, value = item.partition("=")
        name = name.strip()
        if not is_token(name):
            raise SipParseError(f"bad parameter '{item.strip()}' in {what}")
        if eq:
            value = value.strip()
            if not value or not (value.startswith('"') or is_token(value) or _host_like(value)):
                raise SipParseError(f"bad value for parameter '{name}' in {what}")
            out.append((name, value))
        else:
            out.append((name, None))
    return tuple(out)


_IPV6_CHARS = frozenset("0123456789abcdefABCDEF:.")


def _host_like(value: str) -> bool:
    """An IPv6 reference, or a bare IPv6 address (as in Via `received`, RFC 3261 §20.42)."""
    if value.startswith("[") and value.endswith("]"):
        return True
    return ":" in value and all(c in _IPV6_CHARS for c in value)


def get_param(params: Params, name: str) -> str | None:
    name = name.lower()
    for key, value in params:
        if key.lower() == name:
            return "" if value is None else value
    return None


def format_params(params: Params) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params)


def unquote_string(text: str) -> str:
    """Body of a quoted-string (without the quotes) with backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


@dataclass(frozen=True, slots=True)
class NameAddr:
    """A name-addr or addr-spec with its header parameters (From, To, Contact, Route...)."""

    uri: Uri
    display: str | None = None  # as written, including quotes if it was quoted
    params: Params = ()
    wildcard: bool = False  # Contact: *

    @property
    def tag(self) -> str | None:
        return get_param(self.params, "tag")

    @property
    def sip_uri(self) -> SipUri:
        if not isinstance(self.uri, SipUri):
            raise SipParseError(f"'{self.uri}' is not a sip: URI", status=416)
        return self.uri

    def param(self, name: str) -> str | None:
        return get_param(self.params, name)

    def with_tag(self, tag: str) -> NameAddr:
        params = tuple(p for p in self.params if p[0].lower() != "tag") + (("tag", tag),)
        return NameAddr(self.uri, self.display, params)

    def __str__(self) -> str:
        if self.wildcard:
            return "*"
        head = f"{self.display} " if self.display else ""
        return f"{head}<{self.uri}>{format_params(self.params)}"


WILDCARD = NameAddr(AbsoluteUri("*", "*"), wildcard=True)


# The common shapes: `<uri>;params`, `"Quoted Name" <uri>;params`, `Token Name <uri>;params`,
# with a plain parameter list. Anything else takes the full path below.
_SIMPLE_NAME_ADDR = re.compile(
    r'(?:("[^"\\]*")\s*|([A-Za-z0-9\-.!%*_+`\'~]+(?: [A-Za-z0-9\-.!%*_+`\'~]+)*) ?)?'
    r"<([^<>\s\"]+)>((?:;[A-Za-z0-9\-.!%*_+`'~]+(?:=[A-Za-z0-9\-.!%*_+`'~]+)?)*)\Z"
)


@lru_cache(maxsize=4096)
def parse_name_addr(text: str) -> NameAddr:
    """Parses a name-addr or addr-spec with header parameters (results are cached)."""
    text = text.strip()
    simple = _SIMPLE_NAME_ADDR.match(text)
    if simple is not None:
        quoted, words, uri_text, param_text = simple.groups()
        params: Params = ()
        if param_text:
            params = tuple(
                (name, value if eq else None)
                for name, eq, value in (p.partition("=") for p in param_text[1:].split(";"))
            )
        return NameAddr(parse_uri(uri_text), quoted or words, params)
    return _parse_name_addr_slowly(text)


def _parse_name_addr_slowly(text: str) -> NameAddr:
    if text == "*":
        return WILDCARD
    display: str | None = None
    rest = text
    if text.startswith('"'):
        end = _closing_quote(text)
        display, rest = text[: end + 1], text[end + 1 :].lstrip()
        if not rest.startswith("<"):
            raise SipParseError(f"a quoted display name must be followed by <URI> in '{text}'")
    elif "<" in text:
        lt = text.index("<")
        words = text[:lt].strip()
        if words and not _DISPLAY_TOKENS.match(words):
            raise SipParseError(f"display name '{words}' must be quoted (it has special chars)")
        display, rest = (words or None), text[lt:]
    if rest.startswith("<"):
        gt = rest.find(">")
        if gt < 0:
            raise SipParseError(f"missing '>' in '{text}'")
        uri = parse_uri(rest[1:gt])
        tail = rest[gt + 1 :].strip()
    else:
        # addr-spec form: the URI cannot hold ';', '?' or ',' (RFC 3261 §20), so the first ';'
        # starts the header parameters.
        uri_text, semi, tail = rest.partition(";")
        if "?" in uri_text:
            raise SipParseError(f"URI with '?' must be enclosed in <> in '{text}'")
        uri = parse_uri(uri_text.strip())
        tail = semi + tail
    params: Params = ()
    if tail:
        if not tail.startswith(";"):
            raise SipParseError(f"unexpected text '{tail}' after the address in '{text}'")
        params = parse_generic_params(tail[1:], f"'{text}'")
    return NameAddr(uri, display, params)


def _closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise SipParseError(f"unterminated quoted string in '{text}'")


@dataclass(frozen=True, slots=True)
class Via:
    transport: str  # upper case: UDP, TCP, TLS, WS, ...
    host: str
    port: int | None = None
    params: Params = ()
    protocol: str = "SIP/2.0"

    @property
    def branch(self) -> str | None:
        return get_param(self.params, "branch")

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def param(self, name: str) -> str | None:
        return get_param(self.params, name)

    def with_params(self, params: Params) -> Via:
        return Via(self.transport, self.host, self.port, params, self.protocol)

    def __str__(self) -> str:
        return f"{self.protocol}/{self.transport} {self.sent_by}{format_params(self.params)}"


def parse_via(text: str) -> Via:
    match = _VIA.match(text)
    if match is None:
        raise SipParseError(f"bad Via '{text.strip()}'")
    name, version, transport, sent_by, param_text = match.groups()
    if name.upper() != "SIP":
        raise SipParseError(f"Via protocol '{name}' is not SIP")
    if version != "2.0":
        raise SipParseError(f"Via version '{version}' is not supported", status=505)
    host, port = parse_host_port(re.sub(r"\s+", "", sent_by))
    params = parse_generic_params(param_text, "Via") if param_text is not None else ()
    return Via(transport.upper(), host, port, params, f"{name.upper()}/{version}")


@dataclass(frozen=True, slots=True)
class CSeq:
    seq: int
    method: str

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


def parse_cseq(text: str) -> CSeq:
    number, _, method = text.strip().partition(" ")
    method = method.strip()
    if not _is_number(number) or len(number) > 10 or not is_token(method):
        raise SipParseError(f"bad CSeq '{text.strip()}'")
    seq = int(number)
    if seq >= 2**31:
        raise SipParseError(f"CSeq number {seq} is not below 2**31")
    return CSeq(seq, method)


def _is_number(text: str) -> bool:
    # str.isdigit alone accepts '²' and other characters int() refuses.
    return text.isascii() and text.isdigit()


def parse_bounded_int(text: str, name: str, limit: int) -> int:
    value = text.strip()
    if not _is_number(value) or len(value) > 12 or int(value) > limit:
        raise SipParseError(f"{name} '{value[:40]}' is not a whole number from 0 to {limit}")
    return int(value)
