"""What the congestion and semantic scenarios (a, b, d, e) share: a bottleneck inside a P4
switch (`SwitchShaping`: a rate per egress port, so queues build where the congestion and
quantization thresholds look), one controller per phase with that phase's thresholds, policy
and contract, the flows, and per-flow figures plus a time series with the queue depth that
congestion FNs report (metric kind 1: packets queued behind the marked packet).

A baseline phase has `notifications=False`: thresholds out of reach, so the switches send no
congestion FN and quantize nothing, and no probes.

All of them put the bottleneck on the entity switch's first uplink (`EntityRoles`) and park
its second uplink for the run (down on the wire and in TE), so every entity flow crosses it.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from controller.config import Policy, Thresholds
from controller.contract import QDEPTH_MAX, Contract
from controller.topology import Topology
from controller.wire import MetricKind
from topologies.controlplane import ControlPlane
from topologies.scenarios.common import (
    FlowRun,
    ScenarioContext,
    ScenarioResult,
    phase_controller,
    run_flows,
)
from topologies.testbed import SwitchShaping
from topologies.traffic.flows import FlowSpec
from topologies.traffic.fnmon import FnSighting

BIN_S = 0.1
#: Sojourn thresholds of a phase that only watches queue depth: beyond any real queue.
NEVER_S = 60.0


@dataclass(frozen=True)
class EntityRoles:
    """Where a shaped scenario's flows go: the entity site's edge switch and its uplinks (the
    first carries everything, the second is parked), hosts of the entity, of the first AIDC
    and of the other AIDCs."""

    edge: str
    uplink: str
    parked: str
    uplink_port: int
    entity_hosts: tuple[str, ...]
    aidc_hosts: tuple[str, ...]
    remote_hosts: tuple[str, ...]


def link_port(topology: Topology, link: str, switch: str) -> int:
    spec = topology.links[link]
    return spec.a.port if spec.a.switch == switch else spec.b.port


def entity_roles(topology: Topology, scenario: str, aidc_hosts: int = 2) -> EntityRoles:
    """The roles, or a RuntimeError naming what the topology lacks (checked before the run)."""
    sites = topology.sites.values()
    entity = next((s.name for s in sites if s.kind == "entity"), None)
    aidcs = [s.name for s in sites if s.kind == "aidc"]
    entity_hosts = tuple(h.name for h in topology.hosts.values() if h.site == entity)
    first = tuple(h.name for h in topology.hosts.values() if aidcs and h.site == aidcs[0])
    remote = tuple(h.name for h in topology.hosts.values() if h.site in aidcs[1:])
    edge = topology.hosts[entity_hosts[0]].switch if entity_hosts else ""
    uplinks = sorted(
        (n for n, link in topology.links.items() if edge in (link.a.switch, link.b.switch)),
        key=lambda name: link_port(topology, name, edge),
    )
    if len(entity_hosts) < 2 or len(first) < aidc_hosts or len(uplinks) < 2:
        raise RuntimeError(
            f"scenario {scenario} needs an entity site with two hosts and two uplinks and an "
            f"AIDC with {aidc_hosts} hosts"
        )
    return EntityRoles(
        edge,
        uplinks[0],
        uplinks[1],
        link_port(topology, uplinks[0], edge),
        entity_hosts,
        first,
        remote,
    )


def bottleneck_setup(roles: EntityRoles, pps: int, depth: int) -> str:
    """The bottleneck as the report's setup table states it."""
    return f"{roles.edge} uplink {roles.uplink} at {pps} pkt/s per queue, queue {depth}"


def uplink_shaping(
    topology: Topology, scenario: str, pps: int, depth: int
) -> dict[str, SwitchShaping]:
    """The entity uplink as the bottleneck: `pps` per queue, `depth` packets per queue."""
    roles = entity_roles(topology, scenario)
    return {roles.edge: SwitchShaping({roles.uplink_port: pps}, depth)}


