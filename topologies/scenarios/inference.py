"""(e) Coordinated inference: prefill at the entity site, decode in a remote AIDC. The prefill
host ships the KV cache (FP32 elements that SEM allows to reduce to BF16) and the first
(early) and tail (late) tokens to the decode host, and routes MoE tokens to experts hosted in
the AIDCs, listing candidate experts by gate weight; a best-effort burst from the entity's
other host congests the entity uplink, shaped inside the P4 switch.

`baseline`: no semantics (no policy, no quantization rule, no expert registry): every class
shares the best-effort queue and each token goes to its top-1 expert. `fantel`: early and MoE
tokens in the top queue, the KV cache in its own queue, late tokens best effort; the switch
quantizes KV-cache payload while the uplink port holds QUANT_QDEPTH or more packets, and the
edge picks the least-loaded enabled candidate expert (expert_load registers).

Figures: quantized KV packets and bytes saved (receiver and switch registers), the values the
receiver checked against the BF16 truncation bound, early/late token latency, KV loss, and
the expert load imbalance max/mean over experts.
Pass: quantization happened (and not in the baseline) with every value within the bound;
early tokens kept well below the baseline's latency and below the late tokens'; the
in-network expert choice balanced load (max/mean <= MOE_BALANCED and below the baseline).
"""

from __future__ import annotations

import statistics
from typing import Any

from controller.config import Policy, PolicyRule
from controller.contract import Contract, Expert, QuantizeRule
from controller.topology import Topology
from controller.wire import TokenHint, TrafficClass
from topologies.controlplane import ControlPlane
from topologies.scenarios.common import ScenarioContext, ScenarioResult
from topologies.scenarios.shaped import (
    EntityRoles,
    Phase,
    PhaseRun,
    bottleneck_setup,
    depth_thresholds,
    entity_roles,
    flow_figures,
    parked_uplink,
    probes_outlast_queue,
    run_phases,
    silent_thresholds,
    uplink_shaping,
)
from topologies.testbed import SwitchShaping
from topologies.traffic.flows import FlowSpec
from topologies.traffic.packets import QUANT_ELEMS

DESCRIPTION = "(e) coordinated inference: KV cache quantized in-switch, token priorities, MoE"
SCENARIO = "inference"
BOTTLENECK_PPS = 150
QUEUE_DEPTH = 48
#: Quantize KV-cache payload once this many packets wait at the port (all its queues).
QUANT_QDEPTH = 4
KV_PPS = 60.0
TOKEN_PPS = 20.0
MOE_PPS = 15.0
BURST_PPS = 170.0
EARLY_URGENCY, LATE_URGENCY = 220, 60
TOP_QUEUE, KV_QUEUE = 7, 1
#: MoE flows: candidate experts by descending gate weight. Expert 1 is every flow's favourite
#: but one, so always-top-1 loads it three times the mean.
MOE_CANDIDATES = ((1, 2, 3), (1, 3, 4), (1, 4, 2), (2, 1, 4))
MOE_BALANCED = 1.5
BYTES_SAVED_PER_PACKET = QUANT_ELEMS * 2  # FP32 -> BF16: 2 bytes per element
COMPARED = ("early_p99_ms", "kv_lost", "moe_max_over_mean")


def shaping(topology: Topology) -> dict[str, SwitchShaping]:
    _experts(topology, entity_roles(topology, SCENARIO))
    return uplink_shaping(topology, SCENARIO, BOTTLENECK_PPS, QUEUE_DEPTH)


def _experts(topology: Topology, roles: EntityRoles) -> dict[int, str]:
    """Expert id -> the AIDC host serving it."""
    hosts = [*roles.aidc_hosts, *roles.remote_hosts]
    if len(hosts) < 4:
        raise RuntimeError(f"scenario {SCENARIO} needs four AIDC hosts to serve MoE experts")
    return {expert: hosts[expert - 1] for expert in range(1, 5)}


