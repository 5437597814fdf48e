"""SDP session descriptions (RFC 4566) and the audio offer/answer model (RFC 3264).

`SessionDescription.parse` reads an SDP body (CRLF or bare LF) into frozen value objects and
`bytes()` writes it back with CRLF in the order of RFC 4566 §5. The offer/answer functions at
the bottom pick one audio stream and one codec (RFC 3264 §5, §6.1), keep DTMF events
(RFC 4733 telephone-event), answer the stream direction (§6.1) and build re-offers for hold
and resume (§8, §8.4). Static payload types follow RFC 3551 §6 (Table 4).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from frontdesk.sip import SipError

MAX_SDP_BYTES = 65_536
_SESSION_TYPES = frozenset("vosiuepcbtrzka")
_MEDIA_TYPES = frozenset("icbka")
_SINGLE_SESSION = frozenset("vosiuczk")
_SINGLE_MEDIA = frozenset("ick")
_ZERO_ADDRESSES = frozenset({"0.0.0.0", "::"})
_AUXILIARY = frozenset({"telephone-event", "cn", "red", "rtx", "ulpfec"})

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
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)

    @classmethod
    def of(cls, sends: bool, receives: bool) -> Direction:
        if sends:
            return cls.SENDRECV if receives else cls.SENDONLY
        return cls.RECVONLY if receives else cls.INACTIVE

    def reversed(self) -> Direction:
        """The same stream seen from the other end: sendonly <-> recvonly."""
        return Direction.of(sends=self.receives, receives=self.sends)


_DIRECTIONS = frozenset(d.value for d in Direction)


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
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not parts[0]:
            return None
        try:
            channels = int(parts[2]) if len(parts) == 3 else 1
            return cls(parts[0], int(parts[1]), channels)
        except ValueError:
            return None

    def __str__(self) -> str:
        base = f"{self.encoding}/{self.clock_rate}"
        return base if self.channels == 1 else f"{base}/{self.channels}"


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
        return (self.name.lower(), self.clock_rate, self.channels) == (
            other_name.lower(),
            other.clock_rate,
            other.channels,
        )

    @property
    def rtpmap(self) -> RtpMap:
        return RtpMap(self.name, self.clock_rate, self.channels)

    @property
    def is_auxiliary(self) -> bool:
        """DTMF, comfort noise and the like: carried alongside a voice codec, never alone."""
        return self.name.lower() in _AUXILIARY

    def __str__(self) -> str:
        return str(self.rtpmap)


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


def _first(attributes: Sequence[Attribute], name: str) -> str | None:
    return next((v for n, v in attributes if n == name and v is not None), None)


def _direction_in(attributes: Sequence[Attribute]) -> Direction | None:
    return next((Direction(n) for n, _ in attributes if n in _DIRECTIONS), None)


def _int_or_none(text: str | None) -> int | None:
    try:
        return None if text is None else int(float(text.strip()))
    except ValueError:
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
        return _first(self.attributes, name)

    def has_attribute(self, name: str) -> bool:
        return any(n == name for n, _ in self.attributes)

    @property
    def rtpmaps(self) -> dict[str, RtpMap]:
        """Explicit a=rtpmap entries by payload type; unreadable ones are skipped."""
        found: dict[str, RtpMap] = {}
        for name, value in self.attributes:
            if name == "rtpmap" and value and " " in value:
                pt, text = value.split(" ", 1)
                rtpmap = RtpMap.parse(text)
                if rtpmap is not None:
                    found.setdefault(pt, rtpmap)
        return found

    def rtpmap_for(self, payload_type: str) -> RtpMap | None:
        """The format of a payload type: a=rtpmap first, else the static table."""
        explicit = self.rtpmaps.get(payload_type)
        if explicit is not None or not payload_type.isdigit():
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
        fmtps = self.fmtps
        found = []
        for pt in self.formats:
            rtpmap = self.rtpmap_for(pt)
            if rtpmap is not None and pt.isdigit():
                found.append(
                    Codec(
                        rtpmap.encoding, rtpmap.clock_rate, rtpmap.channels, int(pt), fmtps.get(pt)
                    )
                )
        return found

    @property
    def ptime(self) -> int | None:
        return _int_or_none(self.attribute("ptime"))

    @property
    def maxptime(self) -> int | None:
        return _int_or_none(self.attribute("maxptime"))

    @property
    def own_direction(self) -> Direction | None:
        return _direction_in(self.attributes)

    @property
    def rtcp(self) -> RtcpAddress | None:
        parts = (self.attribute("rtcp") or "").split()
        if not parts or not parts[0].isdigit():
            return None
        conn = Connection(*parts[1:4]) if len(parts) >= 4 else None
        return RtcpAddress(int(parts[0]), conn)

    @property
    def rtcp_mux(self) -> bool:
        return self.has_attribute("rtcp-mux")

    def lines(self) -> list[str]:
        port = self.port if self.port_count is None else f"{self.port}/{self.port_count}"
        out = [" ".join(["m=" + self.media, str(port), self.proto, *self.formats])]
        out += [] if self.information is None else [f"i={self.information}"]
        out += [] if self.connection is None else [f"c={self.connection}"]
        out += [f"b={b}" for b in self.bandwidths]
        out += [] if self.key is None else [f"k={self.key}"]
        return out + [f"a={n}" if v is None else f"a={n}:{v}" for n, v in self.attributes]


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
        session, sections = _split_sections(_lines(data))
        return _build_session(session, [_build_media(s) for s in sections])

    def media_direction(self, index: int) -> Direction:
        """Media level overrides session level; the default is sendrecv (RFC 3264 §5.1)."""
        own = self.media[index].own_direction
        return own or _direction_in(self.attributes) or Direction.SENDRECV

    def media_connection(self, index: int) -> Connection | None:
        return self.media[index].connection or self.connection

    def lines(self) -> list[str]:
        o = self
        out = [f"v={o.version}", f"o={o.origin}", f"s={o.session_name}"]
        out += [f"{k}={v}" for k, v in (("i", o.information), ("u", o.uri)) if v is not None]
        out += [f"e={e}" for e in o.emails] + [f"p={p}" for p in o.phones]
        out += [] if o.connection is None else [f"c={o.connection}"]
        out += [f"b={b}" for b in o.bandwidths]
        for t in o.timing:
            out += [f"t={t.start} {t.stop}", *(f"r={r}" for r in t.repeats)]
        out += [f"{k}={v}" for k, v in (("z", o.time_zones), ("k", o.key)) if v is not None]
        out += [f"a={n}" if v is None else f"a={n}:{v}" for n, v in o.attributes]
        return out + [line for m in o.media for line in m.lines()]

    def __bytes__(self) -> bytes:
        return ("\r\n".join(self.lines()) + "\r\n").encode("utf-8", "surrogateescape")


# --- parsing -------------------------------------------------------------------------------

_Line = tuple[str, str, int]  # type letter, value, line number


def _lines(data: bytes | str) -> list[_Line]:
    if isinstance(data, bytes):
        if len(data) > MAX_SDP_BYTES:
            raise SdpError(f"SDP body is {len(data)} bytes, more than {MAX_SDP_BYTES}")
        data = data.decode("utf-8", "surrogateescape")  # keep odd octets for a faithful echo
    found: list[_Line] = []
    for number, raw in enumerate(data.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        if len(line) < 2 or line[1] != "=" or not ("a" <= line[0] <= "z"):
            raise SdpError(f"SDP line {number} is not of the form <letter>=<value>: {line[:40]!r}")
        found.append((line[0], line[2:], number))
    if not found or found[0][:2] != ("v", "0"):
        raise SdpError("SDP must start with the line v=0")
    return found


def _split_sections(lines: list[_Line]) -> tuple[list[_Line], list[list[_Line]]]:
    session: list[_Line] = []
    sections: list[list[_Line]] = []
    for line in lines:
        if line[0] == "m":
            sections.append([line])
        else:
            (sections[-1] if sections else session).append(line)
    return session, sections


def _check_singles(lines: list[_Line], singles: frozenset[str], allowed: frozenset[str]) -> None:
    seen: set[str] = set()
    for kind, _, number in lines:
        if kind not in allowed:
            raise SdpError(f"SDP line {number}: '{kind}=' is not allowed here")
        if kind in singles and kind in seen:
            raise SdpError(f"SDP line {number}: more than one '{kind}=' line")
        seen.add(kind)


def _build_session(lines: list[_Line], media: list[MediaDescription]) -> SessionDescription:
    _check_singles(lines, _SINGLE_SESSION, _SESSION_TYPES)
    single = {kind: value for kind, value, _ in lines if kind in _SINGLE_SESSION}
    if "o" not in single:
        raise SdpError("SDP has no o= (origin) line")
    timing: list[Timing] = []
    for kind, value, number in lines:
        if kind == "t":
            start, stop = _ints(value, 2, number, "t=<start> <stop>")
            timing.append(Timing(start, stop))
        elif kind == "r":
            if not timing:
                raise SdpError(f"SDP line {number}: r= must follow a t= line")
            timing[-1] = replace(timing[-1], repeats=(*timing[-1].repeats, value))
    c = single.get("c")
    return SessionDescription(
        origin=_origin(single["o"]),
        session_name=single.get("s", "-"),
        information=single.get("i"),
        uri=single.get("u"),
        emails=tuple(v for k, v, _ in lines if k == "e"),
        phones=tuple(v for k, v, _ in lines if k == "p"),
        connection=None if c is None else _connection(c),
        bandwidths=tuple(v for k, v, _ in lines if k == "b"),
        timing=tuple(timing) or (Timing(),),  # t= is often missing in the wild: read as t=0 0
        time_zones=single.get("z"),
        key=single.get("k"),
        attributes=tuple(_attribute(v, n) for k, v, n in lines if k == "a"),
        media=tuple(media),
    )


def _build_media(lines: list[_Line]) -> MediaDescription:
    (_, m_value, m_number), rest = lines[0], lines[1:]
    _check_singles(rest, _SINGLE_MEDIA, _MEDIA_TYPES)
    fields = m_value.split()
    if len(fields) < 3:
        raise SdpError(f"SDP line {m_number}: m= needs <media> <port> <proto> <formats>")
    port_text, _, count_text = fields[1].partition("/")
    port, count = _port(port_text, m_number), None
    if count_text:
        count = _ints(count_text, 1, m_number, "port count")[0]
    single = {kind: value for kind, value, _ in rest if kind in _SINGLE_MEDIA}
    c = single.get("c")
    return MediaDescription(
        media=fields[0],
        port=port,
        proto=fields[2],
        formats=tuple(fields[3:]),
        port_count=count,
        information=single.get("i"),
        connection=None if c is None else _connection(c),
        bandwidths=tuple(v for k, v, _ in rest if k == "b"),
        key=single.get("k"),
        attributes=tuple(_attribute(v, n) for k, v, n in rest if k == "a"),
    )


def _ints(text: str, count: int, number: int, form: str) -> list[int]:
    parts = text.split()
    if len(parts) != count or not all(p.isascii() and p.isdigit() for p in parts):
        raise SdpError(f"SDP line {number}: expected {form}, got {text[:40]!r}")
    return [int(p) for p in parts]


def _port(text: str, number: int) -> int:
    port = _ints(text, 1, number, "a port number")[0]
    if port > 65535:
        raise SdpError(f"SDP line {number}: port {port} is above 65535")
    return port


def _origin(value: str) -> Origin:
    parts = value.split()
    if len(parts) != 6:
        raise SdpError(f"o= needs 6 fields (user id version IN IP4 address), got {value[:60]!r}")
    session_id, version = _ints(f"{parts[1]} {parts[2]}", 2, 0, "numeric session id and version")
    return Origin(parts[0], session_id, version, parts[3], parts[4], parts[5])


def _connection(value: str) -> Connection:
    parts = value.split()
    if len(parts) != 3:
        raise SdpError(f"c= needs 3 fields (IN IP4 address), got {value[:60]!r}")
    return Connection(*parts)


def _attribute(value: str, number: int) -> Attribute:
    name, colon, rest = value.partition(":")
    if not name or " " in name:
        raise SdpError(f"SDP line {number}: attribute name missing or malformed: {value[:40]!r}")
    return (name, rest if colon else None)


# --- offer / answer (RFC 3264) -------------------------------------------------------------

DEFAULT_PTIME_MS = 20  # RFC 3551 §4.5: the default packet time for G.711 and most audio
ACCEPTED_PROTOS: tuple[str, ...] = ("RTP/AVP", "RTP/AVPF")


@dataclass(frozen=True, slots=True)
class NegotiatedMedia:
    """The one audio stream agreed on: what the media layer needs to send and receive."""

    media_index: int
    remote_address: str
    remote_port: int
    remote_rtcp_port: int
    codec: Codec  # payload type and fmtp as the peer wrote them: what we send with
    telephone_event_pt: int | None
    ptime: int
    direction: Direction  # ours: SENDONLY means we send and expect nothing back
    remote_on_hold: bool  # the peer will not listen: play nothing, or music on hold
    rtcp_mux: bool = False


def hold_direction(current: Direction) -> Direction:
    """The direction to offer when putting a stream on hold (RFC 3264 §8.4)."""
    return Direction.of(sends=current.sends, receives=False)


def make_offer(
    codecs: Sequence[Codec],
    local_address: str,
    local_port: int,
    session_id: int,
    session_version: int,
    direction: Direction | str = Direction.SENDRECV,
    ptime: int | None = DEFAULT_PTIME_MS,
    *,
    username: str = "frontdesk",
    rtcp_mux: bool = False,
) -> SessionDescription:
    """An offer with one audio stream listing `codecs` in our order of preference."""
    unnumbered = [str(c) for c in codecs if c.payload_type is None]
    if unnumbered or not any(not c.is_auxiliary for c in codecs):
        raise SdpError(
            f"cannot offer {[str(c) for c in codecs]}: every codec needs a payload type "
            f"({unnumbered} have none) and at least one must be a voice codec",
            status=500,
        )
    formats = tuple(str(c.payload_type) for c in codecs)
    attributes = _audio_attributes(codecs, ptime, Direction(direction), rtcp_mux)
    media = MediaDescription("audio", local_port, "RTP/AVP", formats, attributes=attributes)
    return _own_session(username, session_id, session_version, local_address, [media])


def negotiate_answer(
    offer: SessionDescription,
    supported_codecs: Sequence[Codec],
    local_address: str,
    local_port: int,
    session_id: int,
    session_version: int,
    *,
    username: str = "frontdesk",
    direction: Direction | str = Direction.SENDRECV,
    protos: Sequence[str] = ACCEPTED_PROTOS,
    rtcp_mux: bool = False,
) -> tuple[SessionDescription, NegotiatedMedia]:
    """Answer an offer: accept the first usable audio stream, reject every other one.

    Raises SdpError(488) when no audio stream can be accepted, saying why for each.
    """
    wanted = Direction(direction)
    chosen: NegotiatedMedia | None = None
    problems: list[str] = []
    answer_media: list[MediaDescription] = []
    for index, offered in enumerate(offer.media):
        picked = None
        if chosen is None and offered.media == "audio":
            picked = _pick_codecs(index, offered, supported_codecs, protos, problems)
        if picked is None:
            answer_media.append(
                replace(
                    offered,
                    port=0,
                    port_count=None,
                    connection=None,
                    bandwidths=(),
                    key=None,
                    attributes=(),
                )
            )
            continue
        chosen = _agree(offer, index, picked[0], picked[2], wanted, rtcp_mux)
        codecs = [replace(picked[0], fmtp=picked[1].fmtp), *([picked[2]] if picked[2] else [])]
        attributes = _audio_attributes(
            codecs, _offered_ptime(offer, index), chosen.direction, chosen.rtcp_mux
        )
        formats = tuple(str(c.payload_type) for c in codecs)
        answer_media.append(
            MediaDescription("audio", local_port, offered.proto, formats, attributes=attributes)
        )
    if chosen is None:
        kinds = ", ".join(m.media for m in offer.media) or "none"
        problems = problems or [f"the offer has no audio stream (media: {kinds})"]
        raise SdpError("; ".join(problems), status=488)
    answer = _own_session(username, session_id, session_version, local_address, answer_media)
    return replace(answer, timing=offer.timing), chosen  # RFC 3264 §6: t= equals the offer's


def read_answer(offer: SessionDescription, answer: SessionDescription) -> NegotiatedMedia:
    """Check the peer's answer against our offer (RFC 3264 §6, §6.1) and read the result."""
    index = _accepted_audio_index(offer, answer)
    ours, theirs = offer.media[index], answer.media[index]
    offered = [c for c in ours.codecs() if not c.is_auxiliary]
    codec = next(
        (
            c
            for c in theirs.codecs()
            if not c.is_auxiliary and any(o.same_format(c) for o in offered)
        ),
        None,
    )
    if codec is None:
        raise SdpError(
            f"the answer picks no codec we offered: it lists "
            f"{_describe(theirs)}; we offered {_describe(ours)}",
            status=488,
        )
    event = _matching_event(theirs.codecs(), ours.codecs(), codec.clock_rate)
    conn = answer.media_connection(index)
    if conn is None:
        raise SdpError(f"the answer's audio stream {index} has no c= line", status=488)
    our_offer = offer.media_direction(index)
    remote = _remote_direction(answer.media_direction(index), conn)
    mux = ours.rtcp_mux and theirs.rtcp_mux
    return NegotiatedMedia(
        media_index=index,
        remote_address=conn.host,
        remote_port=theirs.port,
        remote_rtcp_port=_rtcp_port(theirs, mux),
        codec=codec,
        telephone_event_pt=None if event is None else event.payload_type,
        ptime=theirs.ptime or ours.ptime or DEFAULT_PTIME_MS,
        direction=Direction.of(
            our_offer.sends and remote.receives, our_offer.receives and remote.sends
        ),
        remote_on_hold=our_offer.sends and not remote.receives,
        rtcp_mux=mux,
    )


