"""RTCP compound packets (RFC 3550 §6.4 SR/RR, §6.5 SDES, §6.6 BYE, §6.1 compound rules) and
round-trip time from LSR/DLSR (§6.4.1).

`parse_compound()` splits and validates a compound datagram (version, lengths, padding only on
the last packet); unknown packet types (APP, feedback) are kept opaque so nothing is lost.
`build_compound()` serialises packets back; `parse_compound(build_compound(p)) == p`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from frontdesk.media import MediaError

SR, RR, SDES, BYE = 200, 201, 202, 203
SDES_CNAME = 1
_COMMON = struct.Struct("!BBH")
_SENDER_INFO = struct.Struct("!IQIII")  # SSRC, NTP timestamp, RTP timestamp, packets, octets
_BLOCK = struct.Struct("!IIIIII")
_NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01


@dataclass(frozen=True, slots=True)
class ReportBlock:
    """§6.4.1 reception report block; cumulative_lost is signed (24 bits)."""

    ssrc: int
    fraction_lost: int
    cumulative_lost: int
    highest_seq: int
    jitter: int
    lsr: int
    dlsr: int


@dataclass(frozen=True, slots=True)
class SenderReport:
    ssrc: int
    ntp_timestamp: int  # 64-bit NTP format: seconds since 1900 << 32 | fraction
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    reports: tuple[ReportBlock, ...] = ()
    extension: bytes = b""  # profile-specific extension, kept opaque


@dataclass(frozen=True, slots=True)
class ReceiverReport:
    ssrc: int
    reports: tuple[ReportBlock, ...] = ()
    extension: bytes = b""


@dataclass(frozen=True, slots=True)
class SdesItem:
    kind: int  # 1 CNAME, 2 NAME, ... (§6.5)
    value: bytes


@dataclass(frozen=True, slots=True)
class SdesChunk:
    ssrc: int
    items: tuple[SdesItem, ...]


@dataclass(frozen=True, slots=True)
class SourceDescription:
    chunks: tuple[SdesChunk, ...]


@dataclass(frozen=True, slots=True)
class Bye:
    ssrcs: tuple[int, ...]
    reason: bytes | None = None


@dataclass(frozen=True, slots=True)
class RtcpOther:
    """Any other RTCP packet (APP, RTPFB, PSFB, XR...), kept as its count field and body."""

    packet_type: int
    count: int
    body: bytes


RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Bye | RtcpOther


def parse_compound(data: bytes | bytearray | memoryview) -> tuple[RtcpPacket, ...]:
    view = memoryview(data)
    if len(view) < 4:
        raise MediaError(f"an RTCP packet needs at least 4 octets, got {len(view)}")
    packets: list[RtcpPacket] = []
    pos = 0
    while pos < len(view):
        if len(view) - pos < 4:
            raise MediaError("trailing octets after the last RTCP packet")
        first, packet_type, length = _COMMON.unpack_from(view, pos)
        if first >> 6 != 2:
            raise MediaError(f"RTCP version must be 2, got {first >> 6}")
        end = pos + 4 * (length + 1)
        if end > len(view):
            raise MediaError(f"RTCP packet type {packet_type} is longer than the datagram")
        body_end = end
        if first & 0x20:
            if end != len(view):
                raise MediaError("only the last packet of an RTCP compound may be padded")
            pad = view[end - 1]
            if pad == 0 or pad > end - pos - 4:
                raise MediaError(f"RTCP padding count {pad} is impossible for this packet")
            body_end = end - pad
        packets.append(_parse_one(packet_type, first & 0x1F, bytes(view[pos + 4 : body_end])))
        pos = end
    return tuple(packets)


def _parse_one(packet_type: int, count: int, body: bytes) -> RtcpPacket:
    if packet_type == SR:
        if len(body) < _SENDER_INFO.size + 24 * count:
            raise MediaError(f"sender report with {count} blocks is too short")
        ssrc, ntp, rtp_ts, packets, octets = _SENDER_INFO.unpack_from(body, 0)
        blocks, rest = _parse_blocks(body, _SENDER_INFO.size, count)
        return SenderReport(ssrc, ntp, rtp_ts, packets, octets, blocks, rest)
    if packet_type == RR:
        if len(body) < 4 + 24 * count:
            raise MediaError(f"receiver report with {count} blocks is too short")
        blocks, rest = _parse_blocks(body, 4, count)
        return ReceiverReport(struct.unpack_from("!I", body)[0], blocks, rest)
    if packet_type == SDES:
        return _parse_sdes(body, count)
    if packet_type == BYE:
        return _parse_bye(body, count)
    return RtcpOther(packet_type, count, body)


def _parse_blocks(body: bytes, pos: int, count: int) -> tuple[tuple[ReportBlock, ...], bytes]:
    blocks = []
    for _ in range(count):
        ssrc, lost_word, highest, jitter, lsr, dlsr = _BLOCK.unpack_from(body, pos)
        cumulative = lost_word & 0xFFFFFF
        if cumulative & 0x800000:
            cumulative -= 1 << 24
        blocks.append(ReportBlock(ssrc, lost_word >> 24, cumulative, highest, jitter, lsr, dlsr))
        pos += _BLOCK.size
    return tuple(blocks), body[pos:]


def _parse_sdes(body: bytes, count: int) -> SourceDescription:
    chunks, pos = [], 0
    for _ in range(count):
        if pos + 4 > len(body):
            raise MediaError("SDES packet announces more chunks than it holds")
        ssrc = struct.unpack_from("!I", body, pos)[0]
        pos += 4
        items = []
        while True:
            if pos >= len(body):
                raise MediaError("SDES chunk is not terminated by a null item")
            kind = body[pos]
            if kind == 0:  # end of list, then pad to the next 32-bit boundary
                pos += 1 + (-(pos + 1) % 4)
                break
            if pos + 2 > len(body) or pos + 2 + body[pos + 1] > len(body):
                raise MediaError(f"SDES item of type {kind} runs past the packet")
            size = body[pos + 1]
            items.append(SdesItem(kind, body[pos + 2 : pos + 2 + size]))
            pos += 2 + size
        chunks.append(SdesChunk(ssrc, tuple(items)))
    return SourceDescription(tuple(chunks))


def _parse_bye(body: bytes, count: int) -> Bye:
    if len(body) < 4 * count:
        raise MediaError(f"BYE packet announces {count} sources but is too short")
    ssrcs = struct.unpack_from(f"!{count}I", body)
    reason = None
    if len(body) > 4 * count:
        size = body[4 * count]
        if 4 * count + 1 + size > len(body):
            raise MediaError("BYE reason runs past the packet")
        reason = body[4 * count + 1 : 4 * count + 1 + size]
    return Bye(ssrcs, reason)


def build_compound(packets: tuple[RtcpPacket, ...] | list[RtcpPacket]) -> bytes:
    return b"".join(_build_one(p) for p in packets)


def _build_one(packet: RtcpPacket) -> bytes:
    if isinstance(packet, SenderReport):
        info = _SENDER_INFO.pack(
            packet.ssrc,
            packet.ntp_timestamp,
            packet.rtp_timestamp,
            packet.packet_count,
            packet.octet_count,
        )
        body = info + _blocks(packet.reports) + packet.extension
        return _frame(SR, len(packet.reports), body)
    if isinstance(packet, ReceiverReport):
        body = struct.pack("!I", packet.ssrc) + _blocks(packet.reports) + packet.extension
        return _frame(RR, len(packet.reports), body)
    if isinstance(packet, SourceDescription):
        return _frame(SDES, len(packet.chunks), b"".join(_chunk(c) for c in packet.chunks))
    if isinstance(packet, Bye):
        body = struct.pack(f"!{len(packet.ssrcs)}I", *packet.ssrcs)
        if packet.reason is not None:
            if len(packet.reason) > 255:
                raise MediaError("a BYE reason is at most 255 octets")
            body += bytes((len(packet.reason),)) + packet.reason
            body += bytes(-len(body) % 4)
        return _frame(BYE, len(packet.ssrcs), body)
    return _frame(packet.packet_type, packet.count, packet.body)


def _frame(packet_type: int, count: int, body: bytes) -> bytes:
    if count > 31:
        raise MediaError(f"an RTCP packet holds at most 31 items, got {count}")
    if len(body) % 4:
        raise MediaError("an RTCP packet body must be a whole number of 32-bit words")
    return _COMMON.pack(0x80 | count, packet_type, len(body) // 4) + body


def _blocks(blocks: tuple[ReportBlock, ...]) -> bytes:
    out = bytearray()
    for b in blocks:
        if not -(1 << 23) <= b.cumulative_lost < 1 << 23 or not 0 <= b.fraction_lost <= 255:
            raise MediaError("report block loss figures do not fit their fields")
        lost_word = b.fraction_lost << 24 | (b.cumulative_lost & 0xFFFFFF)
        out += _BLOCK.pack(b.ssrc, lost_word, b.highest_seq, b.jitter, b.lsr, b.dlsr)
    return bytes(out)


def _chunk(chunk: SdesChunk) -> bytes:
    out = bytearray(struct.pack("!I", chunk.ssrc))
    for item in chunk.items:
        if not 1 <= item.kind <= 255 or len(item.value) > 255:
            raise MediaError("SDES items need a type of 1-255 and at most 255 octets")
        out += bytes((item.kind, len(item.value))) + item.value
    out.append(0)
    out += bytes(-len(out) % 4)
    return bytes(out)


def ntp_from_unix(wall: float) -> int:
    """64-bit NTP timestamp (§4) from Unix seconds."""
    return round((wall + _NTP_EPOCH_OFFSET) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


def ntp_middle(ntp_timestamp: int) -> int:
    """The middle 32 bits of an NTP timestamp: what LSR carries (§6.4.1)."""
    return (ntp_timestamp >> 16) & 0xFFFFFFFF


def round_trip_time(arrival_ntp: int, block: ReportBlock) -> float | None:
    """§6.4.1: RTT = A - LSR - DLSR, in seconds; None when the peer has seen no SR of ours."""
    if block.lsr == 0:
        return None
    units = (ntp_middle(arrival_ntp) - block.lsr - block.dlsr) & 0xFFFFFFFF
    if units >= 1 << 31:  # negative: clocks or a bogus report; not a measurement
        return None
    return units / 65536.0
