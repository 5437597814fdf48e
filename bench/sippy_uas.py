"""A minimal answering program on the Sippy B2BUA's API: the peer for bench/sip_cps.py.

Answers every INVITE with 200 OK and an SDP body, handles ACK and BYE through Sippy's own
UA state machines (full transaction and dialog state), and rejects everything else.
Usage: python bench/sippy_uas.py HOST PORT
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Sippy logs every message by default; Frontdesk logs none per message, so neither does this.
os.environ.setdefault("SIPLOG_BEND", "none")

from sippy.CCEvents import CCEventConnect, CCEventTry
from sippy.Core.EventDispatcher import ED2
from sippy.MsgBody import MsgBody
from sippy.SipConf import SipConf
from sippy.SipLogger import SipLogger
from sippy.SipTransactionManager import SipTransactionManager
from sippy.UA import UA

ANSWER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


class AnsweredCall:
    def __init__(self, config: dict[str, Any]) -> None:
        self.ua = UA(config, self.on_event)

    def on_event(self, event: Any, ua: Any) -> None:
        if isinstance(event, CCEventTry):
            ua.recvEvent(CCEventConnect((200, "OK", MsgBody(ANSWER))))


class Calls:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def recv_request(self, req: Any, sip_t: Any) -> Any:
        if req.getHFBody("to").getTag() is not None:
            return (req.genResponse(481, "Call Leg/Transaction Does Not Exist"), None, None)
        if req.getMethod() == "INVITE":
            return AnsweredCall(self.config).ua.recvRequest(req, sip_t)
        return (req.genResponse(501, "Not Implemented"), None, None)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    SipConf.my_uaname = "Sippy answering bench peer"
    config: dict[str, Any] = {
        "_sip_address": host,
        "_sip_port": port,
        "_sip_logger": SipLogger("sippy_uas"),
    }
    calls = Calls(config)
    config["_sip_tm"] = SipTransactionManager(config, calls.recv_request)
    print("ready", flush=True)
    ED2.loop()


if __name__ == "__main__":
    main()
