"""The running server over real sockets: IPv6, TCP keep-alive, garbage on the wire, OPTIONS,
clean shutdown with BYE, and an event log that survives a hard kill."""

from __future__ import annotations

import os
import random
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerProcess, run_sipp, start_server

from frontdesk.sip.message import Response, parse_message

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "rfc4475"


def request(
    method: str, port: int, local_port: int, host: str = "127.0.0.1", **extra: str
) -> bytes:
    target = f"[{host}]" if ":" in host else host
    lines = [
        f"{method} sip:100@{target}:{port} SIP/2.0",
        f"Via: SIP/2.0/UDP {target}:{local_port};branch=z9hG4bK{random.getrandbits(64):x}",
        f"From: <sip:tester@{target}>;tag=t{random.getrandbits(32):x}",
        f"To: <sip:100@{target}>" + (f";tag={extra.pop('to_tag')}" if "to_tag" in extra else ""),
        f"Call-ID: {extra.pop('call_id', f'{random.getrandbits(64):x}')}@test",
        f"CSeq: {extra.pop('cseq', '1')} {method}",
        f"Contact: <sip:tester@{target}:{local_port}>",
        "Max-Forwards: 70",
        *(f"{k.replace('_', '-')}: {v}" for k, v in extra.items()),
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


OPEN: list[socket.socket] = []


@pytest.fixture(autouse=True)
def close_sockets() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def udp(host: str = "127.0.0.1") -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    OPEN.append(sock)
    sock.bind((host, 0))
    sock.settimeout(5)
    return sock


def answer(sock: socket.socket) -> Response:
    message = parse_message(sock.recv(65535))
    assert isinstance(message, Response)
    return message


def test_options_keepalive_is_answered(server: ServerProcess) -> None:
    sock = udp()
    sock.sendto(request("OPTIONS", server.port, sock.getsockname()[1]), (server.host, server.port))
    response = answer(sock)
    assert response.status == 200 and "INVITE" in (response.get("Allow") or "")


def test_tcp_crlf_keepalive_gets_a_pong(server: ServerProcess) -> None:
    with socket.create_connection((server.host, server.port), timeout=5) as conn:
        conn.sendall(b"\r\n\r\n")
        assert conn.recv(16) == b"\r\n"


def test_garbage_changes_nothing_and_the_server_keeps_answering(server: ServerProcess) -> None:
    sock = udp()
    rng = random.Random(4475)
    target = (server.host, server.port)
    for path in sorted(DATA.glob("*.dat")):
        sock.sendto(path.read_bytes(), target)
    for _ in range(300):
        sock.sendto(rng.randbytes(rng.randrange(1, 1500)), target)
    sock.sendto(b"INVITE sip:x SIP/2.0\r\n\r\n", target)
    sock.settimeout(0.5)
    try:
        while True:
            sock.recv(65535)  # drain the 4xx answers to the torture messages
    except TimeoutError:
        pass
    sock.settimeout(5)
    sock.sendto(request("OPTIONS", server.port, sock.getsockname()[1]), target)
    assert answer(sock).status == 200
    assert server.process.poll() is None
    assert not server.events("call.answered")  # nothing was taken for a call


def test_ipv6(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--sip-host", "::1")
    try:
        assert server.host == "::1"
        sock = udp("::1")
        sock.sendto(
            request("OPTIONS", server.port, sock.getsockname()[1], host="::1"), ("::1", server.port)
        )
        assert answer(sock).status == 200
        result = run_sipp(server, tmp_path, "-sn", "uac", "-s", "100", "-m", "3")
        assert result.returncode == 0, result.screen
        assert len(server.wait_for_events("call.ended", 3)) == 3
    finally:
        assert server.stop() == 0


def test_shutdown_ends_calls_with_bye(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    sock = udp()
    port = sock.getsockname()[1]
    sock.sendto(request("INVITE", server.port, port, call_id="shut"), (server.host, server.port))
    ok = answer(sock)
    while ok.status < 200:
        ok = answer(sock)
    assert ok.status == 200
    to_tag = ok.to.tag or ""
    sock.sendto(
        request("ACK", server.port, port, call_id="shut", to_tag=to_tag), (server.host, server.port)
    )
    server.wait_for_events("call.answered", 1)
    server.process.send_signal(signal.SIGTERM)
    bye = parse_message(sock.recv(65535))
    while getattr(bye, "status", None) == 200:  # a 200 retransmitted before our ACK landed
        bye = parse_message(sock.recv(65535))
    assert getattr(bye, "method", None) == "BYE"
    assert server.process.wait(10) == 0
    server.log_file.close()
    ended = server.events("call.ended")
    assert [e.data["reason"] for e in ended] == ["shutdown"]
    assert server.events("server.stopped")


def test_event_log_survives_a_hard_kill(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    result = run_sipp(server, tmp_path, "-sn", "uac", "-s", "100", "-m", "20", "-r", "20")
    assert result.returncode == 0, result.screen
    assert len(server.wait_for_events("call.ended", 20)) == 20  # flushed (every 0.2 s)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    server.log_file.close()
    again = start_server(tmp_path)  # same data directory
    try:
        assert len(again.events("call.ended")) == 20
        assert len(again.wait_for_events("server.started", 2)) == 2
    finally:
        assert again.stop() == 0
