"""(b) Remote sample-data access: a loss-sensitive RDMA-like read stream from the entity site to
an AIDC (400-550 km) meets a competing burst at the entity's uplink.

The entity's second uplink is out of service for the run (taken down and excluded from TE) so
both flows share one uplink, which the entity switch shapes (`BOTTLENECK_PPS`, shallow
`QUEUE_DEPTH`): the queue builds in the P4 switch, close to the sender. Two phases:
`baseline`: the switches send no congestion FN; the receiver echoes congestion end to end as
RoCEv2 CNPs (ECN-echo emulated from queueing delay: p4src marks no ECN) and the sender agent
reacts to those; `fantel`: the entity switch sends CONGESTION_DETECTED FNs straight back to
the sender agent. Figures: congestion onset to the sender's first rate cut,
loss of the protected flow in each phase, the queue depth the FNs report. Onset is the burst's
first packet at its receiver, as a starved sender process may start late.
Pass: FNs reached the sender, the protected flow stayed near loss-free (LOSS_BOUND) and the
sender reacted sooner than with the end-to-end echo. The baseline's loss is reported, not
a gate: with a CNP echo that reaches a pacing sender, both phases lose a packet or two at this
load (a comparison of noise), and neither reaction protects the flow from a non-reactive burst
that alone exceeds the bottleneck (docs/testbed.md).
"""

from __future__ import annotations

from typing import Any

from controller.topology import Topology
from topologies.scenarios.common import ScenarioContext, ScenarioResult
from topologies.scenarios.shaped import (
    Phase,
    PhaseRun,
    depth_thresholds,
    entity_roles,
    first_reaction_ms,
    flow_figures,
    parked_uplink,
    run_phases,
    silent_thresholds,
    uplink_shaping,
)
from topologies.testbed import SwitchShaping
from topologies.traffic.flows import FlowSpec, Reaction

DESCRIPTION = "(b) remote sample-data access: loss-sensitive read stream vs a competing burst"
BOTTLENECK_PPS = 300
QUEUE_DEPTH = 8
QDEPTH_HIGH, QDEPTH_LOW = 3, 1
PROTECTED_PPS = 200.0
BURST_PPS = 200.0
#: One cut per queue drain: the queue above threshold takes ~QDEPTH_HIGH / rate to empty.
REACTION = Reaction(holdoff_s=0.03)
#: "Near loss-free": Python switches on two cores lose the odd packet when CPU-starved.
LOSS_BOUND = 0.02
COMPARED = ("reaction_ms", "protected_lost", "burst_lost")


def _roles(topology: Topology) -> dict[str, str]:
    """Two entity senders, two receivers in the first AIDC, the entity's two uplinks."""
    roles = entity_roles(topology, "remote-access")
    return {
        "edge": roles.edge,
        "sender": roles.entity_hosts[0],
        "burst_sender": roles.entity_hosts[1],
        "receiver": roles.aidc_hosts[-1],
        "burst_receiver": roles.aidc_hosts[0],
        "uplink": roles.uplink,
        "parked": roles.parked,
    }


def shaping(topology: Topology) -> dict[str, SwitchShaping]:
    return uplink_shaping(topology, "remote-access", BOTTLENECK_PPS, QUEUE_DEPTH)


def _flows(roles: dict[str, str], quick: bool) -> tuple[list[FlowSpec], float, float]:
    duration = 4.0 if quick else 8.0
    burst_at, burst_for = (1.5, 1.0) if quick else (3.0, 2.0)
    protected = FlowSpec(
        "sample-read",
        roles["sender"],
        roles["receiver"],
        rate_pps=PROTECTED_PPS,
        duration_s=duration,
        payload=256,
        tclass="sample_data",
        sport=49160,
        dest_qp=0x160,
        react=True,
        reaction=REACTION,
    )
    burst = FlowSpec(
        "burst",
        roles["burst_sender"],
        roles["burst_receiver"],
        rate_pps=BURST_PPS,
        duration_s=burst_for,
        start_s=burst_at,
        payload=256,
        kind="udp",
        sport=49161,
    )
    return [protected, burst], burst_at, burst_for