def _accepted_audio_index(offer: SessionDescription, answer: SessionDescription) -> int:
    if len(answer.media) != len(offer.media):
        raise SdpError(
            f"the answer has {len(answer.media)} media lines but our offer had "
            f"{len(offer.media)}; RFC 3264 §6 requires the same",
            status=488,
        )
    accepted = []
    for index, (ours, theirs) in enumerate(zip(offer.media, answer.media, strict=True)):
        if ours.media != theirs.media:
            raise SdpError(
                f"answer media line {index} is {theirs.media!r}, our offer had {ours.media!r}",
                status=488,
            )
        if ours.media == "audio" and ours.port and theirs.port:
            accepted.append(index)
    if not accepted:
        raise SdpError("the peer rejected our audio stream (port 0 in its answer)", status=488)
    return accepted[0]


def reoffer(own: SessionDescription, direction: Direction | str) -> SessionDescription:
    """Our next SDP with `direction` on every live stream and the version bumped (§8).

    If nothing changes, `own` comes back as is: an unchanged SDP keeps its version.
    """
    new = Direction(direction)
    live = [i for i, m in enumerate(own.media) if m.port != 0]
    if all(own.media_direction(i) == new for i in live):
        return own
    media = tuple(
        replace(m, attributes=(*_without_direction(m.attributes), (new.value, None)))
        if m.port != 0
        else m
        for m in own.media
    )
    origin = replace(own.origin, session_version=own.origin.session_version + 1)
    attributes = _without_direction(own.attributes)
    return replace(own, origin=origin, attributes=attributes, media=media)


