"""SDP session descriptions (RFC 4566): the value objects, parsing and writing.

`SessionDescription.parse` reads an SDP body (CRLF or bare LF) into frozen value objects and
`bytes()` writes it back with CRLF in the order of RFC 4566 §5. Static payload types follow
RFC 3551 §6 (Table 4). The audio offer/answer model of RFC 3264 is in `offer_answer.py`; its
names (`negotiate_answer`, `make_offer`, `read_answer`, `reoffer`, `hold_direction`,
`NegotiatedMedia`, ...) are also reachable from here, so `sdp.negotiate_answer(...)` works.

The reader itself is in `sdp_parse.py`. Parsing and answering sit on every answered call, so
the codec list of a media description is read once per distinct set of lines (bounded cache).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from frontdesk.sip import SipError

if TYPE_CHECKING:  # at run time these come through __getattr__ at the bottom
    from frontdesk.sip import offer_answer

    ACCEPTED_PROTOS = offer_answer.ACCEPTED_PROTOS
    DEFAULT_PTIME_MS = offer_answer.DEFAULT_PTIME_MS
    NegotiatedMedia = offer_answer.NegotiatedMedia
    hold_direction = offer_answer.hold_direction
    make_offer = offer_answer.make_offer
    negotiate_answer = offer_answer.negotiate_answer
    read_answer = offer_answer.read_answer
    reoffer = offer_answer.reoffer

MAX_SDP_BYTES = 65_536
_ZERO_ADDRESSES = frozenset({"0.0.0.0", "::"})
# Payload formats that ride alongside a voice codec and are never chosen as the voice codec.
AUXILIARY = frozenset({"telephone-event", "cn", "red", "rtx", "ulpfec"})

Attribute = tuple[str, str | None]


class SdpError(SipError):
    """A session description could not be read or negotiated; `status` is the SIP answer.

    `peer_fault` is False only for our own misconfiguration (status 500).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status, peer_fault=status < 500)


class Direction(StrEnum):
    """Stream direction attribute (RFC 4566 §6), from the point of view of its writer."""

    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    @property
    def sends(self) -> bool:
        return self is Direction.SENDRECV or self is Direction.SENDONLY

    @property
    def receives(self) -> bool:
        return self is Direction.SENDRECV or self is Direction.RECVONLY

    @classmethod
    def of(cls, sends: bool, receives: bool) -> Direction:
        if sends:
            return cls.SENDRECV if receives else cls.SENDONLY
        return cls.RECVONLY if receives else cls.INACTIVE

    def reversed(self) -> Direction:
        """The same stream seen from the other end: sendonly <-> recvonly."""
        return Direction.of(sends=self.receives, receives=self.sends)


# A dict lookup, because calling the Enum class costs a microsecond on the answer path.
DIRECTION_BY_NAME: dict[str, Direction] = {d.value: d for d in Direction}


@dataclass(frozen=True, slots=True)
class Origin:
    username: str
    session_id: int
    session_version: int
    nettype: str = "IN"
    addrtype: str = "IP4"
    address: str = "0.0.0.0"

    def __str__(self) -> str:
        return (
            f"{self.username} {self.session_id} {self.session_version} "
            f"{self.nettype} {self.addrtype} {self.address}"
        )


@dataclass(frozen=True, slots=True)
class Connection:
    nettype: str
    addrtype: str
    address: str  # may carry a multicast "/ttl/count" suffix, kept verbatim

    @property
    def host(self) -> str:
        return self.address.split("/", 1)[0]

    @property
    def is_hold_address(self) -> bool:
        """RFC 2543-style hold: the peer asks not to be sent media (RFC 3264 §8.4)."""
        return self.host in _ZERO_ADDRESSES

    def __str__(self) -> str:
        return f"{self.nettype} {self.addrtype} {self.address}"


@dataclass(frozen=True, slots=True)
class Timing:
    start: int = 0
    stop: int = 0
    repeats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RtpMap:
    encoding: str
    clock_rate: int
    channels: int = 1

    @classmethod
    def parse(cls, text: str) -> RtpMap | None:
        return _parse_rtpmap(text)

    def __str__(self) -> str:
        base = f"{self.encoding}/{self.clock_rate}"
        return base if self.channels == 1 else f"{base}/{self.channels}"


