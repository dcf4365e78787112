"""The network model: a validated topology loaded from a YAML file.

The same file drives the controller (paths, weights, host routes) and the Mininet testbed
(`topologies/`). The format is described in `docs/topology-format.md`. Every validation error
names the file, the line and the field (`small.yaml:42: links[3].capacity: ...`) because these
files are written by hand.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from controller.wire import TrafficClass
from controller.yamlsource import LineMap, SourceError, SourceParser

#: Propagation delay in fibre: light travels about 200 km per millisecond, i.e. 5 us per km.
FIBRE_DELAY_S_PER_KM = 5e-6

SITE_KINDS = ("entity", "aidc", "core")
#: SEM carries urgency in 8 bits (docs/wire-format.md).
MAX_URGENCY = 255

_RATE_UNITS = {"bps": 1.0, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9, "tbps": 1e12}
_DELAY_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
_QUANTITY = re.compile(
    r"^\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$"
)
_MAC = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class TopologyError(SourceError):
    """A topology file is invalid; the message reads `file:line: field: message`."""


# ---------------------------------------------------------------------------------------------
# Units


def _split_quantity(text: str) -> tuple[float, str]:
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"expected a number followed by a unit, got {text!r}")
    return float(match.group(1)), match.group(2).lower()


def parse_rate(text: str) -> float:
    """Parse a link rate such as "10Gbps" or "100 Mbps" into bits per second."""
    number, unit = _split_quantity(text)
    if unit not in _RATE_UNITS:
        raise ValueError(
            f"unknown rate unit {unit!r} in {text!r} (use bps, Kbps, Mbps, Gbps, Tbps)"
        )
    if number <= 0:
        raise ValueError(f"rate must be positive, got {text!r}")
    return number * _RATE_UNITS[unit]


def parse_delay(text: str) -> float:
    """Parse a one-way delay ("1.5ms", "200us") or a fibre length ("300km") into seconds."""
    number, unit = _split_quantity(text)
    if unit == "km":
        seconds = number * FIBRE_DELAY_S_PER_KM
    elif unit in _DELAY_UNITS:
        seconds = number * _DELAY_UNITS[unit]
    else:
        raise ValueError(f"unknown delay unit {unit!r} in {text!r} (use s, ms, us, ns or km)")
    if seconds < 0:
        raise ValueError(f"delay must not be negative, got {text!r}")
    return seconds


def parse_scale(value: object) -> float:
    """Parse a capacity scale factor: a fraction in (0, 1] or the string "1/N"."""
    if isinstance(value, str) and "/" in value:
        num, _, den = value.partition("/")
        try:
            scale = float(num) / float(den)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"expected a fraction like 1/10000, got {value!r}") from exc
    elif isinstance(value, int | float) and not isinstance(value, bool):
        scale = float(value)
    else:
        raise ValueError(f"expected a number in (0, 1] or a fraction like 1/10000, got {value!r}")
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {value!r}")
    return scale


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Site:
    name: str
    kind: str  # one of SITE_KINDS
    description: str = ""


@dataclass(frozen=True)
class Switch:
    name: str
    device_id: int
    site: str


@dataclass(frozen=True)
class PortRef:
    switch: str
    port: int

    def __str__(self) -> str:
        return f"{self.switch}:{self.port}"


@dataclass(frozen=True)
class Link:
    """A full-duplex link; capacity applies to each direction separately."""

    name: str
    a: PortRef
    b: PortRef
    capacity_bps: float  # the modelled (real-world) capacity
    delay_s: float  # one-way propagation delay
    scale: float  # testbed capacity = capacity_bps * scale

    @property
    def testbed_bps(self) -> float:
        """The scaled-down capacity the testbed actually emulates."""
        return self.capacity_bps * self.scale

    def end(self, switch: str) -> PortRef:
        """This link's port on `switch`."""
        if self.a.switch == switch:
            return self.a
        if self.b.switch == switch:
            return self.b
        raise KeyError(f"link {self.name} does not touch switch {switch}")

    def other(self, switch: str) -> PortRef:
        """The far end of this link seen from `switch`."""
        return self.b if self.end(switch) == self.a else self.a


@dataclass(frozen=True)
class Host:
    name: str
    mac: str
    ip: ipaddress.IPv4Interface
    switch: str
    port: int
    site: str
    tenant: str | None


