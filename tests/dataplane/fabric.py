"""Harness for the fantel data plane on the embedded target: one installer per P4 table (named
after it, names from the P4Info), a reference switch configuration, and scapy packet builders.

Shared by the tests in this directory and by ``bench/dataplane.py``. The program, its compile
cache and the switch model (virtual clock, 8 priority queues, CPU port 255) are
``controller.lab``'s, so these tests and the controller's lab run the same switch. The
reference switch has two host ports and three infrastructure ports:

    host A 10.0.0.1 -- port 1 |         | port 3 -- spine 1 (primary for 10.0.2.0/24)
    host B 10.0.1.2 -- port 2 | node 1  | port 4 -- spine 2 (primary for 10.0.2.0/24)
                              |         | port 5 -- spine 3 (backup)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from controller.lab import CPU_PORT, PRIORITY_QUEUES, lab_switch
from controller.wire import (
    FN,
    EtherTypes,
    FnFiveTuple,
    FnQp,
    FnType,
    MetricKind,
    ObjectKind,
    PacketInReason,
    PortType,
    Probe,
    TrafficClass,
    UdpPorts,
)
from softswitch.runtime.actions import GroupRef
from softswitch.runtime.profiles import GroupMember
from softswitch.switch import Switch

__all__ = ["CPU_PORT", "PRIORITY_QUEUES"]  # re-exported for the tests and bench/dataplane.py
FN_FLOOD_SESSION = 99  # define.p4 FN_FLOOD_SESSION
FN_PORT_SESSION_BASE = 100  # define.p4 FN_PORT_SESSION_BASE
PROBE_DST_MAC = "01:80:c2:00:00:0e"  # link-local (IEEE 802.1Q nearest-bridge group address)
START_NS = 1_000_000_000  # the switch clock starts at 1 s: probe time 0 means "never heard"

# P4Info names (fully qualified, as the controller writes them).
SWITCH_CONFIG = "FantelIngress.lookup_md_init.switch_config"
INGRESS_PORT_TYPE = "FantelIngress.filtering.ingress_port_type"
SEM_CLASSIFIER = "FantelIngress.semantic.sem_classifier"
TENANT_LIMITS = "FantelIngress.semantic.tenant_limits"
SEM_POLICY = "FantelIngress.semantic.sem_policy"
IPV4_ROUTES = "FantelIngress.forwarding.ipv4_routes"
NEXT_HOP_GROUPS = "FantelIngress.forwarding.next_hop_groups"
NEXT_HOP_SELECTOR = "FantelIngress.forwarding.next_hop_selector"
LIVENESS_CONFIG = "FantelIngress.fast_reroute.liveness_config"
BACKUP_NEXT_HOPS = "FantelIngress.fast_reroute.backup_next_hops"
REMOTE_WATCH = "FantelIngress.fast_reroute.remote_watch"
STATUS_THRESHOLDS = "FantelIngress.status.status_thresholds"
SEM_STRIP = "FantelEgress.semantic.sem_strip"
CONGESTION_THRESHOLDS = "FantelEgress.congestion.congestion_thresholds"
QUANTIZE_THRESHOLDS = "FantelEgress.quantize.quantize_thresholds"

DROP_COUNTER = "FantelIngress.filtering.drop_counter"
CLASS_COUNTER = "FantelIngress.semantic.class_counter"
URGENCY_CLAMP_COUNTER = "FantelIngress.semantic.urgency_clamp_counter"
FN_RX_COUNTER = "FantelIngress.fast_reroute.fn_rx_counter"
FN_DROP_COUNTER = "FantelIngress.fast_reroute.fn_drop_counter"
FN_RATE_LIMITED_COUNTER = "FantelEgress.congestion.fn_rate_limited_counter"
FN_TX_COUNTER = "FantelEgress.notify.fn_tx_counter"
ECN_MARKED_COUNTER = "FantelEgress.congestion.ecn_marked_counter"
REMOTE_DOWN_UNTIL = "FantelIngress.fast_reroute.remote_down_until"
PROBE_LAST_RX = "FantelIngress.fast_reroute.probe_last_rx"
LOAD_EWMA = "FantelIngress.status.load_ewma"


def mac(n: int) -> str:
    return ":".join(f"{b:02x}" for b in n.to_bytes(6, "big"))


def ip4(n: int) -> str:
    return ".".join(str(b) for b in n.to_bytes(4, "big"))


def ip_int(addr: str) -> int:
    return int.from_bytes(bytes(int(x) for x in addr.split(".")), "big")


@dataclass(frozen=True)
class SwitchIdentity:
    """What `switch_config` installs (lookup_md_init.p4 set_switch_config)."""

    node_id: int = 1
    node_ip: str = "10.255.0.1"
    node_mac: int = 0x02_00_00_00_00_01
    flowlet_gap_us: int = 100
    fn_min_interval_us: int = 1000
    fn_lifetime_ms: int = 50
    fn_hop_limit: int = 2
    status_window_us: int = 100


@dataclass(frozen=True)
class NextHop:
    port: int
    dmac: int
    watch_id: int = 0


# The reference topology (module docstring).
NODE = SwitchIdentity()
HOST_PORTS = (1, 2)
INFRA_PORTS = (3, 4, 5)
HOST_A, HOST_A_MAC, HOST_A_PORT = "10.0.0.1", 0x02_00_00_00_0A_01, 1
HOST_B, HOST_B_MAC, HOST_B_PORT = "10.0.1.2", 0x02_00_00_00_0B_02, 2
REMOTE_NET, REMOTE_HOST = ("10.0.2.0", 24), "10.0.2.9"
SPINE_MACS = {3: 0x02_00_00_00_00_53, 4: 0x02_00_00_00_00_54, 5: 0x02_00_00_00_00_55}
NEXT_TO_B, NEXT_TO_REMOTE = 1, 2
PRIMARY_PORTS, BACKUP_PORT = (3, 4), 5
REMOTE_LINK_ID, REMOTE_WATCH_ID = 0x0000_0077, 7  # a link behind spine 1 (ObjectKind.LINK)


# ---- one installer per table -------------------------------------------------------------


def switch_config(sw: Switch, node: SwitchIdentity) -> None:
    sw.table_set_default(
        SWITCH_CONFIG,
        "set_switch_config",
        {
            "node_id": node.node_id,
            "node_ip": ip_int(node.node_ip),
            "node_mac": node.node_mac,
            "flowlet_gap": node.flowlet_gap_us,
            "fn_min_interval": node.fn_min_interval_us,
            "fn_lifetime": node.fn_lifetime_ms,
            "fn_hop_limit": node.fn_hop_limit,
            "status_window": node.status_window_us,
        },
    )


def ingress_port_type(sw: Switch, port: int, port_type: PortType) -> None:
    sw.table_add(
        INGRESS_PORT_TYPE, {"ingress_port": port}, "set_port_type", {"port_type": port_type}
    )


def ipv4_routes(sw: Switch, prefix: str, prefix_len: int, next_id: int) -> None:
    sw.table_add(
        IPV4_ROUTES, {"ipv4_dst": (ip_int(prefix), prefix_len)}, "set_next_id", {"next_id": next_id}
    )


def _member_params(node: SwitchIdentity, hop: NextHop) -> dict[str, int]:
    return {"port": hop.port, "smac": node.node_mac, "dmac": hop.dmac, "watch_id": hop.watch_id}


def next_hop_groups(
    sw: Switch,
    next_id: int,
    hops: Sequence[NextHop],
    weights: Sequence[int] | None = None,
    node: SwitchIdentity = NODE,
) -> None:
    """Members ``next_id * 100 + i`` in weighted group ``next_id``; the entry points at it."""
    members = []
    for i, hop in enumerate(hops):
        member_id = next_id * 100 + i
        sw.profile_add_member(
            NEXT_HOP_SELECTOR, member_id, "set_next_hop", _member_params(node, hop)
        )
        members.append(GroupMember(member_id, weights[i] if weights else 1))
    sw.profile_create_group(NEXT_HOP_SELECTOR, next_id, members)
    sw.table_add(NEXT_HOP_GROUPS, {"next_id": next_id}, GroupRef(next_id))


def reweight_next_hop_group(sw: Switch, next_id: int, weights: Sequence[int]) -> None:
    """The controller's re-weighting: same members, new weights (P4Runtime group MODIFY)."""
    members = [GroupMember(next_id * 100 + i, w) for i, w in enumerate(weights)]
    sw.profile_modify_group(NEXT_HOP_SELECTOR, next_id, members)