def _without_direction(attributes: Sequence[Attribute]) -> tuple[Attribute, ...]:
    return tuple(a for a in attributes if a[0] not in _DIRECTIONS)


def _pick_codecs(
    index: int,
    offered: MediaDescription,
    supported: Sequence[Codec],
    protos: Sequence[str],
    problems: list[str],
) -> tuple[Codec, Codec, Codec | None] | None:
    """(their codec, our matching codec, their telephone-event) or None, noting why."""
    if offered.port == 0:
        problems.append(f"audio stream {index} is disabled (port 0)")
        return None
    if offered.proto not in protos:
        problems.append(f"audio stream {index} uses {offered.proto}; we accept {', '.join(protos)}")
        return None
    their_codecs = offered.codecs()
    for theirs in their_codecs:
        ours = next((c for c in supported if not c.is_auxiliary and c.same_format(theirs)), None)
        if ours is not None and not theirs.is_auxiliary:
            return theirs, ours, _matching_event(their_codecs, supported, theirs.clock_rate)
    voice = [str(c) for c in supported if not c.is_auxiliary]
    problems.append(
        f"no common codec in audio stream {index}: offered {_describe(offered)}; "
        f"we support {', '.join(voice) or 'nothing'}"
    )
    return None


def _matching_event(theirs: Sequence[Codec], ours: Sequence[Codec], rate: int) -> Codec | None:
    """Their telephone-event at the voice codec's clock rate, if we also know it (RFC 4733)."""
    for event in theirs:
        is_event = event.name.lower() == "telephone-event" and event.clock_rate == rate
        if is_event and any(event.same_format(c) for c in ours):
            return event
    return None


