"""The worker's tick deadlines as a file descriptor epoll can wait on (timerfd, Linux).

`epoll.poll(timeout)` counts in milliseconds and Python rounds the timeout up, so a loop that
waits for a 5 ms slot deadline through the poll timeout wakes 0-1 ms late, spread evenly:
pure jitter on every played packet (about 0.3 ms of RFC 3550 jitter before the scheduler adds
anything). A periodic timerfd on CLOCK_MONOTONIC (the clock of `time.monotonic`) armed at the
ticker's start with the slot period as interval becomes readable exactly at each deadline, and
the kernel computes every expiry from the first one, so it does not drift either. The poll
then waits for packets and for the next slot at once, with nanosecond resolution.

Python has `os.timerfd_create` only from 3.13; this is the same through libc. Where it is not
available, `slot_timer` returns None and the worker falls back to the poll timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import math
import os

_CLOCK_MONOTONIC = 1
_TFD_TIMER_ABSTIME = 1
_TFD_NONBLOCK = os.O_NONBLOCK
_TFD_CLOEXEC = os.O_CLOEXEC


class _Timespec(ctypes.Structure):
    _fields_ = (("sec", ctypes.c_long), ("nsec", ctypes.c_long))


class _Itimerspec(ctypes.Structure):
    _fields_ = (("interval", _Timespec), ("value", _Timespec))


def _timespec(seconds: float) -> _Timespec:
    # Rounded up to the nanosecond: the timer must never fire before the ticker's deadline.
    nanos = math.ceil(seconds * 1e9)
    return _Timespec(nanos // 1_000_000_000, nanos % 1_000_000_000)


class SlotTimer:
    """A periodic timerfd: readable at `first` and every `step` seconds after it."""

    def __init__(self, libc: ctypes.CDLL, first: float, step: float) -> None:
        fd: int = libc.timerfd_create(_CLOCK_MONOTONIC, _TFD_NONBLOCK | _TFD_CLOEXEC)
        if fd < 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"timerfd_create failed: {os.strerror(errno)}")
        spec = _Itimerspec(_timespec(step), _timespec(first))
        if libc.timerfd_settime(fd, _TFD_TIMER_ABSTIME, ctypes.byref(spec), None) != 0:
            errno = ctypes.get_errno()
            os.close(fd)
            raise OSError(errno, f"timerfd_settime failed: {os.strerror(errno)}")
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def clear(self) -> None:
        """Read the expiry count, so that level-triggered epoll stops reporting the timer."""
        with contextlib.suppress(OSError):  # not expired after all (EAGAIN), or closed
            os.read(self.fd, 8)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def slot_timer(first: float, step: float) -> SlotTimer | None:
    """A `SlotTimer`, or None where timerfd is not available (not Linux, no libc)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        libc.timerfd_create.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.timerfd_settime.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                                         ctypes.c_void_p)  # fmt: skip
        return SlotTimer(libc, first, step)
    except (AttributeError, OSError):
        return None
