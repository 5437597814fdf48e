"""Whole SIP exchanges between two user agents in memory: calls, hang-ups from each side,
CANCEL, re-INVITE, retransmission under loss, timeouts, and the UAS error paths."""

from __future__ import annotations

import itertools

import pytest
from wire import Node, Wire

from frontdesk.sip.build import make_cancel
from frontdesk.sip.dialog import Dialog
from frontdesk.sip.events import (
    DialogConfirmed,
    DialogEnded,
    DialogRequest,
    IncomingRequest,
    InviteCancelled,
    RequestTimedOut,
    ResponseReceived,
)
from frontdesk.sip.headers import parse_name_addr
from frontdesk.sip.message import Request, parse_message
from frontdesk.sip.transaction import Transaction
from frontdesk.sip.uri import parse_sip_uri

SDP = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"


def setup(loss: float = 0.0, seed: int = 1) -> tuple[Wire, Node, Node]:
    wire = Wire(loss=loss, seed=seed)
    return wire, wire.node("127.0.0.1", 5061, 11), wire.node("127.0.0.1", 5060, 22)


def invite(caller: Node, callee: Node, now: float = 0.0, user: str = "100") -> Transaction:
    request = caller.ua.new_request(
        "INVITE",
        parse_sip_uri(f"sip:{user}@{callee.host}:{callee.port}"),
        parse_name_addr(f"<sip:alice@{caller.host}:{caller.port}>"),
        parse_name_addr(f"<sip:{user}@{callee.host}>"),
        callee.peer(),
        SDP,
        "application/sdp",
    )
    return caller.ua.send(request, callee.peer(), now)


def first(events: list[object], kind: type) -> object:
    return next(e for e in events if isinstance(e, kind))


def answered_call(wire: Wire, caller: Node, callee: Node) -> tuple[Dialog, Dialog]:
    invite(caller, callee)
    wire.pump()
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    callee.ua.reply(incoming.txn, 180, now=wire.now)
    server_dialog = callee.ua.reply(
        incoming.txn, 200, body=SDP, content_type="application/sdp", now=wire.now
    )
    wire.run_until(wire.now + 1)
    client = first(caller.events, DialogConfirmed)
    server = first(callee.events, DialogConfirmed)
    assert isinstance(client, DialogConfirmed) and isinstance(server, DialogConfirmed)
    assert server.dialog is server_dialog
    return client.dialog, server.dialog


def assert_clean(wire: Wire, *nodes: Node) -> None:
    wire.run_until(wire.now + 100)
    for node in nodes:
        assert node.ua.txns.live == 0, node.ua.txns.server | node.ua.txns.client
        assert not node.ua.dialogs


@pytest.mark.parametrize("hangup_by", ["caller", "callee"])
def test_call_answered_and_ended_by_either_side(hangup_by: str) -> None:
    wire, caller, callee = setup()
    client, server = answered_call(wire, caller, callee)
    assert client.id == (server.call_id, server.remote_tag, server.local_tag)
    ender, other = (caller, callee) if hangup_by == "caller" else (callee, caller)
    ender.ua.bye(client if ender is caller else server, wire.now)
    wire.run_until(wire.now + 1)
    ended = first(other.events, DialogEnded)
    assert isinstance(ended, DialogEnded) and ended.reason == "remote_bye"
    local = first(ender.events, DialogEnded)
    assert isinstance(local, DialogEnded) and local.reason == "local_bye"
    bye_ok = [e for e in ender.events if isinstance(e, ResponseReceived)][-1]
    assert bye_ok.response.status == 200 and bye_ok.txn.request.method == "BYE"
    assert_clean(wire, caller, callee)


@pytest.mark.parametrize("seed", range(8))
def test_call_completes_under_heavy_loss(seed: int) -> None:
    wire, caller, callee = setup(loss=0.3, seed=seed)
    invite(caller, callee)
    wire.run_until(20)
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=wire.now)
    wire.run_until(wire.now + 20)
    assert any(isinstance(e, DialogConfirmed) for e in callee.events)
    client = first(caller.events, DialogConfirmed)
    assert isinstance(client, DialogConfirmed)
    caller.ua.bye(client.dialog, wire.now)
    wire.run_until(wire.now + 20)
    assert any(isinstance(e, DialogEnded) for e in callee.events)
    assert len([e for e in callee.events if isinstance(e, IncomingRequest)]) == 1
    assert_clean(wire, caller, callee)


def test_cancel_before_answer() -> None:
    wire, caller, callee = setup()
    txn = invite(caller, callee)
    wire.pump()
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    callee.ua.reply(incoming.txn, 180, now=wire.now)
    wire.pump()
    caller.ua.cancel(txn, wire.now)
    wire.run_until(1)
    assert isinstance(first(callee.events, InviteCancelled), InviteCancelled)
    statuses = [
        (e.txn.request.method, e.response.status)
        for e in caller.events
        if isinstance(e, ResponseReceived)
    ]
    assert ("INVITE", 487) in statuses and ("CANCEL", 200) in statuses
    assert wire.sent(b"ACK ")  # the 487 is acknowledged by the INVITE transaction
    assert_clean(wire, caller, callee)


