"""Packet tests of the fantel program on a real switch process (softswitch, and BMv2 when
installed), over veth interfaces in namespaces, with the state the controller installs.

Every expectation is exact bytes built from what was sent; nothing depends on timing: each
wait polls until the awaited frame or counter value is there, and a drop is proven by a
marker frame sent after it on the same path arriving without the dropped frame before it.
"""

from __future__ import annotations

import secrets

import finsy as fy
import pytest
from scapy.contrib.roce import BTH
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from controller.programming import member_id, switch_next_id
from controller.wire import (
    FN,
    SEM,
    DropReason,
    FnType,
    ObjectKind,
    PacketInReason,
    TrafficClass,
    UdpPorts,
    insert_sem,
    strip_sem,
)
from tests.dataplane.fabric import expected_fn, fn_neighbour, forwarded, icrc_valid, mac
from tests.ptf.harness import DUT, LEGACY_QP, LEGACY_SENDER, Dut, legacy_sem

pytestmark = [pytest.mark.root, pytest.mark.asyncio(loop_scope="module")]

H1_PORT, H2_PORT = 1, 2
UPLINKS = (3, 4)
H1, H2, H3 = LEGACY_SENDER, "10.0.2.1", "10.0.3.1"
#: Headers before the UDP payload: Ethernet, IPv4 without options, UDP.
UDP_PAYLOAD_AT = 14 + 20 + 8
SEM_URGENCY_AT = UDP_PAYLOAD_AT + 1
BROADCAST_IP, BROADCAST_MAC = "255.255.255.255", "ff:ff:ff:ff:ff:ff"
#: An FN object no switch watches, so received FNs change no forwarding state.
UNWATCHED_PORT = 0x0063_0001


def token() -> bytes:
    """A payload no other frame of the run carries."""
    return b"ptf-" + secrets.token_hex(12).encode()


def from_h1(dut: Dut, dst: str) -> Ether:
    return Ether(src=mac(dut.peer_mac(H1_PORT)), dst=mac(dut.mac)) / IP(
        src=H1, dst=dst, ttl=64, id=1, flags="DF"
    )


def udp_frame(dut: Dut, dst: str, payload: bytes, sport: int = 40000) -> bytes:
    return bytes(from_h1(dut, dst) / UDP(sport=sport, dport=5001) / Raw(payload))


def roce_frame(dut: Dut, dst: str, payload: bytes, sem: SEM | None = None) -> bytes:
    """RDMA SEND from h1 to `LEGACY_QP`: plain RoCEv2, or with `sem` (a SEM-aware sender)."""
    udp = UDP(sport=49152, dport=UdpPorts.ROCEV2 if sem is None else UdpPorts.SEM, chksum=0)
    rest: Packet = BTH(opcode=0x04, dqpn=LEGACY_QP, psn=1) / Raw(payload)
    return bytes(from_h1(dut, dst) / udp / (rest if sem is None else sem / rest))


def routed(dut: Dut, frame: bytes, port: int) -> bytes:
    """`frame` as the switch sends it out of `port`: MACs rewritten, TTL - 1, checksum."""
    return forwarded(Ether(frame), smac=dut.mac, dmac=dut.peer_mac(port))


async def test_weighted_selector_group_routes_each_flow_once_with_ttl_and_checksum(
    dut: Dut,
) -> None:
    weights = dict(dut.intent.solution.next_hops[DUT]["far"])
    assert set(weights) == set(UPLINKS) and len(set(weights.values())) == 2, weights
    group_id = switch_next_id(dut.intent.topology.switches["far"].device_id)
    groups = await dut.read(fy.P4ActionProfileGroup("next_hop_selector", group_id=group_id))
    assert len(groups) == 1 and isinstance(groups[0], fy.P4ActionProfileGroup)
    assert {(m.member_id, m.weight) for m in groups[0].members or ()} == {
        (member_id(group_id, port), weight) for port, weight in weights.items()
    }

    tag = token()
    sent = {sport: udp_frame(dut, H3, tag, sport) for sport in range(40000, 40032)}
    for frame in sent.values():
        dut.send(H1_PORT, frame)

    def ours(frame: bytes) -> bool:
        return frame.endswith(tag)

    got = await dut.collect(UPLINKS, lambda got: sum(ours(f) for _, f in got) >= len(sent))
    arrived: dict[int, list[tuple[int, bytes]]] = {}
    for port, frame in got:
        if ours(frame):
            arrived.setdefault(Ether(frame)[UDP].sport, []).append((port, frame))
    assert sorted(arrived) == sorted(sent), "some flows did not arrive"
    for sport, copies in arrived.items():
        assert len(copies) == 1, f"flow {sport} arrived {len(copies)} times"
        port, frame = copies[0]
        assert frame == routed(dut, sent[sport], port)
        assert Ether(frame)[IP].ttl == 63
    assert {copies[0][0] for copies in arrived.values()} == set(UPLINKS)