@dataclass(frozen=True)
class Tenant:
    name: str
    id: int
    max_urgency: int
    traffic_classes: tuple[str, ...]


@dataclass(frozen=True)
class Neighbour:
    """What sits behind a switch port: another switch's port (via a link) or a host."""

    link: Link | None = None
    peer: PortRef | None = None
    host: Host | None = None


@dataclass
class Topology:
    name: str
    source: str
    scale: float
    sites: dict[str, Site] = field(default_factory=dict)
    switches: dict[str, Switch] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    tenants: dict[str, Tenant] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Topology:
        """Load and validate a topology file; raises TopologyError on any problem."""
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise TopologyError(str(path), 0, "file", exc.strerror or str(exc)) from exc
        return cls.from_text(text, str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<string>") -> Topology:
        return _Parser(source).parse(text)

    def graph(self, *, testbed: bool = True) -> nx.MultiGraph:
        """The switch graph for TE: one edge per link, keyed by link name.

        Edge attributes: `capacity` (bps per direction; the scaled testbed capacity unless
        `testbed=False`), `delay` (s), `ports` ({switch: port}). Node attributes: `device_id`,
        `site`, `site_kind`.
        """
        graph = nx.MultiGraph(name=self.name)
        for switch in self.switches.values():
            graph.add_node(
                switch.name,
                device_id=switch.device_id,
                site=switch.site,
                site_kind=self.sites[switch.site].kind,
            )
        for link in self.links.values():
            graph.add_edge(
                link.a.switch,
                link.b.switch,
                key=link.name,
                capacity=link.testbed_bps if testbed else link.capacity_bps,
                delay=link.delay_s,
                ports={link.a.switch: link.a.port, link.b.switch: link.b.port},
            )
        return graph

    def port_map(self, switch: str) -> dict[int, Neighbour]:
        """Every used port of `switch` and what is behind it."""
        if switch not in self.switches:
            raise KeyError(f"unknown switch {switch!r}")
        ports: dict[int, Neighbour] = {}
        for link in self.links.values():
            for end in (link.a, link.b):
                if end.switch == switch:
                    ports[end.port] = Neighbour(link=link, peer=link.other(switch))
        for host in self.hosts_on(switch):
            ports[host.port] = Neighbour(host=host)
        return dict(sorted(ports.items()))

    def hosts_on(self, switch: str) -> list[Host]:
        return [h for h in self.hosts.values() if h.switch == switch]

    def host_by_ip(self, ip: str | ipaddress.IPv4Address) -> Host | None:
        address = ipaddress.IPv4Address(ip)
        return next((h for h in self.hosts.values() if h.ip.ip == address), None)

    def host_by_mac(self, mac: str) -> Host | None:
        mac = mac.lower()
        return next((h for h in self.hosts.values() if h.mac == mac), None)

    def switch_by_device_id(self, device_id: int) -> Switch | None:
        return next((s for s in self.switches.values() if s.device_id == device_id), None)

    def destination_prefixes(self) -> dict[str, list[ipaddress.IPv4Network]]:
        """Prefixes each switch is the egress for: host subnets, or /32s where a subnet is split.

        A subnet whose hosts all hang off one switch is routed as a whole; a subnet spread over
        several switches is routed per host so that longest-prefix match stays unambiguous.
        """
        owners: dict[ipaddress.IPv4Network, set[str]] = {}
        for host in self.hosts.values():
            owners.setdefault(host.ip.network, set()).add(host.switch)
        prefixes: dict[str, set[ipaddress.IPv4Network]] = {s: set() for s in self.switches}
        for host in self.hosts.values():
            if len(owners[host.ip.network]) == 1:
                prefixes[host.switch].add(host.ip.network)
            else:
                prefixes[host.switch].add(ipaddress.IPv4Network(f"{host.ip.ip}/32"))
        return {s: sorted(p) for s, p in prefixes.items()}


# ---------------------------------------------------------------------------------------------
# Parsing (the YAML-with-lines layer is controller.yamlsource)


class _Parser(SourceParser):
    """Turns YAML text into a Topology, checking every field on the way."""

    error = TopologyError

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._ports: dict[tuple[str, int], str] = {}  # (switch, port) -> field that took it

    def _name(self, entry: LineMap, key: str, path: str) -> str:
        name: str = self.value(entry, key, path, str)
        if not _NAME.match(name):
            raise self.fail(entry.key_lines[key], f"{path}.{key}", f"invalid name {name!r}")
        return name

    def _claim_port(self, switch: str, port: int, line: int, path: str) -> None:
        if (switch, port) in self._ports:
            raise self.fail(
                line, path, f"port {switch}:{port} is already used by {self._ports[switch, port]}"
            )
        self._ports[switch, port] = path

    # -- sections -------------------------------------------------------------------------

    def parse(self, text: str) -> Topology:
        document = self.fields(
            self.load(text),
            1,
            "<document>",
            {"name", "sites", "switches", "links"},
            {"scale", "hosts", "tenants", "description"},
        )
        scale = 1.0
        if "scale" in document:
            try:
                scale = parse_scale(document["scale"])
            except ValueError as exc:
                raise self.fail(document.key_lines["scale"], "scale", str(exc)) from exc
        topo = Topology(name=self._name(document, "name", "name"), source=self.source, scale=scale)
        self._sites(document, topo)
        self._switches(document, topo)
        self._links(document, topo)
        self._tenants(document, topo)
        self._hosts(document, topo)
        return topo

    def _sites(self, document: LineMap, topo: Topology) -> None:
        for _, entry, line, path in self.section(document, "sites"):
            entry = self.fields(entry, line, path, {"name", "kind"}, {"description"})
            name = self._name(entry, "name", path)
            kind = self.value(entry, "kind", path, str)
            if kind not in SITE_KINDS:
                raise self.fail(
                    entry.key_lines["kind"],
                    f"{path}.kind",
                    f"must be one of {', '.join(SITE_KINDS)}, got {kind!r}",
                )
            if name in topo.sites:
                raise self.fail(entry.key_lines["name"], f"{path}.name", f"duplicate site {name!r}")
            topo.sites[name] = Site(name, kind, self.value(entry, "description", path, str, ""))

    def _switches(self, document: LineMap, topo: Topology) -> None:
        device_ids: dict[int, str] = {}
        for _, entry, line, path in self.section(document, "switches"):
            entry = self.fields(entry, line, path, {"name", "device_id", "site"}, set())
            name = self._name(entry, "name", path)
            device_id = self.value(entry, "device_id", path, int)
            site = self.value(entry, "site", path, str)
            if name in topo.switches:
                raise self.fail(
                    entry.key_lines["name"], f"{path}.name", f"duplicate switch {name!r}"
                )
            if device_id < 0:
                raise self.fail(
                    entry.key_lines["device_id"], f"{path}.device_id", "must not be negative"
                )
            if device_id in device_ids:
                raise self.fail(
                    entry.key_lines["device_id"],
                    f"{path}.device_id",
                    f"device id {device_id} is already used by {device_ids[device_id]}",
                )
            if site not in topo.sites:
                raise self.fail(entry.key_lines["site"], f"{path}.site", f"unknown site {site!r}")
            device_ids[device_id] = name
            topo.switches[name] = Switch(name, device_id, site)
        if not topo.switches:
            raise self.fail(
                document.key_lines["switches"], "switches", "at least one switch is needed"
            )

    def _port_ref(self, entry: LineMap, key: str, path: str, topo: Topology) -> PortRef:
        text = self.value(entry, key, path, str)
        switch, sep, port_text = text.rpartition(":")
        line = entry.key_lines[key]
        if not sep or not port_text.isdigit() or int(port_text) < 1:
            raise self.fail(
                line, f"{path}.{key}", f"expected 'switch:port' with a port >= 1, got {text!r}"
            )
        if switch not in topo.switches:
            raise self.fail(line, f"{path}.{key}", f"unknown switch {switch!r}")
        ref = PortRef(switch, int(port_text))
        self._claim_port(ref.switch, ref.port, line, f"{path}.{key}")
        return ref

    def _links(self, document: LineMap, topo: Topology) -> None:
        for _, entry, line, path in self.section(document, "links"):
            entry = self.fields(
                entry, line, path, {"a", "b", "capacity", "delay"}, {"name", "scale"}
            )
            a = self._port_ref(entry, "a", path, topo)
            b = self._port_ref(entry, "b", path, topo)
            if a.switch == b.switch:
                raise self.fail(
                    entry.key_lines["b"], f"{path}.b", "a link must join two different switches"
                )
            capacity = self.measure(entry, "capacity", path, parse_rate)
            delay = self.measure(entry, "delay", path, parse_delay)
            scale = topo.scale
            if "scale" in entry:
                try:
                    scale = parse_scale(entry["scale"])
                except ValueError as exc:
                    raise self.fail(entry.key_lines["scale"], f"{path}.scale", str(exc)) from exc
            name = self._name(entry, "name", path) if "name" in entry else f"{a}-{b}"
            if name in topo.links:
                raise self.fail(line, f"{path}.name", f"duplicate link name {name!r}")
            topo.links[name] = Link(name, a, b, capacity, delay, scale)

    def _tenants(self, document: LineMap, topo: Topology) -> None:
        ids: dict[int, str] = {}
        for _, entry, line, path in self.section(document, "tenants"):
            entry = self.fields(
                entry, line, path, {"name", "id", "max_urgency", "traffic_classes"}, set()
            )
            name = self._name(entry, "name", path)
            tenant_id = self.value(entry, "id", path, int)
            urgency = self.value(entry, "max_urgency", path, int)
            classes = self.value(entry, "traffic_classes", path, list)
            if name in topo.tenants:
                raise self.fail(
                    entry.key_lines["name"], f"{path}.name", f"duplicate tenant {name!r}"
                )
            if tenant_id in ids:
                raise self.fail(
                    entry.key_lines["id"],
                    f"{path}.id",
                    f"tenant id {tenant_id} is already used by {ids[tenant_id]}",
                )
            if not 0 <= urgency <= MAX_URGENCY:
                raise self.fail(
                    entry.key_lines["max_urgency"],
                    f"{path}.max_urgency",
                    f"must be in 0..{MAX_URGENCY}, got {urgency}",
                )
            known = [c.name.lower() for c in TrafficClass]
            if not classes or not all(isinstance(c, str) and c in known for c in classes):
                raise self.fail(
                    entry.key_lines["traffic_classes"],
                    f"{path}.traffic_classes",
                    f"expected a non-empty list of traffic classes ({', '.join(known)})",
                )
            ids[tenant_id] = name
            topo.tenants[name] = Tenant(name, tenant_id, urgency, tuple(classes))

    def _hosts(self, document: LineMap, topo: Topology) -> None:
        for _, entry, line, path in self.section(document, "hosts"):
            entry = self.fields(
                entry, line, path, {"name", "mac", "ip", "switch", "port"}, {"site", "tenant"}
            )
            name = self._name(entry, "name", path)
            if name in topo.hosts or name in topo.switches:
                raise self.fail(
                    entry.key_lines["name"], f"{path}.name", f"duplicate node name {name!r}"
                )
            mac = self.value(entry, "mac", path, str)
            if not _MAC.match(mac):
                raise self.fail(
                    entry.key_lines["mac"],
                    f"{path}.mac",
                    f"expected aa:bb:cc:dd:ee:ff, got {mac!r}",
                )
            ip_text = self.value(entry, "ip", path, str)
            try:
                if "/" not in ip_text:
                    raise ValueError("a prefix length is required")
                ip = ipaddress.IPv4Interface(ip_text)
            except ValueError as exc:
                raise self.fail(
                    entry.key_lines["ip"],
                    f"{path}.ip",
                    f"expected an IPv4 address with prefix like 10.0.1.1/24, got {ip_text!r} ({exc})",
                ) from exc
            switch = self.value(entry, "switch", path, str)
            if switch not in topo.switches:
                raise self.fail(
                    entry.key_lines["switch"],
                    f"{path}.switch",
                    f"host attached to unknown switch {switch!r}",
                )
            port = self.value(entry, "port", path, int)
            if port < 1:
                raise self.fail(entry.key_lines["port"], f"{path}.port", "ports start at 1")
            self._claim_port(switch, port, entry.key_lines["port"], f"{path}.port")
            site = self.value(entry, "site", path, str, topo.switches[switch].site)
            if site not in topo.sites:
                raise self.fail(entry.key_lines["site"], f"{path}.site", f"unknown site {site!r}")
            tenant = self.value(entry, "tenant", path, str)
            if tenant is not None and tenant not in topo.tenants:
                raise self.fail(
                    entry.key_lines["tenant"], f"{path}.tenant", f"unknown tenant {tenant!r}"
                )
            for other in topo.hosts.values():
                if other.ip.ip == ip.ip or other.mac == mac.lower():
                    raise self.fail(line, path, f"address clash with host {other.name}")
            topo.hosts[name] = Host(name, mac.lower(), ip, switch, port, site, tenant)
