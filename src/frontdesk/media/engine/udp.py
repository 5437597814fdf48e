"""Connecting a stream's UDP socket to its latched peer, and undoing it.

A connected UDP socket (connect(2)) is cheaper on both paths: `send` needs no address to parse
and route, `recv_into` returns no address tuple to build, and the kernel drops datagrams from
anyone else before they wake us. Python can connect a UDP socket but not disconnect it: that
takes connect(2) with an AF_UNSPEC address (Linux, POSIX), done here through libc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.connect.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_uint)
_libc.connect.restype = ctypes.c_int
_UNSPEC = (ctypes.c_ubyte * 16)()  # sa_family 0 (AF_UNSPEC), the rest ignored


def disconnect(sock: socket.socket) -> None:
    """Dissolve the socket's association: it receives from anyone again, on the same port."""
    local = sock.getsockname()
    if _libc.connect(sock.fileno(), ctypes.addressof(_UNSPEC), ctypes.sizeof(_UNSPEC)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    if sock.getsockname() != local:
        # The kernel keeps the port only if it was chosen by bind() (the engine's always are);
        # a port the kernel picked is released by the disconnect: take it back.
        sock.bind(local[:2])
