"""Pure parts of scenarios (a), (d), (e): the receiver's check of quantized values against the
BF16 bound, promotion flags, results of flows that reach several hosts, the start handshake,
and the scenarios' own arithmetic (reservation rate, expert imbalance, liveness timeout)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from controller.config import Thresholds
from controller.semantic import quantize_payload, select_expert
from controller.topology import Topology, parse_rate
from controller.wire import TrafficClass
from topologies.scenarios import inference, migration, split_learning
from topologies.scenarios.common import merge_received
from topologies.scenarios.shaped import PROBE_DROP_SLACK, entity_roles, probes_outlast_queue
from topologies.traffic.flows import FlowSpec, ResolvedFlow, SenderJob
from topologies.traffic.packets import (
    BF16_RELATIVE_BOUND,
    ETH_LEN,
    ICRC_LEN,
    QUANT_ELEMS,
    QUANT_VALUE_ELEMS,
    FlowEndpoints,
    RoceFrameBuilder,
    SemFields,
    check_values,
    parse_app_packet,
    reference_values,
)
from topologies.traffic.receiver import FlowStats
from topologies.traffic.sender import SenderAgent

SMALL = Topology.load(Path(__file__).resolve().parents[2] / "topologies" / "small.yaml")
ENDS = FlowEndpoints("02:00:00:00:01:01", "02:fa:00:00:00:01", "10.0.1.1", "10.0.2.1", 49153)
SEM_AT = ETH_LEN + 20 + 8
PAYLOAD_AT = SEM_AT + 28 + 12


def _quantized(frame: bytes) -> bytes:
    """The switch's rewrite (controller.semantic reference): BF16 elements, flag Q."""
    payload = frame[PAYLOAD_AT:-ICRC_LEN]
    sem = bytearray(frame[SEM_AT : SEM_AT + 28])
    sem[2] |= 0x40
    return (
        frame[:SEM_AT]
        + bytes(sem)
        + frame[SEM_AT + 28 : PAYLOAD_AT]
        + quantize_payload(payload)
        + frame[-ICRC_LEN:]
    )


def _kv_frame(seq: int) -> bytes:
    sem = SemFields(TrafficClass.KV_CACHE, keep=1, quant_ok=1)
    return RoceFrameBuilder(ENDS, 128, sem).frame(9, seq, 1_795_000_000_000_000_000)


def test_reference_values_are_normal_and_differ_per_packet() -> None:
    values = reference_values(9, 1)
    assert len(values) == QUANT_VALUE_ELEMS == QUANT_ELEMS - 16
    assert all(0 < (v >> 23) & 0xFF < 0xFF for v in values)  # normal: no 0/subnormal/inf/NaN
    assert values != reference_values(9, 2) and values != reference_values(10, 1)
    assert len({v >> 31 for v in values}) == 2  # both signs occur


@pytest.mark.parametrize("seq", [0, 1, 77, 0xFFFFFFFF])
def test_receiver_accepts_the_switch_rule_within_the_bound(seq: int) -> None:
    frame = _kv_frame(seq)
    plain = parse_app_packet(frame)
    assert plain is not None and plain.values is not None
    assert (plain.values.checked, plain.values.errors) == (QUANT_VALUE_ELEMS, 0)
    reduced = parse_app_packet(_quantized(frame))
    assert reduced is not None and reduced.quantized and reduced.values is not None
    assert (reduced.flow_id, reduced.seq) == (9, seq)
    assert reduced.values.errors == 0
    assert 0 < reduced.values.max_relative_error < BF16_RELATIVE_BOUND


def test_receiver_counts_values_outside_the_bound() -> None:
    elements = bytearray(_quantized(_kv_frame(5))[PAYLOAD_AT + 32 : -ICRC_LEN])  # data part
    elements[0] ^= 0x80  # sign of the first value
    elements[3] ^= 0x40  # a significand bit of the second: 2^-1 relative, far off
    result = check_values(bytes(elements), 9, 5, quantized=True)
    assert result.errors == 2 and result.max_relative_error > BF16_RELATIVE_BOUND
    # Without Q, any changed bit counts.
    raw = bytearray(_kv_frame(5)[PAYLOAD_AT + 64 : -ICRC_LEN])
    raw[-1] ^= 1
    assert check_values(bytes(raw), 9, 5, quantized=False).errors == 1
    assert check_values(b"\x00" * 4, 9, 5, quantized=False).errors == QUANT_VALUE_ELEMS