def _parse_rtpmap(text: str) -> RtpMap | None:
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not parts[0]:
        return None
    try:
        channels = int(parts[2]) if len(parts) == 3 else 1
        return RtpMap(parts[0], int(parts[1]), channels)
    except ValueError:
        return None


STATIC_PAYLOAD_TYPES: dict[int, RtpMap] = {
    0: RtpMap("PCMU", 8000), 3: RtpMap("GSM", 8000), 4: RtpMap("G723", 8000),
    5: RtpMap("DVI4", 8000), 6: RtpMap("DVI4", 16000), 7: RtpMap("LPC", 8000),
    8: RtpMap("PCMA", 8000), 9: RtpMap("G722", 8000), 10: RtpMap("L16", 44100, 2),
    11: RtpMap("L16", 44100), 12: RtpMap("QCELP", 8000), 13: RtpMap("CN", 8000),
    14: RtpMap("MPA", 90000), 15: RtpMap("G728", 8000), 16: RtpMap("DVI4", 11025),
    17: RtpMap("DVI4", 22050), 18: RtpMap("G729", 8000), 25: RtpMap("CelB", 90000),
    26: RtpMap("JPEG", 90000), 28: RtpMap("nv", 90000), 31: RtpMap("H261", 90000),
    32: RtpMap("MPV", 90000), 33: RtpMap("MP2T", 90000), 34: RtpMap("H263", 90000),
}  # fmt: skip


def _read_codecs(formats: tuple[str, ...], attributes: tuple[Attribute, ...]) -> tuple[Codec, ...]:
    rtpmaps: dict[str, RtpMap] = {}  # payload type -> its first readable a=rtpmap
    fmtps: dict[str, str] = {}
    for name, value in attributes:
        if name == "rtpmap":
            if value and " " in value:
                pt, text = value.split(" ", 1)
                rtpmap = _parse_rtpmap(text)
                if rtpmap is not None and pt not in rtpmaps:
                    rtpmaps[pt] = rtpmap
        elif name == "fmtp" and value and " " in value:
            pt, params = value.split(" ", 1)
            if pt not in fmtps:
                fmtps[pt] = params.strip()
    found = []
    for pt in formats:
        if is_number(pt):
            number = int(pt)
            rtpmap = rtpmaps.get(pt) or STATIC_PAYLOAD_TYPES.get(number)
            if rtpmap is not None:
                codec = Codec(
                    rtpmap.encoding, rtpmap.clock_rate, rtpmap.channels, number, fmtps.get(pt)
                )
                found.append(codec)
    return tuple(found)


# A phone offers the same formats and attribute lines on every call. At most 64 entries are
# kept, each no larger than one SDP body (64 KiB), whatever peers send.
_codecs_of = lru_cache(maxsize=64)(_read_codecs)


