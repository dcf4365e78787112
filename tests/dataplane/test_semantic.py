"""Semantic scheduling: policy -> queue priority, per-tenant urgency clamp, class counters, SEM
insertion for legacy senders and stripping at the egress edge."""

from __future__ import annotations

from scapy.layers.l2 import Ether

from controller.wire import SEM, SemMoe, TrafficClass, insert_sem, strip_sem
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    CLASS_COUNTER,
    HOST_A,
    HOST_A_PORT,
    HOST_B_MAC,
    HOST_B_PORT,
    NODE,
    REMOTE_HOST,
    SPINE_MACS,
    URGENCY_CLAMP_COUNTER,
    forwarded,
    icrc_valid,
    roce,
    sem_classifier,
    sem_policy,
    sem_strip,
    tenant_limits,
)

TENANT = 7
URGENT_PRIORITY, NORMAL_PRIORITY = 6, 2


def _policy(sw: Switch) -> None:
    """Gradients of tenant 7: urgency >= 150 -> queue 6, below -> queue 2."""
    sem_policy(
        sw,
        tclass=TrafficClass.GRADIENT,
        urgency=(150, 255),
        priority=URGENT_PRIORITY,
        tenant_id=TENANT,
    )
    sem_policy(
        sw,
        tclass=TrafficClass.GRADIENT,
        urgency=(0, 149),
        priority=NORMAL_PRIORITY,
        tenant_id=TENANT,
    )


def _sem_packet(urgency: int, psn: int = 0, tclass: TrafficClass = TrafficClass.GRADIENT) -> bytes:
    sem = SEM(tclass=tclass, urgency=urgency, tenant_id=TENANT, task_id=1, flag_keep=1)
    return bytes(insert_sem(roce(psn=psn), sem))


def _departure_order(sw: Switch, packets: list[bytes]) -> list[int]:
    """Offer ``packets`` at once to a 1000 pps port; PSNs in the order they leave."""
    sw.set_queue_rate(HOST_B_PORT, 1000)
    for data in packets:
        sw.inject(HOST_A_PORT, data)
    sw.run_until_idle()
    return [Ether(out)["BTH"].psn for _, out in sw.take_outputs()]


def test_sem_policy_sets_the_queue_priority(sw: Switch) -> None:
    tenant_limits(sw, TENANT, 255)
    _policy(sw)
    normal = [_sem_packet(10, psn) for psn in range(4)]
    urgent = _sem_packet(200, psn=99)
    # Queue 6 is served ahead of queue 2: the urgent packet overtakes the backlog.
    assert _departure_order(sw, [*normal, urgent]) == [0, 99, 1, 2, 3]
    assert sw.traffic.depth(HOST_B_PORT) == 0


def test_without_policy_everything_shares_the_best_effort_queue(sw: Switch) -> None:
    tenant_limits(sw, TENANT, 255)
    packets = [_sem_packet(10, psn) for psn in range(4)] + [_sem_packet(200, psn=99)]
    assert _departure_order(sw, packets) == [0, 1, 2, 3, 99]


def test_spoofed_urgency_is_clamped_to_the_tenant_limit_and_counted(sw: Switch) -> None:
    tenant_limits(sw, TENANT, 100)
    _policy(sw)
    spoofed = _sem_packet(200, psn=99)
    sw.inject(HOST_A_PORT, spoofed)
    [(port, out)] = sw.take_outputs()
    clamped = Ether(spoofed)
    clamped[SEM].urgency = 100
    assert (port, out) == (HOST_B_PORT, forwarded(clamped, smac=NODE.node_mac, dmac=HOST_B_MAC))
    assert sw.counter_read(URGENCY_CLAMP_COUNTER, TENANT)[0] == 1
    # ... and it is scheduled as urgency 100, not 200: no overtaking.
    backlog = [_sem_packet(10, psn) for psn in range(3)]
    assert _departure_order(sw, [*backlog, spoofed]) == [0, 1, 2, 99]
    assert sw.counter_read(URGENCY_CLAMP_COUNTER, TENANT)[0] == 2


def test_urgency_within_the_limit_is_not_touched_or_counted(sw: Switch) -> None:
    tenant_limits(sw, TENANT, 100)
    pkt = _sem_packet(100)
    sw.inject(HOST_A_PORT, pkt)
    [(_, out)] = sw.take_outputs()
    assert out == forwarded(Ether(pkt), smac=NODE.node_mac, dmac=HOST_B_MAC)
    assert sw.counter_read(URGENCY_CLAMP_COUNTER, TENANT)[0] == 0


def test_unknown_tenant_gets_urgency_zero(sw: Switch) -> None:
    sw.inject(HOST_A_PORT, _sem_packet(50))
    [(_, out)] = sw.take_outputs()
    assert Ether(out)[SEM].urgency == 0