def liveness_config(sw: Switch, port: int, interval_us: int, multiplier: int) -> None:
    sw.table_add(
        LIVENESS_CONFIG,
        {"port": port},
        "set_liveness",
        {"interval_us": interval_us, "multiplier": multiplier},
    )


def backup_next_hops(
    sw: Switch, next_id: int, primary_port: int, hop: NextHop, node: SwitchIdentity = NODE
) -> None:
    sw.table_add(
        BACKUP_NEXT_HOPS,
        {"next_id": next_id, "primary_port": primary_port},
        "set_backup_next_hop",
        {"port": hop.port, "smac": node.node_mac, "dmac": hop.dmac},
    )


def remote_watch(sw: Switch, object_kind: ObjectKind, object_id: int, watch_id: int) -> None:
    sw.table_add(
        REMOTE_WATCH,
        {"object_kind": object_kind, "object_id": object_id},
        "set_watch",
        {"id": watch_id},
    )


def status_thresholds(sw: Switch, port: int, high_bytes: int, low_bytes: int) -> None:
    sw.table_add(
        STATUS_THRESHOLDS,
        {"port": port},
        "set_load_thresholds",
        {"high_bytes": high_bytes, "low_bytes": low_bytes},
    )


def sem_classifier(
    sw: Switch,
    *,
    ingress_port: int,
    ipv4_src: str,
    dest_qp: int,
    params: dict[str, int],
    priority: int = 10,
) -> None:
    """Insert SEM for RoCEv2 from ``ipv4_src`` to QP ``dest_qp`` on ``ingress_port``."""
    full = {
        "tclass": TrafficClass.OTHER,
        "urgency": 0,
        "stage": 0,
        "layer_id": 0,
        "quant_ok": 0,
        "loss_ok": 0,
        "buffer_ok": 0,
        "elem_format": 0,
        "target_precision": 0,
        "loss_budget": 0,
        "max_delay": 0,
        "affinity_kind": 0,
        "affinity_id": 0,
        "tenant_id": 0,
        "task_id": 0,
    }
    unknown = set(params) - set(full)
    if unknown:
        raise ValueError(f"insert_sem has no parameter {sorted(unknown)}")
    full.update(params)
    sw.table_add(
        SEM_CLASSIFIER,
        {
            "ingress_port": (ingress_port, 0x1FF),
            "ipv4_src": (ip_int(ipv4_src), 0xFFFFFFFF),
            "ipv4_dst": (0, 0),
            "dest_qp": (dest_qp, 0xFFFFFF),
        },
        "insert_sem",
        full,
        priority,
    )


