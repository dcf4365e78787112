import pytest
from hypothesis import given
from hypothesis import strategies as st

from softswitch.runtime.bits import pack_fields
from softswitch.runtime.errors import InvalidArgumentError
from softswitch.runtime.hashes import (
    CrcConfig,
    CrcEngine,
    HashAlgorithm,
    HashUnit,
    csum16,
    hash_result,
    identity,
    xor16,
)

CHECK = b"123456789"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        (HashAlgorithm.CRC32, 0xCBF43926),  # CRC-32/ISO-HDLC check value
        (HashAlgorithm.CRC32_CUSTOM, 0xCBF43926),  # BMv2 default custom config = crc32
        (HashAlgorithm.CRC16, 0xBB3D),  # CRC-16/ARC check value
        (HashAlgorithm.CRC16_CUSTOM, 0xBB3D),
        (HashAlgorithm.IDENTITY, 0x3132333435363738),
        (HashAlgorithm.XOR16, 0x3132 ^ 0x3334 ^ 0x3536 ^ 0x3738 ^ 0x3900),
    ],
)
def test_catalogue_check_values(algorithm: HashAlgorithm, expected: int) -> None:
    assert HashUnit(algorithm).compute(CHECK) == expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (CrcConfig(16, 0x1021, 0xFFFF, 0, False, False), 0x29B1),  # CRC-16/IBM-3740
        (CrcConfig(16, 0x1021, 0x0000, 0, True, True), 0x2189),  # CRC-16/KERMIT
        (CrcConfig(16, 0x1021, 0xFFFF, 0, True, True), 0x6F91),  # CRC-16/MCRF4XX
        (CrcConfig(16, 0x1021, 0x0000, 0, False, False), 0x31C3),  # CRC-16/XMODEM
        (CrcConfig(16, 0x8005, 0xFFFF, 0xFFFF, True, True), 0xB4C8),  # CRC-16/USB
        (CrcConfig(32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, True, True), 0xE3069283),  # CRC-32C
        (CrcConfig(32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, False, False), 0xFC891918),  # BZIP2
        (CrcConfig(32, 0x04C11DB7, 0xFFFFFFFF, 0, False, False), 0x0376E6E7),  # MPEG-2
        (CrcConfig(8, 0x07, 0, 0, False, False), 0xF4),  # CRC-8/SMBUS
    ],
)
def test_custom_crc_configurations_match_the_crc_catalogue(
    config: CrcConfig, expected: int
) -> None:
    assert CrcEngine(config).compute(CHECK) == expected


def test_table_path_agrees_with_c_fast_paths() -> None:
    data = bytes(range(256)) * 3
    for config in (
        CrcConfig(32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, True, True),
        CrcConfig(16, 0x1021, 0x1D0F, 0, False, False),
    ):
        engine = CrcEngine(config)
        assert engine.compute(data) == engine._compute_table(data)


def test_set_crc16_parameters_changes_only_that_unit() -> None:
    unit = HashUnit(HashAlgorithm.CRC16_CUSTOM)
    other = HashUnit(HashAlgorithm.CRC16_CUSTOM)
    unit.set_crc_parameters(0x1021, 0xFFFF, 0x0000, False, False)
    assert unit.compute(CHECK) == 0x29B1
    assert other.compute(CHECK) == 0xBB3D
    with pytest.raises(InvalidArgumentError):
        HashUnit(HashAlgorithm.CRC16).set_crc_parameters(0x1021, 0, 0, False, False)
    with pytest.raises(InvalidArgumentError):
        unit.set_crc_parameters(0x1_0000, 0, 0, False, False)


def test_csum16_is_the_internet_checksum() -> None:
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert csum16(header) == 0xB861
    assert csum16(b"") == 0xFFFF
    # odd length: the last byte is padded with a zero byte
    assert csum16(b"\x01") == (~0x0100) & 0xFFFF
    assert HashUnit(HashAlgorithm.CSUM16).compute(header) == 0xB861
    # a non-zero sum that is a multiple of 0xFFFF folds to 0xFFFF, so the checksum is 0
    assert csum16(b"\xff\xff\xff\xff") == 0x0000
    assert csum16(b"\xff\xfe\x00\x01") == 0x0000
    assert csum16(b"\x00\x00\x00\x00") == 0xFFFF


@given(st.binary(max_size=64))
def test_csum16_equals_the_rfc1071_word_loop(data: bytes) -> None:
    padded = data + b"\x00" * (len(data) & 1)
    total = sum(int.from_bytes(padded[i : i + 2], "big") for i in range(0, len(padded), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    assert csum16(data) == ~total & 0xFFFF


def test_identity_and_xor16_tails() -> None:
    assert identity(b"\xab\xcd") == 0xABCD
    assert identity(bytes(range(1, 11))) == 0x0102030405060708
    assert xor16(b"\xab") == 0xAB00
    assert xor16(b"\x12\x34\xff") == 0x1234 ^ 0xFF00


def test_random_algorithm_is_seedable() -> None:
    import random

    a = HashUnit(HashAlgorithm.RANDOM, random.Random(7))
    b = HashUnit(HashAlgorithm.RANDOM, random.Random(7))
    assert [a.compute(b"") for _ in range(3)] == [b.compute(b"") for _ in range(3)]


def test_hash_result_base_modulo_and_zero_max() -> None:
    raw = HashUnit(HashAlgorithm.CRC16).compute(
        pack_fields([0x0A000001, 0x0A000002, 6], [32, 32, 8])
    )
    assert hash_result(raw, 0, 8, 16) == raw % 8
    assert hash_result(raw, 100, 8, 16) == 100 + raw % 8
    assert hash_result(raw, 5, 0, 16) == 5  # BMv2 treats max 0 as 1
    assert hash_result(0xFFFF, 0x10, 0x10000, 8) == 0x0F  # truncated to the output width


def test_crc16_of_a_five_tuple_field_list() -> None:
    # 10.0.0.1 -> 10.0.0.2, TCP 1234 -> 80: bytes exactly as BMv2's BufBuilder lays them out.
    data = pack_fields([0x0A000001, 0x0A000002, 6, 1234, 80], [32, 32, 8, 16, 16])
    assert data == bytes.fromhex("0a0000010a0000020604d20050")
    assert HashUnit(HashAlgorithm.CRC16).compute(data) == CrcEngine(
        CrcConfig(16, 0x8005, 0, 0, True, True)
    )._compute_table(data)
    assert HashUnit(HashAlgorithm.CRC32).compute(data) == __import__("zlib").crc32(data)
