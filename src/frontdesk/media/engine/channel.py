"""A message channel between the main process and a media worker over a SOCK_SEQPACKET pair.

SEQPACKET keeps message boundaries, so each pickled command or event is one `send`, and a
file descriptor sent with SCM_RIGHTS arrives with the very message it belongs to. Both ends
are non-blocking: a full socket buffer queues messages here instead of stalling a media loop
or the SIP loop; `flush()` sends the backlog when the socket is writable again.
"""

from __future__ import annotations

import pickle
import socket
from collections import deque
from typing import Any

MAX_MESSAGE = 256 * 1024
MAX_FDS = 4


class ChannelClosed(Exception):
    """The other end went away (its process exited or closed the channel)."""


def channel_pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


class Channel:
    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        # Queued (payload, fds, sockets to close once sent) when the buffer was full.
        self._backlog: deque[tuple[bytes, list[int], tuple[socket.socket, ...]]] = deque()
        self.closed = False

    def fileno(self) -> int:
        return self.sock.fileno()

    @property
    def pending(self) -> bool:
        return bool(self._backlog)

    def send(self, message: object, attach: tuple[socket.socket, ...] = ()) -> None:
        """Queue and try to send; `attach` are sockets whose descriptors travel with it (and
        which are closed on this side once it has been sent)."""
        if self.closed:
            raise ChannelClosed("the media channel is closed")
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if len(payload) > MAX_MESSAGE:
            raise ValueError(f"a channel message of {len(payload)} bytes is too large")
        fds = [sock.fileno() for sock in attach]
        self._backlog.append((payload, fds, attach))
        self.flush()

    def flush(self) -> None:
        while self._backlog:
            payload, fds, attach = self._backlog[0]
            try:
                if fds:
                    socket.send_fds(self.sock, [payload], fds)
                else:
                    self.sock.send(payload)
            except BlockingIOError:
                return
            except OSError as exc:
                self.closed = True
                raise ChannelClosed(f"the media channel broke: {exc}") from None
            self._backlog.popleft()
            for sock in attach:
                sock.close()

    def receive(self) -> list[tuple[Any, list[int]]]:
        """Everything waiting, as (message, received descriptors); raises ChannelClosed at EOF."""
        out: list[tuple[Any, list[int]]] = []
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.sock, MAX_MESSAGE, MAX_FDS)
            except BlockingIOError:
                return out
            except OSError as exc:
                self.closed = True
                if out:
                    return out
                raise ChannelClosed(f"the media channel broke: {exc}") from None
            if not data:
                self.closed = True
                if out:
                    return out
                raise ChannelClosed("the other end closed the media channel")
            out.append((pickle.loads(data), fds))

    def close(self) -> None:
        self.closed = True
        for _payload, _fds, attach in self._backlog:
            for sock in attach:
                sock.close()
        self._backlog.clear()
        self.sock.close()
