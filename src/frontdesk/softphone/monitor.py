"""Supervisors listening in, whispering to the agent, or barging into a live call, from the
browser.

A supervisor's browser joins the call's media directly, without SIP: the media engine opens a
stream for them in the call's group (so it lives on the same worker as the caller's and the
agent's streams), the stream sends to and receives from an `RtpBridge` in this process, and a
`BrowserLink` (aiortc) carries it to the browser. The three streams are then put in one
conference whose roles say who hears whom: listen (the supervisor hears both, nobody hears
the supervisor), whisper (the agent hears the supervisor, the caller does not), barge
(everyone hears everyone). Changing mode re-arranges the conference; leaving it bridges the
caller and the agent again. A monitor ends with the call, or when the browser goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from frontdesk.clock import Clock
from frontdesk.media.engine import MixRole
from frontdesk.softphone import SoftphoneError
from frontdesk.softphone.bridge import EngineMedia, RtpBridge
from frontdesk.softphone.link import GONE_STATES, BrowserLink
from frontdesk.softphone.media_io import EngineTrack, MediaPump
from frontdesk.telephony import TelephonyError
from frontdesk.telephony.call_media import CallMedia

log = logging.getLogger("frontdesk.monitor")
MODES = {"listen": MixRole.LISTEN, "whisper": MixRole.WHISPER, "barge": MixRole.BARGE}
Append = Callable[..., None]


@dataclass(eq=False)
class Monitor:
    user: str
    call_id: str
    agent_leg: str
    stream: str
    mode: str
    bridge: RtpBridge
    pump: MediaPump
    link: BrowserLink | None = None


class Monitors:
    def __init__(self, media: CallMedia, host: str, clock: Clock, append: Append) -> None:
        self.media = media
        self.host = host
        self.clock = clock
        self.append = append
        self.active: dict[str, Monitor] = {}  # by user: one call at a time per supervisor
        self._serial = 0

    async def start(self, user: str, call_id: str, agent_leg: str, mode: str,
                    offer_sdp: str) -> str:  # fmt: skip
        """Joins `user` to the call in `mode`; returns the SDP answer for their browser."""
        if mode not in MODES:
            raise SoftphoneError(f"'{mode}' is not a monitoring mode (listen, whisper, barge)")
        await self.stop(user, "replaced")
        self._serial += 1
        stream = f"monitor-{self._serial}-{call_id}"
        try:
            port = self.media.open(stream, group=call_id)
        except TelephonyError as exc:
            raise SoftphoneError(f"no media for monitoring: {exc}") from exc
        bridge = RtpBridge(random.Random())
        pump = MediaPump(bridge, self.clock.now)
        monitor = Monitor(user, call_id, agent_leg, stream, mode, bridge, pump)
        try:
            address = await pump.start(self.host)
            self.media.start_local(stream, address)
            bridge.connect(EngineMedia((self.host, port), "PCMU", 0, None))
            monitor.link = BrowserLink(
                EngineTrack(bridge, self.clock.now), pump.read_browser,
                lambda _link, state: self._link_state(monitor, state),
            )  # fmt: skip
            answer = await monitor.link.answer(offer_sdp)
        except BaseException:
            await self._close(monitor)
            raise
        self.active[user] = monitor
        if not self._arrange(monitor):
            await self.stop(user, "call_gone")
            raise SoftphoneError("the call has ended or moved; nothing to join")
        self.append(self.clock.wall(), "call.monitor_started", call_id, supervisor=user,
                    mode=mode, agent_leg=agent_leg)  # fmt: skip
        return answer

    def set_mode(self, user: str, mode: str) -> None:
        monitor = self.active.get(user)
        if monitor is None:
            raise SoftphoneError("you are not monitoring a call")
        if mode not in MODES:
            raise SoftphoneError(f"'{mode}' is not a monitoring mode (listen, whisper, barge)")
        monitor.mode = mode
        if not self._arrange(monitor):
            raise SoftphoneError("the call has ended or moved")
        self.append(self.clock.wall(), "call.monitor_mode", monitor.call_id, supervisor=user,
                    mode=mode)  # fmt: skip

    def _arrange(self, monitor: Monitor) -> bool:
        roles = {monitor.call_id: MixRole.MEMBER, monitor.agent_leg: MixRole.MEMBER,
                 monitor.stream: MODES[monitor.mode]}  # fmt: skip
        return self.media.mix(monitor.call_id, roles, agent=monitor.agent_leg)

    async def stop(self, user: str, reason: str = "left") -> None:
        monitor = self.active.pop(user, None)
        if monitor is None:
            return
        self.media.leave_mix(monitor.stream)
        # The two who talk go back to a plain bridge (no decoding) when nobody else is in.
        if not any(m.call_id == monitor.call_id for m in self.active.values()):
            self.media.bridge(monitor.call_id, monitor.agent_leg)
        await self._close(monitor)
        self.append(self.clock.wall(), "call.monitor_ended", monitor.call_id, supervisor=user,
                    reason=reason)  # fmt: skip

    async def call_over(self, call_id: str) -> None:
        """The call ended or its agent left: every monitor of it ends."""
        for user in [u for u, m in self.active.items() if m.call_id == call_id]:
            await self.stop(user, "call_ended")

    def of(self, user: str) -> Monitor | None:
        return self.active.get(user)

    async def close(self) -> None:
        for user in list(self.active):
            await self.stop(user, "server_stopping")

    async def _close(self, monitor: Monitor) -> None:
        if monitor.link is not None:
            with contextlib.suppress(Exception):
                await monitor.link.close()
        await monitor.pump.close()
        self.media.close(monitor.stream)

    def _link_state(self, monitor: Monitor, state: str) -> None:
        if state in GONE_STATES and self.active.get(monitor.user) is monitor:
            asyncio.get_running_loop().create_task(self.stop(monitor.user, "browser_gone"))
