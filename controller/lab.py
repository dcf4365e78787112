"""Drive the `p4src/` program on an in-process embedded switch by P4 names.

For data-plane tests and benchmarks that want the real FANTEL pipeline without gRPC: a
`softswitch.switch.Switch` running `p4src/v1model/fantel_v1model.p4` on a virtual clock
(BMv2-like: 8 priority queues, CPU port 255), programmed with the same finsy entities the
controller writes over P4Runtime (`apply`), so what the tests check is what the controller
installs. The front-end runs once per process (`fantel_program`).

    sw = lab_switch()
    apply(sw, [quantize_threshold_entry(2, None, 4)])
    sw.inject(1, frame); sw.run_until_idle(); sw.take_output(2)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import finsy as fy
from finsy.p4entity import P4Replica
from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from controller.wire import SEM, PortType, UdpPorts
from softswitch.frontend.compiler import CheckedProgram, compile_file
from softswitch.runtime.actions import GroupRef, MemberRef
from softswitch.runtime.clock import VirtualClock
from softswitch.runtime.externs import MeterRate
from softswitch.runtime.profiles import GroupMember
from softswitch.switch import Switch

__all__ = [
    "CPU_PORT",
    "INCLUDE_DIR",
    "PRIORITY_QUEUES",
    "PROGRAM",
    "apply",
    "fantel_program",
    "lab_switch",
]

REPO = Path(__file__).resolve().parents[1]
PROGRAM = REPO / "p4src" / "v1model" / "fantel_v1model.p4"
INCLUDE_DIR = REPO / "p4src"
#: simple_switch_grpc --cpu-port 255 --priority-queues 8 (docs/p4-design.md).
CPU_PORT = 255
PRIORITY_QUEUES = 8
#: The two-port edge switch of `two_port_switch`.
HOST_PORT = 1  # senders (a host port: the trust boundary)
OUT_PORT = 2  # towards receivers (infrastructure)
SWITCH_MAC = "02:00:00:00:00:fe"
NEXT_HOP_MAC = "02:00:00:00:00:02"
HOST_MAC = "02:00:00:00:00:01"
LAB_TENANT = 7


@cache
def fantel_program() -> CheckedProgram:
    """The FANTEL v1model program, through the front-end once per process."""
    return compile_file(PROGRAM, include_dirs=(INCLUDE_DIR,))


def lab_switch(start_ns: int = 0) -> Switch:
    """A fresh, empty switch running the program on a virtual clock starting at `start_ns`."""
    return Switch(
        fantel_program(),
        clock=VirtualClock(start_ns),
        priority_queues=PRIORITY_QUEUES,
        cpu_port=CPU_PORT,
    )


def _arg(value: object) -> int:
    """A finsy action or register value as an int (IPv4 and MAC strings included)."""
    if isinstance(value, str):
        if ":" in value:
            return int(value.replace(":", ""), 16)
        return int(ipaddress.IPv4Address(value))
    if not isinstance(value, int):
        raise TypeError(f"cannot use {value!r} as a P4 value")
    return value


def _match(match: fy.P4TableMatch | None) -> dict[str, int | tuple[int, int]]:
    """finsy match values as the in-process API takes them: ints, and pairs for LPM
    ("10.0.0.0/8" -> (address, length)), ternary (value, mask) and range (low, high)."""
    result: dict[str, int | tuple[int, int]] = {}
    for name, value in (match or {}).items():
        if isinstance(value, str) and "/" in value:
            network = ipaddress.IPv4Network(value, strict=False)
            result[name] = (int(network.network_address), network.prefixlen)
        elif isinstance(value, tuple):
            result[name] = (_arg(value[0]), _arg(value[1]))
        else:
            result[name] = _arg(value)
    return result


def _table_entry(sw: Switch, e: fy.P4TableEntry) -> None:
    table = str(e.table_id)
    if isinstance(e.action, fy.P4IndirectAction):
        ref = (
            MemberRef(e.action.member_id)
            if e.action.member_id is not None
            else GroupRef(e.action.group_id or 0)
        )
        sw.table_add(table, _match(e.match), ref)
        return
    if not isinstance(e.action, fy.P4TableAction):
        raise ValueError(f"{table}: entry without an action")
    params = {k: _arg(v) for k, v in e.action.args.items()}
    if e.is_default_action:
        sw.table_set_default(table, e.action.name, params)
        return
    entry = sw.table_add(table, _match(e.match), e.action.name, params, e.priority or None)
    if e.meter_config is not None:
        if entry.meter is None:
            raise ValueError(f"{table} has no direct meter")
        m = e.meter_config
        entry.meter.set_rates(
            [MeterRate.per_second(m.cir, m.cburst), MeterRate.per_second(m.pir, m.pburst)]
        )


def _weight(weight: int | tuple[int, int]) -> int:
    """A finsy member weight: an int, or (weight, watch port), whose watch is not modelled."""
    return weight if isinstance(weight, int) else weight[0]


def _replica(value: object) -> tuple[int, int]:
    """A finsy replica (port, (port, instance) or P4Replica) as (port, instance)."""
    if isinstance(value, P4Replica):
        return value.port, value.instance
    if isinstance(value, int):
        return value, 0
    if isinstance(value, tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"unexpected replica {value!r}")


def apply(sw: Switch, entities: Iterable[fy.p4entity.P4Entity]) -> None:
    """Install finsy entities (P4Info aliases) the way a P4Runtime INSERT would."""
    for e in entities:
        if isinstance(e, fy.P4TableEntry):
            _table_entry(sw, e)
        elif isinstance(e, fy.P4ActionProfileMember):
            if not isinstance(e.action, fy.P4TableAction):
                raise ValueError(f"member {e.member_id} without an action")
            params = {k: _arg(v) for k, v in e.action.args.items()}
            sw.profile_add_member(str(e.action_profile_id), e.member_id, e.action.name, params)
        elif isinstance(e, fy.P4ActionProfileGroup):
            members = [GroupMember(m.member_id, _weight(m.weight)) for m in e.members or ()]
            sw.profile_create_group(str(e.action_profile_id), e.group_id, members)
        elif isinstance(e, fy.P4RegisterEntry):
            if e.index is None:
                raise ValueError(f"register {e.register_id}: write one cell at a time")
            sw.register_write(str(e.register_id), e.index, _arg(e.data))
        elif isinstance(e, fy.P4CloneSessionEntry):
            replicas = [_replica(r) for r in e.replicas]
            if len(replicas) == 1:
                sw.clone_session_set(e.session_id, port=replicas[0][0])
            else:  # several replicas: a multicast group of the same id, as BMv2's PI does
                sw.mc_set_group(e.session_id, replicas)
                sw.clone_session_set(e.session_id, mcast_group=e.session_id)
        else:
            raise ValueError(f"cannot apply {type(e).__name__} to an in-process switch")


def two_port_switch() -> Switch:
    """An edge switch: senders on host port 1, every IPv4 destination routed out of
    infrastructure port 2; tenant 7 may use any urgency."""
    sw = lab_switch()
    apply(
        sw,
        [
            _port_type(HOST_PORT, PortType.HOST),
            _port_type(OUT_PORT, PortType.INFRA),
            fy.P4TableEntry(
                "tenant_limits",
                match=fy.P4TableMatch(tenant_id=LAB_TENANT),
                action=fy.P4TableAction("set_tenant_limits", tenant_max_urgency=255),
            ),
            fy.P4TableEntry(
                "ipv4_routes",
                match=fy.P4TableMatch(ipv4_dst="0.0.0.0/0"),
                action=fy.P4TableAction("set_next_id", next_id=1),
            ),
            fy.P4ActionProfileMember(
                "next_hop_selector",
                member_id=1,
                action=fy.P4TableAction(
                    "set_next_hop", port=OUT_PORT, smac=SWITCH_MAC, dmac=NEXT_HOP_MAC, watch_id=0
                ),
            ),
            fy.P4ActionProfileGroup(
                "next_hop_selector", group_id=1, members=[fy.P4Member(1, weight=1)]
            ),
            fy.P4TableEntry(
                "next_hop_groups",
                match=fy.P4TableMatch(next_id=1),
                action=fy.P4IndirectAction(group_id=1),
            ),
        ],
    )
    return sw


def _port_type(port: int, role: PortType) -> fy.P4TableEntry:
    return fy.P4TableEntry(
        "ingress_port_type",
        match=fy.P4TableMatch(ingress_port=port),
        action=fy.P4TableAction("set_port_type", port_type=int(role)),
    )


def sem_packet(
    sem: SEM, payload: bytes = b"", *, opcode: int = 0x04, dst: str = "10.0.1.2", sport: int = 49152
) -> Packet:
    """Ether/IPv4/UDP 4792/SEM/BTH/payload/ICRC from a host on port 1 (scapy's BTH appends
    the 4-byte ICRC)."""
    return (
        Ether(src=HOST_MAC, dst=SWITCH_MAC)
        / IP(src="10.0.0.1", dst=dst, ttl=64)
        / UDP(sport=sport, dport=UdpPorts.SEM, chksum=0)
        / sem
        / BTH(opcode=opcode, dqpn=0x123, psn=1)
        / Raw(payload)
    )
