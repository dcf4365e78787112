"""Support objects the generated Python code uses at packet time.

Generated code only touches slotted attributes and these few helpers, so the per-packet
path never looks anything up by string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ParserReject(Exception):
    """Raised by generated parser code to end parsing in ``reject`` with ``error_code``."""

    __slots__ = ("error_code",)

    def __init__(self, error_code: int) -> None:
        super().__init__(error_code)
        self.error_code = error_code


class ExitSignal(Exception):
    """``exit``: ends the enclosing top-level control."""


EXIT = ExitSignal()


class HeaderStack:
    """``H[N]``: ``elems`` holds N header objects; ``nxt`` is P4's ``nextIndex``."""

    __slots__ = ("elems", "factory", "nxt", "size")

    def __init__(self, factory: Callable[[], Any], size: int) -> None:
        self.factory = factory
        self.size = size
        self.elems = [factory() for _ in range(size)]
        self.nxt = 0

    def _copy(self) -> HeaderStack:
        clone = HeaderStack.__new__(HeaderStack)
        clone.factory = self.factory
        clone.size = self.size
        clone.elems = [e._copy() for e in self.elems]
        clone.nxt = self.nxt
        return clone

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HeaderStack) and self.elems == other.elems

    __hash__ = None  # type: ignore[assignment]

    def next_for_extract(self, out_of_bounds: int) -> Any:
        """The element ``.next`` designates; parsing past the end rejects with StackOutOfBounds."""
        if self.nxt >= self.size:
            raise ParserReject(out_of_bounds)
        return self.elems[self.nxt]

    def last(self, out_of_bounds: int) -> Any:
        if self.nxt == 0:
            raise ParserReject(out_of_bounds)
        return self.elems[self.nxt - 1]

    def push_front(self, count: int) -> None:
        """Shift elements up by ``count``; the first ``count`` become invalid (P4 spec 8.18)."""
        count = min(count, self.size)
        if count <= 0:
            return
        self.elems = [self.factory() for _ in range(count)] + self.elems[: self.size - count]
        self.nxt = min(self.nxt + count, self.size)

    def pop_front(self, count: int) -> None:
        """Shift elements down by ``count``; the last ``count`` become invalid."""
        count = min(count, self.size)
        if count <= 0:
            return
        self.elems = self.elems[count:] + [self.factory() for _ in range(count)]
        self.nxt = max(self.nxt - count, 0)


class P4Array:
    """``T[N]`` of non-header elements (p4c's arrays): ``elems`` and ``size`` as in a header
    stack, so indexing code is shared. ``deep`` when elements are aggregates (copied with
    the array); scalar elements are immutable Python values."""

    __slots__ = ("deep", "elems", "size")

    def __init__(self, elems: list[Any], deep: bool) -> None:
        self.elems = elems
        self.size = len(elems)
        self.deep = deep

    def _copy(self) -> P4Array:
        elems = [e._copy() for e in self.elems] if self.deep else self.elems[:]
        return P4Array(elems, self.deep)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, P4Array) and self.elems == other.elems

    __hash__ = None  # type: ignore[assignment]


class StackIndexOutOfRange(Exception):
    """A run-time header stack index outside the stack; the statement using it is skipped."""


class StackIndexAboveRange(StackIndexOutOfRange):
    """The index is at or past the stack's size (not negative): p4c's rewrite of
    ``x = hs[i].f`` then stores an undefined value (0 in BMv2) into ``x``."""


STACK_INDEX_OUT_OF_RANGE = StackIndexOutOfRange()
STACK_INDEX_ABOVE_RANGE = StackIndexAboveRange()


def checked_index(stack: HeaderStack | P4Array, index: int) -> Any:
    """``stack[i]`` with a run-time index (a header stack or an array).

    p4c's HSIndexSimplifier (BMv2 back end) rewrites a statement using ``stack[i]`` into
    ``if (i == 0) {...} else if (i == 1) {...}``: with ``i`` out of range nothing of the
    statement runs (an ``if`` takes its else branch), except that an assignment reading
    ``hs[i]`` with ``i >= size`` stores an undefined value. The generated code gets that by
    catching these exceptions around such statements.
    """
    if not 0 <= index < stack.size:  # checked_pos's test, inline: this is per packet
        raise STACK_INDEX_ABOVE_RANGE if index >= 0 else STACK_INDEX_OUT_OF_RANGE
    return stack.elems[index]