def is_number(text: str) -> bool:
    """Only ASCII digits (str.isdigit alone accepts '²' and other digits int() refuses)."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True, slots=True)
class Codec:
    """An RTP payload format; `payload_type` is None for a dynamic codec not yet numbered."""

    name: str
    clock_rate: int
    channels: int = 1
    payload_type: int | None = None
    fmtp: str | None = None

    def same_format(self, other: RtpMap | Codec) -> bool:
        other_name = other.encoding if isinstance(other, RtpMap) else other.name
        return (
            self.clock_rate == other.clock_rate
            and self.channels == other.channels
            and self.name.lower() == other_name.lower()
        )

    @property
    def rtpmap(self) -> RtpMap:
        return RtpMap(self.name, self.clock_rate, self.channels)

    @property
    def is_auxiliary(self) -> bool:
        """DTMF, comfort noise and the like: carried alongside a voice codec, never alone."""
        return self.name.lower() in AUXILIARY

    def __str__(self) -> str:
        base = f"{self.name}/{self.clock_rate}"
        return base if self.channels == 1 else f"{base}/{self.channels}"


PCMU = Codec("PCMU", 8000, payload_type=0)
PCMA = Codec("PCMA", 8000, payload_type=8)
G722 = Codec("G722", 8000, payload_type=9)
TELEPHONE_EVENT = Codec("telephone-event", 8000, payload_type=101, fmtp="0-16")
OPUS = Codec("opus", 48000, 2, payload_type=111, fmtp="useinbandfec=1")
DEFAULT_CODECS: tuple[Codec, ...] = (PCMU, PCMA, TELEPHONE_EVENT)


@dataclass(frozen=True, slots=True)
class RtcpAddress:
    """The a=rtcp attribute (RFC 3605): RTCP port and optional address."""

    port: int
    connection: Connection | None = None


def first_attribute(attributes: Sequence[Attribute], name: str) -> str | None:
    """The value of the first `a=<name>:<value>` (flags without a value are skipped)."""
    for key, value in attributes:
        if key == name and value is not None:
            return value
    return None


def _direction_in(attributes: Sequence[Attribute]) -> Direction | None:
    for name, _ in attributes:
        direction = DIRECTION_BY_NAME.get(name)
        if direction is not None:
            return direction
    return None


def int_or_none(text: str | None) -> int | None:
    """A lenient integer reading (`a=ptime:20.0` is 20); None when there is no number."""
    if text is None:
        return None
    if len(text) < 16 and text.isascii() and text.isdigit():
        return int(text)  # the usual case; exact in a float too, so both readings agree
    try:
        return int(float(text.strip()))
    except (ValueError, OverflowError):  # float('inf') reads, but no int is that large
        return None


@dataclass(frozen=True, slots=True)
class MediaDescription:
    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    port_count: int | None = None
    information: str | None = None
    connection: Connection | None = None
    bandwidths: tuple[str, ...] = ()
    key: str | None = None
    attributes: tuple[Attribute, ...] = ()

    def attribute(self, name: str) -> str | None:
        return first_attribute(self.attributes, name)

    def has_attribute(self, name: str) -> bool:
        return any(n == name for n, _ in self.attributes)

    @property
    def rtpmaps(self) -> dict[str, RtpMap]:
        """Explicit a=rtpmap entries by payload type; unreadable ones are skipped."""
        found: dict[str, RtpMap] = {}
        for name, value in self.attributes:
            if name == "rtpmap" and value and " " in value:
                pt, text = value.split(" ", 1)
                rtpmap = _parse_rtpmap(text)
                if rtpmap is not None and pt not in found:
                    found[pt] = rtpmap
        return found

    def rtpmap_for(self, payload_type: str) -> RtpMap | None:
        """The format of a payload type: a=rtpmap first, else the static table."""
        explicit = self.rtpmaps.get(payload_type)
        if explicit is not None or not is_number(payload_type):
            return explicit
        return STATIC_PAYLOAD_TYPES.get(int(payload_type))

    @property
    def fmtps(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, value in self.attributes:
            if name == "fmtp" and value and " " in value:
                pt, params = value.split(" ", 1)
                found.setdefault(pt, params.strip())
        return found

    def codecs(self) -> list[Codec]:
        """Offered formats we can name, in the writer's order of preference."""
        return list(_codecs_of(self.formats, self.attributes))

    @property
    def ptime(self) -> int | None:
        return int_or_none(self.attribute("ptime"))

    @property
    def maxptime(self) -> int | None:
        return int_or_none(self.attribute("maxptime"))

    @property
    def own_direction(self) -> Direction | None:
        return _direction_in(self.attributes)

    @property
    def rtcp(self) -> RtcpAddress | None:
        parts = (self.attribute("rtcp") or "").split()
        if not parts or not is_number(parts[0]):
            return None
        conn = Connection(*parts[1:4]) if len(parts) >= 4 else None
        return RtcpAddress(int(parts[0]), conn)

    @property
    def rtcp_mux(self) -> bool:
        return self.has_attribute("rtcp-mux")

    def lines(self) -> list[str]:
        port = self.port if self.port_count is None else f"{self.port}/{self.port_count}"
        out = [" ".join(("m=" + self.media, str(port), self.proto, *self.formats))]
        if self.information is not None:
            out.append(f"i={self.information}")
        if self.connection is not None:
            out.append(f"c={self.connection}")
        if self.bandwidths:
            out += [f"b={b}" for b in self.bandwidths]
        if self.key is not None:
            out.append(f"k={self.key}")
        return out + _attribute_lines(self.attributes)


