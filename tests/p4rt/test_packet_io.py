"""PacketOut metadata -> controller header bytes, and CPU-port packets -> PacketIn."""

from __future__ import annotations

import grpc
import pytest
from finsy.proto import p4r
from hypothesis import given
from hypothesis import strategies as st

from softswitch.p4rt.errors import P4RTError
from softswitch.p4rt.packet_io import PacketInDecoder, PacketOutEncoder
from softswitch.p4rt.schema import PacketHeaderInfo, ParamInfo

# Not byte aligned inside: a 3-bit, a 12-bit and a 1-bit field, 16 bits in all.
HEADER = PacketHeaderInfo(
    "packet_out", [ParamInfo(1, "kind", 3), ParamInfo(2, "port", 12), ParamInfo(3, "flag", 1)]
)


def packet_out(payload: bytes, *metadata: tuple[int, bytes]) -> p4r.PacketOut:
    return p4r.PacketOut(
        payload=payload,
        metadata=[p4r.PacketMetadata(metadata_id=i, value=v) for i, v in metadata],
    )


def code_of(err: pytest.ExceptionInfo[P4RTError]) -> grpc.StatusCode:
    return err.value.code


def test_metadata_is_packed_in_header_order_whatever_the_message_order() -> None:
    encoder = PacketOutEncoder(HEADER)
    # kind=0b101, port=0x0A5, flag=1: 101 0000 1010 0101 1 -> 1010 0001 0100 1011.
    expected = b"\xa1\x4b" + b"payload"
    in_order = packet_out(b"payload", (1, b"\x05"), (2, b"\x00\xa5"), (3, b"\x01"))
    shuffled = packet_out(b"payload", (3, b"\x01"), (1, b"\x05"), (2, b"\xa5"))
    assert encoder.encode(in_order) == expected
    assert encoder.encode(shuffled) == expected


@pytest.mark.parametrize(
    ("metadata", "code", "text"),
    [
        (((1, b"\x01"), (1, b"\x02"), (2, b"\x01"), (3, b"\x00")), "INVALID_ARGUMENT", "twice"),
        (((1, b"\x01"), (2, b"\x01"), (3, b"\x00"), (9, b"\x00")), "INVALID_ARGUMENT", "[9]"),
        (((1, b"\x01"), (3, b"\x00")), "INVALID_ARGUMENT", "'port' is missing"),
        (((1, b""), (2, b"\x01"), (3, b"\x00")), "INVALID_ARGUMENT", "empty byte string"),
        (((1, b"\x08"), (2, b"\x01"), (3, b"\x00")), "OUT_OF_RANGE", "does not fit in 3 bits"),
        (((1, b"\x01"), (2, b"\x10\x00"), (3, b"\x00")), "OUT_OF_RANGE", "12 bits"),
    ],
)
def test_bad_metadata_is_refused_with_its_code(
    metadata: tuple[tuple[int, bytes], ...], code: str, text: str
) -> None:
    with pytest.raises(P4RTError) as err:
        PacketOutEncoder(HEADER).encode(packet_out(b"x", *metadata))
    assert code_of(err) == grpc.StatusCode[code]
    assert text in err.value.message


def test_without_a_packet_out_header_the_payload_goes_as_is() -> None:
    encoder = PacketOutEncoder(None)
    assert encoder.encode(packet_out(b"\x01\x02")) == b"\x01\x02"
    with pytest.raises(P4RTError) as err:
        encoder.encode(packet_out(b"\x01", (1, b"\x01")))
    assert code_of(err) == grpc.StatusCode.INVALID_ARGUMENT


def test_packet_in_metadata_is_canonical_and_the_payload_follows_the_header() -> None:
    message = PacketInDecoder(HEADER).decode(b"\xa1\x4b" + b"frame")
    assert message.WhichOneof("update") == "packet"
    assert message.packet.payload == b"frame"
    assert [(m.metadata_id, m.value) for m in message.packet.metadata] == [
        (1, b"\x05"),
        (2, b"\xa5"),  # 0x0A5: shortest form, no leading zero byte
        (3, b"\x01"),
    ]


def test_a_packet_shorter_than_the_header_reads_as_zero_padded() -> None:
    message = PacketInDecoder(HEADER).decode(b"\xe0")
    assert message.packet.payload == b""
    assert [(m.metadata_id, m.value) for m in message.packet.metadata] == [
        (1, b"\x07"),
        (2, b"\x00"),
        (3, b"\x00"),
    ]


def test_without_a_packet_in_header_the_whole_packet_is_the_payload() -> None:
    message = PacketInDecoder(None).decode(b"\x01\x02\x03")
    assert message.packet.payload == b"\x01\x02\x03"
    assert not message.packet.metadata


@given(
    kind=st.integers(0, 7),
    port=st.integers(0, 4095),
    flag=st.integers(0, 1),
    payload=st.binary(max_size=64),
)
def test_packet_in_decodes_what_packet_out_encodes(
    kind: int, port: int, flag: int, payload: bytes
) -> None:
    values = {1: kind, 2: port, 3: flag}
    wire = PacketOutEncoder(HEADER).encode(
        packet_out(payload, *((i, v.to_bytes(2, "big")) for i, v in values.items()))
    )
    packet = PacketInDecoder(HEADER).decode(wire).packet
    assert packet.payload == payload
    decoded = {m.metadata_id: int.from_bytes(m.value, "big") for m in packet.metadata}
    assert decoded == values
    assert all(m.value == m.value.lstrip(b"\x00") or m.value == b"\x00" for m in packet.metadata)