def tenant_limits(sw: Switch, tenant_id: int, max_urgency: int) -> None:
    sw.table_add(
        TENANT_LIMITS,
        {"tenant_id": tenant_id},
        "set_tenant_limits",
        {"tenant_max_urgency": max_urgency},
    )


def sem_policy(
    sw: Switch,
    *,
    tclass: TrafficClass,
    urgency: tuple[int, int],
    priority: int,
    tenant_id: int | None = None,
    stage: int | None = None,
    entry_priority: int = 10,
) -> None:
    """(tenant, class, urgency range, stage) -> queue ``priority``; None = wildcard."""
    sw.table_add(
        SEM_POLICY,
        {
            "tenant_id": (tenant_id, 0xFFFF) if tenant_id is not None else (0, 0),
            "tclass": (tclass, 0xF),
            "urgency": urgency,
            "stage": (stage, 0xFF) if stage is not None else (0, 0),
        },
        "set_treatment",
        {"priority": priority},
        entry_priority,
    )


def sem_strip(sw: Switch, egress_port: int) -> None:
    sw.table_add(SEM_STRIP, {"egress_port": egress_port}, "strip_sem")


def congestion_thresholds(
    sw: Switch,
    egress_port: int,
    *,
    qdepth_hi: int,
    qdepth_lo: int,
    sojourn_hi_us: int = 0xFFFFFFFF,
    sojourn_lo_us: int = 0xFFFFFFFF,
    tclass: TrafficClass | None = None,
) -> None:
    """Thresholds for (port, class); the sojourn defaults disable the sojourn criterion."""
    sw.table_add(
        CONGESTION_THRESHOLDS,
        {"egress_port": egress_port, "tclass": (tclass, 0xF) if tclass is not None else (0, 0)},
        "set_thresholds",
        {
            "qdepth_hi": qdepth_hi,
            "qdepth_lo": qdepth_lo,
            "sojourn_hi_us": sojourn_hi_us,
            "sojourn_lo_us": sojourn_lo_us,
        },
        10,
    )


def quantize_thresholds(sw: Switch, egress_port: int, qdepth: int) -> None:
    """Quantize FP32 payloads of every class leaving ``egress_port`` from ``qdepth`` packets."""
    sw.table_add(
        QUANTIZE_THRESHOLDS,
        {"egress_port": egress_port, "tclass": (0, 0)},
        "set_quant_threshold",
        {"qdepth": qdepth},
        10,
    )


