"""The browser softphone's server side: a WebRTC-to-SIP gateway per agent.

For each agent working from the browser, a `BrowserPhone` registers to the Frontdesk server
over loopback SIP as the agent's extension (registration is login), an aiortc peer
connection carries the browser's audio, and an RTP bridge joins the two. The web layer drives
it all through `SoftphoneGateway` (gateway.py) and hears back typed events (events.py).
"""

from __future__ import annotations

from frontdesk import FrontdeskError


class SoftphoneError(FrontdeskError):
    """A softphone request that cannot be carried out (unknown agent, no such call, a
    registration the server refused, a browser offer without audio)."""
