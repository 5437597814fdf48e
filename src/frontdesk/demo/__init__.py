"""`frontdesk demo`: the built-in demo company on the phone, with simulated callers and agents.

The server runs as `frontdesk serve` runs it; in the same event loop, simulated customers dial
the demo numbers over loopback SIP (Frontdesk's own `UserAgent`), talk over RTP, press menu keys
as RFC 4733 events, give up or ask for a callback while queued; simulated agents register as
the demo agents' phones and answer what the routing engine offers them. A person can sign in as
the agent left for the browser and take calls among them. See docs/demo.md.
"""

from __future__ import annotations

from frontdesk import FrontdeskError


class DemoError(FrontdeskError):
    """The demo cannot run as asked (a bad setting, an unknown agent, no free socket)."""