def test_cancel_before_any_provisional_waits_for_one() -> None:
    wire, caller, callee = setup()
    txn = invite(caller, callee)
    caller.ua.cancel(txn, 0.0)
    assert not [d for d in caller.ua.outgoing if d[0].startswith(b"CANCEL")]
    wire.run_until(0.3)  # the callee's transaction sends 100 Trying after 200 ms
    assert wire.sent(b"CANCEL ")
    assert isinstance(first(callee.events, InviteCancelled), InviteCancelled)


def test_cancel_after_answer_has_no_effect_and_unknown_cancel_gets_481() -> None:
    wire, caller, callee = setup()
    txn = invite(caller, callee)
    wire.pump()
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=0)
    wire.pump()
    late = make_cancel(txn.request)
    caller.ua.send(late, callee.peer(), wire.now)
    stray = make_cancel(txn.request)
    stray.set("Via", (stray.get("Via") or "").replace("branch=z9hG4bK", "branch=z9hG4bKzz"))
    stray.set("Call-ID", "no-such-call@127.0.0.1")
    caller.ua.send(stray, callee.peer(), wire.now)
    wire.pump()
    cancels = [
        e.response.status
        for e in caller.events
        if isinstance(e, ResponseReceived) and e.txn.request.method == "CANCEL"
    ]
    # §9.2: a CANCEL of an answered INVITE gets 200 and changes nothing.
    assert sorted(cancels) == [200, 481]
    assert not any(isinstance(e, InviteCancelled) for e in callee.events)
    assert any(isinstance(e, DialogConfirmed) for e in callee.events)


def test_reinvite_inside_dialog() -> None:
    wire, caller, callee = setup()
    client, server = answered_call(wire, caller, callee)
    caller.ua.request_in_dialog(client, "INVITE", wire.now, SDP, "application/sdp")
    wire.pump()
    request = first(callee.events, DialogRequest)
    assert isinstance(request, DialogRequest) and request.dialog is server
    callee.ua.reply(request.txn, 200, body=SDP, content_type="application/sdp", now=wire.now)
    wire.run_until(wire.now + 1)
    acks = wire.sent(b"ACK ")
    assert len(acks) == 2  # one for the first INVITE, one for the re-INVITE
    assert server.acked
    assert_clean_after_bye(wire, caller, callee, client)


def assert_clean_after_bye(wire: Wire, caller: Node, callee: Node, dialog: Dialog) -> None:
    caller.ua.bye(dialog, wire.now)
    assert_clean(wire, caller, callee)


def test_2xx_without_ack_is_retransmitted_then_ended_with_bye() -> None:
    wire, caller, callee = setup()
    invite(caller, callee)
    wire.pump()
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    del wire.nodes[(caller.host, caller.port)]  # the caller vanishes
    callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=0.0)
    wire.run_until(40)
    oks = [t for t, _, d in wire.log if d.startswith(b"SIP/2.0 200")]
    # §13.3.1.4: at T1, 2T1, 4T1, then every T2, until 64*T1.
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(oks)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0] and max(gaps) == 4.0
    assert first(callee.events, DialogEnded).reason == "no_ack"  # type: ignore[attr-defined]
    assert wire.sent(b"BYE ")


def test_invite_timeout_retransmits_with_timer_a_then_b() -> None:
    wire, caller, callee = setup()
    del wire.nodes[(callee.host, callee.port)]
    invite(caller, callee)
    wire.run_until(40)
    times = [t for t, _, d in wire.log if d.startswith(b"INVITE")]
    assert times == [0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert isinstance(first(caller.events, RequestTimedOut), RequestTimedOut)
    assert_clean(wire, caller)


def test_non_invite_retransmits_cap_at_t2() -> None:
    wire, caller, callee = setup()
    del wire.nodes[(callee.host, callee.port)]
    request = caller.ua.new_request(
        "OPTIONS",
        parse_sip_uri("sip:127.0.0.1:5060"),
        parse_name_addr("<sip:a@127.0.0.1>"),
        parse_name_addr("<sip:127.0.0.1>"),
        callee.peer(),
    )
    caller.ua.send(request, callee.peer(), 0.0)
    wire.run_until(40)
    times = [t for t, _, d in wire.log if d.startswith(b"OPTIONS")]
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0] and set(gaps[4:]) == {4.0}
    assert times[-1] < 32.0
    assert isinstance(first(caller.events, RequestTimedOut), RequestTimedOut)