def _agree(
    offer: SessionDescription,
    index: int,
    codec: Codec,
    event: Codec | None,
    wanted: Direction,
    rtcp_mux: bool,
) -> NegotiatedMedia:
    offered = offer.media[index]
    conn = offer.media_connection(index)
    if conn is None:
        raise SdpError(f"audio stream {index} has no c= line, neither its own nor the session's")
    remote = _remote_direction(offer.media_direction(index), conn)
    mux = rtcp_mux and offered.rtcp_mux
    return NegotiatedMedia(
        media_index=index,
        remote_address=conn.host,
        remote_port=offered.port,
        remote_rtcp_port=_rtcp_port(offered, mux),
        codec=codec,
        telephone_event_pt=None if event is None else event.payload_type,
        ptime=_offered_ptime(offer, index) or DEFAULT_PTIME_MS,
        direction=Direction.of(wanted.sends and remote.receives, wanted.receives and remote.sends),
        remote_on_hold=not remote.receives,
        rtcp_mux=mux,
    )


def _remote_direction(declared: Direction, conn: Connection) -> Direction:
    """c=0.0.0.0 (RFC 2543 hold) means: do not send to me, whatever the attribute says."""
    return Direction.of(declared.sends, declared.receives and not conn.is_hold_address)


def _offered_ptime(offer: SessionDescription, index: int) -> int | None:
    return offer.media[index].ptime or _int_or_none(_first(offer.attributes, "ptime"))


