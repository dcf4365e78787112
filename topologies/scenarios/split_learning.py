"""(d) Split learning between the entity site and an AIDC: the entity runs the first layers and
sends activations forward, the AIDC sends gradients back, both urgent; the entity's other
host uploads delay-tolerant sample data (SEM `buffer_ok` with a delay budget) next to a
best-effort elephant that overloads the entity uplink, shaped inside the P4 switch.

`baseline`: no semantics (no policy, no buffering rule): every class shares the best-effort
queue. `fantel`: urgent classes (urgency >= 128) in the top queue; the tolerant upload is
buffered in the bulk (best-effort) queue until its flow has been sending for its delay budget,
then promoted to PROMOTED_QUEUE with SEM flag P (docs/semantic-contract.md 3).

Figures: latency and loss per class, packets promoted, when the first promoted packet arrived
after the upload's first, the upload's mean latency while buffered and once promoted.
Pass: activations kept low latency under load (p99 at most half the baseline's, loss <=
LOSS_BOUND); the upload was promoted after about its budget (not before half of it, not later
than the budget plus PROMOTION_SLACK_S), waited longer than the activations while buffered,
and lost at most TOLERANT_LOSS_BOUND (held, not dropped).
"""

from __future__ import annotations

from typing import Any

from controller.config import Policy, PolicyRule
from controller.contract import BufferRule, Contract
from controller.topology import Topology
from controller.wire import TrafficClass
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

DESCRIPTION = "(d) split learning: urgent activations/gradients, buffered tolerant upload"
SCENARIO = "split-learning"
BOTTLENECK_PPS = 200
QUEUE_DEPTH = 64
URGENT_PPS = 60.0
TOLERANT_PPS = 60.0
ELEPHANT_PPS = 210.0
URGENCY = 200
TOP_QUEUE, BULK_QUEUE, PROMOTED_QUEUE = 7, 0, 5
BUDGET_MS = 500.0
TOLERANT_START_S = 0.3
#: Longer than the upload's packet spacing and than a Python hiccup, so the whole upload is one
#: burst (a new burst would be buffered again for a whole budget).
IDLE_GAP_S = 0.3
PROMOTION_SLACK_S = 1.0
LOSS_BOUND = 0.02
TOLERANT_LOSS_BOUND = 0.05
COMPARED = ("activation_p99_ms", "activation_lost", "tolerant_lost")


def shaping(topology: Topology) -> dict[str, SwitchShaping]:
    return uplink_shaping(topology, SCENARIO, BOTTLENECK_PPS, QUEUE_DEPTH)


def flows(roles: EntityRoles, quick: bool) -> list[FlowSpec]:
    entity, uploader = roles.entity_hosts[0], roles.entity_hosts[1]
    aidc, store = roles.aidc_hosts[-1], roles.aidc_hosts[0]
    duration = 4.0 if quick else 8.0
    urgent: dict[str, Any] = {"rate_pps": URGENT_PPS, "duration_s": duration, "payload": 512}
    return [
        FlowSpec(
            "activations", entity, aidc, tclass="activation", urgency=URGENCY,
            sport=49300, dest_qp=0x300, **urgent,
        ),
        FlowSpec(
            "gradients", aidc, entity, tclass="gradient", urgency=URGENCY,
            sport=49301, dest_qp=0x301, **urgent,
        ),
        FlowSpec(
            "tolerant-upload", uploader, store, TOLERANT_PPS, duration - TOLERANT_START_S,
            start_s=TOLERANT_START_S, payload=512, tclass="sample_data", buffer_ok=True,
            max_delay_ms=BUDGET_MS, keep=True, sport=49302, dest_qp=0x302,
        ),
        FlowSpec(
            "elephant", uploader, store, ELEPHANT_PPS, duration, payload=512, kind="udp",
            sport=49303,
        ),
    ]  # fmt: skip


def fantel_policy(store: str) -> Policy:
    return Policy(
        rules=(PolicyRule(TOP_QUEUE, urgency=(128, 255)),),
        sem_aware_hosts=frozenset({store}),
    )


def fantel_contract(tenant: str | None) -> Contract:
    rule = BufferRule(
        BULK_QUEUE, PROMOTED_QUEUE, IDLE_GAP_S, tenant, traffic_class=TrafficClass.SAMPLE_DATA
    )
    return Contract(buffering=(rule,))


def promotion_delay_s(received: dict[str, Any]) -> float | None:
    """First promoted packet's arrival after the flow's first arrival."""
    if not received.get("promoted"):
        return None
    return round((received["first_promoted_ns"] - received["first_ns"]) / 1e9, 3)


