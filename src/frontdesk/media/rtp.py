"""RTP packets (RFC 3550 §5.1, §5.3.1) with RFC 8285 header extensions, and the relay fast path.

Two levels of API:

* `RtpPacket.parse()` / `bytes(packet)`: a full, validated parse into frozen value objects,
  keeping padding, the CSRC list and the header extension so that a packet round-trips.
* `peek_rtp()`, `rewrite_rtp()` and `write_rtp()`: header-only reads and in-place rewrites on a
  reused `bytearray`, for relayed and generated streams where a full parse would cost too much.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from frontdesk.media import MediaError

RTP_VERSION = 2
FIXED_HEADER = struct.Struct("!BBHII")  # V/P/X/CC, M/PT, sequence, timestamp, SSRC
_WORD = struct.Struct("!I")
_EXT_HEADER = struct.Struct("!HH")
ONE_BYTE_PROFILE = 0xBEDE  # RFC 8285 §4.2
TWO_BYTE_PROFILE_MASK = 0xFFF0  # RFC 8285 §4.3: 0x100 followed by 4 application bits
TWO_BYTE_PROFILE = 0x1000


@dataclass(frozen=True, slots=True)
class ExtensionElement:
    """One RFC 8285 header extension element: a local identifier and its data."""

    ext_id: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RtpExtension:
    """The header extension of RFC 3550 §5.3.1, kept opaque: a 16-bit profile and its words."""

    profile: int
    data: bytes = b""

    def __post_init__(self) -> None:
        if len(self.data) % 4:
            raise MediaError("an RTP header extension must be a whole number of 32-bit words")

    def elements(self) -> tuple[ExtensionElement, ...]:
        """Decode RFC 8285 one-byte or two-byte elements; other profiles stay opaque."""
        if self.profile == ONE_BYTE_PROFILE:
            return _parse_elements(self.data, two_byte=False)
        if self.profile & TWO_BYTE_PROFILE_MASK == TWO_BYTE_PROFILE:
            return _parse_elements(self.data, two_byte=True)
        raise MediaError(f"header extension profile 0x{self.profile:04x} is not RFC 8285")

    @classmethod
    def from_elements(
        cls, elements: tuple[ExtensionElement, ...], two_byte: bool = False
    ) -> RtpExtension:
        """Encode elements in the one-byte form (ids 1-14, 1-16 bytes) or the two-byte form."""
        out = bytearray()
        for element in elements:
            size = len(element.data)
            if two_byte:
                if not 1 <= element.ext_id <= 255 or size > 255:
                    raise MediaError("two-byte extension elements need id 1-255, 0-255 bytes")
                out += bytes((element.ext_id, size))
            else:
                if not 1 <= element.ext_id <= 14 or not 1 <= size <= 16:
                    raise MediaError("one-byte extension elements need id 1-14 and 1-16 bytes")
                out.append(element.ext_id << 4 | (size - 1))
            out += element.data
        out += bytes(-len(out) % 4)  # padding bytes are zero (RFC 8285 §4.1)
        return cls(TWO_BYTE_PROFILE if two_byte else ONE_BYTE_PROFILE, bytes(out))


def _parse_elements(data: bytes, two_byte: bool) -> tuple[ExtensionElement, ...]:
    elements: list[ExtensionElement] = []
    pos, end = 0, len(data)
    while pos < end:
        first = data[pos]
        if first == 0:  # padding between or after elements
            pos += 1
            continue
        if two_byte:
            if pos + 2 > end:
                raise MediaError("a two-byte extension element is cut short")
            ext_id, size, pos = first, data[pos + 1], pos + 2
        else:
            ext_id, size, pos = first >> 4, (first & 0x0F) + 1, pos + 1
            if ext_id in (0, 15):  # 15 is reserved (RFC 8285 §4.2); 0 is only for padding
                break
        if pos + size > end:
            raise MediaError(f"extension element {ext_id} runs past the extension block")
        elements.append(ExtensionElement(ext_id, bytes(data[pos : pos + size])))
        pos += size
    return tuple(elements)


@dataclass(frozen=True, slots=True)
class RtpHeader:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    marker: bool = False
    csrcs: tuple[int, ...] = ()
    extension: RtpExtension | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.payload_type <= 127:
            raise MediaError(f"RTP payload type {self.payload_type} is outside 0-127")
        if not 0 <= self.sequence <= 0xFFFF:
            raise MediaError(f"RTP sequence number {self.sequence} is outside 0-65535")
        if not 0 <= self.timestamp <= 0xFFFFFFFF or not 0 <= self.ssrc <= 0xFFFFFFFF:
            raise MediaError("RTP timestamp and SSRC must fit in 32 bits")
        if len(self.csrcs) > 15:
            raise MediaError("an RTP packet carries at most 15 CSRCs")


@dataclass(frozen=True, slots=True)
class RtpPacket:
    header: RtpHeader
    payload: bytes = b""
    padding: int = field(default=0)  # padding octets including the final count octet

    def __post_init__(self) -> None:
        if not 0 <= self.padding <= 255:
            raise MediaError("RTP padding must be 0-255 octets")

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> RtpPacket:
        header, start, end = parse_header(data)
        padding = len(data) - end
        return cls(header, bytes(data[start:end]), padding)

    def __bytes__(self) -> bytes:
        h = self.header
        out = bytearray(FIXED_HEADER.size + 4 * len(h.csrcs))
        first = RTP_VERSION << 6 | len(h.csrcs)
        if self.padding:
            first |= 0x20
        if h.extension is not None:
            first |= 0x10
        second = h.payload_type | (0x80 if h.marker else 0)
        FIXED_HEADER.pack_into(out, 0, first, second, h.sequence, h.timestamp, h.ssrc)
        for i, csrc in enumerate(h.csrcs):
            _WORD.pack_into(out, FIXED_HEADER.size + 4 * i, csrc)
        if h.extension is not None:
            out += _EXT_HEADER.pack(h.extension.profile, len(h.extension.data) // 4)
            out += h.extension.data
        out += self.payload
        if self.padding:
            out += bytes(self.padding - 1)
            out.append(self.padding)
        return bytes(out)


def payload_bounds(data: bytes | bytearray | memoryview) -> tuple[int, int]:
    """Validate an RTP header's layout (version, CSRCs, extension, padding) and return the
    payload's start and end offsets, building nothing: for paths that only need the payload."""
    size = len(data)
    if size < FIXED_HEADER.size:
        raise MediaError(f"an RTP packet needs at least 12 octets, got {size}")
    first = data[0]
    if first >> 6 != RTP_VERSION:
        raise MediaError(f"RTP version must be 2, got {first >> 6}")
    count = first & 0x0F
    pos = FIXED_HEADER.size + 4 * count
    if pos > size:
        raise MediaError(f"RTP header announces {count} CSRCs but the packet is too short")
    if first & 0x10:
        if pos + 4 > size:
            raise MediaError("RTP header extension bit is set but the extension is missing")
        _profile, words = _EXT_HEADER.unpack_from(data, pos)
        pos += 4 + 4 * words
        if pos > size:
            raise MediaError("RTP header extension runs past the end of the packet")
    end = size
    if first & 0x20:
        pad = data[size - 1]
        if pad == 0 or pos + pad > size:
            raise MediaError(f"RTP padding count {pad} is impossible for this packet")
        end = size - pad
    return pos, end


