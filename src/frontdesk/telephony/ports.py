"""A pool of even RTP port numbers (RTCP takes the odd one above, RFC 3550 §11)."""

from __future__ import annotations

from collections import deque

from frontdesk.telephony import TelephonyError


class PortPool:
    def __init__(self, first: int = 20000, last: int = 39999) -> None:
        if first % 2:
            first += 1
        self._free: deque[int] = deque(range(first, last, 2))
        self._used: set[int] = set()

    def take(self) -> int:
        if not self._free:
            raise TelephonyError("no free RTP port left")
        port = self._free.popleft()
        self._used.add(port)
        return port

    def give_back(self, port: int) -> None:
        if port in self._used:
            self._used.remove(port)
            self._free.append(port)

    @property
    def in_use(self) -> int:
        return len(self._used)