@contextmanager
def parked_uplink(
    ctx: ScenarioContext, roles: EntityRoles
) -> Iterator[Callable[[ControlPlane], dict[str, Any]]]:
    """Take the second uplink down for the scenario; yields the `prepare` step that tells each
    phase's controller to route around it."""

    def park(control: ControlPlane) -> dict[str, Any]:
        control.link_down(roles.parked)
        return {}

    ctx.testbed.set_link(roles.parked, up=False)
    try:
        yield park
    finally:
        ctx.testbed.set_link(roles.parked, up=True)


def depth_thresholds(base: Thresholds, high: int, low: int) -> Thresholds:
    """Congestion on queue depth alone (packets behind the dequeued one)."""
    return replace(
        base,
        queue_depth_high=high,
        queue_depth_low=low,
        sojourn_high_s=NEVER_S,
        sojourn_low_s=NEVER_S,
    )


#: Probes a full queue may lose in a row before the port counts as dead. Tail drops at a full
#: queue are not independent (sender catch-up bursts, a CPU-starved switch): a run measured
#: 319 ms of silence behind a 100 ms queue. These scenarios measure no failure, so a liveness
#: timeout of about a second costs nothing.
PROBE_DROP_SLACK = 40


def probes_outlast_queue(base: Thresholds, depth: int, pps: int) -> Thresholds:
    """A liveness timeout longer than a full bottleneck queue takes to drain, plus a run of
    probes tail-dropped there: probes are packet-outs with priority 0, so they wait (or are
    dropped) behind best-effort traffic at the bottleneck, and a shorter timeout declares the
    congested uplink dead (a false failure that reroutes and displaces reservations)."""
    drain_intervals = math.ceil(depth / pps / base.probe_interval_s)
    multiplier = drain_intervals + PROBE_DROP_SLACK
    return replace(base, probe_multiplier=max(base.probe_multiplier, multiplier))


def silent_thresholds(base: Thresholds) -> Thresholds:
    """No congestion FN ever: the baseline's data plane."""
    return depth_thresholds(base, QDEPTH_MAX, QDEPTH_MAX)


@dataclass
class Phase:
    tag: str
    notifications: bool
    thresholds: Thresholds
    policy: Policy = field(default_factory=Policy)
    contract: Contract = field(default_factory=Contract)
    #: Receivers echo congestion as RoCEv2 CNPs (end-to-end ECN), by queueing delay.
    cnp_mark_delay_us: float | None = None
    #: Called once the controller is ready, before traffic (e.g. a reservation over the API).
    prepare: Callable[[ControlPlane], dict[str, Any]] | None = None
    #: Called after the traffic, controller still up (switch counters, a release).
    after: Callable[[ControlPlane], dict[str, Any]] | None = None


@dataclass
class PhaseRun:
    flows: FlowRun
    sightings: list[FnSighting]  # congestion FNs on the wire during the phase
    events: list[dict[str, Any]]  # controller events of the phase
    prepared: dict[str, Any]
    after: dict[str, Any] = field(default_factory=dict)

    def t_s(self, t_ns: float) -> float:
        return round((t_ns - self.flows.epoch_ns) / 1e9, 4)

    @property
    def max_queue_depth_fn(self) -> int | None:
        """The largest metric a congestion FN of the phase carried (None: no FN)."""
        return max((s.metric_value for s in self.sightings), default=None)


def run_phase(ctx: ScenarioContext, phase: Phase, specs: list[FlowSpec]) -> PhaseRun:
    with phase_controller(
        ctx,
        phase.tag,
        notifications=phase.notifications,
        thresholds=phase.thresholds,
        policy=phase.policy,
        contract=phase.contract,
    ) as control:
        prepared = phase.prepare(control) if phase.prepare is not None else {}
        control.wait_idle(30)
        seq0 = control.last_seq()
        ctx.fn_monitor.clear()
        cnp = None
        if phase.cnp_mark_delay_us is not None:
            cnp = (phase.cnp_mark_delay_us, phase.thresholds.fn_min_interval_s)
        flows = run_flows(ctx, phase.tag, specs, cnp_echo=cnp).finish()
        sightings = [s for s in ctx.fn_monitor.snapshot() if s.fn_type.startswith("CONGESTION")]
        after = phase.after(control) if phase.after is not None else {}
        return PhaseRun(flows, sightings, control.events(seq0), prepared, after)


