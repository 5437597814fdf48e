"""Framing SIP messages on a byte stream (RFC 3261 §18.3) and CRLF keep-alives (RFC 5626 §3.5.1).

On TCP the Content-Length header is what separates pipelined messages. A double CRLF between
messages is a keep-alive ping, answered with a single CRLF pong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.sip import SipParseError

_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$", re.I | re.M)
MAX_HEAD = 16384
MAX_BODY = 65535


@dataclass(frozen=True, slots=True)
class KeepAlivePing:
    pass


class StreamFramer:
    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes | KeepAlivePing]:
        """Adds received bytes; returns the complete messages (and pings) now available.
        Raises SipParseError when the stream cannot be framed (the connection must close)."""
        self._buffer += data
        out: list[bytes | KeepAlivePing] = []
        buf = self._buffer
        while buf:
            if buf.startswith(b"\r\n\r\n"):
                del buf[:4]
                out.append(KeepAlivePing())
                continue
            if buf.startswith(b"\r\n"):
                if len(buf) < 4 and b"\r\n\r\n".startswith(bytes(buf)):
                    break  # maybe the start of a ping
                del buf[:2]  # a lone CRLF (a pong) between messages
                continue
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    raise SipParseError("message head larger than 16 KiB on a stream")
                break
            match = _LENGTH.search(bytes(buf[:end]))
            if match is None:
                raise SipParseError("Content-Length is required on a stream (RFC 3261 §18.3)")
            length = int(match.group(1))
            if length > MAX_BODY:
                raise SipParseError("body larger than 64 KiB")
            total = end + 4 + length
            if len(buf) < total:
                break
            out.append(bytes(buf[:total]))
            del buf[:total]
        return out
