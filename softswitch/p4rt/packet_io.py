"""PacketOut/PacketIn with ``@controller_header`` metadata, as on BMv2.

The metadata travels in the packet as a header in front of the payload: the server packs a
PacketOut's metadata into the ``packet_out`` header and unpacks the ``packet_in`` header from
packets the pipeline sends to the CPU port. Each header's layout (shift and mask per field)
is computed once per pipeline, so a packet costs a few integer operations, not a walk over
the P4Info.
"""

from __future__ import annotations

from dataclasses import dataclass

from finsy.proto import p4r

from softswitch.p4rt.canonical import decode_uint, encode_uint
from softswitch.p4rt.errors import invalid
from softswitch.p4rt.schema import PacketHeaderInfo


@dataclass(frozen=True, slots=True)
class _Field:
    id: int
    name: str
    bitwidth: int
    shift: int  # of the field's least significant bit within the header


def _layout(header: PacketHeaderInfo) -> tuple[tuple[_Field, ...], int]:
    """The header's fields (wire order) with their shifts, and its size in bytes."""
    total = sum(f.bitwidth for f in header.fields)
    fields, shift = [], total
    for f in header.fields:
        shift -= f.bitwidth
        fields.append(_Field(f.id, f.name, f.bitwidth, shift))
    return tuple(fields), total // 8


class PacketOutEncoder:
    """Turns a PacketOut into the bytes injected on the CPU port (header, then payload)."""

    def __init__(self, header: PacketHeaderInfo | None) -> None:
        self._fields, self._size = _layout(header) if header is not None else ((), 0)
        self._has_header = header is not None
        self._ids = frozenset(f.id for f in self._fields)

    def encode(self, msg: p4r.PacketOut) -> bytes:
        """Raises INVALID_ARGUMENT (metadata given twice, unknown or missing) or OUT_OF_RANGE."""
        if not self._has_header:
            if msg.metadata:
                raise invalid("the pipeline declares no packet_out header: metadata is not allowed")
            return msg.payload
        given: dict[int, bytes] = {}
        for md in msg.metadata:
            if md.metadata_id in given:
                raise invalid(f"packet_out metadata {md.metadata_id} given twice")
            given[md.metadata_id] = md.value
        unknown = given.keys() - self._ids
        if unknown:
            raise invalid(f"packet_out has no metadata IDs {sorted(unknown)}")
        bits = 0
        for f in self._fields:
            value = given.get(f.id)
            if value is None:
                raise invalid(f"packet_out metadata {f.name!r} is missing")
            bits |= decode_uint(value, f.bitwidth, f"packet_out {f.name}") << f.shift
        return bits.to_bytes(self._size, "big") + msg.payload


class PacketInDecoder:
    """Turns a packet the pipeline sent to the CPU port into a PacketIn stream message."""

    def __init__(self, header: PacketHeaderInfo | None) -> None:
        self._fields, self._size = _layout(header) if header is not None else ((), 0)
        self._masks = tuple((f.id, f.shift, (1 << f.bitwidth) - 1) for f in self._fields)

    def decode(self, packet: bytes) -> p4r.StreamMessageResponse:
        """Metadata in canonical form; a packet shorter than the header reads as zero-padded."""
        response = p4r.StreamMessageResponse()
        packet_in = response.packet
        size = self._size
        packet_in.payload = packet[size:]
        if size:
            bits = int.from_bytes(packet[:size].ljust(size, b"\x00"), "big")
            for metadata_id, shift, mask in self._masks:
                packet_in.metadata.add(
                    metadata_id=metadata_id, value=encode_uint((bits >> shift) & mask)
                )
        return response