def _figures(run: PhaseRun, burst_at: float, burst_for: float) -> dict[str, Any]:
    # Onset: the burst's first packet at its receiver (it crossed the bottleneck just before);
    # a sender process starved of CPU can start later than scheduled.
    first = run.flows.received.get("burst", {}).get("first_ns") or 0
    onset_ns = max(run.flows.epoch_ns + burst_at * 1e9, first)
    protected = flow_figures(run, "sample-read")
    during = flow_figures(run, "sample-read", burst_at, burst_at + burst_for)
    burst = flow_figures(run, "burst")
    fns_at_sender = [
        f for f in run.flows.fns_at_senders if f["flow"] == "sample-read" and f["type"] != "CNP"
    ]
    cnps = [f for f in run.flows.fns_at_senders if f["type"] == "CNP"]
    switch_fns = [s.t_ns for s in run.sightings if s.outgoing and s.t_ns >= onset_ns]
    return {
        "reaction_ms": first_reaction_ms(run, "sample-read", onset_ns),
        "onset_to_first_fn_ms": round((min(switch_fns) - onset_ns) / 1e6, 3)
        if switch_fns
        else None,
        "congestion_fns_at_sender": len(fns_at_sender),
        "cnps_at_sender": len(cnps),
        "rate_cuts": len(run.flows.sent["sample-read"]["reactions"]),
        "protected_sent": protected["sent"],
        "protected_lost": protected["lost"],
        "protected_loss_fraction": protected["loss_fraction"],
        "protected_pps_during_burst": during["window_pps"],
        "protected_latency_p99_ms": protected["latency_p99_ms"],
        "burst_sent": burst["sent"],
        "burst_lost": burst["lost"],
        "max_queue_depth_fn": run.max_queue_depth_fn,
        "t_fail_s": None,
    }


def run(ctx: ScenarioContext) -> ScenarioResult:
    testbed = ctx.testbed
    roles = _roles(testbed.topology)
    specs, burst_at, burst_for = _flows(roles, ctx.quick)
    mark_us = QDEPTH_HIGH / BOTTLENECK_PPS * 1e6  # the queue threshold as queueing delay
    result = ScenarioResult("remote-access", compared=COMPARED)
    with parked_uplink(ctx, entity_roles(testbed.topology, "remote-access")) as park:
        phases = [
            Phase(
                "baseline",
                notifications=False,
                thresholds=silent_thresholds(testbed.thresholds),
                cnp_mark_delay_us=mark_us,
                prepare=park,
            ),
            Phase(
                "fantel",
                notifications=True,
                thresholds=depth_thresholds(testbed.thresholds, QDEPTH_HIGH, QDEPTH_LOW),
                prepare=park,
            ),
        ]
        figures = run_phases(
            ctx, result, phases, specs, lambda phase_run: _figures(phase_run, burst_at, burst_for)
        )
    fantel, baseline = figures["fantel"], figures["baseline"]
    result.figures = {
        "setup": {
            "bottleneck": f"{roles['edge']} uplink {roles['uplink']} at {BOTTLENECK_PPS} pkt/s, "
            f"queue {QUEUE_DEPTH}, FN threshold {QDEPTH_HIGH}/{QDEPTH_LOW}",
            "protected": f"{roles['sender']}->{roles['receiver']} {PROTECTED_PPS:.0f} pkt/s",
            "burst": f"{roles['burst_sender']}->{roles['burst_receiver']} {BURST_PPS:.0f} pkt/s "
            f"at {burst_at}-{burst_at + burst_for} s",
            "baseline signal": f"CNP echo when queueing delay >= {mark_us / 1e3:.1f} ms",
        },
        **figures,
    }
    result.check(
        "congestion FNs reached the sender",
        fantel["congestion_fns_at_sender"] > 0 and fantel["rate_cuts"] > 0,
        f"{fantel['congestion_fns_at_sender']} FNs at the sender agent, "
        f"{fantel['rate_cuts']} rate cuts",
    )
    result.check(
        "protected flow near loss-free",
        fantel["protected_loss_fraction"] <= LOSS_BOUND,
        f"lost {fantel['protected_lost']} of {fantel['protected_sent']} "
        f"(bound {LOSS_BOUND:.1%}); baseline lost {baseline['protected_lost']} "
        f"of {baseline['protected_sent']}",
    )
    reacted = fantel["reaction_ms"] is not None and (
        baseline["reaction_ms"] is None or fantel["reaction_ms"] < baseline["reaction_ms"]
    )
    result.check(
        "sender reacted sooner than with ECN-echo",
        reacted,
        f"onset to first cut {fantel['reaction_ms']} ms (FN) vs {baseline['reaction_ms']} ms "
        "(end-to-end CNP)",
    )
    return result