async def test_legacy_rocev2_gets_sem_inserted_and_plain_rocev2_restored_at_egress_edge(
    dut: Dut,
) -> None:
    plain_remote = roce_frame(dut, H3, token())
    dut.send(H1_PORT, plain_remote)
    with_sem = bytes(insert_sem(Ether(plain_remote), legacy_sem()))
    got = await dut.collect(
        UPLINKS, lambda got: any(f.endswith(plain_remote[-20:]) for _, f in got)
    )
    [(port, frame)] = [(p, f) for p, f in got if f.endswith(plain_remote[-20:])]
    assert frame == routed(dut, with_sem, port)
    assert Ether(frame)[UDP].dport == UdpPorts.SEM

    # Towards h2, whose NIC is plain RoCEv2: inserted at ingress, stripped at egress.
    activation = int(TrafficClass.ACTIVATION)
    before = await dut.counter("class_counter", activation)
    plain_local = roce_frame(dut, H2, token())
    dut.send(H1_PORT, plain_local)
    expected = routed(dut, plain_local, H2_PORT)
    got = await dut.collect([H2_PORT], lambda got: any(f == expected for _, f in got))
    assert expected in [f for _, f in got]
    assert icrc_valid(Ether(expected))
    assert await dut.counter("class_counter", activation) == before + 1, "no SEM was inserted"


async def test_sem_from_upstream_is_stripped_towards_plain_rocev2_host(dut: Dut) -> None:
    sem = SEM(tclass=TrafficClass.GRADIENT, urgency=9, tenant_id=7)
    upstream = Ether(roce_frame(dut, H2, token(), sem))
    upstream.src = mac(dut.peer_mac(UPLINKS[0]))
    frame = bytes(upstream)
    dut.send(UPLINKS[0], frame)
    plain = forwarded(Ether(frame), smac=dut.mac, dmac=dut.peer_mac(H2_PORT))
    expected = bytes(strip_sem(Ether(plain)))
    got = await dut.collect([H2_PORT], lambda got: any(f == expected for _, f in got))
    assert expected in [f for _, f in got]


async def test_tenant_urgency_is_clamped_at_the_trust_boundary(dut: Dut) -> None:
    tenant = dut.intent.topology.tenants["lab"]
    before = await dut.counter("urgency_clamp_counter", tenant.id)
    sem = SEM(tclass=TrafficClass.ACTIVATION, urgency=250, tenant_id=tenant.id)
    sent = roce_frame(dut, H3, token(), sem)
    dut.send(H1_PORT, sent)
    got = await dut.collect(UPLINKS, lambda got: any(f.endswith(sent[-20:]) for _, f in got))
    [(port, frame)] = [(p, f) for p, f in got if f.endswith(sent[-20:])]
    expected = bytearray(routed(dut, sent, port))
    expected[SEM_URGENCY_AT] = tenant.max_urgency
    assert frame == bytes(expected)
    assert await dut.counter("urgency_clamp_counter", tenant.id) == before + 1


