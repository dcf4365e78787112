"""Traffic-tool parts of the congestion and semantic scenarios: quantizable payloads read back
after the switch's FP32 -> BF16 rule, CNP frames, the receiver's ECN-echo marking, job JSON."""

from __future__ import annotations

import struct

from scapy.contrib.roce import BTH
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from controller.semantic import fp32_to_bf16
from controller.wire import SEM, ElemFormat, TrafficClass
from topologies.traffic.flows import CnpEcho, FlowSpec, ReceiverJob, ResolvedFlow, SenderJob
from topologies.traffic.packets import (
    ETH_LEN,
    QUANT_ELEMS,
    FlowEndpoints,
    RoceFrameBuilder,
    SemFields,
    cnp_frame,
    parse_app_packet,
    parse_cnp,
)
from topologies.traffic.receiver import CnpEchoState

ENDS = FlowEndpoints("02:00:00:00:01:01", "02:fa:00:00:00:01", "10.0.1.1", "10.0.2.1", 49153)
SEM_AT = ETH_LEN + 20 + 8


def _quantize(frame: bytes) -> bytes:
    """What the switch's Quantize control does to an eligible frame (without the IPv4/UDP
    length and checksum rewrites, which the parser does not read): every FP32 element becomes
    its BF16 (high 16 bits, NaNs quieted) and SEM flag Q is set. The ICRC stays behind."""
    payload_at = SEM_AT + 28 + 12
    elements = struct.unpack(f"!{QUANT_ELEMS}I", frame[payload_at : payload_at + QUANT_ELEMS * 4])
    reduced = struct.pack(f"!{QUANT_ELEMS}H", *(fp32_to_bf16(e) for e in elements))
    sem = bytearray(frame[SEM_AT : SEM_AT + 28])
    sem[2] |= 0x40
    return frame[:SEM_AT] + bytes(sem) + frame[SEM_AT + 28 : payload_at] + reduced + frame[-4:]


def test_quantizable_payload_survives_bf16_truncation() -> None:
    sem = SemFields(TrafficClass.GRADIENT, urgency=9, keep=1, quant_ok=1)
    builder = RoceFrameBuilder(ENDS, 256, sem)
    frame = builder.frame(42, 0x01020304, 1_795_000_000_123_456_789)
    header = Ether(frame)[SEM]
    assert (header.quant_ok, header.flag_keep) == (1, 1)
    assert (header.elem_format, header.target_precision) == (ElemFormat.FP32, ElemFormat.BF16)
    assert builder.payload_len == QUANT_ELEMS * 4  # the parser's element limit
    before = parse_app_packet(frame)
    after = parse_app_packet(_quantize(frame))
    assert before is not None and after is not None
    assert (before.flow_id, before.seq, before.tx_ns, before.quantized) == (
        42,
        0x01020304,
        1_795_000_000_123_456_789,
        False,
    )
    assert (after.flow_id, after.seq, after.tx_ns, after.quantized) == (
        42,
        0x01020304,
        1_795_000_000_123_456_789,
        True,
    )


def test_moe_candidates_in_descending_weight_order() -> None:
    frame = RoceFrameBuilder(ENDS, 64, SemFields(TrafficClass.ACTIVATION, experts=(7, 3))).frame(
        1, 2, 3
    )
    moe = Ether(frame)[SEM].moe
    assert (moe.cand_count, moe.expert0, moe.expert1) == (2, 7, 3)
    assert moe.weight0 > moe.weight1 and moe.expert2 == 0
    assert parse_app_packet(frame) is not None


def test_cnp_frame_names_the_flow_qp() -> None:
    frame = cnp_frame("02:00:00:00:02:02", "02:fa:00:00:00:04", "10.0.2.2", "10.0.1.1", 0x160)
    packet = Ether(frame)
    assert packet[IP].dst == "10.0.1.1" and packet[BTH].opcode == 0x81
    assert parse_cnp(frame) == ("10.0.2.2", 0x160)
    assert parse_cnp(RoceFrameBuilder(ENDS, 64, None).frame(1, 1, 1)) is None


def test_cnp_echo_marks_by_queueing_delay_and_rate_limits() -> None:
    echo = CnpEchoState(CnpEcho(10_000, 0.01, "m", "g", "10.0.2.2", {5: 0x160}))
    assert not echo.cnp_for(5, 3_000, 0)  # the flow's minimum so far
    assert not echo.cnp_for(5, 12_999, 1_000_000)  # 9.999 ms of queueing: not marked
    assert echo.cnp_for(5, 13_000, 2_000_000)
    assert not echo.cnp_for(5, 20_000, 5_000_000)  # within 10 ms of the last CNP
    assert echo.cnp_for(5, 20_000, 12_000_001)
    assert not echo.cnp_for(6, 90_000, 30_000_000)  # not a flow the receiver echoes for


def test_jobs_round_trip_through_json() -> None:
    spec = FlowSpec("g", "ha1", "hb1", 10, 1, tclass="gradient", quant_ok=True, experts=(1, 2))
    flow = ResolvedFlow(
        1, spec, "02:00:00:00:01:01", "02:fa:00:00:00:01", "10.0.1.1", "10.0.2.1", 1
    )
    job = SenderJob("x-eth0", [flow], "/tmp/r.json", 5)
    assert SenderJob.from_json(job.to_json()) == job
    recv = ReceiverJob(
        "y", {1: "g"}, "r", "ready", 5, cnp=CnpEcho(1.0, 0.01, "a", "b", "c", {1: 2})
    )
    assert ReceiverJob.from_json(recv.to_json()) == recv