def flows(roles: EntityRoles, experts: dict[int, str], quick: bool) -> list[FlowSpec]:
    prefill, other = roles.entity_hosts[0], roles.entity_hosts[1]
    decode = roles.aidc_hosts[-1]
    duration = 4.0 if quick else 8.0
    burst_at, burst_for = (1.0, 1.0) if quick else (2.0, 3.0)
    tokens: dict[str, Any] = {"rate_pps": TOKEN_PPS, "duration_s": duration, "payload": 64}
    specs = [
        FlowSpec(
            "kv-cache", prefill, decode, KV_PPS, duration, tclass="kv_cache", urgency=100,
            keep=True, quant_ok=True, sport=49200, dest_qp=0x200,
        ),
        FlowSpec(
            "early-tokens", prefill, decode, tclass="activation", urgency=EARLY_URGENCY,
            token_hint=TokenHint.EARLY, sport=49201, dest_qp=0x201, **tokens,
        ),
        FlowSpec(
            "late-tokens", prefill, decode, tclass="activation", urgency=LATE_URGENCY,
            token_hint=TokenHint.LATE, sport=49202, dest_qp=0x202, **tokens,
        ),
        FlowSpec(
            "burst", other, roles.aidc_hosts[0], BURST_PPS, burst_for, start_s=burst_at,
            payload=256, kind="udp", sport=49203,
        ),
    ]  # fmt: skip
    for index, candidates in enumerate(MOE_CANDIDATES):
        specs.append(
            FlowSpec(
                f"moe-{index}", prefill, experts[candidates[0]], MOE_PPS, duration,
                payload=64, tclass="activation", urgency=EARLY_URGENCY, experts=candidates,
                also_to=tuple(experts[e] for e in candidates[1:]), sport=49210 + index,
                dest_qp=0x210 + index,
            )
        )  # fmt: skip
    return specs


def fantel_policy(decode: str) -> Policy:
    """Early and MoE tokens on top, the KV cache in its own queue, late tokens best effort."""
    return Policy(
        rules=(
            PolicyRule(TOP_QUEUE, traffic_class=TrafficClass.ACTIVATION, urgency=(128, 255)),
            PolicyRule(KV_QUEUE, traffic_class=TrafficClass.KV_CACHE),
        ),
        sem_aware_hosts=frozenset({decode}),
    )


def fantel_contract(experts: dict[int, str], topology: Topology) -> Contract:
    return Contract(
        quantization=(QuantizeRule(QUANT_QDEPTH, TrafficClass.KV_CACHE),),
        experts={e: Expert(e, str(topology.hosts[host].ip.ip)) for e, host in experts.items()},
    )


def moe_load(run: PhaseRun, experts: dict[int, str]) -> dict[int, int]:
    """Tokens each expert's host received, over all MoE flows."""
    return {
        expert: sum(
            stats.get("received", 0)
            for name, stats in run.flows.received_at.get(host, {}).items()
            if name.startswith("moe-")
        )
        for expert, host in experts.items()
    }


def imbalance(load: dict[int, int]) -> float | None:
    """max/mean over experts (1.0 = perfectly balanced)."""
    mean = statistics.fmean(load.values()) if load else 0
    return round(max(load.values()) / mean, 3) if mean else None


def _switch_quantization(control: ControlPlane) -> dict[str, int]:
    """Packets quantized and bytes saved for the KV-cache class, summed over the switches."""
    kv = int(TrafficClass.KV_CACHE)
    packets = saved = 0
    for switch in control.topology.switches:
        packets += control.read_counters(switch, "quant_counter", range(kv, kv + 1))[0][0]
        saved += control.read_registers(switch, "quant_bytes_saved", range(kv, kv + 1))[0]
    return {"packets": packets, "bytes_saved": saved}


def _figures(run: PhaseRun, experts: dict[int, str]) -> dict[str, Any]:
    kv = flow_figures(run, "kv-cache")
    kv_stats = run.flows.received.get("kv-cache", {})
    early, late = flow_figures(run, "early-tokens"), flow_figures(run, "late-tokens")
    load = moe_load(run, experts)
    before, after = run.prepared.get("quantization"), run.after.get("quantization")
    switch = {k: after[k] - before[k] for k in after} if before and after else {"packets": None}
    return {
        "kv_sent": kv["sent"],
        "kv_lost": kv["lost"],
        "kv_quantized": kv["quantized"],
        "kv_bytes_saved": kv["quantized"] * BYTES_SAVED_PER_PACKET,
        "switch_quantized": switch.get("packets"),
        "switch_bytes_saved": switch.get("bytes_saved"),
        "values_checked": kv_stats.get("values_checked", 0),
        "value_errors": kv_stats.get("value_errors", 0),
        "max_relative_error": float(f"{kv_stats.get('max_relative_error', 0.0):.3e}"),
        "early_p50_ms": early["latency_p50_ms"],
        "early_p99_ms": early["latency_p99_ms"],
        "early_lost": early["lost"],
        "late_p50_ms": late["latency_p50_ms"],
        "late_p99_ms": late["latency_p99_ms"],
        "late_lost": late["lost"],
        "moe_load": load,
        "moe_max_over_mean": imbalance(load),
        "switch_expert_load": run.after.get("expert_load"),
        "max_queue_depth_fn": run.max_queue_depth_fn,
        "t_fail_s": None,
    }


