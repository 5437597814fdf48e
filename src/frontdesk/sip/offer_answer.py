"""The audio offer/answer model (RFC 3264) on top of the SDP value objects of `sdp.py`.

`negotiate_answer` picks one audio stream and one codec from an offer (RFC 3264 §5, §6.1),
keeps DTMF events (RFC 4733 telephone-event), answers the stream direction (§6.1) and rejects
every other stream with port 0. `make_offer` writes our own offer, `read_answer` checks a
peer's answer against it, and `reoffer` / `hold_direction` build re-offers for hold and resume
(§8, §8.4).

RTP and RTCP on one port (RFC 5761) is offered by default, with `a=rtcp` (RFC 3605) naming the
separate port (RTP + 1) to use if the answerer declines; an answer accepts it only when the
offer asked for it (RFC 8035). The media engine binds both ports either way.

An answer is built on every incoming call, so the answer's attribute lines are cached per
(codecs, ptime, direction) and the session is assembled directly rather than through
`dataclasses.replace`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from frontdesk.sip.sdp import (
    AUXILIARY as _AUXILIARY,
)
from frontdesk.sip.sdp import (
    DIRECTION_BY_NAME,
    Attribute,
    Codec,
    Connection,
    Direction,
    MediaDescription,
    SdpError,
    SessionDescription,
    Timing,
)
from frontdesk.sip.sdp_parse import frozen_builder, new_media, new_origin, new_session

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


_new_negotiated = frozen_builder(NegotiatedMedia)


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
    rtcp_mux: bool = True,
) -> SessionDescription:
    """An offer with one audio stream listing `codecs` in our order of preference.

    With `rtcp_mux`, the stream offers RTP and RTCP on one port (RFC 5761 §5.1.1) and says
    with `a=rtcp` where RTCP goes if the answer does not accept that (RFC 3605)."""
    unnumbered = [str(c) for c in codecs if c.payload_type is None]
    if unnumbered or not any(not c.is_auxiliary for c in codecs):
        raise SdpError(
            f"cannot offer {[str(c) for c in codecs]}: every codec needs a payload type "
            f"({unnumbered} have none) and at least one must be a voice codec",
            status=500,
        )
    formats = tuple(str(c.payload_type) for c in codecs)
    attributes = _audio_attributes(codecs, ptime, _direction(direction), rtcp_mux)
    if rtcp_mux and local_port:
        attributes = (("rtcp", str(local_port + 1)), *attributes)
    media = MediaDescription("audio", local_port, "RTP/AVP", formats, attributes=attributes)
    return _own_session(username, session_id, session_version, local_address, (media,))


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
    rtcp_mux: bool = True,
) -> tuple[SessionDescription, NegotiatedMedia]:
    """Answer an offer: accept the first usable audio stream, reject every other one.

    With `rtcp_mux`, an offer's `a=rtcp-mux` is accepted (RFC 5761 §5.1.1); without one in the
    offer the answer never carries it (RFC 8035).

    Raises SdpError(488) when no audio stream can be accepted, saying why for each.
    """
    wanted = _direction(direction)
    chosen: NegotiatedMedia | None = None
    problems: list[str] = []
    answer_media: list[MediaDescription] = []
    for index, offered in enumerate(offer.media):
        picked = None
        if chosen is None and offered.media == "audio":
            picked = _pick_codecs(index, offered, supported_codecs, protos, problems)
        if picked is None:
            answer_media.append(_rejected(offered))
            continue
        theirs, ours, event = picked
        ptime = offered.ptime or offer.ptime
        chosen = _agree(offer, index, theirs, event, ptime, wanted, rtcp_mux)
        answer_media.append(_accepted(offered, theirs, ours, event, ptime, chosen, local_port))
    if chosen is None:
        kinds = ", ".join(m.media for m in offer.media) or "none"
        problems = problems or [f"the offer has no audio stream (media: {kinds})"]
        raise SdpError("; ".join(problems), status=488)
    # RFC 3264 §6: the answer's t= equals the offer's.
    answer = _own_session(
        username, session_id, session_version, local_address, tuple(answer_media), offer.timing
    )
    return answer, chosen


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
    new = _direction(direction)
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


def _direction(value: Direction | str) -> Direction:
    if isinstance(value, Direction):
        return value
    return Direction(value)  # raises ValueError naming the bad value


def _without_direction(attributes: Sequence[Attribute]) -> tuple[Attribute, ...]:
    return tuple(a for a in attributes if a[0] not in DIRECTION_BY_NAME)


def _accepted(
    offered: MediaDescription,
    theirs: Codec,
    ours: Codec,
    event: Codec | None,
    ptime: int | None,
    chosen: NegotiatedMedia,
    local_port: int,
) -> MediaDescription:
    """Our answer to the accepted audio stream."""
    codec = theirs
    if theirs.fmtp != ours.fmtp:
        # Their payload type number (§6.1) with our fmtp: fmtp says what its writer receives.
        codec = Codec(
            theirs.name, theirs.clock_rate, theirs.channels, theirs.payload_type, ours.fmtp
        )
    if event is None:
        codecs: tuple[Codec, ...] = (codec,)
        formats: tuple[str, ...] = (str(codec.payload_type),)
    else:
        codecs = (codec, event)
        formats = (str(codec.payload_type), str(event.payload_type))
    attributes = _audio_attributes(codecs, ptime, chosen.direction, chosen.rtcp_mux)
    return new_media(
        "audio", local_port, offered.proto, formats, None, None, None, (), None, attributes
    )


def _rejected(offered: MediaDescription) -> MediaDescription:
    """A stream refused with port 0 (§6): media type, proto, formats and i= kept."""
    return MediaDescription(
        offered.media, 0, offered.proto, offered.formats, information=offered.information
    )


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
    ours = _Capabilities.of(supported)
    for theirs in their_codecs:
        key = _format_key(theirs)
        if key[0] in _AUXILIARY:
            continue
        match = ours.voice.get(key)
        if match is not None:
            return theirs, match, ours.matching_event(their_codecs, theirs.clock_rate)
    problems.append(
        f"no common codec in audio stream {index}: offered {_describe(offered)}; "
        f"we support {ours.voice_names or 'nothing'}"
    )
    return None


def _format_key(codec: Codec) -> tuple[str, int, int]:
    """What `Codec.same_format` compares, as a dictionary key."""
    return (codec.name.lower(), codec.clock_rate, codec.channels)


@dataclass(frozen=True, slots=True)
class _Capabilities:
    """Our supported codecs indexed for answering (built once per codec list)."""

    voice: dict[tuple[str, int, int], Codec]  # format -> our first voice codec of that format
    formats: frozenset[tuple[str, int, int]]  # every format we support, voice or not
    voice_names: str

    @staticmethod
    def of(supported: Sequence[Codec]) -> _Capabilities:
        # Looked up by identity: hashing the codecs would cost more than the answer saves.
        # The entry keeps the tuple alive, so its id cannot be reused by another object.
        known = _CAPABILITIES.get(id(supported))
        if known is not None and known[0] is supported:
            return known[1]
        capabilities = _capabilities(tuple(supported))
        if isinstance(supported, tuple) and len(_CAPABILITIES) < 32:  # immutable: safe to keep
            _CAPABILITIES[id(supported)] = (supported, capabilities)
        return capabilities

    def matching_event(self, theirs: Sequence[Codec], rate: int) -> Codec | None:
        """Their telephone-event at the voice codec's clock rate, if we know it (RFC 4733)."""
        for event in theirs:
            is_event = event.clock_rate == rate and event.name.lower() == "telephone-event"
            if is_event and _format_key(event) in self.formats:
                return event
        return None


