"""One switch under test on real interfaces, programmed by the controller over P4Runtime.

`running_dut(target, workdir)` builds the pipeline for the target (`controller.targets`),
creates one network namespace per switch port (`bench.netns.VethLab`: unique names, removed by
name), starts the target's switch process with the command line `controller.targets` gives,
and runs the controller's `Fleet` against it with the desired state `controller.programming`
derives for switch `dut` of `topology.yaml`, plus the one entity no controller builder makes
(a `sem_classifier` entry for the legacy RoCEv2 sender). Tests send frames from the namespace
of one port and read what arrives in the namespaces of others, and read counters, groups and
packet-ins over the same P4Runtime session.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import finsy as fy

from bench.netns import Host, VethLab, open_raw_socket
from controller.config import ControllerConfig
from controller.lab import CPU_PORT, INCLUDE_DIR, PRIORITY_QUEUES, PROGRAM
from controller.p4rt import Fleet, FleetHandlers, SwitchTarget
from controller.programming import Intent, node_mac, switch_entities
from controller.reconcile import Plan
from controller.targets import SwitchSpec, TargetKind, build_pipeline, switch_command
from controller.te import TrafficEngine
from controller.topology import Topology
from controller.wire import SEM, TrafficClass
from softswitch.p4rt.client import wait_for_port
from tests.dataplane.fabric import SwitchIdentity

TOPOLOGY = Path(__file__).with_name("topology.yaml")
DUT = "dut"
REPO = Path(__file__).resolve().parents[2]
#: More than the 100 Gbps path carries, so TE splits dut -> far over both uplinks by weight.
DEMAND_BPS = 130e9
#: A switch process listens within seconds; p4c on BMv2 takes longer, but before the start.
LISTEN_TIMEOUT_S = 30.0
#: Pipeline push plus the whole desired state written and read back.
INSTALL_TIMEOUT_S = 60.0
WAIT_S = 5.0

#: The legacy sender's flows that the ingress edge classifies (insert_sem parameters).
LEGACY_SENDER, LEGACY_QP = "10.0.1.1", 0x123
LEGACY_SEM = {
    "tclass": int(TrafficClass.ACTIVATION),
    "urgency": 50,
    "stage": 3,
    "layer_id": 12,
    "quant_ok": 0,
    "loss_ok": 0,
    "buffer_ok": 0,
    "elem_format": 0,
    "target_precision": 0,
    "loss_budget": 0,
    "max_delay": 0,
    "affinity_kind": 0,
    "affinity_id": 0,
    "tenant_id": 7,
    "task_id": 0x42,
}


def legacy_sem() -> SEM:
    """The SEM the ingress edge inserts for the legacy sender, as the wire shows it."""
    sem = SEM()
    for name, value in LEGACY_SEM.items():
        sem.setfieldval(name, value)
    return sem


def mac_int(text: str) -> int:
    return int(text.replace(":", ""), 16)


def ptf_intent() -> Intent:
    """The controller's intent for the test network: default config, TE with one demand."""
    topology = Topology.load(TOPOLOGY)
    config = ControllerConfig()
    engine = TrafficEngine(
        topology.graph(), k_paths=config.te.k_paths, max_group_weight=config.te.max_group_weight
    )
    engine.set_demand(DUT, "far", DEMAND_BPS)
    return Intent(topology, config, engine.solve())


def legacy_classifier(ingress_port: int) -> fy.P4TableEntry:
    """SEM insertion for the legacy sender's RoCEv2 to QP `LEGACY_QP`, any destination."""
    return fy.P4TableEntry(
        "sem_classifier",
        match=fy.P4TableMatch(
            ingress_port=(ingress_port, 0x1FF),
            ipv4_src=(LEGACY_SENDER, 0xFFFFFFFF),
            dest_qp=(LEGACY_QP, 0xFFFFFF),
        ),
        action=fy.P4TableAction("insert_sem", **LEGACY_SEM),
        priority=10,
    )


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Dut:
    """The switch under test and the far end of each of its ports."""

    target: TargetKind
    intent: Intent
    fleet: Fleet
    hosts: dict[int, Host]
    sockets: dict[int, socket.socket]
    packet_ins: asyncio.Queue[fy.P4PacketIn]
    log: Path

    @property
    def switch(self) -> fy.Switch:
        return self.fleet.switches[DUT]

    @property
    def mac(self) -> int:
        return mac_int(self.intent.node_mac(DUT))

    def identity(self) -> SwitchIdentity:
        """What the controller's `switch_config` told the switch about itself."""
        t = self.intent.config.thresholds
        return SwitchIdentity(
            node_id=self.intent.topology.switches[DUT].device_id,
            node_ip=str(self.intent.node_ip(DUT)),
            node_mac=self.mac,
            fn_hop_limit=t.fn_hop_limit,
        )

    def peer_mac(self, port: int) -> int:
        """The MAC the switch writes towards the neighbour (switch or host) on `port`."""
        neighbour = self.intent.topology.port_map(DUT)[port]
        if neighbour.host is not None:
            return mac_int(neighbour.host.mac)
        assert neighbour.peer is not None
        return mac_int(node_mac(self.intent.topology.switches[neighbour.peer.switch].device_id))

    def send(self, port: int, frame: bytes) -> None:
        """Transmit `frame` into the switch on `port`, from the namespace at its far end."""
        self.sockets[port].send(frame)

    async def collect(
        self, ports: Iterable[int], until: Callable[[list[tuple[int, bytes]]], bool]
    ) -> list[tuple[int, bytes]]:
        """Frames the switch sends out of `ports`, in arrival order, gathered until `until`
        holds for them or `WAIT_S` passes."""
        return await asyncio.to_thread(_collect, {p: self.sockets[p] for p in ports}, until)

    async def read(self, entity: fy.p4entity.P4Entity) -> list[fy.p4entity.P4Entity]:
        """Read `entity` (wildcards allowed) back from the switch over P4Runtime."""
        # finsy annotates read() as a coroutine; it is an async generator.
        reader = cast(AsyncIterator[fy.p4entity.P4Entity], self.switch.read(entity))
        return [e async for e in reader]

    async def counter(self, name: str, index: int) -> int:
        """Packets counted in cell `index` of indirect counter `name`."""
        [entry] = await self.read(fy.P4CounterEntry(name, index=index))
        assert isinstance(entry, fy.P4CounterEntry) and entry.data is not None
        return entry.data.packet_count

    async def counter_reaches(self, name: str, index: int, value: int) -> int:
        """Poll the counter until it reaches `value` (or `WAIT_S` passes); its last value."""
        deadline = time.monotonic() + WAIT_S
        count = await self.counter(name, index)
        while count < value and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            count = await self.counter(name, index)
        return count

    async def packet_in(self, payload: bytes) -> fy.P4PacketIn | None:
        """The next packet-in carrying `payload` (others are skipped), or None after `WAIT_S`."""
        deadline = time.monotonic() + WAIT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                packet = await asyncio.wait_for(self.packet_ins.get(), left)
            except TimeoutError:
                return None
            if packet.payload == payload:
                return packet
        return None