def fn_clone_sessions(sw: Switch, infra_ports: Iterable[int], all_ports: Iterable[int]) -> None:
    """Session 99 floods to every infrastructure port; session 100 + p sends out of port p."""
    sw.mc_set_group(FN_FLOOD_SESSION, [(port, 0) for port in infra_ports])
    sw.clone_session_set(FN_FLOOD_SESSION, mcast_group=FN_FLOOD_SESSION)
    for port in all_ports:
        sw.clone_session_set(FN_PORT_SESSION_BASE + port, port=port)


# ---- the reference switch ------------------------------------------------------------------


def reference_switch() -> Switch:
    """The reference topology with routing, port roles and FN clone sessions installed."""
    sw = lab_switch(START_NS)
    switch_config(sw, NODE)
    for port in HOST_PORTS:
        ingress_port_type(sw, port, PortType.HOST)
    for port in INFRA_PORTS:
        ingress_port_type(sw, port, PortType.INFRA)
    fn_clone_sessions(sw, INFRA_PORTS, HOST_PORTS + INFRA_PORTS)
    ipv4_routes(sw, "10.0.0.1", 32, 3)
    next_hop_groups(sw, 3, [NextHop(HOST_A_PORT, HOST_A_MAC)])
    ipv4_routes(sw, "10.0.1.0", 24, NEXT_TO_B)
    next_hop_groups(sw, NEXT_TO_B, [NextHop(HOST_B_PORT, HOST_B_MAC)])
    ipv4_routes(sw, *REMOTE_NET, NEXT_TO_REMOTE)
    next_hop_groups(
        sw,
        NEXT_TO_REMOTE,
        [NextHop(3, SPINE_MACS[3], REMOTE_WATCH_ID), NextHop(4, SPINE_MACS[4])],
    )
    for port in PRIMARY_PORTS:
        backup_next_hops(sw, NEXT_TO_REMOTE, port, NextHop(BACKUP_PORT, SPINE_MACS[BACKUP_PORT]))
    remote_watch(sw, ObjectKind.LINK, REMOTE_LINK_ID, REMOTE_WATCH_ID)
    return sw


def now_us(sw: Switch) -> int:
    return sw.clock.now_ns() // 1000


# ---- packets -------------------------------------------------------------------------------


def roce(
    src: str = HOST_A,
    dst: str = HOST_B,
    *,
    sport: int = 49152,
    qp: int = 0x123,
    psn: int = 0,
    payload: bytes = bytes(32),
    src_mac: int = HOST_A_MAC,
    ttl: int = 64,
) -> Packet:
    """Plain RoCEv2 (RDMA SEND only) with a valid ICRC and a zero UDP checksum."""
    return Ether(
        bytes(
            Ether(src=mac(src_mac), dst=mac(NODE.node_mac))
            / IP(src=src, dst=dst, ttl=ttl, id=1, flags="DF")
            / UDP(sport=sport, dport=UdpPorts.ROCEV2, chksum=0)
            / BTH(opcode=0x04, dqpn=qp, psn=psn)
            / Raw(payload)
        )
    )


def icrc_valid(pkt: Packet) -> bool:
    """Does the ICRC at the end of a plain RoCEv2 packet match its content?"""
    parsed = Ether(bytes(pkt))
    carried = parsed[BTH].icrc
    parsed[BTH].icrc = None
    return Ether(bytes(parsed))[BTH].icrc == carried


def forwarded(pkt: Packet, *, smac: int, dmac: int) -> bytes:
    """``pkt`` as one routing hop leaves it: MACs rewritten, TTL - 1, IPv4 checksum updated."""
    out = Ether(bytes(pkt))
    out.src, out.dst = mac(smac), mac(dmac)
    out[IP].ttl -= 1
    out[IP].chksum = None
    return bytes(out)


def fn_neighbour(
    fn_type: FnType,
    *,
    originator: int,
    sequence: int,
    object_kind: ObjectKind = ObjectKind.LINK,
    object_id: int = REMOTE_LINK_ID,
    hop_limit: int = 2,
    lifetime: int = 50,
    timestamp: int = 0,
    metric_kind: MetricKind = MetricKind.NONE,
    metric_value: int = 0,
    src_mac: int = SPINE_MACS[3],
    src_ip: str = "10.255.0.3",
) -> Packet:
    """A neighbour-scoped FN as another switch floods it (limited broadcast, TTL 1)."""
    return Ether(
        bytes(
            Ether(src=mac(src_mac), dst="ff:ff:ff:ff:ff:ff")
            / IP(src=src_ip, dst="255.255.255.255", ttl=1, tos=0xC0, id=0)
            / UDP(sport=UdpPorts.FN, dport=UdpPorts.FN, chksum=0)
            / FN(
                fn_type=fn_type,
                hop_limit=hop_limit,
                params=0,
                originator=originator,
                sequence=sequence,
                timestamp=timestamp,
                object_kind=object_kind,
                metric_kind=metric_kind,
                object_id=object_id,
                metric_value=metric_value,
                lifetime=lifetime,
            )
        )
    )


