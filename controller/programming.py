"""Intent -> P4Runtime entities for one switch of the `p4src/` pipeline.

The controller's intent (topology, policy and thresholds from the config, the current TE
solution) becomes the complete desired state of each switch, as finsy entities named after the
P4 objects in `docs/p4-design.md` ("What the controller installs"). `Fleet` reconciles that
state against what the switch holds, so this module only ever describes the whole picture and
never issues updates itself.

Identifiers are derived, not allocated, so that the same intent always yields the same entities
(a re-solve that changes nothing writes nothing, and a restarted controller recognizes what it
installed before):

- next id of a destination switch = 1 + device id; of a local host = 0x8000 | host port;
- group id = next id; member id = next id << 9 | egress port (v1model ports are 9 bits);
- node id = device id; node IP = the (device id + 1)-th address of `node_network`;
  node MAC = 02:fa + the 32-bit device id;
- watch ids number the watched remote ports network-wide, in sorted order, from 1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import finsy as fy

from controller import semantic
from controller.config import URGENCY_MAX, ControllerConfig
from controller.semantic import AuthDomain
from controller.te import TeSolution
from controller.topology import Neighbour, Topology
from controller.wire import ObjectKind, PortType

#: Clone sessions (p4src/include/define.p4) and the CPU port (v1model/include/define_v1model.p4).
FN_CPU_SESSION = 98
FN_FLOOD_SESSION = 99
FN_PORT_SESSION_BASE = 100
CPU_PORT = 255
HOST_NEXT_ID_BASE = 0x8000
PORT_BITS = 9
#: Remote objects the data plane can watch (WATCH_SLOTS in p4src/include/size.p4; 0 = none).
WATCH_SLOTS = 1024

SELECTOR = "next_hop_selector"


def switch_next_id(device_id: int) -> int:
    next_id = 1 + device_id
    if next_id >= HOST_NEXT_ID_BASE:
        raise ValueError(f"device id {device_id} is too large for a 15-bit next id")
    return next_id


def host_next_id(port: int) -> int:
    return HOST_NEXT_ID_BASE | port


def member_id(next_id: int, port: int) -> int:
    return next_id << PORT_BITS | port


def node_mac(device_id: int) -> str:
    raw = b"\x02\xfa" + device_id.to_bytes(4, "big")
    return ":".join(f"{b:02x}" for b in raw)


def port_object_id(device_id: int, port: int) -> int:
    """FN object id of a port (docs/wire-format.md 2.2): node id << 16 | port."""
    return (device_id << 16 | port) & 0xFFFFFFFF


#: Reservation meters (p4src/include/control/reservation.p4): PIR = factor x CIR, so a flow
#: may exceed its reservation by a quarter as best effort (yellow) before it is dropped (red);
#: both buckets hold this much time at their rate, and at least two full-size frames.
RESERVATION_PIR_FACTOR = 1.25
RESERVATION_BURST_S = 0.01
RESERVATION_MIN_BURST_BYTES = 2 * 1518


@dataclass(frozen=True)
class MeteredReservation:
    """An admitted reservation as the edge meters see it: endpoints are host or switch names
    (a switch stands for every host behind it), the rate in testbed bits per second."""

    src: str
    dst: str
    rate_bps: float


@dataclass(frozen=True)
class Intent:
    """Everything the switches' state is derived from."""

    topology: Topology
    config: ControllerConfig
    solution: TeSolution
    reservations: tuple[MeteredReservation, ...] = ()

    def node_ip(self, switch: str) -> ipaddress.IPv4Address:
        return self.config.node_network[self.topology.switches[switch].device_id + 1]

    def node_mac(self, switch: str) -> str:
        return node_mac(self.topology.switches[switch].device_id)

    @cached_property
    def ports(self) -> dict[str, dict[int, Neighbour]]:
        """Every switch's port map, built once per intent (installs look them up per entity)."""
        return {name: self.topology.port_map(name) for name in self.topology.switches}

    @cached_property
    def watched(self) -> dict[tuple[str, str, int], int]:
        """(switch, destination, primary port) -> port object id the next hop depends on.

        A next hop towards a neighbour that itself forwards to the destination over a single
        port depends on that port: the neighbour's FAILURE_DETECTED FN about it lets this
        switch move to its backup next hop without waiting for the controller.
        """
        watched: dict[tuple[str, str, int], int] = {}
        for switch, by_destination in self.solution.next_hops.items():
            for destination, members in by_destination.items():
                for port, _ in members:
                    peer = self.ports[switch][port].peer
                    if peer is None or peer.switch == destination:
                        continue
                    onward = self.solution.next_hops.get(peer.switch, {}).get(destination, [])
                    if len(onward) == 1:
                        device = self.topology.switches[peer.switch].device_id
                        watched[switch, destination, port] = port_object_id(device, onward[0][0])
        return watched

    @cached_property
    def watch_ids(self) -> dict[int, int]:
        """Port object id -> watch id (network-wide; objects beyond the slots go unwatched)."""
        objects = sorted(set(self.watched.values()))[: WATCH_SLOTS - 1]
        return {obj: index for index, obj in enumerate(objects, 1)}

    def watch_of(self, switch: str, destination: str, port: int) -> int:
        obj = self.watched.get((switch, destination, port))
        return 0 if obj is None else self.watch_ids.get(obj, 0)


