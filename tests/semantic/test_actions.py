"""Buffering with delay-budget promotion, compute-affinity steering and MoE expert choice on
the embedded target."""

from __future__ import annotations

import random
from ipaddress import IPv4Address
from typing import Any

import finsy as fy
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from controller.lab import HOST_PORT, OUT_PORT, apply, sem_packet
from controller.semantic import (
    MoeOutcome,
    affinity_pool_entities,
    buffer_policy_entry,
    expert_entities,
    expert_load_entry,
    select_expert,
)
from controller.wire import SEM, AffinityKind, SemMoe, TrafficClass
from softswitch.switch import Switch
from tests.semantic.target import expected_forwarded

US = 1000  # ns


def send(sw: Switch, pkt: object) -> list[bytes]:
    sw.inject(HOST_PORT, bytes(pkt))  # type: ignore[call-overload]
    sw.run_until_idle()
    return sw.take_output(OUT_PORT)


# ---- buffering ------------------------------------------------------------------------------


def bulk(max_delay: int, **fields: Any) -> SEM:
    return SEM(
        tclass=TrafficClass.PARAMETER, tenant_id=7, buffer_ok=1, max_delay=max_delay, **fields
    )


def buffered(sw: Switch) -> Switch:
    apply(
        sw,
        [
            buffer_policy_entry(
                None,
                TrafficClass.PARAMETER,
                bulk_priority=0,
                promoted_priority=4,
                idle_gap_us=100_000,
            )
        ],
    )
    return sw


def test_bulk_is_held_within_budget_then_promoted(sw: Switch) -> None:
    buffered(sw)
    budget_us = 2 << 10  # max_delay 2 -> 2048 us
    first = sem_packet(bulk(2))
    assert send(sw, first) == [bytes(expected_forwarded(first))]  # flag P clear
    sw.advance(budget_us * US)  # exactly the budget: still within it
    [within] = send(sw, first)
    assert Ether(within)[SEM].flag_promoted == 0
    sw.advance(1 * US)
    [late] = send(sw, first)
    expected = expected_forwarded(first)
    expected[SEM].flag_promoted = 1
    assert late == bytes(expected)
    assert sw.counter_read("buffering_counter", 0)[0] == 2
    assert sw.counter_read("buffering_counter", 1)[0] == 1


def test_shaped_bulk_waits_while_urgent_and_promoted_traffic_pass(sw: Switch) -> None:
    buffered(sw)
    sw.table_add(
        "sem_policy",
        {"tclass": (TrafficClass.ACTIVATION, 0xF)},
        "set_treatment",
        {"priority": 5},
        priority=1,
    )
    sw.set_queue_rate(OUT_PORT, 100, priority=0)  # the bulk queue: 10 ms per packet
    # an old bulk flow (burst started 20 ms ago, budget 1 ms) and fresh bulk flows
    old = sem_packet(bulk(1), sport=1111)
    send(sw, old)
    sw.advance(20_000 * US)
    blocker = sem_packet(bulk(1000), sport=3333)  # takes the bulk queue's next slot
    fresh = sem_packet(bulk(1000), sport=2222)
    urgent = sem_packet(SEM(tclass=TrafficClass.ACTIVATION, tenant_id=7, urgency=9), sport=4444)
    for pkt in (blocker, fresh, old, urgent):
        sw.inject(HOST_PORT, bytes(pkt))
    sw.run_until_idle()
    order = [Ether(b)[IP].sport for b in sw.take_output(OUT_PORT)]
    assert order == [3333, 1111, 4444, 2222]


def test_sem_without_buffer_ok_is_not_buffered(sw: Switch) -> None:
    buffered(sw)
    pkt = sem_packet(SEM(tclass=TrafficClass.PARAMETER, tenant_id=7, max_delay=0))
    assert send(sw, pkt) == [bytes(expected_forwarded(pkt))]
    assert sw.counter_read("buffering_counter", 0)[0] == 0


# ---- compute-affinity steering --------------------------------------------------------------

POOL = ["10.9.0.1", "10.9.0.2", "10.9.0.3"]


