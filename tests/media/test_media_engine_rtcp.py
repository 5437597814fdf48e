"""RTCP through a real worker: reports sent on port + 1 or muxed, the peer's reports read.

The test plays the phone: it streams RTP, waits for the engine's first report (RFC 3550
§6.3.2: within about 3 s), checks it field by field, answers with a receiver report whose
LSR/DLSR point back at it (§6.4.1) and reads the round trip and the loss it reported back
from the stream's statistics.
"""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from engine_harness import FarEnd, run, until

from frontdesk.media.engine import Configure, Event, MediaEngine, StreamStats
from frontdesk.media.rtcp import (
    Bye,
    ReceiverReport,
    ReportBlock,
    RtcpPacket,
    SenderReport,
    SourceDescription,
    build_compound,
    parse_compound,
)

PHONE_SSRC = 0x1234


def _udp(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


async def _talk_until_rtcp(
    phone: FarEnd, port: int, rtcp: socket.socket, seconds: float = 6.0
) -> tuple[tuple[RtcpPacket, ...], tuple[str, int], int, list[int]]:
    """Stream RTP to the engine every 20 ms until an RTCP compound arrives on `rtcp` (which
    may be the phone's RTP socket, with rtcp-mux). Returns the compound, where it came from,
    how many RTP packets the phone sent and the SSRC of each RTP packet it received."""
    start, k, ssrcs = time.monotonic(), 0, []
    while time.monotonic() - start < seconds:
        phone.send(port, 0, 100 + k, 8000 + 160 * k, PHONE_SSRC, bytes(160))
        k += 1
        for sock in {phone.sock, rtcp}:
            while True:
                try:
                    data, source = sock.recvfrom(2048)
                except BlockingIOError:
                    break
                if 200 <= data[1] <= 204:
                    return parse_compound(data), source, k, ssrcs
                ssrcs.append(int.from_bytes(data[8:12], "big"))
        await asyncio.sleep(max(0.0, start + k * 0.02 - time.monotonic()))
    raise AssertionError("no RTCP from the engine")


def _stats(events: list[Event]) -> StreamStats:
    return [e for e in events if isinstance(e, StreamStats)][-1]


def test_reports_on_the_next_port_and_the_peers_report_gives_rtt_and_loss() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone, phone_rtcp = FarEnd(), _udp()
        port = engine.open_stream("s")
        engine.configure(Configure("s", phone.address, "PCMU", 0, None,
                                   rtcp=phone_rtcp.getsockname()))  # fmt: skip
        engine.play("s", tone="beep", loop=True)
        packets, source, sent_by_phone, heard = await _talk_until_rtcp(phone, port, phone_rtcp)
        assert source == ("127.0.0.1", port + 1)  # RFC 3550 §11
        sr, sdes = packets
        ours = heard[-1]
        assert isinstance(sr, SenderReport) and sr.ssrc == ours  # we play, so SR
        assert isinstance(sdes, SourceDescription) and sdes.chunks[0].ssrc == ours
        assert abs(sr.packet_count - len(heard)) <= 3
        assert sr.octet_count == 160 * sr.packet_count
        (block,) = sr.reports
        assert block.ssrc == PHONE_SSRC and block.cumulative_lost == 0
        assert abs(block.highest_seq - (100 + sent_by_phone - 1)) <= 2
        # The phone holds the SR 100 ms, then reports 25% loss and 10 ms of jitter about us.
        await asyncio.sleep(0.1)
        held = round(0.1 * 65536)
        rr = ReceiverReport(PHONE_SSRC, (ReportBlock(ours, 64, 7, 0, 80, (sr.ntp_timestamp >> 16)
                                                     & 0xFFFFFFFF, held),))  # fmt: skip
        # A report from another host is not the peer's: it must not count.
        stranger = _udp("127.0.0.2")
        lie = ReceiverReport(PHONE_SSRC, (ReportBlock(ours, 255, 999, 0, 0, 0, 0),))
        stranger.sendto(build_compound([lie]), ("127.0.0.1", port + 1))
        phone_rtcp.sendto(build_compound([rr]), ("127.0.0.1", port + 1))
        await asyncio.sleep(0.1)
        engine.query_stats("s")
        await until(lambda: any(isinstance(e, StreamStats) for e in events))
        stats = _stats(events)
        assert not stats.final and stats.rtcp_received == 1 and stats.rtcp_sent >= 1
        assert stats.remote_lost == 7 and stats.remote_jitter_ms == 10.0
        assert stats.rtt_ms is not None and 0.0 <= stats.rtt_ms < 50.0  # loopback, loaded host
        assert stats.mos_sent is not None and stats.mos_received is not None
        assert stats.mos_sent <= stats.mos_received  # it reported loss; we saw none
        engine.close_stream("s")
        await until(lambda: _stats(events).final)
        await asyncio.sleep(0.1)
        last = parse_compound(phone_rtcp.recv(2048))
        assert isinstance(last[-1], Bye) and last[-1].ssrcs == (ours,)  # §6.6
        stranger.close()
        phone_rtcp.close()

    run(body)


def test_rtcp_mux_shares_the_rtp_port_both_ways() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone = FarEnd()
        port = engine.open_stream("m")
        engine.configure(Configure("m", phone.address, "PCMU", 0, None, rtcp=phone.address,
                                   rtcp_mux=True))  # fmt: skip
        packets, source, _, _ = await _talk_until_rtcp(phone, port, phone.sock)
        assert source == ("127.0.0.1", port)  # RFC 5761: the RTP port
        rr, _sdes = packets
        assert isinstance(rr, ReceiverReport)  # nothing played: a receiver only
        assert [b.ssrc for b in rr.reports] == [PHONE_SSRC]
        back = ReceiverReport(PHONE_SSRC, (ReportBlock(rr.ssrc, 0, 3, 0, 0, 0, 0),))
        phone.sock.sendto(build_compound([back]), ("127.0.0.1", port))
        await asyncio.sleep(0.1)
        engine.query_stats("m")
        await until(lambda: any(isinstance(e, StreamStats) for e in events))
        stats = _stats(events)
        assert stats.rtcp_received == 1 and stats.remote_lost == 3
        assert stats.rtt_ms is None  # LSR 0: the phone had seen no SR of ours

    run(body)


def test_a_stream_configured_without_rtcp_sends_none() -> None:
    async def body(engine: MediaEngine, events: list[Event]) -> None:
        phone, phone_rtcp = FarEnd(), _udp()
        port = engine.open_stream("q")
        engine.configure(Configure("q", phone.address, "PCMU", 0, None))
        with pytest.raises(AssertionError, match="no RTCP"):
            await _talk_until_rtcp(phone, port, phone_rtcp, seconds=3.5)
        with pytest.raises(AssertionError, match="no RTCP"):
            await _talk_until_rtcp(phone, port, phone.sock, seconds=0.2)
        phone_rtcp.close()

    run(body)
