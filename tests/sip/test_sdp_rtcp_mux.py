"""RTP and RTCP on one port in offer/answer (RFC 5761 §5.1.1, RFC 8035) with a=rtcp (RFC 3605).

Our offers ask for rtcp-mux by default and name the separate RTCP port as the fallback; an
answer accepts rtcp-mux only when the offer asked for it; what was agreed tells the media
engine where the peer's RTCP goes.
"""

from __future__ import annotations

from frontdesk.sip.sdp import (
    DEFAULT_CODECS,
    SessionDescription,
    make_offer,
    negotiate_answer,
    read_answer,
    reoffer,
)

# A plain G.711 offer without rtcp-mux, as sipp's built-in scenarios and older phones send it.
PLAIN_OFFER = (
    "v=0\r\no=phone 7 7 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
)


def _offer(port: int = 30000, **options: bool) -> SessionDescription:
    return make_offer(DEFAULT_CODECS, "192.0.2.99", port, 42, 1, **options)


def _answer(offer: SessionDescription, port: int = 5000, **options: bool) -> SessionDescription:
    answer, _ = negotiate_answer(offer, DEFAULT_CODECS, "192.0.2.20", port, 7, 1, **options)
    return answer


def test_our_offer_asks_for_rtcp_mux_and_names_the_fallback_rtcp_port() -> None:
    text = bytes(_offer(30000)).decode()
    audio = SessionDescription.parse(text).media[0]
    assert audio.rtcp_mux
    assert audio.rtcp is not None and audio.rtcp.port == 30001  # RFC 3605: RTP port + 1
    assert "a=rtcp-mux\r\n" in text and "a=rtcp:30001\r\n" in text


def test_an_offer_can_leave_rtcp_mux_out() -> None:
    audio = _offer(30000, rtcp_mux=False).media[0]
    assert not audio.rtcp_mux and audio.rtcp is None


def test_answering_an_rtcp_mux_offer_accepts_it_and_sends_rtcp_to_the_rtp_port() -> None:
    offer = SessionDescription.parse(bytes(_offer(30000)))
    answer, agreed = negotiate_answer(offer, DEFAULT_CODECS, "192.0.2.20", 5000, 7, 1)
    assert answer.media[0].rtcp_mux
    assert agreed.rtcp_mux and agreed.remote_rtcp_port == 30000  # RFC 5761 §4: one port


def test_an_answer_never_adds_rtcp_mux_the_offer_did_not_ask_for() -> None:
    offer = SessionDescription.parse(PLAIN_OFFER)
    answer, agreed = negotiate_answer(offer, DEFAULT_CODECS, "192.0.2.20", 5000, 7, 1)
    assert not answer.media[0].rtcp_mux  # RFC 8035
    assert not agreed.rtcp_mux and agreed.remote_rtcp_port == 4001  # RFC 3550 §11


def test_reading_an_answer_that_accepts_rtcp_mux() -> None:
    offer = _offer(30000)
    answer = SessionDescription.parse(bytes(_answer(offer, 5000)))
    agreed = read_answer(offer, answer)
    assert agreed.rtcp_mux and agreed.remote_port == agreed.remote_rtcp_port == 5000


def test_reading_an_answer_that_declines_rtcp_mux() -> None:
    offer = _offer(30000)
    declined = _answer(offer, 5000, rtcp_mux=False)
    assert not declined.media[0].rtcp_mux
    agreed = read_answer(offer, declined)
    assert not agreed.rtcp_mux and agreed.remote_rtcp_port == 5001
    # A peer that declines and names its own RTCP port is sent RTCP there (RFC 3605).
    text = bytes(declined).decode().replace("a=sendrecv", "a=rtcp:5011\r\na=sendrecv")
    agreed = read_answer(offer, SessionDescription.parse(text))
    assert not agreed.rtcp_mux and agreed.remote_rtcp_port == 5011


def test_a_hold_reoffer_keeps_rtcp_mux() -> None:
    held = reoffer(_offer(30000), "sendonly").media[0]
    assert held.rtcp_mux and held.rtcp is not None and held.rtcp.port == 30001