def run_phases(
    ctx: ScenarioContext,
    result: ScenarioResult,
    phases: list[Phase],
    specs: list[FlowSpec],
    figures: Callable[[PhaseRun], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Run the phases in turn with the same flows: each phase's `figures` by its tag, and its
    time series into `result.series`."""
    by_tag = {}
    for phase in phases:
        phase_run = run_phase(ctx, phase, specs)
        by_tag[phase.tag] = figures(phase_run)
        result.series[phase.tag] = series(phase_run)
    return by_tag


def api(
    ctx: ScenarioContext, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """One call to the controller's HTTP API, as `fantelctl` makes it: status and JSON."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{ctx.testbed.api_port}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


# ---------------------------------------------------------------------------------------------
# Figures


def flow_figures(
    run: PhaseRun, name: str, since_s: float = 0.0, until_s: float = 1e9
) -> dict[str, Any]:
    """Sent, received, lost, latency and quantized packets of one flow; the throughput
    (received packets/s) within [since_s, until_s) of the phase's epoch."""
    sent = run.flows.sent[name]
    got = run.flows.received.get(name, {})
    received = got.get("received", 0)
    window = [b for key, b in got.get("bins", {}).items() if since_s <= int(key) * BIN_S < until_s]
    span = max(BIN_S, min(until_s, _last_bin_s(got)) - since_s)
    latency = got.get("latency_us", {})
    return {
        "sent": sent["sent"],
        "received": received,
        "lost": sent["sent"] - received,
        "loss_fraction": round((sent["sent"] - received) / sent["sent"], 5) if sent["sent"] else 0,
        "latency_p50_ms": _ms(latency.get("p50")),
        "latency_p99_ms": _ms(latency.get("p99")),
        "window_pps": round(sum(b["packets"] for b in window) / span, 1),
        "window_latency_ms": _ms(
            sum(b["latency_us"] * b["packets"] for b in window)
            / max(1, sum(b["packets"] for b in window))
        )
        if window
        else None,
        "quantized": got.get("quantized", 0),
    }


def _last_bin_s(received: dict[str, Any]) -> float:
    bins = [int(k) for k in received.get("bins", {})]
    return (max(bins) + 1) * BIN_S if bins else BIN_S


def _ms(us: float | None) -> float | None:
    return None if us is None else round(us / 1e3, 3)


def series(run: PhaseRun) -> list[dict[str, Any]]:
    """Per 100 ms bin and flow: sent and received packets/s, mean latency; per bin the
    deepest queue a congestion FN reported (None: no FN in that bin)."""
    depth: dict[int, int] = {}
    for s in run.sightings:
        if s.outgoing and s.metric_kind == MetricKind.QUEUE_DEPTH:
            b = int((s.t_ns - run.flows.epoch_ns) / 1e9 / BIN_S)
            depth[b] = max(depth.get(b, 0), s.metric_value)
    rows = []
    for name, sent in run.flows.sent.items():
        recv = run.flows.received.get(name, {"bins": {}})
        bins = sorted({*map(int, recv["bins"]), *map(int, sent["bins"])})
        for b in bins:
            got = recv["bins"].get(str(b), {"packets": 0, "latency_us": None})
            rows.append(
                {
                    "t_s": round(b * BIN_S, 1),
                    "flow": name,
                    "sent_pps": sent["bins"].get(str(b), 0) / BIN_S,
                    "received_pps": got["packets"] / BIN_S,
                    "latency_ms": _ms(got["latency_us"]),
                    "queue_depth": depth.get(b),
                }
            )
    return rows


def first_reaction_ms(run: PhaseRun, flow: str, onset_ns: float) -> float | None:
    """Congestion onset to the sender agent's first rate cut of `flow` (FN or CNP)."""
    cuts = [r["t_ns"] for r in run.flows.sent[flow]["reactions"] if r["t_ns"] >= onset_ns]
    return round((min(cuts) - onset_ns) / 1e6, 3) if cuts else None
