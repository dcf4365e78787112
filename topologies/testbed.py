"""Build the Mininet network of a topology file: hosts, P4 switches, shaped links.

What a host gets: the topology's MAC and IPv4 address, a default route through a gateway
address of its subnet whose ARP entry is the first-hop switch's MAC (`controller.programming.
node_mac`), permanent ARP entries for the other hosts of its subnet (the P4 program routes IPv4
only and never answers ARP), IPv6 off and checksum/segmentation offloads off (the switches
read raw frames; see `netutil.py`).

What a link gets: TCLink `bw=` from the topology's scaled capacity (htb) with a short leaf
queue, and the one-way delay either from TCLink/netem or, when the kernel has no netem, from
the switches' per-port delay (`softswitch run --port-delay`): each end delays the frames it
sends on that port, so each direction sees the delay once. `KernelFeatures.delay_mechanism`
says which is in force.

Everything created is recorded in the run directory before or right after creation.
"""

from __future__ import annotations

import ipaddress
import json
import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from controller.config import Thresholds
from controller.programming import node_mac
from controller.topology import Host, Link, Topology
from topologies.cleanup import wait_until
from topologies.preflight import KernelFeatures
from topologies.rundir import Resource, RunDir

#: v1model CPU port and queues, as docs/p4-design.md runs simple_switch_grpc.
CPU_PORT = 255
PRIORITY_QUEUES = 8
#: Leaf queue of a shaped link: this much time at the link rate, in 1000-byte packets.
LINK_QUEUE_S = 0.02
MIN_LINK_QUEUE = 16
REPO = Path(__file__).resolve().parent.parent
#: Probes per second the whole testbed may send: each costs an embedded switch ~0.5 ms of CPU
#: (packet-out, gRPC, socket), so 800/s is ~40% of one of the two cores.
PROBE_BUDGET_PPS = 800
MIN_PROBE_INTERVAL_S = 0.02


class TestbedError(RuntimeError):
    """The network could not be built; the message says what and where."""


# ---------------------------------------------------------------------------------------------
# Pure planning: names, addresses and link parameters (unit-tested without root)


def probe_interval_s(topology: Topology) -> float:
    """The probe interval that keeps every link port probed within `PROBE_BUDGET_PPS`:
    20 ms on the small topology (16 link ports), ~55 ms on the large one (42)."""
    link_ports = 2 * len(topology.links)
    return max(MIN_PROBE_INTERVAL_S, math.ceil(1000 * link_ports / PROBE_BUDGET_PPS) / 1000)


def switch_iface(switch: str, port: int) -> str:
    name = f"{switch}-eth{port}"
    if len(name) > 15:
        raise TestbedError(f"interface name {name!r} is longer than Linux allows (15)")
    return name


def host_iface(host: str) -> str:
    name = f"{host}-eth0"
    if len(name) > 15:
        raise TestbedError(f"interface name {name!r} is longer than Linux allows (15)")
    return name


def gateway_ip(topology: Topology, host: Host) -> ipaddress.IPv4Address:
    """The highest address of the host's subnet that no host uses: the default gateway."""
    used = {h.ip.ip for h in topology.hosts.values()}
    network = host.ip.network
    for candidate in reversed(list(network.hosts())[-256:]):
        if candidate not in used:
            return candidate
    raise TestbedError(f"host {host.name}: subnet {network} has no free address for a gateway")


@dataclass(frozen=True)
class HostPlan:
    name: str
    iface: str
    gateway: str
    gateway_mac: str
    neighbours: list[tuple[str, str]]  # (ip, mac) of the other hosts in the subnet

    def commands(self) -> list[str]:
        """Shell commands run in the host's namespace after Mininet set the address."""
        cmds = [
            "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1",
            f"ip route replace default via {self.gateway} dev {self.iface} onlink",
            f"ip neigh replace {self.gateway} lladdr {self.gateway_mac} dev {self.iface} nud permanent",
        ]
        cmds += [
            f"ip neigh replace {ip} lladdr {mac} dev {self.iface} nud permanent"
            for ip, mac in self.neighbours
        ]
        return cmds


def plan_host(topology: Topology, host: Host) -> HostPlan:
    neighbours = [
        (str(other.ip.ip), other.mac)
        for other in topology.hosts.values()
        if other.name != host.name and other.ip.network == host.ip.network
    ]
    return HostPlan(
        name=host.name,
        iface=host_iface(host.name),
        gateway=str(gateway_ip(topology, host)),
        gateway_mac=node_mac(topology.switches[host.switch].device_id),
        neighbours=neighbours,
    )


@dataclass(frozen=True)
class LinkPlan:
    link: Link
    bw_mbps: float
    delay_us: int
    queue_packets: int


def plan_link(link: Link) -> LinkPlan:
    bw_mbps = link.testbed_bps / 1e6
    queue = max(MIN_LINK_QUEUE, math.ceil(link.testbed_bps * LINK_QUEUE_S / 8000))
    return LinkPlan(link, bw_mbps, round(link.delay_s * 1e6), queue)