def checked_pos(stack: HeaderStack | P4Array, index: int) -> int:
    """``index`` if it designates an element of ``stack`` (for ``stack[i] = h``), else
    raises as ``checked_index`` does."""
    if not 0 <= index < stack.size:
        raise STACK_INDEX_ABOVE_RANGE if index >= 0 else STACK_INDEX_OUT_OF_RANGE
    return index


def shl(value: int, amount: int, width: int) -> int:
    """``value << amount`` truncated to ``width`` bits without building huge ints."""
    if amount >= width:
        return 0
    return (value << amount) & ((1 << width) - 1)


def shl_signed(value: int, amount: int, width: int) -> int:
    if amount >= width:
        return 0
    half = 1 << (width - 1)
    return (((value << amount) + half) & ((1 << width) - 1)) - half


def div(a: int, b: int) -> int:
    """Unsigned division; BMv2 leaves division by zero undefined, we return 0."""
    return a // b if b else 0


def mod(a: int, b: int) -> int:
    return a % b if b else 0


class PacketState:
    """Per-packet flags BMv2 keeps in packet registers rather than in standard_metadata.

    One instance lives in the generated module as ``PKT``; the pipeline resets it before
    each ingress or egress pass. Copiers are generated functions
    ``(src_meta, src_sm, dst_meta, dst_sm)`` that carry preserved fields over.
    """

    __slots__ = (
        "checksum_payload",
        "clone_copier",
        "clone_session",
        "digest",
        "ingress_length",
        "recirculate_copier",
        "resubmit_copier",
        "sm",
        "truncate",
    )

    def __init__(self) -> None:
        self.sm: Any = None
        self.ingress_length = 0
        self.checksum_payload = b""
        self.reset()

    def reset(self) -> None:
        self.clone_session: int | None = None
        self.clone_copier: Callable[..., None] | None = None
        self.resubmit_copier: Callable[..., None] | None = None
        self.recirculate_copier: Callable[..., None] | None = None
        self.digest: tuple[str, Callable[[], Any]] | None = None  # name, end-of-ingress reader
        self.truncate: int | None = None

    def truncate_to(self, length: int) -> None:
        """v1model ``truncate``: BMv2 ``Packet::truncate`` keeps the smallest length asked."""
        self.truncate = length if self.truncate is None else min(self.truncate, length)


def no_copy(*_args: Any) -> None:
    """Copier of an empty field list."""


class PacketIn:
    """``packet_in``: the received bytes and the parser's bit cursor."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0


class PacketOut:
    """``packet_out``: the deparser's emitted header bytes, in order."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[bytes] = []


class ValueSet:
    """``value_set<T>(size)``: control-plane (value, mask) members a ``select`` can match."""

    __slots__ = ("members", "name", "size")

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.members: list[tuple[int, int]] = []

    def matches(self, key: int) -> bool:
        return any(key & m == v & m for v, m in self.members)


# A ``for (init; cond; update)`` loop running this many iterations is taken as endless:
# BMv2 would spin on the packet forever; the switch drops it and reports the error instead.
LOOP_LIMIT = 1_000_000


class LoopLimitExceeded(Exception):
    """A ``for`` loop ran ``LOOP_LIMIT`` iterations."""


class AssertionFailed(Exception):
    """v1model ``assert``/``assume`` failed: BMv2 aborts; we drop the packet and report it."""


def lookahead(packet: PacketIn, width: int, too_short: int) -> int:
    """``packet.lookahead<bit<W>>()``: the next bits without moving the cursor."""
    if packet.pos + width > len(packet.data) << 3:
        raise ParserReject(too_short)
    first = packet.pos >> 3
    last = (packet.pos + width + 7) >> 3
    chunk = int.from_bytes(packet.data[first:last], "big")
    return (chunk >> ((last << 3) - packet.pos - width)) & ((1 << width) - 1)