def test_promoted_flag_and_stats() -> None:
    frame = bytearray(RoceFrameBuilder(ENDS, 64, SemFields(buffer_ok=1)).frame(3, 4, 1_000))
    frame[SEM_AT + 2] |= 0x20  # flag P
    packet = parse_app_packet(bytes(frame))
    assert packet is not None and packet.promoted and packet.values is None
    stats = FlowStats("upload")
    latency = stats.add(4, len(frame), 1_000, 3_001_000, 0, True)
    assert latency == 3000.0
    stats.add_semantics(packet, 3_001_000, latency)
    assert stats.add(4, len(frame), 1_000, 3_002_000, 0, True) is None  # duplicate
    summary = stats.summary()
    assert (summary["promoted"], summary["first_promoted_ns"]) == (1, 3_001_000)
    assert summary["promoted_latency_ms"] == 3.0 and summary["unpromoted_latency_ms"] is None


def test_merge_received_sums_a_flow_over_hosts_and_keeps_single_ones() -> None:
    bins_a = {"0": {"packets": 2, "bytes": 200, "latency_us": 10.0}}
    bins_b = {
        "0": {"packets": 1, "bytes": 100, "latency_us": 40.0},
        "1": {"packets": 3, "bytes": 300, "latency_us": 5.0},
    }
    one = {"received": 2, "bytes": 200, "quantized": 1, "bins": bins_a, "max_relative_error": 0.1}
    other = {"received": 4, "bytes": 400, "quantized": 0, "bins": bins_b, "max_gap_ms": 7}
    solo = {"received": 9, "bins": {}}
    merged = merge_received({"ha1": {"moe": one, "x": solo}, "hb1": {"moe": other}})
    assert merged["x"] is solo
    moe = merged["moe"]
    assert (moe["received"], moe["bytes"], moe["quantized"]) == (6, 600, 1)
    assert moe["max_gap_ms"] == 7 and moe["max_relative_error"] == 0.1
    assert moe["bins"]["0"] == {"packets": 3, "bytes": 300, "latency_us": 20.0}
    assert list(moe["bins"]) == ["0", "1"]


def test_flow_receivers_and_job_round_trip() -> None:
    spec = FlowSpec("moe-0", "he1", "ha1", 10, 1, experts=(1, 2), also_to=("ha2", "ha1"))
    assert spec.receivers == ("ha1", "ha2")
    flow = ResolvedFlow(1, spec, "02:00:00:00:01:01", "02:fa:00:00:00:01", "1.1.1.1", "2.2.2.2", 2)
    job = SenderJob("he1-eth0", [flow], "r.json", 5, ready="a", go="b")
    assert SenderJob.from_json(job.to_json()) == job


def test_sender_moves_its_schedule_onto_the_go_epoch(tmp_path: Path) -> None:
    spec = FlowSpec("f", "he1", "ha1", 10, 2.0, start_s=0.5)
    flow = ResolvedFlow(1, spec, "02:00:00:00:01:01", "02:fa:00:00:00:01", "1.1.1.1", "2.2.2.2", 0)
    go = tmp_path / "go"
    go.write_text(str(9_000_000_000))
    job = SenderJob("x", [flow], "r", 1_000_000_000, ready=str(tmp_path / "ready"), go=str(go))
    agent = SenderAgent(job)
    agent._await_go()
    assert (tmp_path / "ready").exists() and agent.epoch_ns == 9_000_000_000
    assert (agent.flows[0].start_ns, agent.flows[0].end_ns) == (9_500_000_000, 11_500_000_000)


def test_reservation_rate_is_the_reserved_packet_rate_of_whole_frames() -> None:
    roles = entity_roles(SMALL, "migration")
    body = migration.reservation_body(roles, 1086, SMALL.scale)
    testbed_bytes_per_s = parse_rate(body["rate"]) * SMALL.scale / 8
    assert testbed_bytes_per_s / 1086 == pytest.approx(migration.RESERVED_PPS, rel=1e-4)
    assert (body["from"], body["to"]) == ("he1", "ha2")
    assert migration.RESERVED_PPS < migration.MIGRATION_PPS < 1.25 * migration.RESERVED_PPS


