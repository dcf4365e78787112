"""In-network FP32 -> BF16 quantization under congestion, element by element against
controller.semantic.quantize_payload."""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from controller.lab import HOST_PORT, OUT_PORT, apply, sem_packet
from controller.semantic import (
    QUANT_MAX_ELEMS,
    bf16_to_float,
    fp32_to_bf16,
    quantizable,
    quantize_payload,
    quantize_threshold_entry,
)
from controller.wire import SEM, ElemFormat, TrafficClass
from softswitch.switch import Switch
from tests.semantic.target import expected_forwarded

SPECIAL = [0.0, -0.0, 1.0, -1.5, 3.14159265, 1e-40, 6.5e37, math.inf, -math.inf]
NAN_LOW_PAYLOAD = 0x7F800001  # a NaN whose payload is only in the low 16 bits


def fp32_payload(values: list[float], extra_words: list[int] = ()) -> bytes:  # type: ignore[assignment]
    return struct.pack(f">{len(values)}f", *values) + b"".join(
        w.to_bytes(4, "big") for w in extra_words
    )


def activation(**fields: Any) -> SEM:
    base: dict[str, Any] = dict(
        tclass=TrafficClass.ACTIVATION,
        tenant_id=7,
        quant_ok=1,
        flag_keep=1,
        elem_format=ElemFormat.FP32,
        target_precision=ElemFormat.BF16,
    )
    base.update(fields)
    return SEM(**base)


def send(sw: Switch, pkt: object) -> list[bytes]:
    sw.inject(HOST_PORT, bytes(pkt))  # type: ignore[call-overload]
    sw.run_until_idle()
    return sw.take_output(OUT_PORT)


def always_congested(sw: Switch) -> Switch:
    apply(sw, [quantize_threshold_entry(OUT_PORT, None, 0)])
    return sw


def test_rule_error_bound_and_specials() -> None:
    for x in [*SPECIAL, 1.0000001, -2.7182818, 123456.789]:
        bits = struct.unpack(">I", struct.pack(">f", x))[0]
        q = bf16_to_float(fp32_to_bf16(bits))
        x32 = struct.unpack(">f", struct.pack(">f", x))[0]
        assert abs(q) <= abs(x32)
        if math.isinf(x32):
            assert q == x32
        else:  # relative bound for normals, one subnormal BF16 step below 2**-126
            assert abs(x32 - q) < max(2**-7 * abs(x32), 2**-133)
    assert fp32_to_bf16(NAN_LOW_PAYLOAD) == 0x7FC0  # quiet NaN, not infinity
    with pytest.raises(ValueError):
        fp32_to_bf16(1 << 32)


def test_congested_packet_is_quantized_byte_exact(sw: Switch) -> None:
    always_congested(sw)
    payload = fp32_payload(SPECIAL, [NAN_LOW_PAYLOAD])
    pkt = sem_packet(activation(), payload)
    [out] = send(sw, pkt)
    expected = expected_forwarded(pkt)
    expected[SEM].flag_quantized = 1
    expected[UDP].len -= len(payload) // 2
    expected[IP].len -= len(payload) // 2
    expected[IP].chksum = None
    head = bytes(expected)[: 14 + 20 + 8 + 28 + 12]
    # headers, the reduced payload, then the untouched 4 ICRC bytes
    assert out == head + quantize_payload(payload) + bytes(4)
    got = Ether(out)
    assert got[SEM].flag_quantized == 1 and got[SEM].elem_format == ElemFormat.FP32
    assert got[IP].len == len(out) - 14
    assert sw.register_read("quant_bytes_saved", TrafficClass.ACTIVATION) == len(payload) // 2
    assert sw.counter_read("quant_counter", TrafficClass.ACTIVATION)[0] == 1


@pytest.mark.parametrize(
    ("fields", "elems", "opcode"),
    [
        ({"flag_keep": 0}, 4, 0x04),  # receiver not SEM-aware: SEM may be stripped
        ({"quant_ok": 0}, 4, 0x04),
        ({"flag_quantized": 1}, 4, 0x04),
        ({"target_precision": ElemFormat.FP16}, 4, 0x04),  # sender wants more than BF16 keeps
        ({"elem_format": ElemFormat.FP16}, 4, 0x04),
        ({}, QUANT_MAX_ELEMS + 1, 0x04),  # more elements than one packet may have reduced
        ({}, 4, 0x06),  # RDMA WRITE first: RETH follows BTH
    ],
)
def test_ineligible_packets_pass_unchanged(
    sw: Switch, fields: dict[str, int], elems: int, opcode: int
) -> None:
    always_congested(sw)
    sem = activation(**fields)
    payload = fp32_payload([1.5] * elems)
    pkt = sem_packet(sem, payload, opcode=opcode)
    assert not quantizable(sem, opcode, len(payload))
    assert send(sw, pkt) == [bytes(expected_forwarded(pkt))]


def test_only_packets_queued_behind_threshold_are_quantized(sw: Switch) -> None:
    """A burst of 10 into an idle 1000 pps port: the first leaves at once with nothing behind
    it, then packet i (1..9) leaves with 9 - i behind it; threshold 3 reduces packets 1..6."""
    apply(sw, [quantize_threshold_entry(OUT_PORT, TrafficClass.ACTIVATION, 3)])
    sw.set_queue_rate(OUT_PORT, 1000)
    payload = fp32_payload([0.1 * i for i in range(QUANT_MAX_ELEMS)])
    for i in range(10):
        sw.inject(HOST_PORT, bytes(sem_packet(activation(), payload, sport=40000 + i)))
    sw.run_until_idle()
    flags = [Ether(b)[SEM].flag_quantized for b in sw.take_output(OUT_PORT)]
    assert flags == [0] + [1] * 6 + [0] * 3
    assert sw.register_read("quant_bytes_saved", TrafficClass.ACTIVATION) == 6 * 2 * QUANT_MAX_ELEMS


def test_payload_values_match_reference_element_by_element(sw: Switch) -> None:
    always_congested(sw)
    values = [(-1) ** i * 1.7**i for i in range(QUANT_MAX_ELEMS)]
    payload = fp32_payload(values)
    [out] = send(sw, sem_packet(activation(), payload))
    got = Ether(out)[Raw].load
    elements = struct.unpack(f">{QUANT_MAX_ELEMS}H", got[: 2 * QUANT_MAX_ELEMS])
    for x, element in zip(values, elements, strict=True):
        bits = struct.unpack(">I", struct.pack(">f", x))[0]
        assert element == fp32_to_bf16(bits)