def test_affinity_rewrites_destination_to_a_healthy_endpoint_per_flow(sw: Switch) -> None:
    apply(
        sw,
        affinity_pool_entities(
            4, tenant_id=7, affinity_kind=AffinityKind.GPU, healthy_endpoints=POOL, task_id=0x77
        ),
    )
    sem = SEM(
        tclass=TrafficClass.ACTIVATION, tenant_id=7, task_id=0x77, affinity_kind=AffinityKind.GPU
    )
    chosen: dict[int, str] = {}
    for sport in range(49152, 49152 + 24):
        pkt = sem_packet(sem, dst="10.9.255.255", sport=sport)
        [out] = send(sw, pkt)
        got = Ether(out)
        expected = expected_forwarded(pkt)
        expected[IP].dst = got[IP].dst
        expected[IP].chksum = None
        assert out == bytes(Ether(bytes(expected)))
        chosen[sport] = got[IP].dst
        assert send(sw, pkt) and Ether(send(sw, pkt)[0])[IP].dst == chosen[sport]  # sticky
    assert set(chosen.values()) == set(POOL)
    # an unhealthy endpoint leaves the group: no flow goes there any more
    sw.profile_modify_group("endpoint_selector", 4, [4 * 256 + 0, 4 * 256 + 2])
    for sport in chosen:
        [out] = send(sw, sem_packet(sem, dst="10.9.255.255", sport=sport))
        assert Ether(out)[IP].dst != "10.9.0.2"


def test_a_weighted_pool_spreads_flows_that_differ_only_in_source_port(sw: Switch) -> None:
    """A 3:1 group: the selector's hash modulo 4 needs bits 0 and 1 to vary with the UDP source
    port (with crc16, bit 1 does not, and every flow went to the first endpoint)."""
    entities = affinity_pool_entities(
        4, tenant_id=7, affinity_kind=AffinityKind.GPU, healthy_endpoints=POOL[:2]
    )
    [first, second] = [e for e in entities if isinstance(e, fy.P4ActionProfileMember)]
    weighted = fy.P4ActionProfileGroup(
        "endpoint_selector",
        group_id=4,
        members=[fy.P4Member(first.member_id, weight=3), fy.P4Member(second.member_id, weight=1)],
    )
    apply(sw, [e if not isinstance(e, fy.P4ActionProfileGroup) else weighted for e in entities])
    sem = SEM(tclass=TrafficClass.ACTIVATION, tenant_id=7, affinity_kind=AffinityKind.GPU)
    flows = dict.fromkeys(POOL[:2], 0)
    for sport in range(49152, 49152 + 64):
        [out] = send(sw, sem_packet(sem, dst="10.9.255.255", sport=sport))
        flows[Ether(out)[IP].dst] += 1
    assert 36 <= flows[POOL[0]] <= 60 and flows[POOL[1]] >= 4, flows  # 48:16 expected


def test_other_task_or_affinity_is_not_steered(sw: Switch) -> None:
    apply(
        sw,
        affinity_pool_entities(
            4, tenant_id=7, affinity_kind=AffinityKind.GPU, healthy_endpoints=POOL, task_id=0x77
        ),
    )
    for sem in (
        SEM(tenant_id=7, task_id=0x78, affinity_kind=AffinityKind.GPU),
        SEM(tenant_id=7, task_id=0x77, affinity_kind=AffinityKind.FPGA),
    ):
        pkt = sem_packet(sem, dst="10.9.255.255")
        assert send(sw, pkt) == [bytes(expected_forwarded(pkt))]


# ---- MoE expert selection -------------------------------------------------------------------

EXPERTS = 16
WEIGHTS = [40000, 15000, 7000, 3000]  # gate weights by rank, fixed point / 65536


def expert_address(expert: int) -> str:
    return str(IPv4Address("10.8.0.0") + expert)


def with_experts(sw: Switch, disabled: frozenset[int] = frozenset()) -> Switch:
    for e in range(EXPERTS):
        apply(sw, expert_entities(e, expert_address(e), enabled=e not in disabled))
    return sw