def test_moe_design_top1_is_skewed_and_least_loaded_choice_balances() -> None:
    """The scenario's candidate lists: always-top-1 loads expert 1 three times the mean; the
    switch's rule (controller.semantic.select_expert, one token per flow in turn) balances."""
    top1 = {e: 0 for e in range(1, 5)}
    for candidates in inference.MOE_CANDIDATES:
        top1[candidates[0]] += 1
    assert inference.imbalance(top1) == 3.0
    loads = {e: 0 for e in range(1, 5)}
    enabled = {e: True for e in loads}
    for _ in range(50):
        for candidates in inference.MOE_CANDIDATES:
            chosen = select_expert(candidates, loads, enabled)
            assert chosen is not None
            loads[chosen] += 1
    assert (inference.imbalance(loads) or 99) <= inference.MOE_BALANCED
    assert inference.imbalance({1: 0, 2: 0}) is None


def test_scenarios_shape_the_entity_uplink_and_place_experts() -> None:
    for module in (migration, split_learning, inference):
        shaping = module.shaping(SMALL)
        assert list(shaping) == ["e1"] and list(shaping["e1"].port_rates_pps) == [1]
        assert shaping["e1"].queue_depth == module.QUEUE_DEPTH
    roles = entity_roles(SMALL, "inference")
    assert (roles.uplink, roles.parked, roles.uplink_port) == ("e1:1-c1:1", "e1:2-c2:1", 1)
    specs = inference.flows(roles, {1: "ha1", 2: "ha2", 3: "hb1", 4: "hb2"}, quick=True)
    moe0 = next(s for s in specs if s.name == "moe-0")
    assert (moe0.dst, moe0.also_to, moe0.experts) == ("ha1", ("ha2", "hb1"), (1, 2, 3))
    kv = next(s for s in specs if s.name == "kv-cache")
    assert kv.quant_ok and kv.keep and kv.traffic_class == TrafficClass.KV_CACHE


def test_split_learning_buffers_the_uploaders_tenant() -> None:
    (rule,) = split_learning.fantel_contract("research").buffering
    assert (rule.bulk_queue, rule.promoted_queue, rule.tenant) == (0, 5, "research")
    upload = {"promoted": 3, "first_ns": 1_000_000_000, "first_promoted_ns": 1_512_000_000}
    assert split_learning.promotion_delay_s(upload) == 0.512
    assert split_learning.promotion_delay_s({"promoted": 0}) is None


def test_probe_timeout_outlasts_a_full_bottleneck_queue() -> None:
    base = Thresholds(probe_interval_s=0.02, probe_multiplier=4)
    relaxed = probes_outlast_queue(base, depth=64, pps=200)  # 320 ms to drain
    assert relaxed.probe_multiplier * relaxed.probe_interval_s > 64 / 200
    shallow = probes_outlast_queue(base, depth=1, pps=1000)  # drains within one interval
    assert shallow.probe_multiplier == 1 + PROBE_DROP_SLACK
    patient = Thresholds(probe_interval_s=0.02, probe_multiplier=100)
    assert probes_outlast_queue(patient, depth=64, pps=200).probe_multiplier == 100


def test_topology_without_enough_hosts_is_refused(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "topologies" / "small.yaml").read_text()
    lean = tmp_path / "lean.yaml"
    lean.write_text("\n".join(line for line in text.splitlines() if "name: hb" not in line))
    with pytest.raises(RuntimeError, match="four AIDC hosts"):
        inference.shaping(Topology.load(lean))


def test_bf16_bound_is_tight_for_truncation() -> None:
    """The largest truncation error: all 16 dropped bits set, with the smallest significand."""
    x = struct.unpack("!f", bytes.fromhex("3f80ffff"))[0]  # 1 + (2^16 - 1) * 2^-23
    q = struct.unpack("!f", bytes.fromhex("3f800000"))[0]
    assert (x - q) / x < BF16_RELATIVE_BOUND