def _rtcp_port(media: MediaDescription, mux: bool) -> int:
    if mux:
        return media.port
    rtcp = media.rtcp
    return rtcp.port if rtcp is not None else media.port + 1  # RFC 3550 §11: next odd port


def _describe(media: MediaDescription) -> str:
    names = [str(r) if (r := media.rtpmap_for(pt)) else f"{pt} (no rtpmap)" for pt in media.formats]
    return ", ".join(names) or "no formats"


def _audio_attributes(
    codecs: Sequence[Codec], ptime: int | None, direction: Direction, rtcp_mux: bool
) -> tuple[Attribute, ...]:
    attributes: list[Attribute] = []
    for codec in codecs:
        attributes.append(("rtpmap", f"{codec.payload_type} {codec.rtpmap}"))
        if codec.fmtp:
            attributes.append(("fmtp", f"{codec.payload_type} {codec.fmtp}"))
    attributes += [("ptime", str(ptime))] if ptime else []
    attributes += [("rtcp-mux", None)] if rtcp_mux else []
    return (*attributes, (direction.value, None))


def _own_session(
    username: str,
    session_id: int,
    session_version: int,
    address: str,
    media: Sequence[MediaDescription],
) -> SessionDescription:
    try:
        addrtype = "IP6" if ipaddress.ip_address(address).version == 6 else "IP4"
    except ValueError:
        addrtype = "IP4"  # a host name; IPv4 is the usual reading
    return SessionDescription(
        origin=Origin(username, session_id, session_version, "IN", addrtype, address),
        connection=Connection("IN", addrtype, address),
        media=tuple(media),
    )
