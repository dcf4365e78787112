"""Bit-level helpers used by generated parser/deparser/action code and by table matching.

Packets are big-endian (network order): bit offset 0 is the most significant bit
of byte 0. All functions work on Python ints and avoid per-call allocation beyond
the slice ``int.from_bytes`` needs.
"""

from __future__ import annotations

from collections.abc import Sequence


def mask(width: int) -> int:
    """All-ones value of ``width`` bits."""
    return (1 << width) - 1


def extract_bits(data: bytes | bytearray | memoryview, bit_offset: int, width: int) -> int:
    """Unsigned value of the ``width`` bits starting at ``bit_offset``.

    The caller guarantees the bits are inside ``data`` (the parser checks the
    packet length before extracting, as BMv2 does, to raise PacketTooShort).
    """
    if width == 0:
        return 0
    first = bit_offset >> 3
    last = (bit_offset + width + 7) >> 3
    chunk = int.from_bytes(data[first:last], "big")
    trailing = (last << 3) - (bit_offset + width)
    return (chunk >> trailing) & ((1 << width) - 1)


def deposit_bits(buf: bytearray, bit_offset: int, width: int, value: int) -> None:
    """Write the low ``width`` bits of ``value`` into ``buf`` at ``bit_offset``."""
    if width == 0:
        return
    first = bit_offset >> 3
    last = (bit_offset + width + 7) >> 3
    trailing = (last << 3) - (bit_offset + width)
    field_mask = ((1 << width) - 1) << trailing
    chunk = int.from_bytes(buf[first:last], "big")
    chunk = (chunk & ~field_mask) | ((value << trailing) & field_mask)
    buf[first:last] = chunk.to_bytes(last - first, "big")


def pack_fields(values: Sequence[int], widths: Sequence[int]) -> bytes:
    """Concatenate fields MSB-first; pad with zero bits at the end to a whole byte.

    This is BMv2's ``BufBuilder`` layout (calculations.cpp): each field is
    deparsed right after the previous one, and the buffer is resized to
    ``ceil(nbits / 8)`` bytes, so a 12-bit list gives 2 bytes with the last 4
    bits zero. It is both the deparser's header emit and the hash input.
    """
    acc = 0
    nbits = 0
    for value, width in zip(values, widths, strict=True):
        acc = (acc << width) | (value & ((1 << width) - 1))
        nbits += width
    pad = -nbits % 8
    return (acc << pad).to_bytes((nbits + pad) >> 3, "big")


def to_signed(value: int, width: int) -> int:
    """Interpret the low ``width`` bits of ``value`` as two's complement int<width>."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def to_unsigned(value: int, width: int) -> int:
    """Two's complement bit pattern (bit<width>) of a possibly negative value."""
    return value & ((1 << width) - 1)


def sat_add_unsigned(a: int, b: int, width: int) -> int:
    """``a |+| b`` for bit<width>: clamps at 2**width - 1."""
    return min(a + b, (1 << width) - 1)


def sat_sub_unsigned(a: int, b: int, width: int) -> int:
    """``a |-| b`` for bit<width>: clamps at 0."""
    return max(a - b, 0)


def sat_add_signed(a: int, b: int, width: int) -> int:
    """``a |+| b`` for int<width> (operands and result as Python signed ints)."""
    high = (1 << (width - 1)) - 1
    low = -(1 << (width - 1))
    return max(low, min(high, a + b))


def sat_sub_signed(a: int, b: int, width: int) -> int:
    """``a |-| b`` for int<width> (operands and result as Python signed ints)."""
    return sat_add_signed(a, -b, width)
