"""The FANTEL v1model program on the embedded target, programmed like the controller does:
finsy entities from controller.semantic applied to an in-process Switch by P4Info alias.
Shared by tests/semantic and bench/semantic.py."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from pathlib import Path

import finsy as fy
from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from controller.wire import SEM, PortType, UdpPorts
from softswitch.runtime.actions import GroupRef
from softswitch.runtime.clock import VirtualClock
from softswitch.switch import Switch

# scapy logs that it cannot compute the ICRC with SEM between UDP and BTH: by design.
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "p4src/v1model/fantel_v1model.p4"
CPU_PORT = 255
HOST_PORT = 1  # senders
OUT_PORT = 2  # towards receivers (infrastructure)
SWITCH_MAC = "02:00:00:00:00:fe"
NEXT_HOP_MAC = "02:00:00:00:00:02"
HOST_MAC = "02:00:00:00:00:01"


def _arg(value: object) -> int:
    if isinstance(value, str):
        return int(ipaddress.IPv4Address(value))
    assert isinstance(value, int)
    return value


def apply(sw: Switch, entities: Iterable[fy.p4entity.P4Entity]) -> None:
    """Install finsy entities the way a P4Runtime write would."""
    for e in entities:
        if isinstance(e, fy.P4TableEntry):
            assert isinstance(e.table_id, str)
            if isinstance(e.action, fy.P4IndirectAction):
                assert e.action.group_id is not None
                sw.table_add(e.table_id, dict(e.match or {}), GroupRef(e.action.group_id))
                continue
            assert isinstance(e.action, fy.P4TableAction)
            params = {k: _arg(v) for k, v in e.action.args.items()}
            if e.is_default_action:
                sw.table_set_default(e.table_id, e.action.name, params)
            else:
                priority = e.priority or None
                sw.table_add(e.table_id, dict(e.match or {}), e.action.name, params, priority)
        elif isinstance(e, fy.P4ActionProfileMember):
            assert isinstance(e.action, fy.P4TableAction)
            params = {k: _arg(v) for k, v in e.action.args.items()}
            sw.profile_add_member(str(e.action_profile_id), e.member_id, e.action.name, params)
        elif isinstance(e, fy.P4ActionProfileGroup):
            members = [m.member_id for m in e.members or ()]
            sw.profile_create_group(str(e.action_profile_id), e.group_id, members)
        elif isinstance(e, fy.P4RegisterEntry):
            assert e.index is not None
            sw.register_write(str(e.register_id), e.index, _arg(e.data))
        else:
            raise AssertionError(f"unexpected entity {e!r}")


def base_switch() -> Switch:
    """Host port 1, infrastructure port 2; every IPv4 destination routed out of port 2."""
    sw = Switch.from_file(
        PROGRAM,
        include_dirs=[ROOT / "p4src"],
        clock=VirtualClock(),
        priority_queues=8,
        cpu_port=CPU_PORT,
    )
    sw.table_add(
        "ingress_port_type",
        {"ingress_port": HOST_PORT},
        "set_port_type",
        {"port_type": PortType.HOST},
    )
    sw.table_add(
        "ingress_port_type",
        {"ingress_port": OUT_PORT},
        "set_port_type",
        {"port_type": PortType.INFRA},
    )
    sw.table_add(
        "tenant_limits", {"tenant_id": 7}, "set_tenant_limits", {"tenant_max_urgency": 255}
    )
    sw.table_add("ipv4_routes", {"ipv4_dst": (0, 0)}, "set_next_id", {"next_id": 1})
    sw.profile_add_member(
        "next_hop_selector",
        1,
        "set_next_hop",
        {"port": OUT_PORT, "smac": 0x0200000000FE, "dmac": 0x020000000002, "watch_id": 0},
    )
    sw.profile_create_group("next_hop_selector", 1, [1])
    sw.table_add("next_hop_groups", {"next_id": 1}, GroupRef(1))
    return sw


def sem_packet(
    sem: SEM, payload: bytes = b"", *, opcode: int = 0x04, dst: str = "10.0.1.2", sport: int = 49152
) -> Packet:
    """Ether/IPv4/UDP 4792/SEM/BTH/payload/ICRC (scapy's BTH appends the 4-byte ICRC)."""
    return (
        Ether(src=HOST_MAC, dst=SWITCH_MAC)
        / IP(src="10.0.0.1", dst=dst, ttl=64)
        / UDP(sport=sport, dport=UdpPorts.SEM, chksum=0)
        / sem
        / BTH(opcode=opcode, dqpn=0x123, psn=1)
        / Raw(payload)
    )


def expected_forwarded(pkt: Packet) -> Packet:
    """What leaves port 2 for `pkt` with no semantic rewrite: next-hop MACs, TTL - 1."""
    out = pkt.__class__(bytes(pkt))
    out[Ether].src = SWITCH_MAC
    out[Ether].dst = NEXT_HOP_MAC
    out[IP].ttl -= 1
    out[IP].chksum = None
    return out.__class__(bytes(out))