def _capabilities(supported: tuple[Codec, ...]) -> _Capabilities:
    voice: dict[tuple[str, int, int], Codec] = {}
    for codec in supported:
        if not codec.is_auxiliary:
            voice.setdefault(_format_key(codec), codec)
    names = ", ".join(str(c) for c in supported if not c.is_auxiliary)
    return _Capabilities(voice, frozenset(_format_key(c) for c in supported), names)


_CAPABILITIES: dict[int, tuple[Sequence[Codec], _Capabilities]] = {}


def _matching_event(theirs: Sequence[Codec], ours: Sequence[Codec], rate: int) -> Codec | None:
    """Their telephone-event at the voice codec's clock rate, if we also know it (RFC 4733)."""
    for event in theirs:
        is_event = event.clock_rate == rate and event.name.lower() == "telephone-event"
        if is_event and any(event.same_format(c) for c in ours):
            return event
    return None


def _agree(
    offer: SessionDescription,
    index: int,
    codec: Codec,
    event: Codec | None,
    ptime: int | None,
    wanted: Direction,
    rtcp_mux: bool,
) -> NegotiatedMedia:
    offered = offer.media[index]
    conn = offered.connection or offer.connection
    if conn is None:
        raise SdpError(f"audio stream {index} has no c= line, neither its own nor the session's")
    remote = _remote_direction(offer.media_direction(index), conn)
    mux = rtcp_mux and offered.rtcp_mux
    remote_sends, remote_receives = remote.sends, remote.receives
    return _new_negotiated(
        index,
        conn.host,
        offered.port,
        _rtcp_port(offered, mux),
        codec,
        None if event is None else event.payload_type,
        ptime or DEFAULT_PTIME_MS,
        Direction.of(wanted.sends and remote_receives, wanted.receives and remote_sends),
        not remote_receives,
        mux,
    )


