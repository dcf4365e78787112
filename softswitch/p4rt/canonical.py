"""P4Runtime byte strings (spec section 8.3): validation against a bitwidth and canonical form.

Receivers accept strings of any length as long as the value fits the P4Info bitwidth (so a
client built for a narrower field still works); senders, and therefore every Read reply, use
the shortest string that holds the value.
"""

from __future__ import annotations

from softswitch.p4rt.errors import invalid, out_of_range


def decode_uint(data: bytes, bitwidth: int, what: str) -> int:
    """The unsigned value of ``data``; OUT_OF_RANGE when it does not fit ``bitwidth`` bits."""
    if not data:
        raise invalid(f"{what}: empty byte string (the spec requires at least one byte)")
    value = int.from_bytes(data, "big")
    if value >> bitwidth:
        raise out_of_range(f"{what}: value 0x{data.hex()} does not fit in {bitwidth} bits")
    return value


def encode_uint(value: int) -> bytes:
    """The canonical (shortest, at least one byte) big-endian encoding of ``value`` >= 0."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def canonicalize(data: bytes) -> bytes:
    """``data`` with redundant leading zero bytes removed (b"" stays b"" for the caller to reject)."""
    stripped = data.lstrip(b"\x00")
    return stripped if stripped else data[:1]