def token(candidates: list[int], token_id: int = 1) -> SEM:
    moe = SemMoe(token_id=token_id, cand_count=len(candidates))
    for i, (expert, weight) in enumerate(zip(candidates, WEIGHTS[: len(candidates)], strict=True)):
        setattr(moe, f"expert{i}", expert)
        setattr(moe, f"weight{i}", weight)
    return SEM(tclass=TrafficClass.ACTIVATION, tenant_id=7, moe=moe)


def placed(sw: Switch, candidates: list[int]) -> str:
    [out] = send(sw, sem_packet(token(candidates), dst="10.8.255.255"))
    return str(Ether(out)[IP].dst)


def test_least_loaded_candidate_wins_and_its_load_grows(sw: Switch) -> None:
    with_experts(sw)
    apply(sw, [expert_load_entry(3, 10), expert_load_entry(5, 4), expert_load_entry(9, 7)])
    pkt = sem_packet(token([3, 5, 9]), dst="10.8.255.255")
    [out] = send(sw, pkt)
    expected = expected_forwarded(pkt)
    expected[IP].dst = expert_address(5)
    expected[IP].chksum = None
    assert out == bytes(Ether(bytes(expected)))
    assert sw.register_read("expert_load", 5) == 5
    assert sw.counter_read("moe_counter", MoeOutcome.PLACED_LOWER_RANKED)[0] == 1


def test_ties_go_to_the_higher_ranked_candidate(sw: Switch) -> None:
    with_experts(sw)
    apply(sw, [expert_load_entry(8, 2), expert_load_entry(2, 2)])
    assert placed(sw, [8, 2]) == expert_address(8)
    assert placed(sw, [8, 2]) == expert_address(2)  # 8 now carries one more token


def test_disabled_experts_and_slots_beyond_count_are_skipped(sw: Switch) -> None:
    with_experts(sw, disabled=frozenset({1}))
    apply(sw, [expert_load_entry(1, 0), expert_load_entry(4, 50), expert_load_entry(6, 0)])
    moe_sem = token([1, 4, 6])
    moe_sem.moe.cand_count = 2  # slot 2 (expert 6, idle) is not a candidate
    [out] = send(sw, sem_packet(moe_sem, dst="10.8.255.255"))
    assert Ether(out)[IP].dst == expert_address(4)
    nobody = sem_packet(token([1]), dst="10.8.255.255")
    assert send(sw, nobody) == [bytes(expected_forwarded(nobody))]
    assert sw.counter_read("moe_counter", MoeOutcome.NO_ELIGIBLE)[0] == 1


def _imbalance(counts: list[int]) -> float:
    return max(counts) / (sum(counts) / len(counts))


def test_in_network_choice_balances_skewed_gates(sw: Switch) -> None:
    """Zipf-skewed top-4 gates: always-top-1 piles tokens on popular experts; the switch's
    least-loaded choice among the 4 keeps max/mean close to 1 (mirrored by select_expert)."""
    with_experts(sw)
    rng = random.Random(5)
    weights = [1 / (rank + 1) for rank in range(EXPERTS)]
    tokens = 400
    top1 = [0] * EXPERTS
    switch_counts = [0] * EXPERTS
    model_loads: dict[int, int] = {}
    enabled = {e: True for e in range(EXPERTS)}
    for t in range(tokens):
        candidates: list[int] = []
        while len(candidates) < 4:
            e = rng.choices(range(EXPERTS), weights)[0]
            if e not in candidates:
                candidates.append(e)
        top1[candidates[0]] += 1
        [out] = send(sw, sem_packet(token(candidates, t), dst="10.8.255.255"))
        expert = int(IPv4Address(Ether(out)[IP].dst)) - int(IPv4Address("10.8.0.0"))
        switch_counts[expert] += 1
        model = select_expert(candidates, model_loads, enabled)
        assert model == expert
        model_loads[expert] = model_loads.get(expert, 0) + 1
    assert [sw.register_read("expert_load", e) for e in range(EXPERTS)] == switch_counts
    assert _imbalance(top1) > 3.0
    assert _imbalance(switch_counts) < 1.6
