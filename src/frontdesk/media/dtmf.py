"""DTMF as RTP telephone-events (RFC 4733 §2.3, §2.5) and in SIP INFO bodies.

`TelephoneEvent` is the 4-octet payload of §2.3. `DtmfReceiver` turns a stream of event
packets into digits, each exactly once: the event's identity is its RTP timestamp (§2.5.2.1),
so retransmitted starts, duration updates, duplicates and the three redundant end packets all
fold into one digit; a lost start packet only means the first packet seen is an update; an
event whose end packets were all lost is closed when the next event starts or when it goes
stale. `plan_digit` and `DtmfSender` produce the sender side of §2.5.1: a start packet with the
marker bit, duration updates, and three end packets.
"""

from __future__ import annotations

import enum
import math
import struct
from collections import deque
from dataclasses import dataclass

from frontdesk.media import MediaError

DIGITS = "0123456789*#ABCD"
_PAYLOAD = struct.Struct("!BBH")
_TS_MOD = 1 << 32


class DtmfSource(enum.Enum):
    RFC4733 = "rfc4733"
    INBAND = "inband"
    SIP_INFO = "sip-info"


@dataclass(frozen=True, slots=True)
class DtmfDigit:
    digit: str
    start: float  # seconds, on the clock `now` came from
    duration: float  # seconds
    source: DtmfSource
    timestamp: int | None = None  # RTP timestamp of the event (RFC 4733 only)


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """RFC 4733 §2.3: event code, end bit, volume (0 to -63 dBm0, as 0-63), duration."""

    event: int
    end: bool
    volume: int
    duration: int  # timestamp units

    def __post_init__(self) -> None:
        if not 0 <= self.event <= 255 or not 0 <= self.volume <= 63:
            raise MediaError("telephone-event needs event 0-255 and volume 0-63")
        if not 0 <= self.duration <= 0xFFFF:
            raise MediaError(f"telephone-event duration {self.duration} does not fit 16 bits")

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> TelephoneEvent:
        if len(data) < 4:
            raise MediaError(f"a telephone-event payload is 4 octets, got {len(data)}")
        event, flags, duration = _PAYLOAD.unpack_from(data, 0)
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    def __bytes__(self) -> bytes:
        return _PAYLOAD.pack(self.event, (0x80 if self.end else 0) | self.volume, self.duration)

    @property
    def digit(self) -> str | None:
        return DIGITS[self.event] if self.event < len(DIGITS) else None


def event_code(digit: str) -> int:
    index = DIGITS.find(digit.upper()) if len(digit) == 1 else -1
    if index < 0:
        raise MediaError(f"{digit!r} is not a DTMF digit (0-9, *, #, A-D)")
    return index


@dataclass(slots=True)
class _OpenEvent:
    timestamp: int
    event: int
    duration: int  # the longest duration reported so far
    start: float
    last_update: float


class DtmfReceiver:
    def __init__(self, clock_rate: int = 8000, stale_after: float = 0.3) -> None:
        self.clock_rate = clock_rate
        self.stale_after = stale_after  # no packet for this long: the end packets were lost
        self._open: _OpenEvent | None = None
        self._done: deque[int] = deque(maxlen=32)  # timestamps of events already emitted

    def packet(
        self, timestamp: int, payload: bytes | bytearray | memoryview, now: float
    ) -> list[DtmfDigit]:
        """Feed one telephone-event RTP packet; return the digits it completes (0, 1 or 2)."""
        te = TelephoneEvent.parse(payload)
        if timestamp in self._done or te.digit is None:
            return []
        out: list[DtmfDigit] = []
        current = self._open
        if current is not None and current.timestamp != timestamp:
            if (timestamp - current.timestamp) % _TS_MOD >= _TS_MOD // 2:
                # A straggler of an earlier event we never saw start: it is over by now.
                start = now - te.duration / self.clock_rate
                out.append(self._finish(_OpenEvent(timestamp, te.event, te.duration, start, now)))
                return out
            out.append(self._finish(current))  # a newer event began: the open one is over
            current = None
        if current is None:
            start = now - te.duration / self.clock_rate
            current = self._open = _OpenEvent(timestamp, te.event, te.duration, start, now)
        elif te.event != current.event:
            return out  # same timestamp, different event: corrupt or foreign, ignore
        current.duration = max(current.duration, te.duration)
        current.last_update = now
        if te.end:
            out.append(self._finish(current))
        return out

    def poll(self, now: float) -> list[DtmfDigit]:
        """Close an event whose packets stopped arriving (all its end packets were lost)."""
        if self._open is not None and now - self._open.last_update >= self.stale_after:
            return [self._finish(self._open)]
        return []

    def _finish(self, event: _OpenEvent) -> DtmfDigit:
        if self._open is event:
            self._open = None
        self._done.append(event.timestamp)
        return DtmfDigit(
            digit=DIGITS[event.event],
            start=event.start,
            duration=event.duration / self.clock_rate,
            source=DtmfSource.RFC4733,
            timestamp=event.timestamp,
        )


