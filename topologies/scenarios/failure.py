"""(c) Cross-AIDC training: parameter-sync elephants between two AIDCs across parallel WAN
paths; the busiest link fails mid-run.

Two phases on the same network, baseline first (its switches have never heard a probe, so no
port is armed for liveness): `baseline` runs the controller without probes and FNs, and a
poller tells it about the failure (a controller polling port state); `fantel` runs with probes,
data-plane fast reroute and failure FNs. Measured per phase: failure-to-detection (first
FAILURE_DETECTED FN sent), failure-to-first-notification at an upstream switch and at the
controller, failure-to-controller re-route (first install after the solve that excludes the
link), the application-level outage (longest delivery gap of the affected flows) and packets
lost. Pass: the fantel phase rerouted (controller excluded the link, traffic kept flowing),
failure FNs were seen on the wire and at the controller, and it lost at most LOSS_BOUND of its
packets and no more than the baseline.
"""

from __future__ import annotations

import time
from typing import Any

from topologies.controlplane import ControlPlane, LinkPoller
from topologies.scenarios.common import (
    FlowRun,
    ScenarioContext,
    ScenarioResult,
    phase_controller,
    run_flows,
)
from topologies.testbed import switch_iface
from topologies.traffic.flows import FlowSpec

DESCRIPTION = "(c) cross-AIDC training: parameter-sync elephants, a WAN link fails mid-run"
LOSS_BOUND = 0.05
POLL_INTERVAL_S = 1.0
RATE_PPS = 100.0


def _flows(ctx: ScenarioContext, duration_s: float) -> list[FlowSpec]:
    topo = ctx.testbed.topology
    aidcs = [s.name for s in topo.sites.values() if s.kind == "aidc"][:2]
    hosts = {site: [h.name for h in topo.hosts.values() if h.site == site] for site in aidcs}
    a, b = hosts[aidcs[0]][0], hosts[aidcs[1]][-1]
    common: dict[str, Any] = {
        "rate_pps": RATE_PPS,
        "duration_s": duration_s,
        "payload": 256,
        "tclass": "parameter",
        "urgency": 3,
    }
    return [
        FlowSpec("sync-ab-0", a, b, sport=49152, **common),
        FlowSpec("sync-ab-1", a, b, sport=49153, **common),
        FlowSpec("sync-ba-0", b, a, sport=49154, **common),
    ]


def _busiest_link(ctx: ScenarioContext, before: dict[str, int], after: dict[str, int]) -> str:
    def load(link: str) -> int:
        spec = ctx.testbed.topology.links[link]
        return sum(
            after[i] - before[i]
            for i in (
                switch_iface(spec.a.switch, spec.a.port),
                switch_iface(spec.b.switch, spec.b.port),
            )
        )

    return max(ctx.testbed.topology.links, key=load)


def _phase(
    ctx: ScenarioContext, tag: str, notifications: bool, rtts: dict[str, Any]
) -> dict[str, Any]:
    testbed = ctx.testbed
    with phase_controller(
        ctx, tag, notifications=notifications, thresholds=testbed.thresholds
    ) as control:
        poller: LinkPoller | None = None
        try:
            if not rtts:
                rtts.update(testbed.measure_rtts())
            duration = 6.0 if ctx.quick else 10.0
            fail_at = 2.5 if ctx.quick else 4.0
            handle = run_flows(ctx, tag, _flows(ctx, duration))
            warm = handle.epoch_ns / 1e9 + 1.0
            time.sleep(max(0.0, warm - time.time()))
            before = testbed.iface_counters()
            time.sleep(max(0.0, handle.epoch_ns / 1e9 + fail_at - time.time()))
            link = _busiest_link(ctx, before, testbed.iface_counters())
            if not notifications:
                spec = testbed.topology.links[link]
                poller = LinkPoller(
                    control, {link: switch_iface(spec.a.switch, spec.a.port)}, POLL_INTERVAL_S
                ).start()
            seq0 = control.last_seq()
            ctx.fn_monitor.clear()
            t_fail = time.time_ns()
            testbed.set_link(link, up=False)
            flow_run = handle.finish()
            control.wait_idle(30)
            figures = _figures(ctx, control, flow_run, link, t_fail, seq0)
            testbed.set_link(link, up=True)
            if poller is not None:
                time.sleep(POLL_INTERVAL_S * 1.5)  # the poller reports the link back up
            return figures
        finally:
            if poller is not None:
                poller.stop()


def _ms(t_ns: float | None, t_fail: int) -> float | None:
    return None if t_ns is None else round((t_ns - t_fail) / 1e6, 3)


