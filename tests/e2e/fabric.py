"""A topology's switches as `softswitch run` processes on veth pairs, and its hosts in namespaces.

Switch-to-switch links are veth pairs with both ends in the root namespace; each host gets a
namespace holding one end of a veth pair (the other end is the switch port) configured as the
Mininet testbed configures it (`topologies.testbed.plan_host`: the topology's MAC and address, a
default route through a gateway whose permanent ARP entry is the first-hop switch's MAC, IPv6
off). Every name carries a random tag and is recorded before use, so `close` removes exactly
what this fabric created: its processes by PID, its interfaces and namespaces by name.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether

from bench.netns import Host as NetnsHost
from bench.netns import open_raw_socket
from controller.targets import SwitchSpec, select_target, switch_command
from controller.topology import Host, Topology
from softswitch.p4rt.client import wait_for_port
from topologies.testbed import host_iface, plan_host

REPO = Path(__file__).resolve().parents[2]
CPU_PORT = 255
PRIORITY_QUEUES = 8
#: A switch process compiles nothing at start (--no-p4), so it listens within seconds.
LISTEN_TIMEOUT_S = 30.0


class FabricError(RuntimeError):
    """The namespaces, links or switch processes could not be set up."""


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FabricError(f"ip {' '.join(args)}: {result.stderr.strip()}")


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _mac_int(mac: str) -> int:
    return int(mac.replace(":", ""), 16)


@dataclass
class SwitchProcess:
    name: str
    device_id: int
    address: str  # P4Runtime host:port
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class HostNamespace:
    host: Host
    netns: str
    iface: str  # inside netns
    gateway_mac: str


@dataclass
class Fabric:
    topology: Topology
    workdir: Path
    tag: str = field(default_factory=lambda: secrets.token_hex(2))
    switches: dict[str, SwitchProcess] = field(default_factory=dict)
    hosts: dict[str, HostNamespace] = field(default_factory=dict)
    #: (switch, port) -> interface of that switch port (root namespace).
    port_ifaces: dict[tuple[str, int], str] = field(default_factory=dict)
    #: Everything to remove on close, recorded before it is created.
    _ifaces: list[str] = field(default_factory=list)
    _netns: list[str] = field(default_factory=list)

    # -- building ----------------------------------------------------------------------------

    def build(self) -> None:
        """Links, host namespaces, then one switch process per switch; waits until each
        P4Runtime server accepts connections."""
        for link in self.topology.links.values():
            a, b = (
                self._port_iface(link.a.switch, link.a.port),
                self._port_iface(link.b.switch, link.b.port),
            )
            self._ifaces.append(a)
            _ip("link", "add", a, "type", "veth", "peer", "name", b)
            for iface in (a, b):
                _quiet_iface(iface)
        for host in self.topology.hosts.values():
            self._add_host(host)
        for switch in self.topology.switches.values():
            self._start_switch(switch.name, switch.device_id)
        for sw in self.switches.values():
            ip, port = sw.address.rsplit(":", 1)
            if not wait_for_port(ip, int(port), LISTEN_TIMEOUT_S):
                raise FabricError(f"switch {sw.name} did not listen on {sw.address}; see {sw.log}")

    def _port_iface(self, switch: str, port: int) -> str:
        device = self.topology.switches[switch].device_id
        name = f"x{self.tag}d{device}p{port}"
        if len(name) > 15:
            raise FabricError(f"interface name {name!r} is longer than Linux allows (15)")
        self.port_ifaces[switch, port] = name
        return name

    def _add_host(self, host: Host) -> None:
        netns = f"fe2e-{self.tag}-{host.name}"
        switch_end = self._port_iface(host.switch, host.port)
        temp = f"h{self.tag}{len(self.hosts)}"
        plan = plan_host(self.topology, host)
        self._netns.append(netns)
        _ip("netns", "add", netns)
        self._ifaces.append(switch_end)
        _ip("link", "add", switch_end, "type", "veth", "peer", "name", temp)
        _ip("link", "set", temp, "netns", netns)
        _ip("-n", netns, "link", "set", temp, "name", plan.iface)
        _ip("-n", netns, "link", "set", plan.iface, "address", host.mac)
        _ip("-n", netns, "addr", "add", str(host.ip), "dev", plan.iface)
        _ip("-n", netns, "link", "set", "lo", "up")
        _ip("-n", netns, "link", "set", plan.iface, "up")
        for command in plan.commands():
            result = subprocess.run(
                ["ip", "netns", "exec", netns, "sh", "-c", command],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise FabricError(f"{host.name}: {command}: {result.stderr.strip()}")
        _quiet_iface(switch_end)
        self.hosts[host.name] = HostNamespace(host, netns, host_iface(host.name), plan.gateway_mac)

    def _start_switch(self, name: str, device_id: int, address: str | None = None) -> None:
        """The switch process of the target the controller builds for (`select_target`:
        BMv2 when installed, FANTEL_TARGET overrides), with its output as the log."""
        address = address or f"127.0.0.1:{_free_tcp_port()}"
        log = self.workdir / f"{name}.log"
        ports = {port: self.port_ifaces[name, port] for port in self.topology.port_map(name)}
        spec = SwitchSpec(
            device_id, address, ports, cpu_port=CPU_PORT, priority_queues=PRIORITY_QUEUES
        )
        argv = switch_command(select_target(), spec).argv
        with open(log, "ab") as out:
            process = subprocess.Popen(
                argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        self.switches[name] = SwitchProcess(name, device_id, address, process, log)

    # -- experiments -------------------------------------------------------------------------

    def restart_switch(self, name: str) -> None:
        """Kill one switch process (SIGKILL: no goodbye) and start a fresh one on the same
        ports and P4Runtime address, as a rebooted switch: empty tables, registers at zero."""
        old = self.switches[name]
        old.process.kill()
        old.process.wait()
        self._start_switch(name, old.device_id, old.address)
        ip, port = old.address.rsplit(":", 1)
        if not wait_for_port(ip, int(port), LISTEN_TIMEOUT_S):
            raise FabricError(f"switch {name} did not listen again on {old.address}")

    def set_link(self, link_name: str, up: bool) -> None:
        """Both ends of a switch-to-switch link down (or up), as a cut fibre would be."""
        link = self.topology.links[link_name]
        for end in (link.a, link.b):
            _ip("link", "set", self.port_ifaces[end.switch, end.port], "up" if up else "down")

    def inject(self, switch: str, port: int, frame: bytes) -> None:
        """Deliver `frame` to `switch` on infrastructure port `port`, as if its neighbour had
        sent it: it is transmitted on the neighbour's end of the link."""
        neighbour = self.topology.port_map(switch)[port].peer
        if neighbour is None:
            raise FabricError(f"{switch}:{port} is not a switch-to-switch link")
        iface = self.port_ifaces[neighbour.switch, neighbour.port]
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
            sock.bind((iface, 0))
            sock.send(frame)

    def exited(self) -> list[str]:
        """Names of switch processes that exited (an empty list means all are running)."""
        return [name for name, sw in self.switches.items() if sw.process.poll() is not None]

    @contextmanager
    def host_socket(self, name: str) -> Iterator[socket.socket]:
        ns = self.hosts[name]
        sock = open_raw_socket(NetnsHost(ns.netns, ns.iface, "", _mac_int(ns.host.mac)), 0.1)
        try:
            yield sock
        finally:
            sock.close()

    def ping(self, src: str, dst: str, timeout_s: float, ident: int) -> float | None:
        """ICMP echo from host `src` (a raw frame to its gateway) answered by `dst`'s kernel;
        resends every 0.3 s while waiting. The round trip in seconds, or None on timeout.

        Blocking: call it from a thread while the controller runs on the event loop."""
        source, target = self.hosts[src], self.hosts[dst]
        deadline = time.monotonic() + timeout_s
        with self.host_socket(src) as sock:
            seq = 0
            while time.monotonic() < deadline:
                seq += 1
                request = (
                    Ether(src=source.host.mac, dst=source.gateway_mac)
                    / IP(src=str(source.host.ip.ip), dst=str(target.host.ip.ip), ttl=32)
                    / ICMP(type=8, id=ident, seq=seq)
                    / b"fantel-e2e"
                )
                sent = time.monotonic()
                sock.send(bytes(request))
                if _await_echo_reply(sock, str(target.host.ip.ip), ident, seq, 0.3):
                    return time.monotonic() - sent
        return None

    # -- teardown ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the recorded processes by PID, then delete the recorded interfaces and
        namespaces by name (deleting one veth end deletes the pair)."""
        for sw in self.switches.values():
            if sw.process.poll() is None:
                sw.process.terminate()
        for sw in self.switches.values():
            try:
                sw.process.wait(10)
            except subprocess.TimeoutExpired:
                sw.process.kill()
                sw.process.wait()
        for iface in self._ifaces:
            subprocess.run(["ip", "link", "del", iface], capture_output=True, check=False)
        for netns in self._netns:
            subprocess.run(["ip", "netns", "del", netns], capture_output=True, check=False)

    def leftovers(self) -> list[str]:
        """Recorded interfaces and namespaces that still exist (empty after a clean close)."""
        names = subprocess.run(
            ["ip", "-o", "link", "show"], capture_output=True, text=True, check=False
        ).stdout
        spaces = subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True, check=False
        ).stdout.split()
        return [i for i in self._ifaces if f" {i}@" in names or f" {i}:" in names] + [
            n for n in self._netns if n in spaces
        ]


def _quiet_iface(iface: str) -> None:
    """No IPv6 chatter (router solicitations, MLD) from the root namespace into the switches."""
    Path(f"/proc/sys/net/ipv6/conf/{iface}/disable_ipv6").write_text("1\n")
    _ip("link", "set", iface, "up")


def _await_echo_reply(
    sock: socket.socket, src_ip: str, ident: int, seq: int, wait_s: float
) -> bool:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65535)
        except TimeoutError:
            continue
        frame = Ether(data)
        if (
            ICMP in frame
            and frame[ICMP].type == 0
            and frame[ICMP].id == ident
            and frame[ICMP].seq == seq
            and frame[IP].src == src_ip
        ):
            return True
    return False