async def assert_dropped_and_counted(dut: Dut, frame: bytes, reason: DropReason) -> None:
    """`frame` (sent from h1 towards h2) is dropped and counted under `reason`: the counter
    moves, and a marker sent after it reaches h2 with nothing of `frame` before it."""
    before = await dut.counter("drop_counter", reason)
    dut.send(H1_PORT, frame)
    assert await dut.counter_reaches("drop_counter", reason, before + 1) == before + 1
    marker = udp_frame(dut, H2, token())
    dut.send(H1_PORT, marker)
    got = await dut.collect([H2_PORT], lambda got: any(f.endswith(marker[-20:]) for _, f in got))
    assert any(f.endswith(marker[-20:]) for _, f in got), "the marker did not arrive"
    leaked = [f for _, f in got if frame[UDP_PAYLOAD_AT:] in f]
    assert not leaked, f"{reason.name}: the dropped frame was forwarded"


async def test_fn_from_host_port_is_dropped_and_counted(dut: Dut) -> None:
    fn = FN(
        fn_type=FnType.FAILURE_DETECTED,
        hop_limit=2,
        params=0,
        originator=0x0A00_0061,
        sequence=1,
        object_kind=ObjectKind.PORT,
        object_id=UNWATCHED_PORT,
        lifetime=50,
    )
    frame = bytes(from_h1(dut, H2) / UDP(sport=UdpPorts.FN, dport=UdpPorts.FN, chksum=0) / fn)
    await assert_dropped_and_counted(dut, frame, DropReason.FN_FROM_HOST)


async def test_malformed_sem_is_dropped_and_counted(dut: Dut) -> None:
    bad = SEM(version=0xF, tclass=TrafficClass.ACTIVATION, tenant_id=7)
    await assert_dropped_and_counted(
        dut, roce_frame(dut, H2, token(), bad), DropReason.SEM_BAD_VERSION
    )


def neighbour_fn(dut: Dut, port: int, fn_type: FnType, originator: int, hop_limit: int) -> bytes:
    """An FN the switch on `port` floods to its neighbours."""
    return bytes(
        fn_neighbour(
            fn_type,
            originator=originator,
            sequence=1,
            object_kind=ObjectKind.PORT,
            object_id=UNWATCHED_PORT,
            hop_limit=hop_limit,
            lifetime=50 if fn_type == FnType.FAILURE_DETECTED else 0,
            timestamp=777,
            src_mac=dut.peer_mac(port),
        )
    )


async def test_failure_fn_on_infra_port_is_relayed_with_hop_limit_minus_one_and_punted(
    dut: Dut,
) -> None:
    arrival, onward = UPLINKS
    received = neighbour_fn(dut, arrival, FnType.FAILURE_DETECTED, 0x0A00_0062, hop_limit=2)
    relay = FN(
        fn_type=FnType.FAILURE_DETECTED,
        hop_limit=1,
        params=0,
        originator=0x0A00_0062,
        sequence=1,
        timestamp=777,
        object_kind=ObjectKind.PORT,
        object_id=UNWATCHED_PORT,
        lifetime=50,
    )
    expected = expected_fn(
        dst_ip=BROADCAST_IP, dst_mac=BROADCAST_MAC, fn=relay, node=dut.identity()
    )
    dut.send(arrival, received)
    got = await dut.collect([onward], lambda got: any(f == expected for _, f in got))
    assert expected in [f for _, f in got], "the FN was not relayed with hop limit - 1"
    packet = await dut.packet_in(received)
    assert packet is not None, "the neighbour FN did not reach the controller"
    assert packet.metadata["ingress_port"] == arrival
    assert packet.metadata["reason"] == PacketInReason.FN


async def test_status_fn_from_neighbour_is_punted_to_the_controller(dut: Dut) -> None:
    port = UPLINKS[1]
    before = await dut.counter("fn_rx_counter", FnType.STATUS)
    received = neighbour_fn(dut, port, FnType.STATUS, 0x0A00_0063, hop_limit=1)
    dut.send(port, received)
    packet = await dut.packet_in(received)
    assert packet is not None, "the neighbour FN did not reach the controller"
    assert (packet.metadata["ingress_port"], packet.metadata["reason"]) == (
        port,
        PacketInReason.FN,
    )
    assert await dut.counter("fn_rx_counter", FnType.STATUS) == before + 1