def _figures(
    ctx: ScenarioContext, control: ControlPlane, flows: FlowRun, link: str, t_fail: int, seq0: int
) -> dict[str, Any]:
    spec = ctx.testbed.topology.links[link]
    iface_owner = {
        switch_iface(end.switch, end.port): end.switch
        for other in ctx.testbed.topology.links.values()
        for end in (other.a, other.b)
    }
    sightings = [s for s in ctx.fn_monitor.snapshot() if s.fn_type == "FAILURE_DETECTED"]
    sent = [s.t_ns for s in sightings if s.outgoing]
    upstream = [
        s.t_ns
        for s in sightings
        if not s.outgoing and iface_owner.get(s.iface) not in (spec.a.switch, spec.b.switch)
    ]
    events = control.events(seq0)
    at_controller = [
        e["received_at"] * 1e9
        for e in events
        if e["kind"] == "notification" and e.get("type") == "failure_detected"
    ]
    operator = [
        e["time"] * 1e9 for e in events if e["kind"] == "link_state" and not e.get("up", True)
    ]
    solves = [e for e in events if e["kind"] == "te_solve" and link in e.get("failed_links", [])]
    installs = [
        e["time"] * 1e9
        for e in events
        if e["kind"] == "install" and solves and e["seq"] > solves[0]["seq"]
    ]
    affected = [
        n for n, r in flows.received.items() if r["max_gap_end_ns"] > t_fail and r["max_gap_ms"] > 0
    ]
    outage = max((flows.received[n]["max_gap_ms"] for n in affected), default=0.0)
    resumed = all(flows.received.get(n, {}).get("last_ns", 0) > t_fail + 1e9 for n in flows.sent)
    total_sent = sum(f["sent"] for f in flows.sent.values())
    return {
        "failed_link": link,
        "failure_to_detection_ms": _ms(min(sent, default=None), t_fail),
        "failure_to_upstream_fn_ms": _ms(min(upstream, default=None), t_fail),
        "failure_to_controller_ms": _ms(min(at_controller + operator, default=None), t_fail),
        "failure_to_controller_reroute_ms": _ms(min(installs, default=None), t_fail),
        "failure_fns_on_wire": len(sightings),
        "failure_fns_at_controller": len(at_controller),
        "controller_excluded_link": bool(solves),
        "traffic_resumed": resumed,
        "max_outage_ms": round(outage, 3),
        "packets_sent": total_sent,
        "packets_lost": flows.lost(),
        "loss_fraction": flows.lost() / total_sent if total_sent else 1.0,
        "reordered": sum(r["reordered"] for r in flows.received.values()),
        "series": _series(flows),
        "t_fail_s": (t_fail - flows.epoch_ns) / 1e9,
    }


def _series(flows: FlowRun) -> list[dict[str, Any]]:
    rows = []
    for name, recv in flows.received.items():
        sent_bins = flows.sent[name]["bins"]
        bins = sorted({*map(int, recv["bins"]), *map(int, sent_bins)})
        for b in bins:
            got = recv["bins"].get(str(b), {"packets": 0, "bytes": 0, "latency_us": None})
            rows.append(
                {
                    "t_s": round(b * 0.1, 1),
                    "flow": name,
                    "sent_pps": sent_bins.get(str(b), 0) / 0.1,
                    "received_pps": got["packets"] / 0.1,
                    "received_mbps": got["bytes"] * 8 / 0.1 / 1e6,
                    "latency_ms": None if got["latency_us"] is None else got["latency_us"] / 1e3,
                }
            )
    return rows


def run(ctx: ScenarioContext) -> ScenarioResult:
    result = ScenarioResult("failure")
    rtts: dict[str, Any] = {}
    baseline = _phase(ctx, "baseline", notifications=False, rtts=rtts)
    fantel = _phase(ctx, "fantel", notifications=True, rtts=rtts)
    result.series = {"baseline": baseline.pop("series"), "fantel": fantel.pop("series")}
    result.figures = {"rtt": rtts, "fantel": fantel, "baseline": baseline}
    result.check(
        "reroute happened",
        fantel["controller_excluded_link"] and fantel["traffic_resumed"],
        f"controller excluded {fantel['failed_link']}: {fantel['controller_excluded_link']}, "
        f"all flows delivered after the failure: {fantel['traffic_resumed']}",
    )
    result.check(
        "notifications observed",
        fantel["failure_fns_on_wire"] > 0 and fantel["failure_fns_at_controller"] > 0,
        f"{fantel['failure_fns_on_wire']} FAILURE_DETECTED FNs on the wire, "
        f"{fantel['failure_fns_at_controller']} at the controller",
    )
    result.check(
        "loss bounded",
        fantel["loss_fraction"] <= LOSS_BOUND
        and fantel["packets_lost"] <= baseline["packets_lost"],
        f"lost {fantel['packets_lost']} of {fantel['packets_sent']} "
        f"({fantel['loss_fraction']:.2%}, bound {LOSS_BOUND:.0%}); baseline lost {baseline['packets_lost']}",
    )
    return result