def _remote_direction(declared: Direction, conn: Connection) -> Direction:
    """c=0.0.0.0 (RFC 2543 hold) means: do not send to me, whatever the attribute says."""
    if declared.receives and conn.is_hold_address:
        return Direction.SENDONLY if declared.sends else Direction.INACTIVE
    return declared


def _rtcp_port(media: MediaDescription, mux: bool) -> int:
    if mux:
        return media.port
    rtcp = media.rtcp
    return rtcp.port if rtcp is not None else media.port + 1  # RFC 3550 §11: next odd port


def _describe(media: MediaDescription) -> str:
    names = [str(r) if (r := media.rtpmap_for(pt)) else f"{pt} (no rtpmap)" for pt in media.formats]
    return ", ".join(names) or "no formats"


_DIRECTION_ATTRIBUTE: dict[Direction, Attribute] = {d: (d.value, None) for d in Direction}
_RTCP_MUX: Attribute = ("rtcp-mux", None)


def _audio_attributes(
    codecs: Sequence[Codec], ptime: int | None, direction: Direction, rtcp_mux: bool
) -> tuple[Attribute, ...]:
    attributes: list[Attribute] = []
    for codec in codecs:
        attributes.append(("rtpmap", f"{codec.payload_type} {codec}"))
        if codec.fmtp:
            attributes.append(("fmtp", f"{codec.payload_type} {codec.fmtp}"))
    if ptime:
        attributes.append(("ptime", str(ptime)))
    if rtcp_mux:
        attributes.append(_RTCP_MUX)
    attributes.append(_DIRECTION_ATTRIBUTE[direction])
    return tuple(attributes)


@lru_cache(maxsize=64)
def _own_connection(address: str) -> Connection:
    try:
        addrtype = "IP6" if ipaddress.ip_address(address).version == 6 else "IP4"
    except ValueError:
        addrtype = "IP4"  # a host name; IPv4 is the usual reading
    return Connection("IN", addrtype, address)


def _own_session(
    username: str,
    session_id: int,
    session_version: int,
    address: str,
    media: tuple[MediaDescription, ...],
    timing: tuple[Timing, ...] | None = None,
) -> SessionDescription:
    connection = _own_connection(address)
    origin = new_origin(username, session_id, session_version, "IN", connection.addrtype, address)
    if timing is None:
        return SessionDescription(origin=origin, connection=connection, media=media)
    return new_session(
        origin, "-", 0, None, None, (), (), connection, (), timing, None, None, (), media
    )
