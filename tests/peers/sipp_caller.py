"""The sipp caller scenario the media and end-to-end tests share: INVITE with an audio offer
(PCMA and RFC 4733 events), ACK, what the test plays, then a BYE from either side."""

from __future__ import annotations

from pathlib import Path

PCAPS = Path("/usr/share/sip-tester")

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<scenario name="caller">
  <send retrans="500"><![CDATA[
      INVITE sip:{dialled}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{dialled}@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:caller@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
      ACK sip:{dialled}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{dialled}@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:caller@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
"""
_OUR_BYE = """
  <send retrans="500"><![CDATA[
      BYE sip:{dialled}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "Caller" <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{dialled}@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:caller@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

  ]]></send>
  <recv response="200"/>
</scenario>
"""
_THEIR_BYE = """
  <recv request="BYE" timeout="20000"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

  ]]></send>
</scenario>
"""


def play(pcap: str, then_ms: int) -> str:
    """Scenario lines: send a pcap's RTP (in the background), then wait `then_ms`."""
    return (
        f'  <nop><action><exec play_pcap_audio="{PCAPS / pcap}"/></action></nop>\n'
        f'  <pause milliseconds="{then_ms}"/>\n'
    )


def caller_scenario(body: str, caller: str = "caller", dialled: str = "100",
                    we_hang_up: bool = True) -> str:  # fmt: skip
    """The whole scenario: `body` between the ACK and the BYE (sent by sipp, or awaited)."""
    ending = _OUR_BYE if we_hang_up else _THEIR_BYE
    return (
        _HEAD.format(caller=caller, dialled=dialled)
        + body
        + ending.format(caller=caller, dialled=dialled)
    )