def test_error_response_retransmitted_until_ack() -> None:
    wire, caller, callee = setup(loss=0.0)
    invite(caller, callee)
    wire.pump()
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    # Drop the caller's first ACK: the 486 must come again and be acknowledged again.
    real_receive = callee.ua.receive
    dropped: list[bytes] = []

    def lossy(data: bytes, peer, now):  # type: ignore[no-untyped-def]
        if data.startswith(b"ACK") and not dropped:
            dropped.append(data)
            return
        real_receive(data, peer, now)

    callee.ua.receive = lossy  # type: ignore[method-assign]
    callee.ua.reply(incoming.txn, 486, now=0.0)
    wire.run_until(5)
    assert len(wire.sent(b"SIP/2.0 486")) == 2
    assert len(wire.sent(b"ACK ")) == 2
    busy = [e for e in caller.events if isinstance(e, ResponseReceived)]
    assert [e.response.status for e in busy] == [486]  # the TU hears of it once
    assert_clean(wire, caller, callee)


def test_merged_request_gets_482() -> None:
    wire, caller, callee = setup()
    txn = invite(caller, callee)
    forked = parse_message(bytes(txn.request))
    assert isinstance(forked, Request)
    via = forked.get("Via") or ""
    forked.set("Via", via.replace("branch=z9hG4bK", "branch=z9hG4bKother"))
    wire.pump()
    callee.ua.receive(bytes(forked), caller.peer(), 0.0)
    assert callee.ua.outgoing and callee.ua.outgoing[-1][0].startswith(b"SIP/2.0 482")
    assert len([e for e in callee.ua.events if isinstance(e, IncomingRequest)]) == 0


def test_in_dialog_request_out_of_order_and_unknown_dialog() -> None:
    wire, caller, callee = setup()
    client, _server = answered_call(wire, caller, callee)
    info = client.new_request("INFO", caller.ua.ids)
    wire.pump()
    callee.ua.receive(bytes(info), caller.peer(), wire.now)
    stale = client.new_request("INFO", caller.ua.ids)
    stale.set("CSeq", f"{info.cseq.seq - 1} INFO")
    callee.ua.receive(bytes(stale), caller.peer(), wire.now)
    assert callee.ua.outgoing[-1][0].startswith(b"SIP/2.0 500")
    lost = client.new_request("BYE", caller.ua.ids)
    lost.set("To", str(client.remote_uri.with_tag("nosuchtag")))
    callee.ua.receive(bytes(lost), caller.peer(), wire.now)
    assert callee.ua.outgoing[-1][0].startswith(b"SIP/2.0 481")


def test_authorizer_retries_once_with_credentials() -> None:
    wire, caller, callee = setup()
    seen: list[Request] = []

    def authorizer(request, response):  # type: ignore[no-untyped-def]
        seen.append(request)
        return {"Authorization": 'Digest username="alice"'}

    request = caller.ua.new_request(
        "REGISTER",
        parse_sip_uri("sip:127.0.0.1:5060"),
        parse_name_addr("<sip:alice@x>"),
        parse_name_addr("<sip:alice@x>"),
        callee.peer(),
    )
    caller.ua.send(request, callee.peer(), 0.0, authorizer)
    wire.pump()
    first_try = first(callee.events, IncomingRequest)
    assert isinstance(first_try, IncomingRequest)
    callee.ua.reply(first_try.txn, 401, now=0.0)
    wire.pump()
    second = [e for e in callee.events if isinstance(e, IncomingRequest)][1]
    assert second.request.get("Authorization") == 'Digest username="alice"'
    assert second.request.cseq.seq == first_try.request.cseq.seq + 1
    assert second.request.call_id == first_try.request.call_id
    callee.ua.reply(second.txn, 401, now=0.0)
    wire.pump()
    statuses = [e.response.status for e in caller.events if isinstance(e, ResponseReceived)]
    assert statuses == [401] and len(seen) == 1  # no endless retry loop


def test_route_set_from_record_route() -> None:
    wire, caller, callee = setup()
    txn = invite(caller, callee)
    wire.pump()
    incoming = first(callee.events, IncomingRequest)
    assert isinstance(incoming, IncomingRequest)
    incoming.request.set("Record-Route", ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
    dialog = callee.ua.reply(incoming.txn, 200, body=SDP, content_type="application/sdp", now=0)
    assert dialog is not None and dialog.route_set == [
        "<sip:p1.example.com;lr>",
        "<sip:p2.example.com;lr>",
    ]
    bye = dialog.new_request("BYE", callee.ua.ids)
    assert bye.get_all("Route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    assert txn.request.method == "INVITE"
    strict = Dialog.for_uas(incoming.request, "t", caller.peer(), dialog.local)
    strict.route_set = ["<sip:strict.example.com>"]
    request = strict.new_request("BYE", callee.ua.ids)
    assert request.uri_text == "sip:strict.example.com"
    assert request.get_all("Route")[-1] == f"<{strict.remote_target}>"
