import pytest

from softswitch.runtime.clock import VirtualClock
from softswitch.runtime.errors import InvalidArgumentError, OutOfRangeError
from softswitch.runtime.externs import (
    CounterArray,
    CounterType,
    Meter,
    MeterArray,
    MeterColor,
    MeterRate,
    MeterType,
    RandomSource,
    RegisterArray,
)

GREEN, YELLOW, RED = MeterColor.GREEN, MeterColor.YELLOW, MeterColor.RED


def test_counter_counts_and_ignores_out_of_range() -> None:
    c = CounterArray("c", 4, CounterType.PACKETS_AND_BYTES)
    c.count(1, 64)
    c.count(1, 1500)
    c.count(4, 100)  # out of range: BMv2 logs and ignores
    assert c.read(1) == (2, 1564)
    assert c.read(0) == (0, 0)
    c.write(2, 7, 700)
    assert c.read(2) == (7, 700)
    c.reset()
    assert c.read(1) == (0, 0) and c.read(2) == (0, 0)
    with pytest.raises(OutOfRangeError):
        c.read(4)
    with pytest.raises(InvalidArgumentError):
        c.write(0, -1, 0)


def test_two_rate_three_colour_bytes_meter_matches_bmv2_token_arithmetic() -> None:
    clock = VirtualClock()
    m = Meter(MeterType.BYTES, clock)
    m.set_rates([MeterRate(0.001, 100), MeterRate(0.002, 200)])  # CIR 1000 B/s, PIR 2000 B/s
    assert m.execute(100) == GREEN  # P 200->100, C 100->0
    assert m.execute(100) == YELLOW  # P 100->0, C short
    assert m.execute(1) == RED  # P short: nothing taken
    clock.advance_us(50_000)  # +100 peak tokens, +50 committed tokens
    assert m.execute(60) == YELLOW  # P 100->40, C 50 short
    assert m.execute(40) == GREEN  # P 40->0, C 50->10
    assert m.execute(11) == RED
    assert m.get_rates() == [MeterRate(0.001, 100), MeterRate(0.002, 200)]


def test_packet_meter_refills_and_caps_at_burst() -> None:
    clock = VirtualClock()
    m = Meter(MeterType.PACKETS, clock)
    m.set_rates([MeterRate.per_second(10, 1), MeterRate.per_second(20, 2)])
    assert [m.execute(9000) for _ in range(4)] == [GREEN, YELLOW, RED, RED]
    clock.advance_us(10_000_000)  # long idle: buckets capped at their burst sizes
    assert [m.execute(1) for _ in range(3)] == [GREEN, YELLOW, RED]


def test_meter_configuration_errors_and_unconfigured_is_green() -> None:
    m = Meter(MeterType.PACKETS, VirtualClock())
    assert m.execute(1) == GREEN and m.get_rates() == []
    with pytest.raises(InvalidArgumentError, match="must not exceed"):
        m.set_rates([MeterRate(2.0, 1), MeterRate(1.0, 1)])
    with pytest.raises(InvalidArgumentError, match="exactly 2"):
        m.set_rates([MeterRate(1.0, 1)])
    m.set_rates([MeterRate(0.0, 0), MeterRate(0.0, 0)])
    assert m.execute(1) == RED
    m.reset_rates()
    assert m.execute(1) == GREEN


def test_meter_array_index_semantics() -> None:
    arr = MeterArray("m", 2, MeterType.PACKETS, VirtualClock())
    arr.set_rates(1, [MeterRate(0.0, 0), MeterRate(0.0, 1)])
    assert arr.execute(0, 1) == GREEN
    assert arr.execute(1, 1) == YELLOW
    assert arr.execute(2, 1) is None  # out of range: destination left unchanged
    with pytest.raises(OutOfRangeError):
        arr.set_rates(2, [MeterRate(0.0, 0), MeterRate(0.0, 0)])
    arr.set_all_rates([MeterRate(0.0, 0), MeterRate(0.0, 0)])
    assert arr.execute(0, 1) == RED
    assert arr.get_rates(0) == [MeterRate(0.0, 0), MeterRate(0.0, 0)]


def test_register_masks_writes_and_keeps_dest_on_bad_index() -> None:
    r = RegisterArray("r", 4, 8)
    r.write(0, 0x1FF)
    assert r.read(0, unchanged=5) == 0xFF
    r.write(9, 1)  # ignored
    assert r.read(9, unchanged=5) == 5
    r.set(3, 0x42)
    assert r.get(3) == 0x42
    with pytest.raises(InvalidArgumentError):
        r.set(3, 0x100)
    with pytest.raises(OutOfRangeError):
        r.get(4)
    r.reset()
    assert r.values == [0, 0, 0, 0]


def test_random_is_inclusive_and_seeded() -> None:
    a, b = RandomSource(3), RandomSource(3)
    draws = [a.random(5, 7) for _ in range(200)]
    assert set(draws) == {5, 6, 7}
    assert draws == [b.random(5, 7) for _ in range(200)]
    assert a.random(9, 9) == 9
    assert a.random(9, 2) == 9
