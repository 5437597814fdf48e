"""SIP messages (RFC 3261 §7): parse from datagrams, serialise, and check what a UAS needs.

Headers are kept as raw strings per canonical name and parsed into structured values on first
use (and cached), because most of the ~15 headers of a typical request are only copied.
`parse_message` checks what RFC 3261 §8.2 and RFC 4475 require before a message may reach a
transaction; a broken request raises `SipParseError` carrying the partly parsed message so a
400 can still be sent back.
"""

from __future__ import annotations

import re
from typing import Any

from frontdesk.sip import SipParseError
from frontdesk.sip.headers import (
    MULTI_VALUED,
    SINGLE_VALUED,
    CSeq,
    NameAddr,
    Via,
    canonical_name,
    is_token,
    parse_bounded_int,
    parse_cseq,
    parse_name_addr,
    parse_via,
    split_values,
)
from frontdesk.sip.uri import AbsoluteUri, Uri, parse_uri

_FOLD = re.compile(r"\r?\n[ \t]+")
MAX_MESSAGE = 65535

REASONS = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    302: "Moved Temporarily",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "Version Not Supported",
    603: "Decline",
}


class SipMessage:
    __slots__ = ("_cache", "body", "headers")

    def __init__(self, headers: dict[str, list[str]] | None = None, body: bytes = b"") -> None:
        self.headers: dict[str, list[str]] = headers if headers is not None else {}
        self.body = body
        self._cache: dict[str, Any] = {}

    # -- raw access -------------------------------------------------------------------------
    def get(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        """Every value of a header, multi-valued lines split at commas."""
        lines = self.headers.get(name, [])
        if name not in MULTI_VALUED:
            return list(lines)
        out: list[str] = []
        for line in lines:
            out.extend(split_values(line))
        return out

    def set(self, name: str, value: str | list[str]) -> None:
        self.headers[name] = [value] if isinstance(value, str) else list(value)
        self._cache.clear()

    def add_first(self, name: str, value: str) -> None:
        self.headers.setdefault(name, []).insert(0, value)
        self._cache.clear()

    def remove(self, name: str) -> None:
        self.headers.pop(name, None)
        self._cache.clear()

    def forget_parsed(self) -> None:
        """Drops the parsed headers kept for reuse (they are parsed again when asked for): a
        finished transaction keeps its request for 32 s, and the parsed copies would double
        what the cycle collector walks meanwhile."""
        self._cache.clear()

    # -- structured access ------------------------------------------------------------------
    def _cached(self, key: str, make: Any) -> Any:
        cache = self._cache
        if key not in cache:
            cache[key] = make()
        return cache[key]

    @property
    def call_id(self) -> str:
        value = self.get("Call-ID")
        if value is None:
            raise SipParseError("Call-ID is missing")
        return value

    @property
    def cseq(self) -> CSeq:
        result: CSeq = self._cached("cseq", lambda: parse_cseq(self._required("CSeq")))
        return result

    @property
    def from_(self) -> NameAddr:
        result: NameAddr = self._cached("from", lambda: parse_name_addr(self._required("From")))
        return result

    @property
    def to(self) -> NameAddr:
        result: NameAddr = self._cached("to", lambda: parse_name_addr(self._required("To")))
        return result

    @property
    def vias(self) -> list[Via]:
        result: list[Via] = self._cached(
            "vias", lambda: [parse_via(v) for v in self.get_all("Via")]
        )
        return result

    @property
    def top_via(self) -> Via:
        cache = self._cache
        via = cache.get("top_via")
        if via is None:
            lines = self.headers.get("Via")
            if not lines:
                raise SipParseError("Via is missing")
            first = lines[0]
            via = parse_via(split_values(first)[0] if "," in first else first)
            cache["top_via"] = via
        result: Via = via
        return result

    @property
    def contacts(self) -> list[NameAddr]:
        result: list[NameAddr] = self._cached(
            "contacts", lambda: [parse_name_addr(v) for v in self.get_all("Contact")]
        )
        return result

    def name_addrs(self, name: str) -> list[NameAddr]:
        return [parse_name_addr(v) for v in self.get_all(name)]

    @property
    def content_type(self) -> str | None:
        value = self.get("Content-Type")
        return value.split(";", 1)[0].strip().lower() if value else None

    def _required(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise SipParseError(f"{name} is missing")
        return value

    def _header_bytes(self) -> list[str]:
        lines: list[str] = []
        for name, values in self.headers.items():
            if name == "Content-Length":
                continue
            for value in values:
                lines.append(f"{name}: {value}\r\n")
        lines.append(f"Content-Length: {len(self.body)}\r\n\r\n")
        return lines


class Request(SipMessage):
    __slots__ = ("method", "uri", "uri_text")

    def __init__(
        self,
        method: str,
        uri: Uri | str,
        headers: dict[str, list[str]] | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(headers, body)
        self.method = method
        self.uri_text = str(uri)
        self.uri: Uri = parse_uri(uri) if isinstance(uri, str) else uri

    def __bytes__(self) -> bytes:
        lines = [f"{self.method} {self.uri_text} SIP/2.0\r\n", *self._header_bytes()]
        return "".join(lines).encode("utf-8", "surrogateescape") + self.body

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.uri_text}>"


class Response(SipMessage):
    __slots__ = ("reason", "status")

    def __init__(
        self,
        status: int,
        reason: str | None = None,
        headers: dict[str, list[str]] | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(headers, body)
        self.status = status
        self.reason = REASONS.get(status, "Unknown") if reason is None else reason

    def __bytes__(self) -> bytes:
        lines = [f"SIP/2.0 {self.status} {self.reason}\r\n", *self._header_bytes()]
        return "".join(lines).encode("utf-8", "surrogateescape") + self.body

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason}>"


Message = Request | Response


class MessageError(SipParseError):
    """A message that parsed far enough to be answered (`message` is set) but is invalid."""

    def __init__(self, message: str, partial: Message | None, status: int = 400) -> None:
        super().__init__(message, status)
        self.partial = partial


def split_head(data: bytes) -> tuple[bytes, bytes]:
    end = data.find(b"\r\n\r\n")
    if end >= 0:
        return data[:end], data[end + 4 :]
    end = data.find(b"\n\n")
    if end >= 0:
        return data[:end], data[end + 2 :]
    return data.rstrip(b"\r\n"), b""


def parse_message(data: bytes, body_from_stream: bool = False) -> Message:
    """Parses one message. For datagrams the body is what follows the head, cut to
    Content-Length; `body_from_stream` means the framer already cut it exactly."""
    if len(data) > MAX_MESSAGE:
        raise SipParseError("message larger than 64 KiB", status=513)
    head_bytes, body = split_head(data.lstrip(b"\r\n"))
    head = head_bytes.decode("utf-8", "surrogateescape")
    if "\n " in head or "\n\t" in head:
        head = _FOLD.sub(" ", head)
    lines = head.split("\r\n") if "\r\n" in head else head.split("\n")
    message, start_error = _start_line(lines[0])
    headers = message.headers
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise MessageError(f"malformed header line '{line[:60]}'", message)
        try:
            key = canonical_name(name.rstrip(" \t"))
        except SipParseError:
            raise MessageError(f"malformed header line '{line[:60]}'", message) from None
        if key in headers:
            headers[key].append(value.strip())
        else:
            headers[key] = [value.strip()]
    message.body = body
    if start_error is not None:
        raise start_error
    _check(message, body_from_stream)
    return message


def _start_line(line: str) -> tuple[Message, MessageError | None]:
    """Parses the start line. A malformed request line still yields a Request (so the error
    can be answered once the headers are read) together with the error to raise."""
    if line.startswith("SIP/"):
        parts = line.split(" ", 2)
        if len(parts) < 2 or parts[0].upper() != "SIP/2.0":
            raise SipParseError(f"bad status line '{line[:60]}'")
        code = parts[1]
        if len(code) != 3 or not (code.isascii() and code.isdigit()) or not 100 <= int(code) <= 699:
            raise SipParseError(f"bad status code in '{line[:60]}'")
        return Response(int(code), parts[2] if len(parts) == 3 else ""), None
    parts = line.split(" ")
    method = parts[0]
    if not is_token(method):
        raise SipParseError(f"bad method '{method[:40]}'")
    request = Request.__new__(Request)
    SipMessage.__init__(request, {}, b"")
    request.method = method
    request.uri_text = parts[1] if len(parts) > 1 else ""
    request.uri = AbsoluteUri("invalid", request.uri_text or "-")
    if len(parts) != 3 or not all(parts):
        text = f"request line must be 'METHOD URI SIP/2.0' with single spaces: '{line[:80]}'"
        return request, MessageError(text, request)
    uri_text, version = parts[1], parts[2]
    try:
        request.uri = parse_uri(uri_text)
    except SipParseError as exc:
        return request, MessageError(f"bad Request-URI: {exc}", request)
    if version.upper() != "SIP/2.0":
        return request, MessageError(f"SIP version '{version}' is not supported", request, 505)
    if uri_text.startswith("sip") and "?" in uri_text.split("@")[-1]:
        text = "the Request-URI may not carry headers (RFC 3261 §19.1.5)"
        return request, MessageError(text, request)
    return request, None


def _check(message: Message, body_from_stream: bool) -> None:
    headers = message.headers
    for name in SINGLE_VALUED:
        values = headers.get(name)
        if values is not None and len(values) > 1:
            raise MessageError(f"{name} appears {len(values)} times", message)
    length_text = message.get("Content-Length")
    if length_text is not None:
        try:
            length = parse_bounded_int(length_text, "Content-Length", MAX_MESSAGE)
        except SipParseError as exc:
            raise MessageError(str(exc), message) from None
        if length > len(message.body):
            raise MessageError("Content-Length is larger than the body", message)
        if not body_from_stream:
            message.body = message.body[:length]
    try:
        for name in ("Via", "From", "To", "Call-ID", "CSeq"):
            if name not in headers:
                raise SipParseError(f"{name} is missing")
        message.top_via  # noqa: B018 - the only Via a UAS acts on; the rest are copied
        cseq = message.cseq
        message.from_  # noqa: B018
        message.to  # noqa: B018
        if isinstance(message, Request):
            if cseq.method != message.method:
                raise SipParseError(f"CSeq method {cseq.method} differs from {message.method}")
            max_forwards = message.get("Max-Forwards")
            if max_forwards is not None:
                parse_bounded_int(max_forwards, "Max-Forwards", 255)
            expires = message.get("Expires")
            if expires is not None:
                parse_bounded_int(expires, "Expires", 2**32 - 1)
            if message.method in ("INVITE", "REGISTER", "SUBSCRIBE", "REFER"):
                message.contacts  # noqa: B018
    except MessageError:
        raise
    except SipParseError as exc:
        raise MessageError(str(exc), message, exc.status) from None
