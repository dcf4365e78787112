"""(a) Sample-data migration: a bulk transfer from the entity site to an AIDC under an elastic
bandwidth reservation, while best-effort traffic from the entity's other host competes for
the same uplink, shaped inside the P4 switch.

`baseline`: no reservation and no policy: the transfer shares the best-effort queue and gets
the share tail drop leaves it. `fantel`: the scenario reserves RESERVED_PPS worth of the
transfer's frames through the controller API (`POST /api/v1/reservations`, what `fantelctl
reserve` sends); the controller meters the transfer at the entity edge (docs/controller.md,
"Reservations at the edge"): green (within the reserved rate) keeps the reserved class's
queue, yellow (up to 1.25x) is forwarded best effort (the elastic part), red is dropped.
The transfer offers MIGRATION_PPS, a little above its reservation, so all three colours occur.
At the end the reservation is released (`DELETE`) and its meter must leave the switch.

Figures: the transfer's and the competitor's delivered rates while they compete, meter colours
counted by the edge switch, the API answers, meter entries before and after the release.
Pass: the reservation was admitted and metered at the edge (green and non-green packets);
the transfer held at least HOLD_FRACTION of its reserved rate and more than in the baseline,
while best effort still got at least BEST_EFFORT_SHARE of the bottleneck; the release removed
the reservation and its meter entry.
"""

from __future__ import annotations

from typing import Any