def parse_header(data: bytes | bytearray | memoryview) -> tuple[RtpHeader, int, int]:
    """Parse and validate an RTP header; return it with the payload's start and end offsets."""
    start, end = payload_bounds(data)
    first, second, seq, ts, ssrc = FIXED_HEADER.unpack_from(data, 0)
    count = first & 0x0F
    csrcs = struct.unpack_from(f"!{count}I", data, FIXED_HEADER.size) if count else ()
    extension = None
    if first & 0x10:
        at = FIXED_HEADER.size + 4 * count
        profile, words = _EXT_HEADER.unpack_from(data, at)
        extension = RtpExtension(profile, bytes(data[at + 4 : at + 4 + 4 * words]))
    header = RtpHeader(second & 0x7F, seq, ts, ssrc, bool(second & 0x80), csrcs, extension)
    return header, start, end


def peek_rtp(data: bytes | bytearray | memoryview) -> tuple[int, int, int, int, bool]:
    """Header-only read for relaying: (payload type, sequence, timestamp, SSRC, marker).

    Checks only the length and the version, which is all a relay needs to forward safely.
    """
    if len(data) < 12:
        raise MediaError(f"an RTP packet needs at least 12 octets, got {len(data)}")
    first, second, seq, ts, ssrc = FIXED_HEADER.unpack_from(data, 0)
    if first >> 6 != RTP_VERSION:
        raise MediaError(f"RTP version must be 2, got {first >> 6}")
    return second & 0x7F, seq, ts, ssrc, bool(second & 0x80)


_SEQ_TS_SSRC = struct.Struct("!HII")


def rewrite_rtp(buf: bytearray | memoryview, sequence: int, timestamp: int, ssrc: int) -> None:
    """Rewrite sequence, timestamp and SSRC in place (offsets 2-11); no copy, no allocation."""
    _SEQ_TS_SSRC.pack_into(buf, 2, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)


def write_rtp(
    buf: bytearray,
    payload_type: int,
    sequence: int,
    timestamp: int,
    ssrc: int,
    payload: bytes | bytearray | memoryview,
    marker: bool = False,
) -> int:
    """Serialise a plain RTP packet (no CSRC, extension or padding) into `buf`; return its size.

    `buf` is reused from packet to packet so that sending allocates nothing.
    """
    size = FIXED_HEADER.size + len(payload)
    if len(buf) < size:
        raise MediaError(f"send buffer of {len(buf)} octets cannot hold a {size}-octet packet")
    second = payload_type | 0x80 if marker else payload_type
    FIXED_HEADER.pack_into(buf, 0, 0x80, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)
    buf[FIXED_HEADER.size : size] = payload
    return size


def is_rtcp(data: bytes | bytearray | memoryview) -> bool:
    """RFC 5761 §4: on a muxed port, second octet 192-223 (PT 64-95 with M) means RTCP."""
    return len(data) >= 2 and 192 <= data[1] <= 223
