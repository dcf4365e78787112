"""What the congestion and semantic scenarios (a, b, d, e) share: a bottleneck inside a P4
switch (`SwitchShaping`: a rate per egress port, so queues build where the congestion and
quantization thresholds look), one controller per phase with that phase's thresholds, policy
and contract, the flows, and per-flow figures plus a time series with the queue depth that
congestion FNs report (metric kind 1: packets queued behind the marked packet).

A baseline phase has `notifications=False`: thresholds out of reach, so the switches send no
congestion FN and quantize nothing, and no probes.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from controller.config import Policy, Thresholds
from controller.contract import QDEPTH_MAX, Contract
from controller.wire import MetricKind
from topologies.controlplane import ControlPlane, controller_config
from topologies.scenarios.common import FlowRun, ScenarioContext, run_flows
from topologies.traffic.flows import FlowSpec
from topologies.traffic.fnmon import FnSighting

READY_TIMEOUT_S = 120.0
BIN_S = 0.1
#: Sojourn thresholds of a phase that only watches queue depth: beyond any real queue.
NEVER_S = 60.0


def depth_thresholds(base: Thresholds, high: int, low: int) -> Thresholds:
    """Congestion on queue depth alone (packets behind the dequeued one)."""
    return replace(
        base,
        queue_depth_high=high,
        queue_depth_low=low,
        sojourn_high_s=NEVER_S,
        sojourn_low_s=NEVER_S,
    )


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


@dataclass
class PhaseRun:
    flows: FlowRun
    sightings: list[FnSighting]  # congestion FNs on the wire during the phase
    events: list[dict[str, Any]]  # controller events of the phase
    prepared: dict[str, Any]

    def t_s(self, t_ns: float) -> float:
        return round((t_ns - self.flows.epoch_ns) / 1e9, 4)


def run_phase(ctx: ScenarioContext, phase: Phase, specs: list[FlowSpec]) -> PhaseRun:
    testbed = ctx.testbed
    config = controller_config(
        testbed.topology_file,
        testbed.grpc_port_base,
        ctx.run.path / f"events-{phase.tag}.jsonl",
        testbed.api_port,
        notifications=phase.notifications,
        thresholds=phase.thresholds,
        policy=phase.policy,
        contract=phase.contract,
    )
    control = ControlPlane(testbed.topology, config, ctx.run.path / "pipeline")
    try:
        control.start()
        if not control.wait_ready(READY_TIMEOUT_S):
            raise RuntimeError(
                f"{phase.tag}: the controller did not program every switch in "
                f"{READY_TIMEOUT_S:.0f} s"
            )
        prepared = phase.prepare(control) if phase.prepare is not None else {}
        control.wait_idle(30)
        seq0 = control.last_seq()
        ctx.fn_monitor.clear()
        cnp = None
        if phase.cnp_mark_delay_us is not None:
            cnp = (phase.cnp_mark_delay_us, phase.thresholds.fn_min_interval_s)
        flows = run_flows(ctx, phase.tag, specs, cnp_echo=cnp).finish()
        sightings = [s for s in ctx.fn_monitor.snapshot() if s.fn_type.startswith("CONGESTION")]
        return PhaseRun(flows, sightings, control.events(seq0), prepared)
    finally:
        control.stop()


def api(
    ctx: ScenarioContext, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """One call to the controller's HTTP API, as `fantelctl` makes it."""
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