@dataclass(frozen=True, slots=True)
class PlannedPacket:
    offset: float  # seconds after the digit starts
    marker: bool
    timestamp: int
    event: TelephoneEvent


def plan_digit(
    digit: str,
    timestamp: int,
    duration: float = 0.1,
    clock_rate: int = 8000,
    interval: float = 0.05,
    volume: int = 10,
    end_spacing: float = 0.02,
) -> tuple[PlannedPacket, ...]:
    """All packets of one digit (RFC 4733 §2.5.1): start with M bit, updates, three ends.

    Each update reports the duration up to the end of its own interval, like an audio packet
    carrying the samples that follow its timestamp.
    """
    code = event_code(digit)
    total = round(duration * clock_rate)
    if not 0 < total <= 0xFFFF:
        raise MediaError(f"a DTMF digit must last between 0 and {0xFFFF / clock_rate:.1f} s")
    step = round(interval * clock_rate)
    if step <= 0:
        raise MediaError("the update interval must be positive")
    packets = []
    updates = math.ceil(total / step)
    for k in range(updates):
        te = TelephoneEvent(code, False, volume, min((k + 1) * step, total))
        packets.append(PlannedPacket(k * interval, k == 0, timestamp, te))
    end = TelephoneEvent(code, True, volume, total)
    for r in range(3):
        packets.append(PlannedPacket(updates * interval + r * end_spacing, False, timestamp, end))
    return tuple(packets)


class DtmfSender:
    """Sends a string of digits one after another, `gap` seconds apart (sans-IO)."""

    def __init__(
        self,
        clock_rate: int = 8000,
        duration: float = 0.1,
        gap: float = 0.07,
        interval: float = 0.05,
    ) -> None:
        self.clock_rate, self.duration, self.gap, self.interval = (
            clock_rate,
            duration,
            gap,
            interval,
        )
        self._queue: deque[tuple[float, PlannedPacket]] = deque()

    def send(self, digits: str, now: float, timestamp: int) -> None:
        """Queue digits starting at `now`; `timestamp` is the audio stream's RTP time at `now`."""
        at = max(now, self._queue[-1][0] + self.gap) if self._queue else now
        for digit in digits:
            ts = (timestamp + round((at - now) * self.clock_rate)) % _TS_MOD
            plan = plan_digit(digit, ts, self.duration, self.clock_rate, self.interval)
            self._queue.extend((at + p.offset, p) for p in plan)
            at = self._queue[-1][0] + self.gap

    @property
    def active(self) -> bool:
        return bool(self._queue)

    def due(self, now: float) -> list[PlannedPacket]:
        out = []
        while self._queue and self._queue[0][0] <= now + 1e-9:
            out.append(self._queue.popleft()[1])
        return out


def parse_info_body(content_type: str, body: bytes | str) -> DtmfDigit:
    """A digit from a SIP INFO body: application/dtmf-relay ("Signal=5\\r\\nDuration=160",
    duration in ms) or application/dtmf (the bare digit). Start is 0: the caller adds its time.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/dtmf":
        return _info_digit(text.strip(), 0.25)
    if kind != "application/dtmf-relay":
        raise MediaError(f"content type {content_type!r} does not carry DTMF")
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            fields[name.strip().lower()] = value.strip()
    if "signal" not in fields:
        raise MediaError("application/dtmf-relay body has no Signal line")
    duration_ms = 250
    if "duration" in fields:
        try:
            duration_ms = int(fields["duration"])
        except ValueError:
            raise MediaError(f"DTMF Duration {fields['duration']!r} is not a number") from None
    return _info_digit(fields["signal"], duration_ms / 1000.0)


def _info_digit(signal: str, duration: float) -> DtmfDigit:
    if signal in ("10", "11"):  # some phones send the RFC 4733 event code for * and #
        signal = "*" if signal == "10" else "#"
    return DtmfDigit(DIGITS[event_code(signal)], 0.0, max(duration, 0.0), DtmfSource.SIP_INFO)