from controller.config import Policy, PolicyRule
from controller.topology import Topology
from controller.wire import TrafficClass
from topologies.cleanup import wait_until
from topologies.controlplane import ControlPlane
from topologies.scenarios.common import ScenarioContext, ScenarioResult, resolve_flows
from topologies.scenarios.shaped import (
    EntityRoles,
    Phase,
    PhaseRun,
    api,
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
from topologies.traffic.sender import build_frame_builder

DESCRIPTION = "(a) sample-data migration: bulk transfer under a reservation vs best effort"
SCENARIO = "migration"
BOTTLENECK_PPS = 160
QUEUE_DEPTH = 16
RESERVED_PPS = 100.0
MIGRATION_PPS = 120.0
COMPETING_PPS = 240.0
PAYLOAD = 1000
RESERVED_QUEUE = 4
TASK = "sample-migration"
HOLD_FRACTION = 0.9
BEST_EFFORT_SHARE = 0.5
RELEASE_TIMEOUT_S = 15.0
COLOURS = ("green", "yellow", "red")
COMPARED = ("migration_lost",)


def shaping(topology: Topology) -> dict[str, SwitchShaping]:
    return uplink_shaping(topology, SCENARIO, BOTTLENECK_PPS, QUEUE_DEPTH)


def flows(roles: EntityRoles, quick: bool) -> tuple[list[FlowSpec], float, float]:
    """The transfer, the competitor, and the window (start, end) in which both run."""
    duration = 4.0 if quick else 8.0
    compete_at, compete_for = (1.0, 2.5) if quick else (2.0, 5.0)
    specs = [
        FlowSpec(
            "migration", roles.entity_hosts[0], roles.aidc_hosts[-1], MIGRATION_PPS, duration,
            payload=PAYLOAD, tclass="sample_data", sport=49400, dest_qp=0x400,
        ),
        FlowSpec(
            "best-effort", roles.entity_hosts[1], roles.aidc_hosts[0], COMPETING_PPS,
            compete_for, start_s=compete_at, payload=PAYLOAD, kind="udp", sport=49401,
        ),
    ]  # fmt: skip
    return specs, compete_at, compete_at + compete_for


def reservation_body(roles: EntityRoles, frame_len: int, scale: float) -> dict[str, Any]:
    """RESERVED_PPS of the transfer's frames as a modelled (real-world) rate: the API scales
    it down by the topology's scale, the meter counts bytes of whole frames."""
    modelled_bps = RESERVED_PPS * frame_len * 8 / scale
    return {
        "task": TASK,
        "from": roles.entity_hosts[0],
        "to": roles.aidc_hosts[-1],
        "rate": f"{modelled_bps / 1e6:.3f}Mbps",
        "duration": "10min",
    }


def _colours(control: ControlPlane, edge: str) -> dict[str, int]:
    cells = control.read_counters(edge, "reservation_color_counter", range(len(COLOURS)))
    return {colour: packets for colour, (packets, _) in zip(COLOURS, cells, strict=True)}


def _figures(run: PhaseRun, window: tuple[float, float]) -> dict[str, Any]:
    start, end = window[0] + 0.5, window[1]  # skip the first half second: queues building
    migration = flow_figures(run, "migration", start, end)
    competing = flow_figures(run, "best-effort", start, end)
    before, after = run.prepared.get("colours"), run.after.get("colours")
    colours = {c: after[c] - before[c] for c in COLOURS} if before and after else {}
    return {
        "migration_pps_competing": migration["window_pps"],
        "best_effort_pps_competing": competing["window_pps"],
        "migration_sent": migration["sent"],
        "migration_lost": migration["lost"],
        "migration_latency_p99_ms": migration["latency_p99_ms"],
        "best_effort_lost": competing["lost"],
        "meter_colours": colours or None,
        "reserve_status": run.prepared.get("reserve_status"),
        "meter_entries_reserved": run.prepared.get("meter_entries"),
        "release_status": run.after.get("release_status"),
        "reservation_listed_after_release": run.after.get("listed"),
        "meter_entries_released": run.after.get("meter_entries"),
        "t_fail_s": None,
    }


def run(ctx: ScenarioContext) -> ScenarioResult:
    testbed = ctx.testbed
    topology = testbed.topology
    roles = entity_roles(topology, SCENARIO)
    specs, compete_from, compete_to = flows(roles, ctx.quick)
    frame_len = build_frame_builder(resolve_flows(testbed, specs[:1])[0]).frame_len
    body = reservation_body(roles, frame_len, topology.scale)
    result = ScenarioResult(SCENARIO, compared=COMPARED)
    with parked_uplink(ctx, roles) as park:

        def reserve(control: ControlPlane) -> dict[str, Any]:
            park(control)
            status, answer = api(ctx, "POST", "/api/v1/reservations", body)
            control.wait_idle(30)
            return {
                "reserve_status": status,
                "reservation": answer,
                "meter_entries": control.count_entries(roles.edge, "reservation_meters"),
                "colours": _colours(control, roles.edge),
            }

        def release(control: ControlPlane) -> dict[str, Any]:
            colours = _colours(control, roles.edge)
            status, _ = api(ctx, "DELETE", f"/api/v1/reservations/{TASK}")
            control.wait_idle(30)
            wait_until(
                lambda: control.count_entries(roles.edge, "reservation_meters") == 0,
                RELEASE_TIMEOUT_S,
            )
            _, listed = api(ctx, "GET", "/api/v1/reservations")
            tasks = [r.get("task") for r in listed] if isinstance(listed, list) else None
            return {
                "colours": colours,
                "release_status": status,
                "listed": tasks is None or TASK in tasks,  # an unreadable list proves nothing
                "meter_entries": control.count_entries(roles.edge, "reservation_meters"),
            }

        def count_only(control: ControlPlane) -> dict[str, Any]:
            park(control)
            return {"colours": _colours(control, roles.edge)}

        phases = [
            Phase(
                "baseline",
                notifications=False,
                thresholds=silent_thresholds(testbed.thresholds),
                prepare=count_only,
                after=lambda control: {"colours": _colours(control, roles.edge)},
            ),
            Phase(
                "fantel",
                notifications=True,
                thresholds=probes_outlast_queue(
                    depth_thresholds(testbed.thresholds, QUEUE_DEPTH // 2, 2),
                    QUEUE_DEPTH,
                    BOTTLENECK_PPS,
                ),
                policy=Policy(
                    rules=(PolicyRule(RESERVED_QUEUE, traffic_class=TrafficClass.SAMPLE_DATA),)
                ),
                prepare=reserve,
                after=release,
            ),
        ]
        figures = run_phases(
            ctx,
            result,
            phases,
            specs,
            lambda phase_run: _figures(phase_run, (compete_from, compete_to)),
        )
    result.figures = {
        "setup": {
            "bottleneck": bottleneck_setup(roles, BOTTLENECK_PPS, QUEUE_DEPTH),
            "migration": f"{roles.entity_hosts[0]}->{roles.aidc_hosts[-1]} "
            f"{MIGRATION_PPS:.0f} pkt/s of {frame_len} B",
            "reservation": f"{body['rate']} modelled = {RESERVED_PPS:.0f} pkt/s in the testbed, "
            f"class queue {RESERVED_QUEUE}",
            "best effort": f"{roles.entity_hosts[1]}->{roles.aidc_hosts[0]} "
            f"{COMPETING_PPS:.0f} pkt/s from {compete_from} to {compete_to} s",
        },
        **figures,
    }
    _checks(result, figures["fantel"], figures["baseline"])
    return result


def _checks(result: ScenarioResult, fantel: dict[str, Any], baseline: dict[str, Any]) -> None:
    colours = fantel["meter_colours"] or {}
    result.check(
        "reservation admitted and metered at the edge",
        fantel["reserve_status"] == 201
        and (fantel["meter_entries_reserved"] or 0) >= 1
        and colours.get("green", 0) > 0
        and colours.get("yellow", 0) + colours.get("red", 0) > 0,
        f"POST answered {fantel['reserve_status']}, {fantel['meter_entries_reserved']} meter "
        f"entries at the edge, colours {colours}",
    )
    held, base = fantel["migration_pps_competing"], baseline["migration_pps_competing"]
    result.check(
        "reserved transfer held its rate",
        held >= HOLD_FRACTION * RESERVED_PPS and held > base,
        f"{held} pkt/s while competing (reserved {RESERVED_PPS:.0f}, bound "
        f"{HOLD_FRACTION:.0%}); baseline {base} pkt/s",
    )
    best_effort = fantel["best_effort_pps_competing"]
    result.check(
        "best effort still competes",
        best_effort >= BEST_EFFORT_SHARE * BOTTLENECK_PPS,
        f"{best_effort} pkt/s of best effort delivered (bound "
        f"{BEST_EFFORT_SHARE * BOTTLENECK_PPS:.0f}); baseline {baseline['best_effort_pps_competing']}",
    )
    result.check(
        "reservation released at the end",
        fantel["release_status"] in (200, 204)
        and not fantel["reservation_listed_after_release"]
        and fantel["meter_entries_released"] == 0,
        f"DELETE answered {fantel['release_status']}, still listed: "
        f"{fantel['reservation_listed_after_release']}, meter entries left: "
        f"{fantel['meter_entries_released']}",
    )
