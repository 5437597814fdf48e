"""Symmetric RTP latching and media inactivity detection (sans-IO; `now` is passed in).

Symmetric RTP (RFC 4961) with latching, as media relays behind NAT do it: the address in the
SDP is often a private one, so we send to the address the media really comes from. We latch
once, on the first packet, and afterwards ignore packets from other addresses (they may be
injected: the "RTP bleed" class of attack). The one rule for re-latching: a packet from a new
address with a *new SSRC*, after the latched source has been silent for `relatch_after`
seconds — which is what a phone that moved (NAT rebinding, re-INVITE to a new device) looks
like, and what a stray injector mid-stream does not.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from frontdesk.media import MediaError

Address = tuple[str, int]


class LatchState(enum.Enum):
    WAITING = "waiting"
    LATCHED = "latched"


class LatchInput(enum.Enum):
    FIRST_PACKET = "first packet"
    SAME_SOURCE = "packet from the latched address"
    NEW_SOURCE_ALLOWED = "new address and new SSRC after silence"
    FOREIGN = "packet from another address"
    RESET = "signalling asked for a fresh latch"


@dataclass(frozen=True, slots=True)
class Latched:
    address: Address
    ssrc: int
    previous: Address | None  # None for the first latch


# One table: (state, input) -> (next state, accept the packet, emit a Latched event).
_TRANSITIONS: dict[tuple[LatchState, LatchInput], tuple[LatchState, bool, bool]] = {
    (LatchState.WAITING, LatchInput.FIRST_PACKET): (LatchState.LATCHED, True, True),
    (LatchState.LATCHED, LatchInput.SAME_SOURCE): (LatchState.LATCHED, True, False),
    (LatchState.LATCHED, LatchInput.NEW_SOURCE_ALLOWED): (LatchState.LATCHED, True, True),
    (LatchState.LATCHED, LatchInput.FOREIGN): (LatchState.LATCHED, False, False),
    (LatchState.WAITING, LatchInput.RESET): (LatchState.WAITING, False, False),
    (LatchState.LATCHED, LatchInput.RESET): (LatchState.WAITING, False, False),
}


class RtpLatch:
    """Decides, per received packet, whether it is media of this leg and where to send ours."""

    def __init__(self, expected: Address | None = None, relatch_after: float = 0.5) -> None:
        self.expected = expected  # from SDP: where to send until something arrives
        self.relatch_after = relatch_after
        self.state = LatchState.WAITING
        self.address: Address | None = None
        self.ssrc: int | None = None
        self.last_packet: float | None = None
        self.rejected = 0

    @property
    def send_to(self) -> Address | None:
        return self.address if self.address is not None else self.expected

    def observe(self, source: Address, ssrc: int, now: float) -> tuple[bool, Latched | None]:
        """Classify one received packet; return (accept it, latch event if the latch moved)."""
        what = self._classify(source, ssrc, now)
        next_state, accept, moved = _TRANSITIONS[(self.state, what)]
        self.state = next_state
        event = None
        if moved:
            event = Latched(source, ssrc, self.address)
            self.address, self.ssrc = source, ssrc
        if accept:
            self.ssrc = ssrc
            self.last_packet = now
        else:
            self.rejected += 1
        return accept, event

    def reset(self, expected: Address | None = None) -> None:
        """Forget the latch (e.g. after a re-INVITE that moved the media)."""
        self.state, _, _ = _TRANSITIONS[(self.state, LatchInput.RESET)]
        if expected is not None:
            self.expected = expected
        self.address = self.ssrc = self.last_packet = None

    def _classify(self, source: Address, ssrc: int, now: float) -> LatchInput:
        if self.state is LatchState.WAITING:
            return LatchInput.FIRST_PACKET
        if source == self.address:
            return LatchInput.SAME_SOURCE
        quiet = self.last_packet is None or now - self.last_packet >= self.relatch_after
        if ssrc != self.ssrc and quiet:
            return LatchInput.NEW_SOURCE_ALLOWED
        return LatchInput.FOREIGN


class InactivityReason(enum.Enum):
    NEVER_STARTED = "no RTP received since the leg was set up"
    STOPPED = "RTP stopped arriving"


@dataclass(frozen=True, slots=True)
class MediaInactive:
    reason: InactivityReason
    silent_for: float
    message: str


@dataclass(frozen=True, slots=True)
class MediaResumed:
    after: float


class InactivityDetector:
    """Raises one `MediaInactive` when no packet arrived for `timeout` s, and one `MediaResumed`.

    The timeout can be changed while running (longer while the far end holds the call).
    """

    def __init__(self, started: float, timeout: float = 30.0) -> None:
        if timeout <= 0:
            raise MediaError("an inactivity timeout must be positive")
        self.timeout = timeout
        self._started = started
        self._last: float | None = None
        self._reported = False

    def packet(self, now: float) -> MediaResumed | None:
        was_reported, since = self._reported, self._since()
        self._last = now
        self._reported = False
        return MediaResumed(now - since) if was_reported else None

    def check(self, now: float) -> MediaInactive | None:
        if self._reported:
            return None
        silent = now - self._since()
        if silent < self.timeout:
            return None
        self._reported = True
        reason = InactivityReason.NEVER_STARTED if self._last is None else InactivityReason.STOPPED
        return MediaInactive(reason, silent, f"{reason.value} for {silent:.1f} s")

    def next_check(self) -> float:
        """When `check` could next report something (for the engine's timer wheel)."""
        return self._since() + self.timeout

    def _since(self) -> float:
        return self._started if self._last is None else self._last
