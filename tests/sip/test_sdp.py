"""SDP parsing and writing (RFC 4566) and the audio offer/answer model (RFC 3264)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.sip import SipError
from frontdesk.sip.sdp import (
    DEFAULT_CODECS,
    OPUS,
    PCMA,
    PCMU,
    TELEPHONE_EVENT,
    Codec,
    Connection,
    Direction,
    MediaDescription,
    NegotiatedMedia,
    Origin,
    RtpMap,
    SdpError,
    SessionDescription,
    Timing,
    hold_direction,
    make_offer,
    negotiate_answer,
    read_answer,
    reoffer,
)

RFC4475 = Path("/work/shared/data/rfc4475")

# RFC 4566 §5, the example session description (multicast seminar).
RFC4566_EXAMPLE = (
    b"v=0\r\n"
    b"o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\r\n"
    b"s=SDP Seminar\r\n"
    b"i=A Seminar on the session description protocol\r\n"
    b"u=http://www.example.com/seminars/sdp.pdf\r\n"
    b"e=j.doe@example.com (Jane Doe)\r\n"
    b"c=IN IP4 224.2.17.12/127\r\n"
    b"t=2873397496 2873404696\r\n"
    b"a=recvonly\r\n"
    b"m=audio 49170 RTP/AVP 0\r\n"
    b"m=video 51372 RTP/AVP 99\r\n"
    b"a=rtpmap:99 h263-1998/90000\r\n"
)

# RFC 3264 §10.1, Alice's offer (note the empty s= line, as printed in the RFC).
RFC3264_OFFER = """v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s=
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 8 97
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 iLBC/8000
m=video 51372 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000
"""


def offer_with(audio_lines: str, session_extra: str = "", address: str = "192.0.2.10") -> str:
    family = "IP6" if ":" in address else "IP4"
    return (
        f"v=0\no=peer 1 1 IN {family} {address}\ns=-\nc=IN {family} {address}\nt=0 0\n"
        f"{session_extra}{audio_lines}"
    )


def answer_for(
    offer_text: str,
    codecs: tuple[Codec, ...] = DEFAULT_CODECS,
    *,
    direction: str = "sendrecv",
    rtcp_mux: bool = False,
) -> tuple[SessionDescription, NegotiatedMedia]:
    offer = SessionDescription.parse(offer_text)
    return negotiate_answer(
        offer, codecs, "192.0.2.99", 40000, 555, 1, direction=direction, rtcp_mux=rtcp_mux
    )


# --- parsing and writing ------------------------------------------------------------------


def test_rfc4566_example_reads_and_writes_back_byte_for_byte() -> None:
    sdp = SessionDescription.parse(RFC4566_EXAMPLE)
    assert sdp.origin == Origin("jdoe", 2890844526, 2890842807, "IN", "IP4", "10.47.16.5")
    assert sdp.session_name == "SDP Seminar"
    assert sdp.emails == ("j.doe@example.com (Jane Doe)",)
    assert sdp.connection == Connection("IN", "IP4", "224.2.17.12/127")
    assert sdp.connection.host == "224.2.17.12"
    assert sdp.timing == (Timing(2873397496, 2873404696),)
    assert [m.media for m in sdp.media] == ["audio", "video"]
    # Session-level a=recvonly applies to both streams (RFC 4566 §6).
    assert sdp.media_direction(0) is Direction.RECVONLY
    assert sdp.media[1].rtpmaps == {"99": RtpMap("h263-1998", 90000)}
    assert sdp.media[0].codecs() == [Codec("PCMU", 8000, payload_type=0)]
    assert bytes(sdp) == RFC4566_EXAMPLE


def test_bare_lf_and_crlf_read_the_same() -> None:
    lf = RFC4566_EXAMPLE.replace(b"\r\n", b"\n")
    assert SessionDescription.parse(lf) == SessionDescription.parse(RFC4566_EXAMPLE)
    assert SessionDescription.parse(lf.decode()) == SessionDescription.parse(RFC4566_EXAMPLE)


def _torture_bodies() -> list[tuple[str, bytes]]:
    if not RFC4475.is_dir():
        return []
    found = []
    for path in sorted(RFC4475.glob("*.dat")):
        data = path.read_bytes()
        body = data[data.find(b"\r\n\r\n") + 4 :]
        if body.startswith(b"v=0"):
            found.append((path.name, body))
    return found


@pytest.mark.parametrize(("name", "body"), _torture_bodies())
def test_rfc4475_sdp_bodies(name: str, body: bytes) -> None:
    # Every SDP body in the RFC 4475 torture messages is usable except test.dat's
    # "testing=123", which is not an SDP line at all.
    if name == "test.dat":
        with pytest.raises(SdpError) as caught:
            SessionDescription.parse(body)
        assert caught.value.status == 400
        return
    sdp = SessionDescription.parse(body)
    assert SessionDescription.parse(bytes(sdp)) == sdp
    assert sdp.media[0].media == "audio"
    # "a=rtpmap:31 LPC" has no clock rate; the static table (RFC 3551) still names pt 31.
    if len(sdp.media) > 1:
        assert sdp.media[1].rtpmap_for("31") == RtpMap("H261", 90000)


def test_missing_s_and_t_lines_are_tolerated() -> None:
    # RFC 4475 §3.1.2.18 (mismatch02.dat) carries such an SDP; phones in the wild do too.
    sdp = SessionDescription.parse("v=0\r\no=x 1 2 IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n")
    assert sdp.session_name == "-"
    assert sdp.timing == (Timing(0, 0),)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "v=0"),
        ("hello world", "<letter>=<value>"),
        ("v=1\no=x 1 1 IN IP4 h\ns=-\n", "v=0"),
        ("o=x 1 1 IN IP4 h\nv=0\n", "v=0"),
        ("v=0\ns=-\nt=0 0\n", "o="),
        ("v=0\no=x 1 1 IN IP4\ns=-\n", "6 fields"),
        ("v=0\no=x one 1 IN IP4 h\ns=-\n", "numeric"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nc=IN IP4\n", "c= needs 3 fields"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nc=IN IP4 a\nc=IN IP4 b\n", "more than one"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nx=unknown\n", "'x='"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nr=7d 1h 0 25h\nt=0 0\n", "r= must follow"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nt=0\n", "t=<start> <stop>"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nm=audio 4000\n", "m= needs"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nm=audio port RTP/AVP 0\n", "port"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nm=audio 70000 RTP/AVP 0\n", "above 65535"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nm=audio 4000 RTP/AVP 0\nt=0 0\n", "'t='"),
        ("v=0\no=x 1 1 IN IP4 h\ns=-\nm=audio 4000 RTP/AVP 0\na=:x\n", "attribute name"),
        ("V=0\n", "<letter>=<value>"),
    ],
)
def test_garbage_is_refused_with_a_clear_400(text: str, hint: str) -> None:
    with pytest.raises(SdpError) as caught:
        SessionDescription.parse(text)
    assert caught.value.status == 400 and caught.value.peer_fault
    assert hint in str(caught.value)


def test_oversized_body_is_refused() -> None:
    with pytest.raises(SdpError, match="more than"):
        SessionDescription.parse(b"v=0\r\n" + b"a=x\r\n" * 20_000)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_sdp_error(data: bytes) -> None:
    try:
        sdp = SessionDescription.parse(data)
    except SdpError as error:
        assert error.status == 400
    else:
        assert SessionDescription.parse(bytes(sdp)) == sdp


_LINE_TYPES = st.sampled_from("vosiuepcbtrzkamx")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_LINE_TYPES, st.text(max_size=30)), max_size=12))
def test_random_line_soup_raises_only_sdp_error(lines: list[tuple[str, str]]) -> None:
    text = "v=0\r\n" + "".join(f"{kind}={value}\r\n" for kind, value in lines)
    try:
        SessionDescription.parse(text)
    except SdpError as error:
        assert error.status == 400


_TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-./+_", min_size=1, max_size=12
)
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20
).filter(lambda s: s.strip() == s)
_CONN = st.builds(Connection, st.just("IN"), st.sampled_from(["IP4", "IP6"]), _TOKEN)
_ATTR = st.tuples(_TOKEN.filter(lambda s: ":" not in s), st.none() | _TEXT)
_MEDIA = st.builds(
    MediaDescription,
    media=st.sampled_from(["audio", "video", "application"]),
    port=st.integers(0, 65535),
    proto=st.sampled_from(["RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF"]),
    formats=st.lists(st.integers(0, 127).map(str), max_size=5).map(tuple),
    port_count=st.none() | st.integers(1, 4),
    information=st.none() | _TEXT,
    connection=st.none() | _CONN,
    bandwidths=st.lists(_TOKEN.map(lambda t: "AS:" + t), max_size=2).map(tuple),
    key=st.none() | _TEXT,
    attributes=st.lists(_ATTR, max_size=5).map(tuple),
)
_SESSION = st.builds(
    SessionDescription,
    origin=st.builds(
        Origin,
        _TOKEN,
        st.integers(0, 2**64),
        st.integers(0, 2**64),
        st.just("IN"),
        st.sampled_from(["IP4", "IP6"]),
        _TOKEN,
    ),
    session_name=_TEXT,
    information=st.none() | _TEXT,
    emails=st.lists(_TEXT, max_size=2).map(tuple),
    connection=st.none() | _CONN,
    timing=st.lists(
        st.builds(
            Timing,
            st.integers(0, 2**40),
            st.integers(0, 2**40),
            st.lists(_TEXT, max_size=2).map(tuple),
        ),
        min_size=1,
        max_size=2,
    ).map(tuple),
    attributes=st.lists(_ATTR, max_size=4).map(tuple),
    media=st.lists(_MEDIA, max_size=4).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(_SESSION)
def test_any_description_round_trips(sdp: SessionDescription) -> None:
    wire = bytes(sdp)
    assert wire.endswith(b"\r\n")
    assert b"\n" not in wire.replace(b"\r\n", b"")
    assert SessionDescription.parse(wire) == sdp


def test_typed_views_of_a_media_description() -> None:
    sdp = SessionDescription.parse(
        offer_with(
            "m=audio 49170/2 RTP/AVP 0 18 96 97 98\n"
            "a=rtpmap:96 opus/48000/2\na=rtpmap:97 telephone-event/8000\n"
            "a=fmtp:97 0-16\na=fmtp:96 minptime=10; useinbandfec=1\n"
            "a=ptime:30\na=maxptime:60\n"
            "a=rtcp:53020 IN IP4 126.16.64.4\na=rtcp-mux\na=sendonly\na=x-unknown\n"
        )
    )
    audio = sdp.media[0]
    assert audio.port_count == 2
    # 0 and 18 come from RFC 3551 Table 4; 98 has no rtpmap and cannot be named.
    assert [(c.name, c.clock_rate, c.channels, c.payload_type) for c in audio.codecs()] == [
        ("PCMU", 8000, 1, 0),
        ("G729", 8000, 1, 18),
        ("opus", 48000, 2, 96),
        ("telephone-event", 8000, 1, 97),
    ]
    assert audio.fmtps == {"97": "0-16", "96": "minptime=10; useinbandfec=1"}
    assert (audio.ptime, audio.maxptime) == (30, 60)
    # RFC 3605 §2.1 example.
    assert audio.rtcp is not None and audio.rtcp.port == 53020
    assert audio.rtcp.connection == Connection("IN", "IP4", "126.16.64.4")
    assert audio.rtcp_mux
    assert audio.own_direction is Direction.SENDONLY
    assert audio.has_attribute("x-unknown") and audio.attribute("x-unknown") is None


def test_direction_defaults_to_sendrecv_and_media_level_overrides_session_level() -> None:
    plain = SessionDescription.parse(offer_with("m=audio 4000 RTP/AVP 0\n"))
    assert plain.media_direction(0) is Direction.SENDRECV
    both = SessionDescription.parse(
        offer_with("m=audio 4000 RTP/AVP 0\na=inactive\n", "a=sendonly\n")
    )
    assert both.media_direction(0) is Direction.INACTIVE


# --- answering an offer -------------------------------------------------------------------


def test_rfc3264_example_offer_gets_pcmu_and_a_rejected_video_stream() -> None:
    answer, media = answer_for(RFC3264_OFFER)
    assert [(m.media, m.port) for m in answer.media] == [("audio", 40000), ("video", 0)]
    # A rejected stream keeps its formats so the m-line stays valid (RFC 3264 §6).
    assert answer.media[1].formats == ("31", "32")
    assert answer.media[0].formats == ("0",)
    assert media.codec.name == "PCMU" and media.codec.payload_type == 0
    assert (media.remote_address, media.remote_port) == ("host.atlanta.example.com", 49170)
    assert media.remote_rtcp_port == 49171
    assert media.telephone_event_pt is None
    assert SessionDescription.parse(bytes(answer)) == answer


def test_the_offerers_preference_order_wins() -> None:
    _, media = answer_for(offer_with("m=audio 4000 RTP/AVP 18 8 0\n"), (PCMU, PCMA))
    assert media.codec.name == "PCMA"


def test_telephone_event_keeps_the_offerers_payload_type_and_fmtp() -> None:
    offer = offer_with(
        "m=audio 4000 RTP/AVP 0 96\na=rtpmap:96 telephone-event/8000\na=fmtp:96 0-15\n"
    )
    answer, media = answer_for(offer)
    assert media.telephone_event_pt == 96
    assert answer.media[0].formats == ("0", "96")
    assert answer.media[0].fmtps == {"96": "0-15"}
    assert answer.media[0].rtpmaps["96"] == RtpMap("telephone-event", 8000)


def test_no_telephone_event_when_not_offered_or_not_supported() -> None:
    offer = offer_with("m=audio 4000 RTP/AVP 0 96\na=rtpmap:96 telephone-event/8000\n")
    answer, media = answer_for(offer, (PCMU,))
    assert media.telephone_event_pt is None
    assert answer.media[0].formats == ("0",)
    _, media = answer_for(offer_with("m=audio 4000 RTP/AVP 0\n"))
    assert media.telephone_event_pt is None


def test_ptime_is_mirrored() -> None:
    answer, media = answer_for(offer_with("m=audio 4000 RTP/AVP 8\na=ptime:30\n"))
    assert media.ptime == 30 and answer.media[0].ptime == 30
    answer, media = answer_for(offer_with("m=audio 4000 RTP/AVP 8\n"))
    assert media.ptime == 20 and answer.media[0].ptime is None


@pytest.mark.parametrize(
    ("offered", "answered", "on_hold"),
    # RFC 3264 §6.1: sendonly -> recvonly, recvonly -> sendonly, inactive -> inactive.
    [
        ("sendrecv", "sendrecv", False),
        ("sendonly", "recvonly", True),
        ("recvonly", "sendonly", False),
        ("inactive", "inactive", True),
    ],
)
def test_answer_direction(offered: str, answered: str, on_hold: bool) -> None:
    answer, media = answer_for(offer_with(f"m=audio 4000 RTP/AVP 0\na={offered}\n"))
    assert answer.media_direction(0) == answered
    assert media.direction == answered
    assert media.remote_on_hold is on_hold


def test_rfc2543_hold_with_zero_address_reads_as_sendonly() -> None:
    answer, media = answer_for(offer_with("m=audio 4000 RTP/AVP 0\n", address="0.0.0.0"))
    assert answer.media_direction(0) is Direction.RECVONLY
    assert media.remote_on_hold
    assert media.remote_address == "0.0.0.0"


def test_our_wish_to_hold_is_honoured_in_the_answer() -> None:
    answer, media = answer_for(offer_with("m=audio 4000 RTP/AVP 0\n"), direction="sendonly")
    assert answer.media_direction(0) is Direction.SENDONLY
    assert not media.remote_on_hold


def test_first_usable_audio_stream_is_taken_and_the_others_rejected() -> None:
    offer = offer_with(
        "m=audio 4000 RTP/AVP 18\n"
        "m=video 4002 RTP/AVP 31\n"
        "m=audio 4004 RTP/AVP 8\n"
        "m=audio 4006 RTP/AVP 0\n"
    )
    answer, media = answer_for(offer)
    assert [(m.media, m.port) for m in answer.media] == [
        ("audio", 0),
        ("video", 0),
        ("audio", 40000),
        ("audio", 0),
    ]
    assert media.media_index == 2 and media.remote_port == 4004


def test_secure_rtp_is_rejected_until_the_media_layer_does_srtp() -> None:
    offer = offer_with("m=audio 4000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\n")
    with pytest.raises(SdpError) as caught:
        answer_for(offer)
    assert caught.value.status == 488
    assert "RTP/SAVP" in str(caught.value) and "RTP/AVP" in str(caught.value)


def test_no_common_codec_says_what_was_offered_and_what_we_support() -> None:
    offer = offer_with("m=audio 4000 RTP/AVP 18 96\na=rtpmap:96 telephone-event/8000\n")
    with pytest.raises(SdpError) as caught:
        answer_for(offer)
    message = str(caught.value)
    assert caught.value.status == 488
    assert "no common codec" in message
    assert "G729/8000" in message and "telephone-event/8000" in message
    assert "we support PCMU/8000, PCMA/8000" in message


@pytest.mark.parametrize(
    ("audio", "hint"),
    [
        ("m=video 4000 RTP/AVP 31\n", "no audio stream"),
        ("", "no audio stream"),
        ("m=audio 0 RTP/AVP 0\n", "disabled"),
        ("m=audio 4000 RTP/AVP 99\n", "99 (no rtpmap)"),
    ],
)
def test_unanswerable_offers_get_488(audio: str, hint: str) -> None:
    with pytest.raises(SdpError) as caught:
        answer_for(offer_with(audio))
    assert caught.value.status == 488
    assert hint in str(caught.value)


def test_audio_without_any_connection_line_is_a_400() -> None:
    offer = "v=0\no=x 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n"
    with pytest.raises(SdpError) as caught:
        answer_for(offer)
    assert caught.value.status == 400 and "c=" in str(caught.value)


def test_media_level_connection_wins_and_ipv6_is_understood() -> None:
    offer = offer_with("m=audio 4000 RTP/AVP 0\nc=IN IP6 2001:db8::7\n")
    _, media = answer_for(offer)
    assert media.remote_address == "2001:db8::7"
    offer6 = SessionDescription.parse(offer_with("m=audio 4000 RTP/AVP 0\n", address="2001:db8::5"))
    answer, media = negotiate_answer(offer6, DEFAULT_CODECS, "2001:db8::1", 40000, 1, 1)
    assert media.remote_address == "2001:db8::5"
    assert answer.connection == Connection("IN", "IP6", "2001:db8::1")
    assert (answer.origin.addrtype, answer.origin.address) == ("IP6", "2001:db8::1")


def test_opus_with_wideband_telephone_event() -> None:
    # A WebRTC-style offer: telephone-event at both 48 kHz and 8 kHz (RFC 4733 §2.4.1:
    # events share the voice codec's clock rate).
    offer = offer_with(
        "m=audio 4000 RTP/AVPF 111 0 101 110\na=rtpmap:111 opus/48000/2\n"
        "a=fmtp:111 minptime=10\na=rtpmap:110 telephone-event/48000\n"
        "a=rtpmap:101 telephone-event/8000\n"
    )
    wideband_event = Codec("telephone-event", 48000, payload_type=110)
    answer, media = answer_for(offer, (OPUS, PCMU, wideband_event, TELEPHONE_EVENT))
    assert media.codec == Codec("opus", 48000, 2, 111, "minptime=10")
    assert media.telephone_event_pt == 110
    # The answer states our own receive parameters for opus.
    assert answer.media[0].fmtps["111"] == OPUS.fmtp
    _, narrow = answer_for(offer, (PCMU, TELEPHONE_EVENT))
    assert (narrow.codec.name, narrow.telephone_event_pt) == ("PCMU", 101)


def test_rtcp_ports() -> None:
    _, media = answer_for(offer_with("m=audio 4000 RTP/AVP 0\na=rtcp:4011\n"))
    assert media.remote_rtcp_port == 4011
    muxed = offer_with("m=audio 4000 RTP/AVP 0\na=rtcp-mux\n")
    answer, media = answer_for(muxed, rtcp_mux=True)
    assert media.rtcp_mux and media.remote_rtcp_port == 4000 and answer.media[0].rtcp_mux
    answer, media = answer_for(muxed)
    assert not media.rtcp_mux and media.remote_rtcp_port == 4001
    assert not answer.media[0].rtcp_mux


def test_answer_timing_equals_the_offers() -> None:
    answer, _ = answer_for(offer_with("m=audio 4000 RTP/AVP 0\n").replace("t=0 0", "t=3 9"))
    assert answer.timing == (Timing(3, 9),)


_OFFERABLE = [
    PCMU,
    PCMA,
    Codec("G729", 8000, payload_type=18),
    Codec("G722", 8000, payload_type=9),
    Codec("iLBC", 8000, payload_type=97),
    OPUS,
    TELEPHONE_EVENT,
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["audio", "video"]),
            st.sampled_from([0, 5004]),
            st.lists(st.sampled_from(_OFFERABLE), min_size=1, max_size=5, unique=True),
        ),
        max_size=4,
    )
)
def test_answers_keep_m_lines_and_accept_at_most_one_stream(
    streams: list[tuple[str, int, list[Codec]]],
) -> None:
    media = tuple(
        MediaDescription(
            kind,
            port,
            "RTP/AVP",
            tuple(str(c.payload_type) for c in codecs),
            attributes=tuple(("rtpmap", f"{c.payload_type} {c.rtpmap}") for c in codecs),
        )
        for kind, port, codecs in streams
    )
    offer = replace(make_offer([PCMU], "192.0.2.1", 1, 1, 1), media=media)
    try:
        answer, chosen = negotiate_answer(offer, DEFAULT_CODECS, "192.0.2.2", 6000, 2, 2)
    except SdpError as error:
        assert error.status == 488
        assert not any(
            kind == "audio" and port and ({"PCMU", "PCMA"} & {c.name for c in codecs})
            for kind, port, codecs in streams
        )
        return
    assert [m.media for m in answer.media] == [m.media for m in offer.media]
    live = [i for i, m in enumerate(answer.media) if m.port]
    assert live == [chosen.media_index]
    kind, _, offered = streams[chosen.media_index]
    assert kind == "audio"
    assert chosen.codec.name in {c.name for c in offered} & {"PCMU", "PCMA"}
    assert read_answer(offer, answer).codec.payload_type == chosen.codec.payload_type


# --- offers, reading answers, re-offers ---------------------------------------------------


def test_offer_answer_round_trip_between_two_ends() -> None:
    offer = make_offer(DEFAULT_CODECS, "192.0.2.1", 5000, 7, 7)
    assert offer.media[0].formats == ("0", "8", "101")
    answer, theirs = negotiate_answer(
        SessionDescription.parse(bytes(offer)), (PCMA, TELEPHONE_EVENT), "192.0.2.2", 6000, 3, 3
    )
    ours = read_answer(offer, SessionDescription.parse(bytes(answer)))
    assert (ours.codec.name, ours.codec.payload_type, ours.telephone_event_pt) == ("PCMA", 8, 101)
    assert (ours.remote_address, ours.remote_port) == ("192.0.2.2", 6000)
    assert (theirs.remote_address, theirs.remote_port) == ("192.0.2.1", 5000)
    assert ours.direction is Direction.SENDRECV and not ours.remote_on_hold


def test_read_answer_uses_the_answers_payload_type_numbers() -> None:
    opus_offer = make_offer([OPUS, PCMU], "192.0.2.1", 5000, 1, 1)
    answer = SessionDescription.parse(
        offer_with("m=audio 6000 RTP/AVP 102\na=rtpmap:102 OPUS/48000/2\n")
    )
    media = read_answer(opus_offer, answer)
    assert media.codec.payload_type == 102


@pytest.mark.parametrize(
    ("ours", "theirs", "direction", "on_hold"),
    [
        ("sendrecv", "sendonly", Direction.RECVONLY, True),
        ("sendonly", "recvonly", Direction.SENDONLY, False),
        ("sendrecv", "recvonly", Direction.SENDONLY, False),
        ("inactive", "inactive", Direction.INACTIVE, False),
    ],
)
def test_read_answer_direction(ours: str, theirs: str, direction: Direction, on_hold: bool) -> None:
    offer = make_offer([PCMU], "192.0.2.1", 5000, 1, 1, direction=ours)
    answer = SessionDescription.parse(offer_with(f"m=audio 6000 RTP/AVP 0\na={theirs}\n"))
    media = read_answer(offer, answer)
    assert media.direction is direction and media.remote_on_hold is on_hold


@pytest.mark.parametrize(
    ("answer_audio", "hint"),
    [
        ("m=audio 6000 RTP/AVP 0\nm=video 0 RTP/AVP 31\n", "2 media lines"),
        ("m=video 6000 RTP/AVP 31\n", "'video'"),
        ("m=audio 0 RTP/AVP 0\n", "rejected our audio"),
        ("m=audio 6000 RTP/AVP 18\n", "G729/8000"),
    ],
)
def test_read_answer_refuses_answers_that_do_not_fit_the_offer(
    answer_audio: str, hint: str
) -> None:
    offer = make_offer(DEFAULT_CODECS, "192.0.2.1", 5000, 1, 1)
    with pytest.raises(SdpError) as caught:
        read_answer(offer, SessionDescription.parse(offer_with(answer_audio)))
    assert caught.value.status == 488
    assert hint in str(caught.value)


def test_an_offer_needs_numbered_codecs_and_a_voice_codec() -> None:
    with pytest.raises(SdpError, match="payload type") as caught:
        make_offer([Codec("opus", 48000, 2)], "192.0.2.1", 5000, 1, 1)
    # Our own configuration is at fault, not the peer's.
    assert isinstance(caught.value, SipError) and not caught.value.peer_fault
    with pytest.raises(SdpError, match="voice codec"):
        make_offer([TELEPHONE_EVENT], "192.0.2.1", 5000, 1, 1)


def test_hold_and_resume_reoffers_bump_the_version_only_on_change() -> None:
    offer = make_offer(DEFAULT_CODECS, "192.0.2.1", 5000, 7, 7)
    held = reoffer(offer, hold_direction(Direction.SENDRECV))
    assert held.origin.session_version == 8 and held.origin.session_id == 7
    assert held.media_direction(0) is Direction.SENDONLY
    assert held.media[0].attributes.count(("sendonly", None)) == 1
    assert not held.media[0].has_attribute("sendrecv")
    assert reoffer(held, Direction.SENDONLY) is held  # RFC 3264 §8: unchanged SDP, same version
    resumed = reoffer(held, "sendrecv")
    assert resumed.origin.session_version == 9
    assert resumed.media_direction(0) is Direction.SENDRECV
    assert hold_direction(Direction.RECVONLY) is Direction.INACTIVE


def test_reoffer_leaves_rejected_streams_and_drops_session_level_direction() -> None:
    sdp = SessionDescription.parse(
        offer_with("m=audio 4000 RTP/AVP 0\nm=video 0 RTP/AVP 31\n", "a=sendrecv\n")
    )
    held = reoffer(sdp, Direction.INACTIVE)
    assert held.attributes == ()
    assert held.media[1] == sdp.media[1]
    assert held.media_direction(0) is Direction.INACTIVE
