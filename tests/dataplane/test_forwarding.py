"""Parse and forward: IPv4 LPM -> weighted action-selector groups, checksums, flowlets."""

from __future__ import annotations

from scapy.contrib.roce import BTH
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from controller.wire import SEM, DropReason, TrafficClass, insert_sem
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    DROP_COUNTER,
    HOST_A_PORT,
    HOST_B_MAC,
    NEXT_TO_REMOTE,
    NODE,
    PRIMARY_PORTS,
    REMOTE_HOST,
    SPINE_MACS,
    forwarded,
    icrc_valid,
    reweight_next_hop_group,
    roce,
    tenant_limits,
)


def test_plain_rocev2_is_routed_with_ttl_and_checksum_updated(sw: Switch) -> None:
    pkt = roce(payload=b"gradient-bytes" * 4)
    sw.inject(HOST_A_PORT, bytes(pkt))
    [(port, out)] = sw.take_outputs()
    assert port == 2
    assert out == forwarded(pkt, smac=NODE.node_mac, dmac=HOST_B_MAC)
    ip = Ether(out)[IP]
    assert ip.ttl == 63
    recomputed = ip.copy()
    recomputed.chksum = None
    assert ip.chksum == IP(bytes(recomputed)).chksum != Ether(bytes(pkt))[IP].chksum
    assert icrc_valid(Ether(out))  # TTL/checksum are ICRC-masked: the receiver's ICRC still holds


def test_sem_packet_is_parsed_and_forwarded_unchanged_but_for_the_hop(sw: Switch) -> None:
    tenant_limits(sw, 7, 255)
    sem = SEM(tclass=TrafficClass.GRADIENT, urgency=9, tenant_id=7, task_id=42, flag_keep=1)
    pkt = insert_sem(roce(), sem)
    sw.inject(HOST_A_PORT, bytes(pkt))
    [(port, out)] = sw.take_outputs()
    assert (port, out) == (2, forwarded(pkt, smac=NODE.node_mac, dmac=HOST_B_MAC))
    assert Ether(out)[SEM].tenant_id == 7
    assert Ether(out)[BTH].dqpn == 0x123


def test_bad_ipv4_checksum_is_dropped_and_counted(sw: Switch) -> None:
    raw = bytearray(bytes(roce()))
    raw[24] ^= 0xFF  # IPv4 header checksum
    sw.inject(HOST_A_PORT, bytes(raw))
    assert sw.take_outputs() == []
    assert sw.counter_read(DROP_COUNTER, DropReason.IPV4_CHECKSUM) == (1, len(raw))


def test_expiring_ttl_and_unknown_destination_are_dropped(sw: Switch) -> None:
    sw.inject(HOST_A_PORT, bytes(roce(ttl=1)))
    sw.inject(HOST_A_PORT, bytes(roce(dst="192.0.2.1")))
    assert sw.take_outputs() == []


def _port_of_flow(sw: Switch, sport: int, psn: int = 0) -> int:
    sw.inject(HOST_A_PORT, bytes(roce(dst=REMOTE_HOST, sport=sport, psn=psn)))
    [(port, out)] = sw.take_outputs()
    assert Ether(out).dst == ":".join(f"{b:02x}" for b in SPINE_MACS[port].to_bytes(6, "big"))
    return port


def test_weighted_group_spreads_flows_by_weight(sw: Switch) -> None:
    reweight_next_hop_group(sw, NEXT_TO_REMOTE, [3, 1])
    ports = [_port_of_flow(sw, 10000 + i) for i in range(400)]
    counts = {p: ports.count(p) for p in PRIMARY_PORTS}
    assert counts[3] + counts[4] == 400
    assert 240 <= counts[3] <= 360  # 3:1 -> 300 expected; crc16 spreads evenly enough


def test_reweighting_mid_burst_does_not_move_a_flow_but_a_gap_may(sw: Switch) -> None:
    gap_ns = NODE.flowlet_gap_us * 1000
    flows = range(20000, 20040)
    before = {s: _port_of_flow(sw, s, psn=0) for s in flows}
    # The controller shifts almost all weight to spine 2 while every flow is mid-burst.
    reweight_next_hop_group(sw, NEXT_TO_REMOTE, [1, 15])
    for psn in range(1, 4):
        sw.advance(gap_ns // 4)
        during = {s: _port_of_flow(sw, s, psn=psn) for s in flows}
        assert during == before, "a re-weighting moved packets of an in-flight burst"
    sw.advance(2 * gap_ns)  # the bursts end; the next packets start new flowlets
    after = {s: _port_of_flow(sw, s, psn=9) for s in flows}
    moved = [s for s in flows if after[s] != before[s]]
    assert moved, "new flowlets must follow the new weights"
    assert all(after[s] == 4 for s in moved)


def test_flowlets_of_one_flow_keep_order_within_a_burst(sw: Switch) -> None:
    seen = [_port_of_flow(sw, 30000, psn=i) for i in range(10)]
    assert len(set(seen)) == 1