def _attribute_lines(attributes: tuple[Attribute, ...]) -> list[str]:
    return [f"a={n}" if v is None else f"a={n}:{v}" for n, v in attributes]


@dataclass(frozen=True, slots=True)
class SessionDescription:
    origin: Origin
    session_name: str = "-"
    version: int = 0
    information: str | None = None
    uri: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    connection: Connection | None = None
    bandwidths: tuple[str, ...] = ()
    timing: tuple[Timing, ...] = (Timing(),)
    time_zones: str | None = None
    key: str | None = None
    attributes: tuple[Attribute, ...] = ()
    media: tuple[MediaDescription, ...] = ()

    @classmethod
    def parse(cls, data: bytes | str) -> SessionDescription:
        """Read an SDP body; raises SdpError (status 400) saying what is wrong."""
        return _reader.read_description(data)

    def attribute(self, name: str) -> str | None:
        return first_attribute(self.attributes, name)

    @property
    def ptime(self) -> int | None:
        """A session-level a=ptime. RFC 4566 §6 defines it per medium; some phones write it
        once for the whole session."""
        return int_or_none(self.attribute("ptime"))

    def media_direction(self, index: int) -> Direction:
        """Media level overrides session level; the default is sendrecv (RFC 3264 §5.1)."""
        own = _direction_in(self.media[index].attributes)
        return own or _direction_in(self.attributes) or Direction.SENDRECV

    def media_connection(self, index: int) -> Connection | None:
        return self.media[index].connection or self.connection

    def lines(self) -> list[str]:
        o = self
        out = [f"v={o.version}", f"o={o.origin}", f"s={o.session_name}"]
        if o.information is not None:
            out.append(f"i={o.information}")
        if o.uri is not None:
            out.append(f"u={o.uri}")
        # Empty parts are skipped before building anything: this runs on every answer.
        if o.emails:
            out += [f"e={e}" for e in o.emails]
        if o.phones:
            out += [f"p={p}" for p in o.phones]
        if o.connection is not None:
            out.append(f"c={o.connection}")
        if o.bandwidths:
            out += [f"b={b}" for b in o.bandwidths]
        for t in o.timing:
            out.append(f"t={t.start} {t.stop}")
            if t.repeats:
                out += [f"r={r}" for r in t.repeats]
        if o.time_zones is not None:
            out.append(f"z={o.time_zones}")
        if o.key is not None:
            out.append(f"k={o.key}")
        if o.attributes:
            out += _attribute_lines(o.attributes)
        for m in o.media:
            out += m.lines()
        return out

    def __bytes__(self) -> bytes:
        return ("\r\n".join(self.lines()) + "\r\n").encode("utf-8", "surrogateescape")


# --- the offer/answer names, kept reachable from this module -------------------------------

_OFFER_ANSWER = {"ACCEPTED_PROTOS", "DEFAULT_PTIME_MS", "NegotiatedMedia", "hold_direction",
                 "make_offer", "negotiate_answer", "read_answer", "reoffer"}  # fmt: skip


def __getattr__(name: str) -> object:
    # Imported on first use (PEP 562): offer_answer builds on the types above, so importing it
    # at the top would be circular whichever of the two modules is imported first.
    if name not in _OFFER_ANSWER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from frontdesk.sip import offer_answer

    value: object = getattr(offer_answer, name)
    globals()[name] = value  # later look-ups find it directly
    return value


# The reader builds on the classes above, so it is imported last; the module object is enough,
# its function being looked up when a body is parsed (whichever module was imported first).
from frontdesk.sip import sdp_parse as _reader  # noqa: E402
