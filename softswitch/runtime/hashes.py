"""v1model hash algorithms, bit-exact with BMv2 ``src/bm_sim/calculations.cpp``.

The input of every hash is the byte string BMv2's ``BufBuilder`` produces from
the field list (see :func:`softswitch.runtime.bits.pack_fields`). ``hash(out,
algo, base, data, max)`` then stores ``base + h % max`` (``max == 0`` is treated
as 1, as simple_switch's ``modify_field_with_hash_based_offset`` does),
truncated to the width of ``out``.
"""

from __future__ import annotations

import binascii
import enum
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from softswitch.runtime.errors import InvalidArgumentError

_REFLECT8 = tuple(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _reflect(value: int, width: int) -> int:
    result = 0
    for _ in range(width):
        result = (result << 1) | (value & 1)
        value >>= 1
    return result


@dataclass(frozen=True, slots=True)
class CrcConfig:
    """Rocksoft-style CRC parameters, as BMv2's ``crc_config_t``."""

    width: int
    polynomial: int
    initial_remainder: int
    final_xor_value: int
    data_reflected: bool
    remainder_reflected: bool


CRC16_DEFAULT = CrcConfig(16, 0x8005, 0x0000, 0x0000, True, True)
CRC32_DEFAULT = CrcConfig(32, 0x04C11DB7, 0xFFFFFFFF, 0xFFFFFFFF, True, True)


class CrcEngine:
    """Table-driven CRC computed exactly like BMv2's ``crc_custom<T>``.

    The register is MSB-first; input bytes are bit-reflected when
    ``data_reflected`` and the final register when ``remainder_reflected``.
    Standard CRC-32 and CCITT-style CRC-16 configurations run in C (zlib,
    binascii), which give the same values.
    """

    __slots__ = ("_compute", "_table", "config")

    def __init__(self, config: CrcConfig) -> None:
        if config.width not in (8, 16, 32, 64):
            raise InvalidArgumentError(f"unsupported CRC width {config.width}")
        limit = 1 << config.width
        for name in ("polynomial", "initial_remainder", "final_xor_value"):
            if not 0 <= getattr(config, name) < limit:
                raise InvalidArgumentError(f"CRC {name} does not fit in {config.width} bits")
        self.config = config
        self._table = self._build_table(config)
        self._compute = self._pick_implementation(config)

    @staticmethod
    def _build_table(config: CrcConfig) -> tuple[int, ...]:
        top = 1 << (config.width - 1)
        full = (1 << config.width) - 1
        table = []
        for dividend in range(256):
            remainder = dividend << (config.width - 8)
            for _ in range(8):
                if remainder & top:
                    remainder = ((remainder << 1) ^ config.polynomial) & full
                else:
                    remainder = (remainder << 1) & full
            table.append(remainder)
        return tuple(table)

    def _pick_implementation(self, config: CrcConfig) -> Callable[[bytes], int]:
        if config == CRC32_DEFAULT:
            return zlib.crc32
        if (config.width, config.polynomial, config.final_xor_value) == (16, 0x1021, 0) and not (
            config.data_reflected or config.remainder_reflected
        ):
            init = config.initial_remainder
            return lambda data: binascii.crc_hqx(data, init)
        return self._compute_table

    def _compute_table(self, data: bytes) -> int:
        config = self.config
        width = config.width
        shift = width - 8
        full = (1 << width) - 1
        table = self._table
        remainder = config.initial_remainder
        if config.data_reflected:
            reflect8 = _REFLECT8
            for byte in data:
                remainder = (table[reflect8[byte] ^ (remainder >> shift)] ^ (remainder << 8)) & full
        else:
            for byte in data:
                remainder = (table[byte ^ (remainder >> shift)] ^ (remainder << 8)) & full
        if config.remainder_reflected:
            remainder = _reflect(remainder, width)
        return remainder ^ config.final_xor_value

    def compute(self, data: bytes) -> int:
        """CRC of ``data``."""
        return self._compute(data)


def csum16(data: bytes) -> int:
    """BMv2 ``csum16``: RFC 1071 Internet checksum (odd length padded with a zero byte)."""
    if len(data) & 1:
        data = data + b"\x00"
    # The end-around-carry sum of 16-bit words is the words' value modulo 0xFFFF (as
    # 0x10000 == 1 there), except that a non-zero sum folds to 0xFFFF rather than 0.
    value = int.from_bytes(data, "big")
    folded = value % 0xFFFF
    if folded == 0 and value:
        folded = 0xFFFF
    return ~folded & 0xFFFF


def xor16(data: bytes) -> int:
    """BMv2 ``xor16``: XOR of big-endian 16-bit words; a trailing byte is the high byte."""
    if len(data) & 1:
        data = data + b"\x00"
    result = 0
    for i in range(0, len(data), 2):
        result ^= (data[i] << 8) | data[i + 1]
    return result


def identity(data: bytes) -> int:
    """BMv2 ``identity``: the first (up to) 8 bytes read as a big-endian integer."""
    return int.from_bytes(data[:8], "big")


class HashAlgorithm(enum.Enum):
    """v1model ``HashAlgorithm`` (values are the BMv2 JSON algorithm names)."""

    CRC32 = "crc32"
    CRC32_CUSTOM = "crc32_custom"
    CRC16 = "crc16"
    CRC16_CUSTOM = "crc16_custom"
    RANDOM = "random"
    IDENTITY = "identity"
    CSUM16 = "csum16"
    XOR16 = "xor16"


_CUSTOM_DEFAULTS = {
    HashAlgorithm.CRC16_CUSTOM: CRC16_DEFAULT,
    HashAlgorithm.CRC32_CUSTOM: CRC32_DEFAULT,
}

_STANDARD_CRC = {HashAlgorithm.CRC16: CRC16_DEFAULT, HashAlgorithm.CRC32: CRC32_DEFAULT}

_SIMPLE: dict[HashAlgorithm, Callable[[bytes], int]] = {
    HashAlgorithm.CSUM16: csum16,
    HashAlgorithm.XOR16: xor16,
    HashAlgorithm.IDENTITY: identity,
}


class HashUnit:
    """One named hash calculation of the program (a ``hash()`` call site or a selector).

    BMv2 keeps custom CRC parameters per calculation (CLI
    ``set_crc16_parameters``/``set_crc32_parameters``), so each call site owns its
    unit. ``random`` is not a BMv2 hash; it draws 64 random bits from ``rng``.
    """

    __slots__ = ("_compute", "_rng", "algorithm")

    def __init__(self, algorithm: HashAlgorithm, rng: random.Random | None = None) -> None:
        self.algorithm = algorithm
        self._rng = rng or random.Random(0)
        if algorithm in _SIMPLE:
            self._compute = _SIMPLE[algorithm]
        elif algorithm is HashAlgorithm.RANDOM:
            self._compute = self._random
        else:
            config = _STANDARD_CRC.get(algorithm) or _CUSTOM_DEFAULTS[algorithm]
            self._compute = CrcEngine(config).compute

    def _random(self, data: bytes) -> int:
        return self._rng.getrandbits(64)

    def set_crc_parameters(
        self,
        polynomial: int,
        initial_remainder: int,
        final_xor_value: int,
        data_reflected: bool,
        remainder_reflected: bool,
    ) -> None:
        """Reconfigure a ``crc16_custom``/``crc32_custom`` unit (BMv2 ``set_crcXX_parameters``)."""
        default = _CUSTOM_DEFAULTS.get(self.algorithm)
        if default is None:
            raise InvalidArgumentError(
                f"CRC parameters only apply to crc16_custom/crc32_custom, not {self.algorithm.value}"
            )
        config = CrcConfig(
            default.width,
            polynomial,
            initial_remainder,
            final_xor_value,
            data_reflected,
            remainder_reflected,
        )
        self._compute = CrcEngine(config).compute

    def compute(self, data: bytes) -> int:
        """Raw hash value of the packed field-list bytes."""
        return self._compute(data)


def hash_result(raw: int, base: int, max_value: int, out_width: int) -> int:
    """Value stored by v1model ``hash(out, algo, base, data, max)``."""
    return (base + raw % (max_value or 1)) & ((1 << out_width) - 1)
