"""The controller in-process against a fabric, and an independent look at what the switches hold.

`start_controller` runs `ControllerService` with its HTTP API on the test's event loop and polls
until every switch is connected as primary and reconciled. `read_state` reads a switch through a
separate P4Runtime channel (not the controller's finsy session) and `compare_state` checks it
against the controller's desired state entity by entity (P4Runtime identity and value).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import finsy as fy
from aiohttp import web
from finsy.proto import p4r
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from controller.api import start_api
from controller.config import ControllerConfig
from controller.p4rt import Pipeline
from controller.programming import node_mac, port_object_id, switch_entities
from controller.reconcile import entity_key, entity_value
from controller.service import ControllerService
from controller.wire import FN, FnFiveTuple, FnParam, FnType, MetricKind, ObjectKind, UdpPorts
from softswitch.p4rt.client import P4RuntimeClient
from tests.e2e.fabric import Fabric

#: Kinds a wildcard read returns in full; everything else the controller owns (default entries,
#: indexed arrays such as meters) is read back one entity at a time. Direct meter configs come
#: back only when the request asks for them (P4Runtime: direct resources of a table entry).
_WILDCARDS = (
    p4r.Entity(table_entry=p4r.TableEntry(meter_config=p4r.MeterConfig())),
    p4r.Entity(action_profile_member=p4r.ActionProfileMember()),
    p4r.Entity(action_profile_group=p4r.ActionProfileGroup()),
    p4r.Entity(
        packet_replication_engine_entry=p4r.PacketReplicationEngineEntry(
            multicast_group_entry=p4r.MulticastGroupEntry()
        )
    ),
    p4r.Entity(
        packet_replication_engine_entry=p4r.PacketReplicationEngineEntry(
            clone_session_entry=p4r.CloneSessionEntry()
        )
    ),
)
_WILDCARD_KINDS = {e.WhichOneof("entity") for e in _WILDCARDS}

#: Figures measured by the tests (name -> seconds), printed at the end of the run.
TIMINGS: dict[str, float] = {}


async def eventually(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Whether `predicate()` comes to hold within the timeout (checked every 10 ms)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def poll(predicate: Callable[[], bool], what: str, timeout_s: float) -> None:
    """Wait until `predicate()` holds, or fail the test saying what did not happen."""
    if not await eventually(predicate, timeout_s):
        raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


#: The first controller pushes the pipeline: every switch compiles it (two cores for five).
READY_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class E2eSettings:
    """What the tests change from the defaults, and why."""

    #: Probes every 50 ms, dead after 3 missed: detection within ~150 ms while five Python
    #: switches and the controller share two cores.
    probe_interval: str = "50ms"
    probe_multiplier: int = 3
    #: How long a failure or congestion lasts without a refresh. The data plane refreshes a
    #: failure every half lifetime (on the next probe), so the lifetime must exceed twice the
    #: probe interval plus the FN's way to the controller through five Python switches.
    fn_lifetime: str = "1s"
    probes: bool = True


@dataclass
class RunningController:
    service: ControllerService
    api: web.AppRunner
    api_url: str
    schema: fy.P4Schema
    settings: E2eSettings
    stopped: bool = False

    def events(self, *kinds: str) -> list[dict[str, Any]]:
        return self.service.events.since(0, frozenset(kinds) if kinds else None)

    def desired(self, switch: str) -> list[p4r.Entity]:
        return [e.encode(self.schema) for e in switch_entities(self.service.intent(), switch)]

    async def stop(self) -> None:
        """Stop the API and the service (closing its P4Runtime sessions); idempotent."""
        if not self.stopped:
            self.stopped = True
            await self.api.cleanup()
            await self.service.stop()


def controller_config(fabric: Fabric, event_log: Path, settings: E2eSettings) -> ControllerConfig:
    addresses = "\n".join(f"    {n}: {sw.address!r}" for n, sw in fabric.switches.items())
    text = (
        f"switches:\n  addresses:\n{addresses}\n"
        f"event_log: {str(event_log)!r}\n"
        f"probes: {str(settings.probes).lower()}\n"
        "thresholds:\n"
        f"  probe: {{interval: {settings.probe_interval}, multiplier: {settings.probe_multiplier}}}\n"
        f"  fn: {{lifetime: {settings.fn_lifetime}}}\n"
    )
    return ControllerConfig.from_text(text, "e2e-controller.yaml")


async def start_controller(
    fabric: Fabric,
    pipeline: Pipeline,
    event_log: Path,
    settings: E2eSettings,
    ready_timeout_s: float,
) -> RunningController:
    """Start the service (targets from the config's addresses) and its API; return once every
    switch is primary and its first reconcile is done."""
    service = ControllerService(
        fabric.topology, controller_config(fabric, event_log, settings), pipeline=pipeline
    )
    await service.start()
    api = await start_api(service, "127.0.0.1", 0)
    host, port = api.addresses[0][:2]
    running = RunningController(
        service, api, f"http://{host}:{port}", fy.P4Schema(pipeline.p4info), settings
    )
    try:
        names = list(fabric.topology.switches)
        await poll(
            lambda: (
                all(service.fleet.ready(n) for n in names)
                and len(running.events("switch_ready")) >= len(names)
            ),
            "every switch connected, primary and reconciled",
            ready_timeout_s,
        )
        await asyncio.wait_for(service.wait_idle(), ready_timeout_s)
    except BaseException:
        await running.stop()
        raise
    return running


# -- reading switches back ------------------------------------------------------------------


async def read_state(
    address: str, device_id: int, desired: Iterable[p4r.Entity]
) -> list[p4r.Entity]:
    """Everything the switch holds of the kinds the controller owns, over a fresh channel:
    wildcard reads, plus one read per desired entity that wildcards do not return (default
    entries, indexed arrays)."""
    client = P4RuntimeClient(address, device_id=device_id)
    try:
        entities = await client.read(_WILDCARDS)
        singles = [e for e in desired if not _by_wildcard(e)]
        if singles:
            entities += await client.read(singles)
    finally:
        await client.close()
    return [e for e in entities if not (e.HasField("table_entry") and e.table_entry.is_const)]


@dataclass
class Controllers:
    """Controllers against one fabric, one at a time (two would fight over primary)."""

    fabric: Fabric
    pipeline: Pipeline
    workdir: Path
    current: RunningController | None = None
    started: int = 0

    async def start(self, settings: E2eSettings) -> RunningController:
        """Stop the running controller, if any, and start a new one."""
        await self.stop()
        self.started += 1
        log = self.workdir / f"events-{self.started}.jsonl"
        self.current = await start_controller(
            self.fabric, self.pipeline, log, settings, READY_TIMEOUT_S
        )
        return self.current

    async def ensure(self, settings: E2eSettings) -> RunningController:
        """The running controller if it has these settings, else a new one."""
        current = self.current
        if current is None or current.stopped or current.settings != settings:
            return await self.start(settings)
        return current

    async def stop(self) -> None:
        if self.current is not None:
            await self.current.stop()


def _by_wildcard(entity: p4r.Entity) -> bool:
    kind = entity.WhichOneof("entity")
    return kind in _WILDCARD_KINDS and not (
        kind == "table_entry" and entity.table_entry.is_default_action
    )


@dataclass
class StateDiff:
    missing: list[tuple[object, ...]] = field(default_factory=list)
    extra: list[tuple[object, ...]] = field(default_factory=list)
    duplicated: list[tuple[object, ...]] = field(default_factory=list)
    different: list[tuple[object, ...]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.duplicated or self.different)


def compare_state(desired: Iterable[p4r.Entity], actual: Iterable[p4r.Entity]) -> StateDiff:
    want = {entity_key(e): e for e in desired}
    counts = Counter(entity_key(e) for e in actual)
    have = {entity_key(e): e for e in actual}
    return StateDiff(
        missing=[k for k in want if k not in have],
        extra=[k for k in have if k not in want],
        duplicated=[k for k, n in counts.items() if n > 1],
        different=[
            k for k, e in want.items() if k in have and entity_value(e) != entity_value(have[k])
        ],
    )


def installed_groups(entities: Iterable[p4r.Entity]) -> dict[int, dict[int, int]]:
    """Action-selector groups read back: group id -> {egress port: weight}. Member ids encode
    the port in their low 9 bits (controller/programming.py)."""
    return {
        e.action_profile_group.group_id: {
            m.member_id & 0x1FF: m.weight for m in e.action_profile_group.members
        }
        for e in entities
        if e.HasField("action_profile_group")
    }


# -- notifications as a neighbour would send them -------------------------------------------


def congestion_fn(
    controller: RunningController,
    originator: str,
    port: int,
    sequence: int,
    flow: tuple[str, str],
    queue_depth: int,
    fn_type: FnType = FnType.CONGESTION_DETECTED,
) -> bytes:
    """A CONGESTION_DETECTED (or _CLEARED) FN about `originator`:`port`, carrying the congested flow's
    five-tuple (RoCEv2), addressed to every neighbour (255.255.255.255) so it is punted."""
    service = controller.service
    device = service.topology.switches[originator].device_id
    fn = FN(
        fn_type=fn_type,
        hop_limit=1,
        originator=device,
        sequence=sequence,
        timestamp=int(time.monotonic() * 1e6) & 0xFFFFFFFFFFFF,
        object_kind=ObjectKind.PORT,
        object_id=port_object_id(device, port),
        metric_kind=MetricKind.QUEUE_DEPTH,
        metric_value=queue_depth,
        lifetime=round(service.config.thresholds.fn_lifetime_s * 1e3)
        if fn_type == FnType.CONGESTION_DETECTED
        else 0,
        params=int(FnParam.FIVE_TUPLE),
        five_tuple=FnFiveTuple(
            src_addr=flow[0], dst_addr=flow[1], src_port=49152, dst_port=4791, protocol=17
        ),
    )
    node_ip = str(service.intent().node_ip(originator))
    return bytes(
        Ether(src=node_mac(device), dst="ff:ff:ff:ff:ff:ff")
        / IP(src=node_ip, dst="255.255.255.255", ttl=1)
        / UDP(sport=UdpPorts.FN, dport=UdpPorts.FN)
        / fn
    )
