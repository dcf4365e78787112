"""Shared pieces for the controller service/API/CLI tests: the compiled pipeline, FN frames, and
a service whose fleet talks to fake in-process P4Runtime servers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.config import ControllerConfig, PipelineFiles
from controller.p4rt import Pipeline, SwitchTarget
from controller.service import ControllerService, resolve_pipeline
from controller.topology import Topology
from controller.wire import FN, FnFiveTuple, FnParam, FnType, MetricKind, ObjectKind, UdpPorts
from tests.controller.fake_p4rt import FakeP4Runtime

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "topologies" / "small.yaml"
TIMEOUT = 10.0

_pipelines: dict[Path, Pipeline] = {}


def fantel_pipeline(workdir: Path) -> Pipeline:
    """P4Info and source bundle of p4src/ (compiled once per test session)."""
    if not _pipelines:
        files = PipelineFiles(
            program=REPO / "p4src" / "v1model" / "fantel_v1model.p4",
            include_dirs=(REPO / "p4src",),
        )
        _pipelines[REPO] = resolve_pipeline(files, workdir)
    return _pipelines[REPO]


def fn_frame(
    fn_type: FnType,
    originator: int,
    port: int,
    sequence: int,
    *,
    lifetime_ms: int = 500,
    metric: MetricKind = MetricKind.NONE,
    value: int = 0,
    flow: tuple[str, str] | None = None,
) -> bytes:
    """An FN about port `port` of node `originator`, as a switch would punt it."""
    fn = FN(
        fn_type=fn_type,
        hop_limit=1,
        originator=originator,
        sequence=sequence,
        timestamp=1_000_000 + sequence,
        object_kind=ObjectKind.PORT,
        object_id=originator << 16 | port,
        metric_kind=metric,
        metric_value=value,
        lifetime=lifetime_ms,
    )
    if flow is not None:
        fn.params = int(FnParam.FIVE_TUPLE)
        fn.five_tuple = FnFiveTuple(
            src_addr=flow[0], dst_addr=flow[1], src_port=49152, dst_port=4791, protocol=17
        )
    return bytes(
        Ether()
        / IP(src="10.255.0.9", dst="255.255.255.255")
        / UDP(sport=UdpPorts.FN, dport=UdpPorts.FN)
        / fn
    )


async def wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class Running:
    service: ControllerService
    fakes: dict[str, FakeP4Runtime]


@asynccontextmanager
async def running_service(
    workdir: Path,
    config_text: str = "probes: false\n",
    topology: Topology | None = None,
    fakes: dict[str, FakeP4Runtime] | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> AsyncIterator[Running]:
    """A started service connected to one fake P4Runtime server per switch, all in sync;
    `wall_clock` times notifications, soft state and hold-downs."""
    topo = topology or Topology.load(SMALL)
    config = ControllerConfig.from_text("switches: {port_base: 1}\n" + config_text, "test.yaml")
    owned = fakes is None
    if fakes is None:
        fakes = {name: FakeP4Runtime(s.device_id) for name, s in topo.switches.items()}
        for fake in fakes.values():
            await fake.start()
    targets = [
        SwitchTarget(name, fake.address, topo.switches[name].device_id)
        for name, fake in fakes.items()
    ]
    service = ControllerService(
        topo, config, pipeline=fantel_pipeline(workdir), targets=targets, wall_clock=wall_clock
    )
    await service.start()
    try:
        await wait_for(lambda: all(service.fleet.ready(n) for n in fakes), "switches ready")
        await wait_for(
            lambda: sum(e["kind"] == "switch_ready" for e in service.events.since(0)) == len(fakes),
            "initial reconcile",
        )
        yield Running(service, fakes)
    finally:
        await service.stop()
        for fake in fakes.values() if owned else ():
            await fake.stop()
