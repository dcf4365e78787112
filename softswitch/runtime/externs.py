"""Stateful v1model externs: counters, meters, registers and ``random``.

Data-plane methods follow simple_switch (``targets/simple_switch/primitives.cpp``):
an out-of-range index is ignored (counter/meter not updated, register read leaves
the destination unchanged). Control-plane methods validate and raise
:class:`~softswitch.runtime.errors.RuntimeApiError` subclasses instead.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass

from softswitch.runtime.clock import Clock
from softswitch.runtime.errors import InvalidArgumentError, OutOfRangeError


def _check_index(index: int, size: int, name: str) -> None:
    if not 0 <= index < size:
        raise OutOfRangeError(f"{name}: index {index} outside [0, {size})")


class CounterType(enum.Enum):
    """v1model ``CounterType``."""

    PACKETS = "packets"
    BYTES = "bytes"
    PACKETS_AND_BYTES = "packets_and_bytes"


class CounterArray:
    """``counter(size, type)``: per-index packet and byte counts.

    Both counts are always kept (BMv2 does too); ``type`` only tells the control
    plane which ones are meaningful.
    """

    __slots__ = ("bytes", "counter_type", "name", "packets", "size")

    def __init__(self, name: str, size: int, counter_type: CounterType) -> None:
        if size <= 0:
            raise InvalidArgumentError(f"counter {name}: size must be positive")
        self.name = name
        self.size = size
        self.counter_type = counter_type
        self.packets = [0] * size
        self.bytes = [0] * size

    def count(self, index: int, packet_length: int) -> None:
        """Data plane ``count(index)``; out-of-range indices are ignored as in BMv2."""
        if 0 <= index < self.size:
            self.packets[index] += 1
            self.bytes[index] += packet_length

    def read(self, index: int) -> tuple[int, int]:
        """``(packets, bytes)`` at ``index``."""
        _check_index(index, self.size, self.name)
        return self.packets[index], self.bytes[index]

    def write(self, index: int, packets: int, nbytes: int) -> None:
        """Set the counts at ``index`` (BMv2 ``counter_write``)."""
        _check_index(index, self.size, self.name)
        if packets < 0 or nbytes < 0:
            raise InvalidArgumentError(f"{self.name}: counts must be non-negative")
        self.packets[index] = packets
        self.bytes[index] = nbytes

    def reset(self) -> None:
        """Zero every index (BMv2 ``counter_reset``)."""
        self.packets = [0] * self.size
        self.bytes = [0] * self.size


class MeterType(enum.Enum):
    """v1model ``MeterType``: what one token stands for."""

    PACKETS = "packets"
    BYTES = "bytes"


class MeterColor(enum.IntEnum):
    """v1model colour encoding produced by ``execute_meter``."""

    GREEN = 0
    YELLOW = 1
    RED = 2


@dataclass(frozen=True, slots=True)
class MeterRate:
    """One token bucket: ``info_rate`` in units per microsecond, ``burst_size`` in units."""

    info_rate: float
    burst_size: int

    @classmethod
    def per_second(cls, rate: int, burst: int) -> MeterRate:
        """From P4Runtime units (per second), as PI converts for BMv2."""
        return cls(rate / 1_000_000, burst)


class _Bucket:
    __slots__ = ("burst", "color", "rate", "tokens", "tokens_last")

    def __init__(self, rate: MeterRate, color: int) -> None:
        self.rate = rate.info_rate
        self.burst = rate.burst_size
        self.tokens = rate.burst_size
        self.tokens_last = 0
        self.color = color


class Meter:
    """Two-rate three-colour marker (RFC 2698, colour-blind) as BMv2 ``Meter``.

    Tokens are recomputed from the time since the meter was created:
    ``floor(us_since_origin * rate)`` minus the tokens already credited, capped
    at the burst size. The peak bucket is checked first: short of tokens means
    RED and nothing is taken; then the committed bucket: short means YELLOW.
    An unconfigured meter marks everything GREEN.
    """

    __slots__ = ("_buckets", "_clock", "_origin_us", "meter_type")

    def __init__(self, meter_type: MeterType, clock: Clock) -> None:
        self.meter_type = meter_type
        self._clock = clock
        self._origin_us = clock.now_ns() // 1000
        self._buckets: list[_Bucket] = []

    def set_rates(self, rates: Sequence[MeterRate]) -> None:
        """Configure ``[committed, peak]`` (BMv2 ``meter_set_rates`` order)."""
        if len(rates) != 2:
            raise InvalidArgumentError("a meter takes exactly 2 rates: committed then peak")
        committed, peak = rates
        for rate in rates:
            if rate.info_rate < 0 or rate.burst_size < 0:
                raise InvalidArgumentError("meter rates and bursts must be non-negative")
        if committed.info_rate > peak.info_rate:
            raise InvalidArgumentError("committed rate must not exceed peak rate")
        self._buckets = [
            _Bucket(peak, MeterColor.RED),
            _Bucket(committed, MeterColor.YELLOW),
        ]

    def get_rates(self) -> list[MeterRate]:
        """``[committed, peak]``, or ``[]`` when unconfigured."""
        return [MeterRate(b.rate, b.burst) for b in reversed(self._buckets)]

    def reset_rates(self) -> None:
        """Back to unconfigured (everything GREEN)."""
        self._buckets = []

    def execute(self, packet_length: int, pre_color: int = MeterColor.GREEN) -> int:
        """Colour for one packet of ``packet_length`` bytes."""
        if not self._buckets:
            return pre_color
        elapsed_us = self._clock.now_ns() // 1000 - self._origin_us
        units = 1 if self.meter_type is MeterType.PACKETS else packet_length
        color: int = MeterColor.GREEN
        for bucket in self._buckets:
            credited = int(elapsed_us * bucket.rate)
            bucket.tokens = min(bucket.tokens + credited - bucket.tokens_last, bucket.burst)
            bucket.tokens_last = credited
            if bucket.tokens < units:
                color = bucket.color
                break
            bucket.tokens -= units
        return max(pre_color, color)


class MeterArray:
    """``meter(size, type)``: an array of independent :class:`Meter`."""

    __slots__ = ("meters", "name", "size")

    def __init__(self, name: str, size: int, meter_type: MeterType, clock: Clock) -> None:
        if size <= 0:
            raise InvalidArgumentError(f"meter {name}: size must be positive")
        self.name = name
        self.size = size
        self.meters = [Meter(meter_type, clock) for _ in range(size)]

    def execute(self, index: int, packet_length: int) -> int | None:
        """Data plane ``execute_meter``; None (destination untouched) when out of range."""
        if 0 <= index < self.size:
            return self.meters[index].execute(packet_length)
        return None

    def set_rates(self, index: int, rates: Sequence[MeterRate]) -> None:
        _check_index(index, self.size, self.name)
        self.meters[index].set_rates(rates)

    def set_all_rates(self, rates: Sequence[MeterRate]) -> None:
        """BMv2 ``meter_array_set_rates``."""
        for meter in self.meters:
            meter.set_rates(rates)

    def get_rates(self, index: int) -> list[MeterRate]:
        _check_index(index, self.size, self.name)
        return self.meters[index].get_rates()

    def reset_rates(self, index: int) -> None:
        _check_index(index, self.size, self.name)
        self.meters[index].reset_rates()


class RegisterArray:
    """``register<bit<W>>(size)``: values stored as unsigned W-bit patterns."""

    __slots__ = ("_mask", "name", "size", "values", "width")

    def __init__(self, name: str, size: int, width: int) -> None:
        if size <= 0 or width <= 0:
            raise InvalidArgumentError(f"register {name}: size and width must be positive")
        self.name = name
        self.size = size
        self.width = width
        self._mask = (1 << width) - 1
        self.values = [0] * size

    def read(self, index: int, unchanged: int) -> int:
        """Data plane read; out of range returns ``unchanged`` (BMv2 leaves dest as is)."""
        if 0 <= index < self.size:
            return self.values[index]
        return unchanged

    def write(self, index: int, value: int) -> None:
        """Data plane write, truncated to the width; out of range is ignored."""
        if 0 <= index < self.size:
            self.values[index] = value & self._mask

    def get(self, index: int) -> int:
        """Control-plane read (``register_read``)."""
        _check_index(index, self.size, self.name)
        return self.values[index]

    def set(self, index: int, value: int) -> None:
        """Control-plane write (``register_write``); the value must fit the width."""
        _check_index(index, self.size, self.name)
        if value < 0 or value > self._mask:
            raise InvalidArgumentError(
                f"{self.name}: value {value:#x} does not fit in {self.width} bits"
            )
        self.values[index] = value

    def reset(self) -> None:
        """Zero every cell (``register_reset``)."""
        self.values = [0] * self.size


class RandomSource:
    """v1model ``random(out, lo, hi)``: uniform in ``[lo, hi]``, seedable for tests."""

    __slots__ = ("_rng",)

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)

    def random(self, lo: int, hi: int) -> int:
        """Uniform integer in ``[lo, hi]``; ``lo`` when the range is empty."""
        if hi <= lo:
            return lo
        return self._rng.randint(lo, hi)
