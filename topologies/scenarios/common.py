"""What scenarios share: the context they run in, a phase's controller, running flows, and the
result shape."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.config import Policy, Thresholds
from controller.contract import Contract
from topologies.cleanup import wait_until
from topologies.controlplane import ControlPlane, controller_config
from topologies.preflight import KernelFeatures
from topologies.rundir import RunDir
from topologies.testbed import Testbed
from topologies.traffic.flows import CnpEcho, FlowSpec, ReceiverJob, ResolvedFlow, SenderJob
from topologies.traffic.fnmon import FnMonitor

TRAFFIC = [sys.executable, "-m", "topologies.traffic"]
PROCESS_READY_S = 30.0
DRAIN_S = 0.5
#: How long a phase's controller may take to program every switch.
READY_TIMEOUT_S = 120.0


@dataclass
class ScenarioContext:
    testbed: Testbed
    run: RunDir
    features: KernelFeatures
    fn_monitor: FnMonitor
    quick: bool = False  # CI: shorter phases


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


#: Figures of scenario (c) compared against its baseline (lower is better).
FAILURE_COMPARED = (
    "failure_to_controller_ms",
    "failure_to_controller_reroute_ms",
    "max_outage_ms",
    "packets_lost",
)


@dataclass
class ScenarioResult:
    scenario: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    series: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # phase -> rows
    #: Figures the report compares as "baseline / fantel" (lower is better for each).
    compared: tuple[str, ...] = FAILURE_COMPARED

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def check(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, passed, detail))


@dataclass
class FlowRun:
    """Results of one batch of flows: what each sender sent and each receiver got."""

    epoch_ns: int
    sent: dict[str, dict[str, Any]]
    received: dict[str, dict[str, Any]]  # per flow, summed over the hosts that received it
    fns_at_senders: list[dict[str, Any]]
    #: host -> flow -> what that host's receiver counted (flows with `also_to` span hosts).
    received_at: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def lost(self, names: list[str] | None = None) -> int:
        names = names or list(self.sent)
        return sum(
            self.sent[n]["sent"] - self.received.get(n, {}).get("received", 0) for n in names
        )


@contextmanager
def phase_controller(
    ctx: ScenarioContext,
    tag: str,
    *,
    notifications: bool,
    thresholds: Thresholds,
    policy: Policy | None = None,
    contract: Contract | None = None,
) -> Iterator[ControlPlane]:
    """The controller of one phase (its own event log), started and ready: every switch
    programmed, else a RuntimeError; stopped on exit."""
    testbed = ctx.testbed
    config = controller_config(
        testbed.topology_file,
        testbed.grpc_port_base,
        ctx.run.path / f"events-{tag}.jsonl",
        testbed.api_port,
        notifications=notifications,
        thresholds=thresholds,
        policy=policy,
        contract=contract,
    )
    control = ControlPlane(testbed.topology, config, ctx.run.path / "pipeline")
    try:
        control.start()
        if not control.wait_ready(READY_TIMEOUT_S):
            raise RuntimeError(
                f"{tag}: the controller did not program every switch in {READY_TIMEOUT_S:.0f} s"
            )
        yield control
    finally:
        control.stop()


def resolve_flows(testbed: Testbed, specs: list[FlowSpec]) -> list[ResolvedFlow]:
    topo = testbed.topology
    flows = []
    for index, spec in enumerate(specs, start=1):
        src, dst = topo.hosts[spec.src], topo.hosts[spec.dst]
        tenant = topo.tenants[src.tenant].id if src.tenant else 0
        plan = testbed.host_plans[src.name]
        flows.append(
            ResolvedFlow(
                index, spec, src.mac, plan.gateway_mac, str(src.ip.ip), str(dst.ip.ip), tenant
            )
        )
    return flows


def run_flows(
    ctx: ScenarioContext,
    tag: str,
    specs: list[FlowSpec],
    start_in_s: float = 1.0,
    cnp_echo: tuple[float, float] | None = None,
) -> FlowRunHandle:
    """Start receivers and senders; once all are ready, flows start `start_in_s` later (the
    shared epoch, handed over through a go file: `SenderJob.go`).
    `cnp_echo` (mark delay us, min interval s): receivers echo congestion as CNPs."""
    flows = resolve_flows(ctx.testbed, specs)
    out = ctx.run.path / "traffic"
    out.mkdir(exist_ok=True)
    go = out / f"{tag}.go"
    planned_ns = time.time_ns() + int(start_in_s * 1e9)  # replaced by the go file's epoch
    receivers = {}
    for dst in sorted({host for f in flows for host in f.spec.receivers}):
        job = ReceiverJob(
            iface=ctx.testbed.host_plans[dst].iface,
            flows={f.flow_id: f.spec.name for f in flows if dst in f.spec.receivers},
            result=str(out / f"{tag}-recv-{dst}.json"),
            ready=str(out / f"{tag}-recv-{dst}.ready"),
            epoch_ns=planned_ns,
            cnp=None if cnp_echo is None else _cnp_echo(ctx, dst, flows, *cnp_echo),
            go=str(go),
        )
        receivers[dst] = (
            job,
            ctx.testbed.popen(dst, [*TRAFFIC, "recv", job.to_json()], f"{tag}-recv-{dst}.log"),
        )
    senders = {}
    for src in sorted({f.spec.src for f in flows}):
        send_job = SenderJob(
            iface=ctx.testbed.host_plans[src].iface,
            flows=[f for f in flows if f.spec.src == src],
            result=str(out / f"{tag}-send-{src}.json"),
            epoch_ns=planned_ns,
            ready=str(out / f"{tag}-send-{src}.ready"),
            go=str(go),
        )
        senders[src] = (
            send_job,
            ctx.testbed.popen(src, [*TRAFFIC, "send", send_job.to_json()], f"{tag}-send-{src}.log"),
        )
    # Every process must be able to send or receive before the schedule starts: on a loaded
    # machine a Python process takes seconds to import scapy.
    ready_files = [Path(job.ready) for job, _ in receivers.values()]
    ready_files += [Path(job.ready) for job, _ in senders.values()]
    if not wait_until(lambda: all(f.exists() for f in ready_files), PROCESS_READY_S):
        missing = ", ".join(f.name for f in ready_files if not f.exists())
        raise RuntimeError(f"traffic processes did not start ({missing}): see {ctx.run.logs}")
    epoch_ns = time.time_ns() + int(start_in_s * 1e9)
    tmp = go.with_suffix(".tmp")
    tmp.write_text(str(epoch_ns))
    tmp.replace(go)
    return FlowRunHandle(
        epoch_ns, receivers, senders, max(f.spec.start_s + f.spec.duration_s for f in flows)
    )


def _cnp_echo(
    ctx: ScenarioContext, host: str, flows: list[ResolvedFlow], mark_us: float, interval_s: float
) -> CnpEcho:
    spec, plan = ctx.testbed.topology.hosts[host], ctx.testbed.host_plans[host]
    dest_qps = {f.flow_id: f.spec.dest_qp for f in flows if f.spec.dst == host}
    return CnpEcho(mark_us, interval_s, spec.mac, plan.gateway_mac, str(spec.ip.ip), dest_qps)


@dataclass
class FlowRunHandle:
    epoch_ns: int
    receivers: dict[str, Any]
    senders: dict[str, Any]
    length_s: float

    def finish(self) -> FlowRun:
        deadline = self.epoch_ns / 1e9 + self.length_s + 30
        for _, process in self.senders.values():
            process.wait(timeout=max(1.0, deadline - time.time()))
        time.sleep(DRAIN_S)  # frames still in switch queues and WAN delay lines
        for _, process in self.receivers.values():
            process.terminate()
        for _, process in self.receivers.values():
            process.wait(timeout=10)
        sent: dict[str, dict[str, Any]] = {}
        fns: list[dict[str, Any]] = []
        for job, _ in self.senders.values():
            data = json.loads(Path(job.result).read_text())
            sent.update(data["flows"])
            fns += data["fns"]
        received_at = {
            host: json.loads(Path(job.result).read_text())["flows"]
            for host, (job, _) in self.receivers.items()
        }
        return FlowRun(self.epoch_ns, sent, merge_received(received_at), fns, received_at)


#: Receiver counts that add up over the hosts a flow reached.
_SUMMED = (
    "received", "bytes", "duplicates", "with_sem", "quantized", "promoted",
    "values_checked", "value_errors", "cnps_sent",
)  # fmt: skip


def merge_received(received_at: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """One result per flow. A flow counted by one host keeps that host's result; a flow that
    reached several (MoE placement) gets summed counts and bins, the worst relative error,
    and its other fields (latency, gaps) from the host that received the most of it."""
    by_flow: dict[str, list[dict[str, Any]]] = {}
    for flows in received_at.values():
        for name, stats in flows.items():
            by_flow.setdefault(name, []).append(stats)
    merged: dict[str, Any] = {}
    for name, parts in by_flow.items():
        if len(parts) == 1:
            merged[name] = parts[0]
            continue
        most: dict[str, Any] = max(parts, key=lambda p: int(p.get("received", 0)))
        result = dict(most)
        for key in _SUMMED:
            result[key] = sum(p.get(key, 0) for p in parts)
        result["max_relative_error"] = max(p.get("max_relative_error", 0.0) for p in parts)
        bins: dict[str, dict[str, Any]] = {}
        for part in parts:
            for key, b in part.get("bins", {}).items():
                into = bins.setdefault(key, {"packets": 0, "bytes": 0, "latency_sum": 0.0})
                into["packets"] += b["packets"]
                into["bytes"] += b["bytes"]
                into["latency_sum"] += b["latency_us"] * b["packets"]
        result["bins"] = {
            key: {
                "packets": b["packets"],
                "bytes": b["bytes"],
                "latency_us": b["latency_sum"] / b["packets"],
            }
            for key, b in sorted(bins.items(), key=lambda kv: int(kv[0]))
        }
        merged[name] = result
    return merged
