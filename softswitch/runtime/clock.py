"""Time sources: a virtual clock for deterministic tests/STF and the real monotonic clock.

Everything in the runtime reads time through :class:`Clock` in integer
nanoseconds; v1model metadata (timestamps, ``deq_timedelta``) and meters use
microseconds derived from it, as BMv2 does.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything with a monotonic ``now_ns()``."""

    def now_ns(self) -> int:
        """Current time in nanoseconds since an arbitrary origin."""
        ...


class VirtualClock:
    """A clock that only moves when told to; makes queueing and meters reproducible."""

    __slots__ = ("_now_ns",)

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns

    def now_ns(self) -> int:
        return self._now_ns

    def advance_ns(self, delta_ns: int) -> None:
        if delta_ns < 0:
            raise ValueError("a clock cannot go backwards")
        self._now_ns += delta_ns

    def advance_us(self, delta_us: float) -> None:
        self.advance_ns(round(delta_us * 1000))

    def set_ns(self, now_ns: int) -> None:
        if now_ns < self._now_ns:
            raise ValueError("a clock cannot go backwards")
        self._now_ns = now_ns


class MonotonicClock:
    """Wall-clock time (``time.monotonic_ns``) counted from construction."""

    __slots__ = ("_origin",)

    def __init__(self) -> None:
        self._origin = time.monotonic_ns()

    def now_ns(self) -> int:
        return time.monotonic_ns() - self._origin