def _figures(run: PhaseRun) -> dict[str, Any]:
    act, grad = flow_figures(run, "activations"), flow_figures(run, "gradients")
    tolerant = flow_figures(run, "tolerant-upload")
    upload = run.flows.received.get("tolerant-upload", {})
    return {
        "activation_p50_ms": act["latency_p50_ms"],
        "activation_p99_ms": act["latency_p99_ms"],
        "activation_lost": act["lost"],
        "activation_loss_fraction": act["loss_fraction"],
        "gradient_p99_ms": grad["latency_p99_ms"],
        "gradient_lost": grad["lost"],
        "tolerant_sent": tolerant["sent"],
        "tolerant_lost": tolerant["lost"],
        "tolerant_loss_fraction": tolerant["loss_fraction"],
        "tolerant_promoted": upload.get("promoted", 0),
        "promotion_after_s": promotion_delay_s(upload),
        "tolerant_buffered_latency_ms": upload.get("unpromoted_latency_ms"),
        "tolerant_promoted_latency_ms": upload.get("promoted_latency_ms"),
        "elephant_lost": flow_figures(run, "elephant")["lost"],
        "max_queue_depth_fn": run.max_queue_depth_fn,
        "t_fail_s": None,
    }


def run(ctx: ScenarioContext) -> ScenarioResult:
    testbed = ctx.testbed
    topology = testbed.topology
    roles = entity_roles(topology, SCENARIO)
    specs = flows(roles, ctx.quick)
    store = roles.aidc_hosts[0]
    result = ScenarioResult(SCENARIO, compared=COMPARED)
    with parked_uplink(ctx, roles) as park:
        phases = [
            Phase(
                "baseline",
                notifications=False,
                thresholds=silent_thresholds(testbed.thresholds),
                prepare=park,
            ),
            Phase(
                "fantel",
                notifications=True,
                thresholds=probes_outlast_queue(
                    depth_thresholds(testbed.thresholds, QUEUE_DEPTH // 4, 4),
                    QUEUE_DEPTH,
                    BOTTLENECK_PPS,
                ),
                policy=fantel_policy(store),
                contract=fantel_contract(topology.hosts[roles.entity_hosts[1]].tenant),
                prepare=park,
            ),
        ]
        figures = run_phases(ctx, result, phases, specs, _figures)
    result.figures = {
        "setup": {
            "bottleneck": bottleneck_setup(roles, BOTTLENECK_PPS, QUEUE_DEPTH),
            "urgent": f"activations {roles.entity_hosts[0]}->{roles.aidc_hosts[-1]}, gradients "
            f"back, {URGENT_PPS:.0f} pkt/s each, urgency {URGENCY}",
            "tolerant": f"{roles.entity_hosts[1]}->{store} {TOLERANT_PPS:.0f} pkt/s from "
            f"{TOLERANT_START_S} s, budget {BUDGET_MS:.0f} ms",
            "elephant": f"{roles.entity_hosts[1]}->{store} {ELEPHANT_PPS:.0f} pkt/s best effort",
        },
        **figures,
    }
    _checks(result, figures["fantel"], figures["baseline"])
    return result


def _checks(result: ScenarioResult, fantel: dict[str, Any], baseline: dict[str, Any]) -> None:
    p99, base = fantel["activation_p99_ms"], baseline["activation_p99_ms"]
    result.check(
        "urgent activations keep low latency under load",
        p99 is not None and base is not None and p99 * 2 <= base
        and fantel["activation_loss_fraction"] <= LOSS_BOUND,
        f"p99 {p99} ms vs baseline {base} ms; lost {fantel['activation_lost']} "
        f"(bound {LOSS_BOUND:.0%}), baseline {baseline['activation_lost']}",
    )  # fmt: skip
    after = fantel["promotion_after_s"]
    budget_s = BUDGET_MS / 1e3
    result.check(
        "tolerant upload promoted after its budget",
        after is not None
        and budget_s / 2 <= after <= budget_s + PROMOTION_SLACK_S
        and baseline["tolerant_promoted"] == 0,
        f"{fantel['tolerant_promoted']} packets promoted, the first {after} s after the "
        f"upload's first (budget {budget_s} s); baseline promoted {baseline['tolerant_promoted']}",
    )
    buffered = fantel["tolerant_buffered_latency_ms"]
    result.check(
        "tolerant upload buffered, not dropped",
        buffered is not None
        and fantel["activation_p50_ms"] is not None
        and buffered > fantel["activation_p50_ms"]
        and fantel["tolerant_loss_fraction"] <= TOLERANT_LOSS_BOUND,
        f"mean latency {buffered} ms while buffered, {fantel['tolerant_promoted_latency_ms']} "
        f"ms once promoted (activations p50 {fantel['activation_p50_ms']} ms); lost "
        f"{fantel['tolerant_lost']} of {fantel['tolerant_sent']} (bound "
        f"{TOLERANT_LOSS_BOUND:.0%}), baseline {baseline['tolerant_lost']}",
    )