def switch_entities(intent: Intent, switch: str) -> list[fy.p4entity.P4Entity]:
    """The complete desired P4Runtime state of `switch`."""
    return [
        *_switch_config(intent, switch),
        *_ports(intent, switch),
        *_clone_sessions(intent, switch),
        *_forwarding(intent, switch),
        *_fast_reroute(intent, switch),
        *_semantic(intent, switch),
        *_thresholds(intent, switch),
        *_authentication(intent),
        *_contract_actions(intent, switch),
        *_reservation_meters(intent, switch),
    ]


# ---------------------------------------------------------------------------------------------


def _switch_config(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    t = intent.config.thresholds
    yield fy.P4TableEntry(
        "switch_config",
        is_default_action=True,
        action=fy.P4TableAction(
            "set_switch_config",
            node_id=intent.topology.switches[switch].device_id,
            node_ip=str(intent.node_ip(switch)),
            node_mac=intent.node_mac(switch),
            flowlet_gap=_us(t.flowlet_gap_s),
            fn_min_interval=_us(t.fn_min_interval_s),
            fn_lifetime=round(t.fn_lifetime_s * 1e3),
            fn_hop_limit=t.fn_hop_limit,
            status_window=_us(t.status_window_s),
        ),
    )


def _ports(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """Port roles (trust boundary) and SEM stripping towards plain RoCEv2 hosts."""
    aware = intent.config.policy.sem_aware_hosts
    for port, neighbour in intent.ports[switch].items():
        role = PortType.HOST if neighbour.host else PortType.INFRA
        yield fy.P4TableEntry(
            "ingress_port_type",
            match=fy.P4TableMatch(ingress_port=port),
            action=fy.P4TableAction("set_port_type", port_type=int(role)),
        )
        if neighbour.host and neighbour.host.name not in aware:
            yield fy.P4TableEntry(
                "sem_strip",
                match=fy.P4TableMatch(egress_port=port),
                action=fy.P4TableAction("strip_sem"),
            )


def _infra_ports(intent: Intent, switch: str) -> list[int]:
    return [p for p, n in intent.ports[switch].items() if n.link is not None]


def _clone_sessions(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """Session 99 floods neighbour FNs; session 100 + p sends a congestion FN out of port p;
    session 98 gives the controller a copy of every congestion FN (they go to senders)."""
    yield fy.P4CloneSessionEntry(FN_CPU_SESSION, replicas=[(CPU_PORT, 0)])
    infra = _infra_ports(intent, switch)
    if infra:
        yield fy.P4CloneSessionEntry(FN_FLOOD_SESSION, replicas=[(p, 0) for p in infra])
    for port in intent.ports[switch]:
        yield fy.P4CloneSessionEntry(FN_PORT_SESSION_BASE + port, replicas=[(port, 0)])


def _forwarding(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    topo = intent.topology
    smac = intent.node_mac(switch)
    ports = intent.ports[switch]
    for host in sorted(topo.hosts_on(switch), key=lambda h: h.port):
        next_id = host_next_id(host.port)
        member = member_id(next_id, host.port)
        yield _next_hop_member(member, host.port, smac, host.mac, 0)
        yield fy.P4TableEntry(
            "next_hop_groups",
            match=fy.P4TableMatch(next_id=next_id),
            action=fy.P4IndirectAction(member_id=member),
        )
        yield _route(ipaddress.IPv4Network(f"{host.ip.ip}/32"), next_id)
    prefixes = topo.destination_prefixes()
    for destination, members in sorted(intent.solution.next_hops.get(switch, {}).items()):
        if destination == switch or not members:
            continue
        next_id = switch_next_id(topo.switches[destination].device_id)
        weighted = []
        for port, weight in members:
            peer = ports[port].peer
            assert peer is not None, f"{switch}:{port} is not a switch link"
            watch = intent.watch_of(switch, destination, port)
            member = member_id(next_id, port)
            yield _next_hop_member(member, port, smac, intent.node_mac(peer.switch), watch)
            weighted.append(fy.P4Member(member, weight=weight))
        yield fy.P4ActionProfileGroup(SELECTOR, group_id=next_id, members=weighted)
        yield fy.P4TableEntry(
            "next_hop_groups",
            match=fy.P4TableMatch(next_id=next_id),
            action=fy.P4IndirectAction(group_id=next_id),
        )
        for prefix in prefixes[destination]:
            yield _route(prefix, next_id)


def _next_hop_member(
    member: int, port: int, smac: str, dmac: str, watch: int
) -> fy.P4ActionProfileMember:
    return fy.P4ActionProfileMember(
        SELECTOR,
        member_id=member,
        action=fy.P4TableAction("set_next_hop", port=port, smac=smac, dmac=dmac, watch_id=watch),
    )


def _route(prefix: ipaddress.IPv4Network, next_id: int) -> fy.P4TableEntry:
    return fy.P4TableEntry(
        "ipv4_routes",
        match=fy.P4TableMatch(ipv4_dst=str(prefix)),
        action=fy.P4TableAction("set_next_id", next_id=next_id),
    )


def _fast_reroute(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """Liveness timers, backup next hops and the remote objects they watch."""
    topo, t = intent.topology, intent.config.thresholds
    for port in _infra_ports(intent, switch):
        yield fy.P4TableEntry(
            "liveness_config",
            match=fy.P4TableMatch(port=port),
            action=fy.P4TableAction(
                "set_liveness",
                interval_us=_us(t.probe_interval_s),
                multiplier=t.probe_multiplier,
            ),
        )
    smac, ports = intent.node_mac(switch), intent.ports[switch]
    for destination, backups in sorted(intent.solution.backups.get(switch, {}).items()):
        next_id = switch_next_id(topo.switches[destination].device_id)
        for primary, backup in sorted(backups.items()):
            peer = ports[backup].peer
            assert peer is not None, f"{switch}:{backup} is not a switch link"
            yield fy.P4TableEntry(
                "backup_next_hops",
                match=fy.P4TableMatch(next_id=next_id, primary_port=primary),
                action=fy.P4TableAction(
                    "set_backup_next_hop", port=backup, smac=smac, dmac=intent.node_mac(peer.switch)
                ),
            )
    used = {obj for (s, _, _), obj in intent.watched.items() if s == switch}
    for obj in sorted(used & intent.watch_ids.keys()):
        yield fy.P4TableEntry(
            "remote_watch",
            match=fy.P4TableMatch(object_kind=int(ObjectKind.PORT), object_id=obj),
            action=fy.P4TableAction("set_watch", id=intent.watch_ids[obj]),
        )


def _semantic(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """Tenant urgency clamps and the class-to-queue policy (same on every switch)."""
    topo = intent.topology
    for name, limit in sorted(intent.config.tenant_max_urgency(topo).items()):
        yield fy.P4TableEntry(
            "tenant_limits",
            match=fy.P4TableMatch(tenant_id=topo.tenants[name].id),
            action=fy.P4TableAction("set_tenant_limits", tenant_max_urgency=limit),
        )
    rules = intent.config.policy.rules
    for index, rule in enumerate(rules):
        match: dict[str, object] = {}
        if rule.tenant is not None:
            match["tenant_id"] = (topo.tenants[rule.tenant].id, 0xFFFF)
        if rule.traffic_class is not None:
            match["tclass"] = (int(rule.traffic_class), 0xF)
        if rule.urgency != (0, URGENCY_MAX):  # a full range must be omitted (P4Runtime 9.1.1)
            match["urgency"] = rule.urgency
        if rule.stage is not None:
            match["stage"] = (rule.stage, 0xFF)
        yield fy.P4TableEntry(
            "sem_policy",
            match=fy.P4TableMatch(match),
            action=fy.P4TableAction("set_treatment", priority=rule.queue),
            priority=len(rules) - index,  # earlier rules win
        )


def _thresholds(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """Congestion thresholds on every egress port, load thresholds on links."""
    t = intent.config.thresholds
    for port in intent.ports[switch]:
        yield fy.P4TableEntry(
            "congestion_thresholds",
            match=fy.P4TableMatch(egress_port=port),  # any class
            action=fy.P4TableAction(
                "set_thresholds",
                qdepth_hi=t.queue_depth_high,
                qdepth_lo=t.queue_depth_low,
                sojourn_hi_us=_us(t.sojourn_high_s),
                sojourn_lo_us=_us(t.sojourn_low_s),
            ),
            priority=1,
        )
    for port, neighbour in intent.ports[switch].items():
        if neighbour.link is None:
            continue
        bytes_per_window = neighbour.link.testbed_bps * t.status_window_s / 8
        yield fy.P4TableEntry(
            "status_thresholds",
            match=fy.P4TableMatch(port=port),
            action=fy.P4TableAction(
                "set_load_thresholds",
                high_bytes=_u32(bytes_per_window * t.utilization_high),
                low_bytes=_u32(bytes_per_window * t.utilization_low),
            ),
        )


def _us(seconds: float) -> int:
    return round(seconds * 1e6)


def _u32(value: float) -> int:
    return min(round(value), 0xFFFFFFFF)


def _authentication(intent: Intent) -> Iterable[fy.p4entity.P4Entity]:
    """Tenants' SEM keys and policy, the FN keys every switch verifies with, and the key it
    signs its own FNs with (key id 0: unsigned). All keys of a rotation are installed."""
    contract, tenants = intent.config.contract, intent.topology.tenants
    for name, auth in sorted(contract.sem_auth.items()):
        tenant_id = tenants[name].id
        yield semantic.auth_policy_entry(AuthDomain.SEM, tenant_id, downgrade=auth.downgrade)
        for key in auth.keys:
            yield semantic.auth_key_entry(AuthDomain.SEM, tenant_id, key.key_id, key.key)
    if contract.fn_keys:
        yield semantic.auth_policy_entry(AuthDomain.FN, 0, downgrade=False)
        for key in contract.fn_keys:
            yield semantic.auth_key_entry(AuthDomain.FN, 0, key.key_id, key.key)
    signing = contract.fn_signing()
    if signing is not None:
        yield semantic.fn_signing_entry(signing.key_id, signing.key)
    else:
        yield fy.P4TableEntry(
            "fn_signing",
            action=fy.P4TableAction("set_fn_signing_key", key_id=0, k0=0, k1=0),
            is_default_action=True,
        )


def _contract_actions(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """Quantization thresholds on every egress port, buffering classes, compute pools (healthy
    endpoints only; a pool with none is left out so its traffic keeps its destination) and
    the expert registry. Earlier rules win: priorities count down from the number of rules."""
    contract, tenants = intent.config.contract, intent.topology.tenants
    rules = contract.quantization
    for port in intent.ports[switch]:
        for index, rule in enumerate(rules):
            yield semantic.quantize_threshold_entry(
                port, rule.traffic_class, rule.queue_depth, priority=len(rules) - index
            )
    for index, bulk in enumerate(contract.buffering):
        yield semantic.buffer_policy_entry(
            None if bulk.tenant is None else tenants[bulk.tenant].id,
            bulk.traffic_class,
            bulk_priority=bulk.bulk_queue,
            promoted_priority=bulk.promoted_queue,
            idle_gap_us=_us(bulk.idle_gap_s),
            priority=len(contract.buffering) - index,
        )
    pools = list(contract.pools.values())
    for index, pool in enumerate(pools):
        if pool.healthy:
            yield from semantic.affinity_pool_entities(
                pool.pool_id,
                tenant_id=tenants[pool.tenant].id,
                affinity_kind=int(pool.affinity),
                healthy_endpoints=pool.healthy,
                task_id=pool.task_id,
                affinity_id=pool.affinity_id,
                priority=len(pools) - index,
            )
    for expert in sorted(contract.experts.values(), key=lambda e: e.expert_id):
        yield from semantic.expert_entities(
            expert.expert_id, expert.address, enabled=expert.enabled
        )


def _reservation_meters(intent: Intent, switch: str) -> Iterable[fy.p4entity.P4Entity]:
    """One metered entry per (source, destination) at the source's edge switch; reservations
    with the same endpoints share it with the sum of their rates. A host endpoint matches its
    address; a switch as source matches every host on it (the meter only sees host ports), a
    switch as destination matches its next id. More specific entries win."""
    topo = intent.topology
    rates: dict[tuple[str, str], float] = {}
    for r in intent.reservations:
        src_switch = topo.hosts[r.src].switch if r.src in topo.hosts else r.src
        if src_switch == switch:
            rates[r.src, r.dst] = rates.get((r.src, r.dst), 0.0) + r.rate_bps
    for (src, dst), rate_bps in sorted(rates.items()):
        match: dict[str, object] = {}
        if src in topo.hosts:
            match["ipv4_src"] = (str(topo.hosts[src].ip.ip), 0xFFFFFFFF)
        if dst in topo.hosts:
            match["ipv4_dst"] = (str(topo.hosts[dst].ip.ip), 0xFFFFFFFF)
        else:
            match["next_id"] = (switch_next_id(topo.switches[dst].device_id), 0xFFFF)
        cir = rate_bps / 8
        pir = cir * RESERVATION_PIR_FACTOR
        yield fy.P4TableEntry(
            "reservation_meters",
            match=fy.P4TableMatch(match),
            action=fy.P4TableAction("police"),
            priority=len(match),
            meter_config=fy.P4MeterConfig(
                cir=round(cir), cburst=_burst(cir), pir=round(pir), pburst=_burst(pir)
            ),
        )


def _burst(bytes_per_s: float) -> int:
    return max(round(bytes_per_s * RESERVATION_BURST_S), RESERVATION_MIN_BURST_BYTES)
