"""The WebRTC peer connection to one agent's browser (aiortc), answering the browser's offer.

Made once when the agent switches the softphone on, not per call, so answering a call is
instant: audio flows both ways all the time (silence when no call is up). Opus is preferred,
PCMU and PCMA are allowed (the browser's order decides among what both accept otherwise).
No STUN or TURN servers unless given: agents reach Frontdesk on the LAN or through the same
host that serves the page. aiortc gathers all candidates before the answer (no trickle ICE).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack

from frontdesk.softphone import SoftphoneError

log = logging.getLogger("frontdesk.softphone")
PREFERRED_CODECS = ("audio/opus", "audio/PCMU", "audio/PCMA")
GONE_STATES = frozenset({"failed", "closed", "disconnected"})


class BrowserLink:
    def __init__(
        self,
        outgoing: MediaStreamTrack,
        on_track: Callable[[MediaStreamTrack], None],
        on_state: Callable[[BrowserLink, str], None],
        ice_servers: Sequence[str] = (),
    ) -> None:
        servers = [RTCIceServer(url) for url in ice_servers]
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.outgoing = outgoing
        self.codec = ""
        self._on_state = on_state

        @self.pc.on("track")
        def _track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                on_track(track)

        @self.pc.on("connectionstatechange")
        async def _state() -> None:
            self._on_state(self, self.pc.connectionState)

    @property
    def state(self) -> str:
        return str(self.pc.connectionState)

    async def answer(self, offer_sdp: str) -> str:
        """The answer SDP for the browser's offer (all ICE candidates included)."""
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        except ValueError as exc:
            raise SoftphoneError(f"the browser's offer is not usable SDP: {exc}") from None
        audio = [t for t in self.pc.getTransceivers() if t.kind == "audio"]
        if not audio:
            raise SoftphoneError("the browser's offer has no audio stream")
        capabilities = RTCRtpSender.getCapabilities("audio").codecs
        preferred = [
            codec
            for mime in PREFERRED_CODECS
            for codec in capabilities
            if codec.mimeType.lower() == mime.lower()
        ]
        audio[0].setCodecPreferences(preferred)
        self.pc.addTrack(self.outgoing)
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        local = self.pc.localDescription
        self.codec = _first_codec(local.sdp)
        return str(local.sdp)

    async def close(self) -> None:
        await self.pc.close()


def _first_codec(sdp_text: str) -> str:
    """The codec the answer put first on its audio line (what both ends will send)."""
    formats: list[str] = []
    names: dict[str, str] = {}
    for line in sdp_text.splitlines():
        if line.startswith("m=audio ") and not formats:
            formats = line.split()[3:]
        elif line.startswith("a=rtpmap:"):
            pt, _, rest = line[len("a=rtpmap:") :].partition(" ")
            names[pt] = rest.split("/")[0]
    return names.get(formats[0], "") if formats else ""
