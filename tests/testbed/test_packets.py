"""Traffic-tool frames: fast ICRC against scapy's, SEM placement, parsing, the FN BPF filter."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from controller.wire import SEM, TrafficClass, UdpPorts, strip_sem
from topologies.traffic.flows import FlowSpec, Reaction, ResolvedFlow, SenderJob
from topologies.traffic.packets import (
    APP_HEADER,
    FlowEndpoints,
    RoceFrameBuilder,
    SemFields,
    UdpFrameBuilder,
    is_fn_frame,
    parse_app_packet,
)
from topologies.traffic.rawsock import udp_dport_filter

ENDS = FlowEndpoints("02:00:00:00:01:01", "02:fa:00:00:00:01", "10.0.1.1", "10.0.2.1", 49153)


def _scapy_icrc(packet: Packet) -> bytes:
    reference = packet.copy()
    reference[BTH].icrc = None
    return bytes(reference)[-4:]


@pytest.mark.parametrize("seq", [0, 1, 0xFFFFFF + 5])
def test_plain_rocev2_icrc_matches_scapy(seq: int) -> None:
    frame = RoceFrameBuilder(ENDS, 64, None).frame(3, seq, 123_456_789)
    packet = Ether(frame)
    assert packet[UDP].dport == UdpPorts.ROCEV2
    assert packet[BTH].psn == seq & 0xFFFFFF and packet[BTH].dqpn == ENDS.dest_qp
    assert frame[-4:] == _scapy_icrc(packet)


def test_sem_frame_carries_sem_and_plain_view_icrc() -> None:
    sem = SemFields(tclass=TrafficClass.PARAMETER, urgency=5, tenant_id=1, task_id=9, stage=2)
    frame = RoceFrameBuilder(ENDS, 64, sem).frame(3, 77, 1)
    packet = Ether(frame)
    assert packet[UDP].dport == UdpPorts.SEM
    assert packet[SEM].tclass == TrafficClass.PARAMETER and packet[SEM].urgency == 5
    assert packet[SEM].tenant_id == 1 and packet[SEM].task_id == 9 and packet[SEM].stage == 2
    assert packet[IP].len == len(frame) - 14
    plain = strip_sem(packet)
    assert bytes(plain)[-4:] == frame[-4:] == _scapy_icrc(plain)


def test_parse_app_packet_all_kinds() -> None:
    for builder, sem in (
        (RoceFrameBuilder(ENDS, 40, None), False),
        (RoceFrameBuilder(ENDS, 40, SemFields()), True),
        (UdpFrameBuilder(FlowEndpoints(**{**ENDS.__dict__, "dport": 5001}), 40), False),
    ):
        parsed = parse_app_packet(builder.frame(11, 2**40, 5))
        assert parsed is not None
        assert (parsed.flow_id, parsed.seq, parsed.tx_ns, parsed.had_sem) == (11, 2**40, 5, sem)
        assert parsed.src_ip == bytes([10, 0, 1, 1])
    assert parse_app_packet(bytes(Ether() / IP() / UDP(dport=4791) / (b"x" * 40))) is None


def test_payload_too_small_rejected() -> None:
    with pytest.raises(ValueError, match="at least"):
        RoceFrameBuilder(ENDS, APP_HEADER.size - 1, None)


def test_is_fn_frame() -> None:
    assert is_fn_frame(bytes(Ether() / IP() / UDP(dport=4793) / b"x"))
    assert not is_fn_frame(bytes(Ether() / IP() / UDP(dport=4791) / b"x"))


@pytest.mark.skipif(shutil.which("tcpdump") is None, reason="needs tcpdump to compile the filter")
def test_fn_filter_is_what_tcpdump_compiles() -> None:
    out = subprocess.run(
        ["tcpdump", "-dd", "ip and udp dst port 4793"], capture_output=True, text=True, check=True
    ).stdout
    expected = [
        tuple(int(v, 0) for v in m)
        for m in re.findall(r"\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}", out)
    ]
    assert udp_dport_filter(4793) == expected


def test_sender_job_json_round_trip() -> None:
    spec = FlowSpec(
        "f", "ha1", "hb1", 100, 2.0, tclass="parameter", react=True, reaction=Reaction(decrease=0.7)
    )
    job = SenderJob(
        "ha1-eth0", [ResolvedFlow(1, spec, "m", "g", "1.1.1.1", "2.2.2.2", 3)], "r.json", 5
    )
    assert SenderJob.from_json(job.to_json()) == job


def test_flow_spec_rejects_unknown_class() -> None:
    with pytest.raises(ValueError, match="unknown traffic class 'weights'"):
        FlowSpec("f", "a", "b", 10, 1, tclass="weights")