def test_infrastructure_ports_are_trusted_with_their_urgency(sw: Switch) -> None:
    pkt = _sem_packet(250)
    sw.inject(3, pkt)
    [(_, out)] = sw.take_outputs()
    assert Ether(out)[SEM].urgency == 250
    assert sw.counter_read(URGENCY_CLAMP_COUNTER, TENANT)[0] == 0


def test_class_counters_count_packets_and_bytes_per_class(sw: Switch) -> None:
    tenant_limits(sw, TENANT, 255)
    gradient = _sem_packet(1)
    kv = _sem_packet(1, tclass=TrafficClass.KV_CACHE)
    for data in (gradient, gradient, kv):
        sw.inject(HOST_A_PORT, data)
    sw.inject(HOST_A_PORT, bytes(roce()))  # plain RoCEv2: no class
    assert sw.counter_read(CLASS_COUNTER, TrafficClass.GRADIENT) == (2, 2 * len(gradient))
    assert sw.counter_read(CLASS_COUNTER, TrafficClass.KV_CACHE) == (1, len(kv))
    assert sw.counter_read(CLASS_COUNTER, TrafficClass.OTHER) == (0, 0)


LEGACY_SEM = {
    "tclass": TrafficClass.KV_CACHE,
    "urgency": 40,
    "stage": 3,
    "layer_id": 12,
    "buffer_ok": 1,
    "max_delay": 8,
    "tenant_id": TENANT,
    "task_id": 0x01020304,
}


def _classify_legacy_sender(sw: Switch) -> None:
    tenant_limits(sw, TENANT, 255)
    sem_classifier(sw, ingress_port=HOST_A_PORT, ipv4_src=HOST_A, dest_qp=0x123, params=LEGACY_SEM)


def test_legacy_sender_gets_sem_inserted_at_the_ingress_edge(sw: Switch) -> None:
    _classify_legacy_sender(sw)
    plain = roce(dst=REMOTE_HOST, payload=b"kv-block" * 8)
    sw.inject(HOST_A_PORT, bytes(plain))
    [(port, out)] = sw.take_outputs()
    sem = SEM(
        tclass=LEGACY_SEM["tclass"],
        urgency=40,
        stage=3,
        layer_id=12,
        buffer_ok=1,
        max_delay=8,
        tenant_id=TENANT,
        task_id=0x01020304,
        flag_moe=0,
    )
    expected = forwarded(insert_sem(plain, sem), smac=NODE.node_mac, dmac=SPINE_MACS[port])
    assert out == expected
    assert icrc_valid(strip_sem(Ether(out)))


def test_other_queue_pairs_are_not_classified(sw: Switch) -> None:
    _classify_legacy_sender(sw)
    plain = roce(qp=0x999)
    sw.inject(HOST_A_PORT, bytes(plain))
    [(_, out)] = sw.take_outputs()
    assert out == forwarded(plain, smac=NODE.node_mac, dmac=HOST_B_MAC)


def test_strip_of_insert_restores_the_plain_packet_byte_for_byte(sw: Switch) -> None:
    """Legacy sender -> edge inserts SEM -> egress edge to a plain RDMA NIC strips it."""
    _classify_legacy_sender(sw)
    sem_strip(sw, HOST_B_PORT)
    plain = roce(payload=bytes(range(64)))
    sw.inject(HOST_A_PORT, bytes(plain))
    [(port, out)] = sw.take_outputs()
    assert (port, out) == (HOST_B_PORT, forwarded(plain, smac=NODE.node_mac, dmac=HOST_B_MAC))
    assert icrc_valid(Ether(out))
    assert sw.counter_read(CLASS_COUNTER, TrafficClass.KV_CACHE)[0] == 1


def test_egress_edge_strips_sem_with_moe_block(sw: Switch) -> None:
    sem_strip(sw, HOST_B_PORT)
    plain = roce(payload=bytes(range(16)))
    moe = SemMoe(
        token_id=5, token_pos=1, cand_count=2, expert0=3, weight0=40000, expert1=9, weight1=25535
    )
    sw.inject(3, bytes(insert_sem(plain, SEM(tclass=TrafficClass.ACTIVATION, moe=moe))))
    [(_, out)] = sw.take_outputs()
    assert out == forwarded(plain, smac=NODE.node_mac, dmac=HOST_B_MAC)
    assert icrc_valid(Ether(out))


def test_keep_flag_leaves_sem_for_a_sem_aware_receiver(sw: Switch) -> None:
    sem_strip(sw, HOST_B_PORT)
    pkt = _sem_packet(0)  # flag K set
    sw.inject(3, pkt)
    [(_, out)] = sw.take_outputs()
    assert out == forwarded(Ether(pkt), smac=NODE.node_mac, dmac=HOST_B_MAC)
