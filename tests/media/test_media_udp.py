"""Connecting and disconnecting a stream's UDP socket (connect(2) with AF_UNSPEC)."""

from __future__ import annotations

import socket

import pytest

from frontdesk.media.engine.udp import disconnect


@pytest.mark.parametrize("explicit_port", [True, False])
def test_disconnect_hears_everyone_again_on_the_same_port(explicit_port: bool) -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ours,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other,
    ):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1] if explicit_port else 0
        probe.close()
        ours.bind(("127.0.0.1", port))
        peer.bind(("127.0.0.1", 0))
        other.bind(("127.0.0.1", 0))
        local = ours.getsockname()
        ours.settimeout(1.0)
        ours.connect(peer.getsockname())
        other.sendto(b"stranger", local)
        peer.sendto(b"peer", local)
        assert ours.recv(64) == b"peer"  # connected: the stranger was dropped by the kernel
        disconnect(ours)
        assert ours.getsockname() == local  # the same port, kernel-chosen or not
        other.sendto(b"stranger", local)
        data, source = ours.recvfrom(64)
        assert (data, source) == (b"stranger", other.getsockname())
        disconnect(ours)  # disconnecting an unconnected socket is harmless