def expected_fn(
    *,
    dst_ip: str,
    dst_mac: str,
    fn: FN,
    node: SwitchIdentity = NODE,
) -> bytes:
    """The exact bytes the switch sends for ``fn`` (NotifyEgress): CS6, id 0, UDP checksum 0;
    TTL 1 for limited broadcast, 64 otherwise."""
    ttl = 1 if dst_ip == "255.255.255.255" else 64
    return bytes(
        Ether(src=mac(node.node_mac), dst=dst_mac)
        / IP(src=node.node_ip, dst=dst_ip, ttl=ttl, tos=0xC0, id=0, flags=0)
        / UDP(sport=UdpPorts.FN, dport=UdpPorts.FN, chksum=0)
        / fn
    )


def congestion_fn(
    fn_type: FnType,
    *,
    flow: Packet,
    egress_port: int,
    sequence: int,
    timestamp: int,
    metric_kind: MetricKind,
    metric_value: int,
    node: SwitchIdentity = NODE,
) -> bytes:
    """The FN a congested flow's sender receives (five-tuple and destination QP attached)."""
    ip, udp = flow[IP], flow[UDP]
    fn = FN(
        fn_type=fn_type,
        hop_limit=1,
        originator=node.node_id,
        sequence=sequence,
        timestamp=timestamp,
        object_kind=ObjectKind.PORT,
        metric_kind=metric_kind,
        object_id=node.node_id << 16 | egress_port,
        metric_value=metric_value,
        lifetime=node.fn_lifetime_ms if fn_type == FnType.CONGESTION_DETECTED else 0,
        five_tuple=FnFiveTuple(
            src_addr=ip.src,
            dst_addr=ip.dst,
            src_port=udp.sport,
            dst_port=UdpPorts.ROCEV2,
            protocol=17,
        ),
        qp=FnQp(dest_qp=flow[BTH].dqpn),
    )
    return expected_fn(dst_ip=ip.src, dst_mac=Ether(bytes(flow)).src, fn=fn, node=node)


def port_fn(
    fn_type: FnType,
    *,
    port: int,
    sequence: int,
    timestamp: int,
    metric_kind: MetricKind,
    metric_value: int,
    lifetime: int,
    node: SwitchIdentity = NODE,
) -> bytes:
    """A locally originated neighbour FN about one of our ports (failure, recovery, status)."""
    fn = FN(
        fn_type=fn_type,
        hop_limit=node.fn_hop_limit if fn_type != FnType.STATUS else 1,
        params=0,
        originator=node.node_id,
        sequence=sequence,
        timestamp=timestamp,
        object_kind=ObjectKind.PORT,
        metric_kind=metric_kind,
        object_id=node.node_id << 16 | port,
        metric_value=metric_value,
        lifetime=lifetime,
    )
    return expected_fn(dst_ip="255.255.255.255", dst_mac="ff:ff:ff:ff:ff:ff", fn=fn, node=node)


def packet_out(egress_port: int, frame: Packet | bytes) -> bytes:
    """A P4Runtime packet-out as it reaches the CPU port: packet_out header {port:9, pad:7}."""
    return (egress_port << 7).to_bytes(2, "big") + bytes(frame)


def packet_in_header(ingress_port: int, reason: PacketInReason = PacketInReason.FN) -> bytes:
    """The packet_in controller header {ingress_port:9, pad:7, reason:8}."""
    return (ingress_port << 7).to_bytes(2, "big") + bytes([reason])


def probe_frame(src_mac: int = NODE.node_mac, interval: int = 0) -> Packet:
    """A probe as the controller hands it over (the switch stamps port, node, sequence, time)."""
    return Ether(src=mac(src_mac), dst=PROBE_DST_MAC, type=EtherTypes.PROBE) / Probe(
        interval=interval
    )


def neighbour_probe(port: int, sequence: int, timestamp: int, interval: int = 0) -> bytes:
    """The probe the spine on ``port`` sends us (stamped by its own switch)."""
    return bytes(
        Ether(src=mac(SPINE_MACS[port]), dst=PROBE_DST_MAC, type=EtherTypes.PROBE)
        / Probe(
            tx_port=1,
            node_id=0x0A000000 | port,
            sequence=sequence,
            timestamp=timestamp,
            interval=interval,
        )
    )
