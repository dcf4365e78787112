"""HalfSipHash-2-4 with 64-bit output (Aumasson and Bernstein, reference `halfsiphash.c` with
`outlen = 8`): the keyed function that authenticates SEM and FN headers.

Independent of the P4 code (`p4src/include/control/halfsiphash.p4`) on purpose: the tests check
the switch's tags against this module, and this module against the published test vectors.
"""

from __future__ import annotations

__all__ = ["KEY_LEN", "TAG_LEN", "halfsiphash64", "key_words"]

KEY_LEN = 8
TAG_LEN = 8
_MASK = 0xFFFFFFFF
_C_ROUNDS = 2
_D_ROUNDS = 4


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (32 - b))) & _MASK


def _rounds(v: list[int], n: int) -> None:
    for _ in range(n):
        v[0] = (v[0] + v[1]) & _MASK
        v[1] = _rotl(v[1], 5) ^ v[0]
        v[0] = _rotl(v[0], 16)
        v[2] = (v[2] + v[3]) & _MASK
        v[3] = _rotl(v[3], 8) ^ v[2]
        v[0] = (v[0] + v[3]) & _MASK
        v[3] = _rotl(v[3], 7) ^ v[0]
        v[2] = (v[2] + v[1]) & _MASK
        v[1] = _rotl(v[1], 13) ^ v[2]
        v[2] = _rotl(v[2], 16)


def key_words(key: bytes) -> tuple[int, int]:
    """`(k0, k1)`: the key as the two little-endian 32-bit words the algorithm (and the P4
    `auth_keys` table) uses."""
    if len(key) != KEY_LEN:
        raise ValueError(f"a HalfSipHash key is {KEY_LEN} bytes, got {len(key)}")
    return int.from_bytes(key[:4], "little"), int.from_bytes(key[4:], "little")


def halfsiphash64(key: bytes, message: bytes) -> bytes:
    """The 8 output bytes, in the order the reference implementation writes them."""
    k0, k1 = key_words(key)
    v = [k0, k1, 0x6C796765 ^ k0, 0x74656462 ^ k1]
    v[1] ^= 0xEE  # 64-bit output variant
    full = len(message) - len(message) % 4
    for i in range(0, full, 4):
        m = int.from_bytes(message[i : i + 4], "little")
        v[3] ^= m
        _rounds(v, _C_ROUNDS)
        v[0] ^= m
    b = ((len(message) & 0xFF) << 24) | int.from_bytes(message[full:], "little")
    v[3] ^= b
    _rounds(v, _C_ROUNDS)
    v[0] ^= b
    v[2] ^= 0xEE
    _rounds(v, _D_ROUNDS)
    first = (v[1] ^ v[3]).to_bytes(4, "little")
    v[1] ^= 0xDD
    _rounds(v, _D_ROUNDS)
    return first + (v[1] ^ v[3]).to_bytes(4, "little")
