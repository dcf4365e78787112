from softswitch.runtime.bits import (
    deposit_bits,
    extract_bits,
    pack_fields,
    sat_add_signed,
    sat_add_unsigned,
    sat_sub_signed,
    sat_sub_unsigned,
    to_signed,
    to_unsigned,
)


def test_extract_unaligned_fields_of_ipv4_first_byte() -> None:
    data = bytes.fromhex("45b8")
    assert extract_bits(data, 0, 4) == 4
    assert extract_bits(data, 4, 4) == 5
    assert extract_bits(data, 8, 6) == 0b101110  # DSCP of 0xb8
    assert extract_bits(data, 14, 2) == 0
    assert extract_bits(data, 3, 9) == 0b0_0101_1011


def test_deposit_then_extract_round_trip_keeps_neighbours() -> None:
    buf = bytearray(b"\xff\xff\xff")
    deposit_bits(buf, 5, 9, 0)
    assert buf == bytearray(b"\xf8\x03\xff")
    deposit_bits(buf, 5, 9, 0x1AB)
    assert extract_bits(buf, 5, 9) == 0x1AB
    assert buf[0] >> 3 == 0b11111 and buf[2] == 0xFF


def test_pack_fields_pads_at_the_end_like_bmv2_bufbuilder() -> None:
    assert pack_fields([0xA, 0xBC], [4, 8]) == bytes.fromhex("abc0")
    assert pack_fields([1, 0x0800], [1, 16]) == bytes.fromhex("840000")
    assert pack_fields([0x1234, 0x56], [16, 8]) == bytes.fromhex("123456")
    assert pack_fields([], []) == b""


def test_twos_complement_helpers() -> None:
    assert to_signed(0xFF, 8) == -1
    assert to_signed(0x7F, 8) == 127
    assert to_signed(0x180, 8) == -128
    assert to_unsigned(-1, 16) == 0xFFFF
    assert to_unsigned(-32768, 16) == 0x8000


def test_saturating_arithmetic() -> None:
    assert sat_add_unsigned(250, 10, 8) == 255
    assert sat_add_unsigned(1, 2, 8) == 3
    assert sat_sub_unsigned(3, 10, 8) == 0
    assert sat_sub_unsigned(10, 3, 8) == 7
    assert sat_add_signed(120, 10, 8) == 127
    assert sat_add_signed(-120, -10, 8) == -128
    assert sat_sub_signed(-120, 10, 8) == -128
    assert sat_sub_signed(100, -100, 8) == 127
    assert sat_sub_signed(5, 7, 8) == -2