def _collect(
    sockets: dict[int, socket.socket], until: Callable[[list[tuple[int, bytes]]], bool]
) -> list[tuple[int, bytes]]:
    by_fd = {sock.fileno(): (port, sock) for port, sock in sockets.items()}
    got: list[tuple[int, bytes]] = []
    deadline = time.monotonic() + WAIT_S
    while not until(got) and (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select(list(by_fd), [], [], min(left, 0.1))
        for fd in readable:
            port, sock = by_fd[fd]
            data, addr = sock.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING:
                got.append((port, data))
    return got


@contextlib.asynccontextmanager
async def running_dut(target: TargetKind, workdir: Path) -> AsyncIterator[Dut]:
    """The switch under test, programmed and ready; everything it made is removed after."""
    intent = ptf_intent()
    desired = [*switch_entities(intent, DUT), legacy_classifier(ingress_port=1)]
    device_id = intent.topology.switches[DUT].device_id
    pipeline = build_pipeline(PROGRAM, (INCLUDE_DIR,), (), target, workdir)
    veths = VethLab()
    process: subprocess.Popen[bytes] | None = None
    fleet_task: asyncio.Task[None] | None = None
    sockets: dict[int, socket.socket] = {}
    log = workdir / "switch.log"
    try:
        hosts = {port: veths.add_host(port) for port in sorted(intent.topology.port_map(DUT))}
        address = f"127.0.0.1:{free_tcp_port()}"
        spec = SwitchSpec(
            device_id,
            address,
            {port: host.switch_iface for port, host in hosts.items()},
            cpu_port=CPU_PORT,
            priority_queues=PRIORITY_QUEUES,
        )
        with open(log, "wb") as out:
            process = subprocess.Popen(
                switch_command(target, spec).argv,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        host, _, port = address.rpartition(":")
        if not await asyncio.to_thread(wait_for_port, host, int(port), LISTEN_TIMEOUT_S):
            raise RuntimeError(f"{target} did not listen on {address}; see {log}")
        ready = asyncio.Event()
        packet_ins: asyncio.Queue[fy.P4PacketIn] = asyncio.Queue()

        async def on_ready(name: str, plan: Plan) -> None:
            ready.set()

        async def on_packet_in(name: str, packet: fy.P4PacketIn) -> None:
            packet_ins.put_nowait(packet)

        fleet = Fleet(
            [SwitchTarget(DUT, address, device_id)],
            pipeline,
            lambda name: desired,
            FleetHandlers(packet_in=on_packet_in, ready=on_ready),
        )
        fleet_task = asyncio.create_task(fleet.run(), name="ptf-fleet")
        await _until_ready(ready, fleet_task, process, log)
        sockets = {port: open_raw_socket(h, timeout_s=0.1) for port, h in hosts.items()}
        yield Dut(target, intent, fleet, hosts, sockets, packet_ins, log)
    finally:
        if fleet_task is not None:
            fleet_task.cancel()
            await asyncio.gather(fleet_task, return_exceptions=True)
        for sock in sockets.values():
            sock.close()
        if process is not None:
            _stop(process)
        veths.close()


async def _until_ready(
    ready: asyncio.Event,
    fleet_task: asyncio.Task[None],
    process: subprocess.Popen[bytes],
    log: Path,
) -> None:
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait(
        {waiter, fleet_task}, timeout=INSTALL_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
    )
    waiter.cancel()
    if waiter in done:
        return
    if fleet_task in done:
        fleet_task.result()  # the controller's own error
    state = "exited" if process.poll() is not None else "is running"
    raise RuntimeError(
        f"the controller did not install the switch within {INSTALL_TIMEOUT_S:.0f} s "
        f"(switch process {state}); see {log}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