def port_delays(topology: Topology, switch: str) -> dict[int, int]:
    """Per-port one-way delay (us) of a switch's link ports, for switch-side delay emulation."""
    delays = {}
    for link in topology.links.values():
        for end in (link.a, link.b):
            if end.switch == switch:
                delays[end.port] = plan_link(link).delay_us
    return delays


@dataclass(frozen=True)
class SwitchShaping:
    """Bottlenecks inside a P4 switch (its egress queues), where congestion thresholds see
    them: a rate per port (packets/s of each queue) and the depth of every queue."""

    port_rates_pps: dict[int, int]
    queue_depth: int | None = None


# ---------------------------------------------------------------------------------------------
# The Mininet network


class Testbed:
    """A topology brought up in Mininet with P4 switches; `start()` then `stop()`."""

    def __init__(
        self,
        topology_file: Path,
        topology: Topology,
        run: RunDir,
        features: KernelFeatures,
        grpc_port_base: int = 50000,
        api_port: int = 9090,
        shaping: dict[str, SwitchShaping] | None = None,
    ) -> None:
        self.topology_file = topology_file
        self.topology = topology
        self.run = run
        self.features = features
        self.grpc_port_base = grpc_port_base
        self.api_port = api_port
        self.shaping = shaping or {}
        #: Liveness probes every 20 ms (longer on big topologies, see `probe_interval_s`), a port
        #: dead after 4 missed: Python switches on two cores jitter by a few ms under load, and a
        #: false failure would spoil a measurement.
        self.thresholds = Thresholds(
            probe_interval_s=probe_interval_s(topology), probe_multiplier=4
        )
        self.net: Any = None
        self.host_plans = {h: plan_host(topology, topology.hosts[h]) for h in topology.hosts}

    def grpc_address(self, switch: str) -> str:
        return f"127.0.0.1:{self.grpc_port_base + self.topology.switches[switch].device_id}"

    def start(self) -> None:
        from mininet.link import Link as MnLink
        from mininet.link import TCLink
        from mininet.net import Mininet
        from mininet.node import Host as MnHost

        switch_cls = _switch_class()
        # Interface names are recorded before they exist: under the run lock, a name of this
        # run's topology that exists after a crash was made by this run.
        for link in self.topology.links.values():
            for end in (link.a, link.b):
                self.run.record(Resource("iface", switch_iface(end.switch, end.port)))
        for host in self.topology.hosts.values():
            self.run.record(Resource("iface", switch_iface(host.switch, host.port)))
        net = Mininet(
            topo=None, build=False, controller=None, autoSetMacs=False, waitConnected=False
        )
        self.net = net
        for host in self.topology.hosts.values():
            net.addHost(host.name, cls=MnHost, ip=str(host.ip), mac=host.mac)
        for switch in self.topology.switches.values():
            net.addSwitch(switch.name, cls=switch_cls, **self._switch_params(switch.name))
        for link in self.topology.links.values():
            plan = plan_link(link)
            params: dict[str, Any] = {"bw": plan.bw_mbps}
            if self.features.netem:
                params["delay"] = f"{plan.delay_us}us"
                params["max_queue_size"] = plan.queue_packets
            net.addLink(
                link.a.switch,
                link.b.switch,
                port1=link.a.port,
                port2=link.b.port,
                intfName1=switch_iface(link.a.switch, link.a.port),
                intfName2=switch_iface(link.b.switch, link.b.port),
                cls=TCLink,
                **params,
            )
        for host in self.topology.hosts.values():
            net.addLink(
                host.name,
                host.switch,
                port1=0,
                port2=host.port,
                intfName1=host_iface(host.name),
                intfName2=switch_iface(host.switch, host.port),
                cls=MnLink,
            )
        net.build()
        for node in net.hosts + net.switches:
            self.run.record_process(node.pid, f"mininet shell {node.name}")
        for link in self.topology.links.values():
            for end in (link.a, link.b):
                self.run.record_iface(switch_iface(end.switch, end.port))
        self._configure_interfaces()
        net.start()
        for switch in net.switches:
            for pid, what in getattr(switch, "recorded_pids", lambda: [])():
                self.run.record_process(pid, what)

    def _switch_params(self, switch: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "device_id": self.topology.switches[switch].device_id,
            "grpc_address": self.grpc_address(switch),
            "cpu_port": CPU_PORT,
            "priority_queues": PRIORITY_QUEUES,
            "log_dir": str(self.run.logs),
        }
        if not self.features.netem:
            params["port_delays_us"] = port_delays(self.topology, switch)
        shaping = self.shaping.get(switch)
        if shaping is not None:
            params["port_rates_pps"] = dict(shaping.port_rates_pps)
            params["queue_depth"] = shaping.queue_depth
        return params

    def _configure_interfaces(self) -> None:
        from topologies.netutil import disable_ipv6, disable_offloads

        for link in self.topology.links.values():
            plan = plan_link(link)
            for end in (link.a, link.b):
                iface = switch_iface(end.switch, end.port)
                disable_ipv6(iface)
                disable_offloads(iface)
                if not self.features.netem:
                    # Mininet's htb class 5:1 gets the default 1000-packet fifo; a short one
                    # makes an overloaded link drop instead of queueing for seconds.
                    _run(
                        "tc", "qdisc", "replace", "dev", iface, "parent", "5:1", "handle", "10:",
                        "pfifo", "limit", str(plan.queue_packets),
                    )  # fmt: skip
        for host in self.topology.hosts.values():
            iface = switch_iface(host.switch, host.port)
            disable_ipv6(iface)
            disable_offloads(iface)
        for name, host_plan in self.host_plans.items():
            node = self.net.get(name)
            for command in host_plan.commands():
                out = node.cmd(command + " 2>&1; echo rc=$?").strip()
                if not out.endswith("rc=0"):
                    raise TestbedError(f"host {name}: `{command}` failed: {out}")
            out = node.cmd(
                f"{sys.executable} -m topologies.netutil {host_plan.iface} 2>&1; echo rc=$?"
            )
            if not out.strip().endswith("rc=0"):
                raise TestbedError(f"host {name}: disabling offloads failed: {out.strip()}")

    # -- processes in hosts ------------------------------------------------------------------

    def popen(self, host: str, argv: Sequence[str], log_name: str) -> subprocess.Popen[bytes]:
        """Start a process in a host's namespace, output to logs/<log_name>, and record it."""
        node = self.net.get(host)
        log = (self.run.logs / log_name).open("ab")
        process: subprocess.Popen[bytes] = node.popen(
            list(argv), stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO)
        )
        log.close()
        self.run.record_process(process.pid, f"{log_name} in {host}")
        return process

    def measure_rtts(self, count: int = 10) -> dict[str, Any]:
        """RTT between the first host of every pair of non-core sites, over the kernel stack."""
        sites = [s.name for s in self.topology.sites.values() if s.kind != "core"]
        first = {
            site: next((h.name for h in self.topology.hosts.values() if h.site == site), None)
            for site in sites
        }
        hosts = {site: host for site, host in first.items() if host is not None}
        echoes = []
        ready_files = []
        for host in hosts.values():
            ready = self.run.path / f"echo-{host}.ready"
            ready_files.append(ready)
            argv = [sys.executable, "-m", "topologies.traffic", "echo", "--ready", str(ready)]
            echoes.append(self.popen(host, argv, f"echo-{host}.log"))
        try:
            wait_until(lambda: all(f.exists() for f in ready_files), 15)
            results: dict[str, Any] = {}
            names = sorted(hosts)
            for i, src_site in enumerate(names):
                for dst_site in names[i + 1 :]:
                    src, dst = hosts[src_site], hosts[dst_site]
                    target = str(self.topology.hosts[dst].ip.ip)
                    out = self.net.get(src).cmd(
                        f"{sys.executable} -m topologies.traffic rtt {target} -c {count}"
                    )
                    try:
                        results[f"{src_site}<->{dst_site}"] = json.loads(
                            out.strip().splitlines()[-1]
                        )
                    except (ValueError, IndexError):
                        results[f"{src_site}<->{dst_site}"] = {"error": out.strip()[-200:]}
            return results
        finally:
            for echo in echoes:
                echo.terminate()
                echo.wait(timeout=5)

    def set_link(self, link: str, up: bool) -> None:
        """Take a switch-to-switch link down or up on both ends (ENETDOWN for the switches)."""
        spec = self.topology.links[link]
        self.net.configLinkStatus(spec.a.switch, spec.b.switch, "up" if up else "down")

    def iface_counters(self) -> dict[str, int]:
        """tx packets of every switch-side link interface (which links carry traffic)."""
        counters = {}
        for link in self.topology.links.values():
            for end in (link.a, link.b):
                iface = switch_iface(end.switch, end.port)
                try:
                    counters[iface] = int(
                        Path(f"/sys/class/net/{iface}/statistics/tx_packets").read_text()
                    )
                except (OSError, ValueError):
                    counters[iface] = 0
        return counters

    def stop(self) -> None:
        if self.net is not None:
            self.net.stop()
            self.net = None


def _run(*argv: str) -> None:
    result = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TestbedError(f"`{' '.join(argv)}` failed: {result.stderr.strip()}")


def _switch_class() -> type:
    try:
        from topologies.p4switch import P4Switch
    except ImportError as err:
        raise TestbedError(
            f"the P4 switch class for Mininet is not available ({err}); "
            "topologies/p4switch.py is needed to run the testbed"
        ) from err
    return P4Switch