def run(ctx: ScenarioContext) -> ScenarioResult:
    testbed = ctx.testbed
    topology = testbed.topology
    roles = entity_roles(topology, SCENARIO)
    experts = _experts(topology, roles)
    specs = flows(roles, experts, ctx.quick)
    result = ScenarioResult(SCENARIO, compared=COMPARED)
    with parked_uplink(ctx, roles) as park:

        def prepare(control: ControlPlane) -> dict[str, Any]:
            return {**park(control), "quantization": _switch_quantization(control)}

        def after(control: ControlPlane) -> dict[str, Any]:
            loads = control.read_registers(roles.edge, "expert_load", range(1, 5))
            return {
                "quantization": _switch_quantization(control),
                "expert_load": dict(zip(range(1, 5), loads, strict=True)),
            }

        phases = [
            Phase(
                "baseline",
                notifications=False,
                thresholds=silent_thresholds(testbed.thresholds),
                prepare=prepare,
                after=after,
            ),
            Phase(
                "fantel",
                notifications=True,
                thresholds=probes_outlast_queue(
                    depth_thresholds(testbed.thresholds, QUEUE_DEPTH // 3, QUANT_QDEPTH),
                    QUEUE_DEPTH,
                    BOTTLENECK_PPS,
                ),
                policy=fantel_policy(roles.aidc_hosts[-1]),
                contract=fantel_contract(experts, topology),
                prepare=prepare,
                after=after,
            ),
        ]
        figures = run_phases(
            ctx, result, phases, specs, lambda phase_run: _figures(phase_run, experts)
        )
    fantel, baseline = figures["fantel"], figures["baseline"]
    result.figures = {
        "setup": {
            "bottleneck": bottleneck_setup(roles, BOTTLENECK_PPS, QUEUE_DEPTH)
            + f"; quantize KV cache at port depth >= {QUANT_QDEPTH}",
            "prefill -> decode": f"{roles.entity_hosts[0]} -> {roles.aidc_hosts[-1]}: KV cache "
            f"{KV_PPS:.0f} pkt/s, early and late tokens {TOKEN_PPS:.0f} pkt/s each",
            "experts": ", ".join(f"{e}@{h}" for e, h in experts.items())
            + f"; {len(MOE_CANDIDATES)} token flows of {MOE_PPS:.0f} pkt/s",
            "burst": f"{roles.entity_hosts[1]} -> {roles.aidc_hosts[0]} {BURST_PPS:.0f} pkt/s",
        },
        **figures,
    }
    _checks(result, fantel, baseline)
    return result


def _checks(result: ScenarioResult, fantel: dict[str, Any], baseline: dict[str, Any]) -> None:
    result.check(
        "KV cache quantized under congestion",
        fantel["kv_quantized"] > 0
        and (fantel["switch_bytes_saved"] or 0) > 0
        and baseline["kv_quantized"] == 0,
        f"{fantel['kv_quantized']} packets quantized, {fantel['kv_bytes_saved']} bytes saved "
        f"at the receiver, switches counted {fantel['switch_quantized']} packets and "
        f"{fantel['switch_bytes_saved']} bytes; baseline {baseline['kv_quantized']}",
    )
    result.check(
        "received values within the BF16 bound",
        fantel["values_checked"] > 0 and fantel["value_errors"] == baseline["value_errors"] == 0,
        f"{fantel['values_checked']} elements checked, {fantel['value_errors']} outside "
        f"|x - q| < 2^-7 |x|, largest relative error {fantel['max_relative_error']:.2e}; "
        f"baseline (unquantized) {baseline['value_errors']} changed",
    )
    early, late, base = fantel["early_p99_ms"], fantel["late_p99_ms"], baseline["early_p99_ms"]
    result.check(
        "early tokens keep low latency",
        early is not None and base is not None and late is not None
        and early * 2 <= base and early < late,
        f"early-token p99 {early} ms vs baseline {base} ms; late tokens {late} ms",
    )  # fmt: skip
    with_sel, without = fantel["moe_max_over_mean"], baseline["moe_max_over_mean"]
    result.check(
        "MoE expert load balanced in the switch",
        with_sel is not None
        and with_sel <= MOE_BALANCED
        and (without is None or with_sel < without),
        f"max/mean {with_sel} with in-network selection, {without} always top-1 "
        f"(loads {fantel['moe_load']} vs {baseline['moe_load']})",
    )
