"""The P4Runtime server over the real executor: bench/p4/p4rt_switch.p4 driven through gRPC.

Frames enter through ``SwitchTarget``'s receive path (as port threads deliver them) and leave
through a recording port set, so every assertion is on real bytes without sockets or root.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from finsy import (
    P4CloneSessionEntry,
    P4CounterData,
    P4CounterEntry,
    P4DigestEntry,
    P4MulticastGroupEntry,
    P4PacketOut,
    P4RegisterEntry,
    P4Schema,
    P4TableAction,
    P4TableEntry,
    P4TableMatch,
)
from finsy.proto import p4r

from softswitch.p4rt.client import P4RuntimeClient
from softswitch.p4rt.errors import P4RTError
from softswitch.p4rt.program import pipeline_config
from softswitch.p4rt.server import P4RuntimeServer, P4RuntimeService
from softswitch.p4rt.switch_target import SwitchDataplane, SwitchTarget
from softswitch.ports import PortSet, Shaping
from tests.p4rt.conftest import write_errors
from tests.p4rt.helpers import until

PROGRAM = Path(__file__).resolve().parents[2] / "bench" / "p4" / "p4rt_switch.p4"
CPU_PORT = 255
DEVICE_ID = 3
INSERT, MODIFY, DELETE = p4r.Update.INSERT, p4r.Update.MODIFY, p4r.Update.DELETE
HOST_A, HOST_B = 0x02_00_00_00_00_0A, 0x02_00_00_00_00_0B


class RecordingPorts(PortSet):
    """A port set without sockets: what the switch transmits is kept per port."""

    def __init__(self) -> None:
        super().__init__([])
        self.sent: list[tuple[int, bytes]] = []

    def start(self, deliver: object) -> None:
        pass

    def send(self, port: int, frame: bytes) -> None:
        self.sent.append((port, frame))


def frame(dst: int, src: int, ether_type: int = 0x0800, payload: bytes = b"p" * 46) -> bytes:
    return dst.to_bytes(6, "big") + src.to_bytes(6, "big") + ether_type.to_bytes(2, "big") + payload


@dataclass
class Stack:
    target: SwitchTarget
    ports: RecordingPorts
    client: P4RuntimeClient
    schema: P4Schema

    @property
    def dataplane(self) -> SwitchDataplane:
        assert self.target.current is not None
        return self.target.current

    async def write(self, op: int, *entities: object) -> None:
        await self.client.write(
            p4r.Update(type=op, entity=e.encode(self.schema))  # type: ignore[attr-defined]
            for e in entities
        )

    async def read(self, entity: object) -> list[p4r.Entity]:
        return await self.client.read([entity.encode(self.schema)])  # type: ignore[attr-defined]


async def start_stack(shaping: Shaping | None = None) -> tuple[Stack, P4RuntimeServer]:
    ports = RecordingPorts()
    target = SwitchTarget(ports, cpu_port=CPU_PORT, shaping=shaping)
    server = P4RuntimeServer(P4RuntimeService(target, device_id=DEVICE_ID), idle_scan_s=0.01)
    port = await server.start("127.0.0.1:0")
    client = P4RuntimeClient(f"127.0.0.1:{port}", device_id=DEVICE_ID, election_id=5)
    assert (await client.connect()).status.code == 0
    config = pipeline_config(PROGRAM)
    await client.set_pipeline(config)
    return Stack(target, ports, client, P4Schema(config.p4info)), server


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    s, server = await start_stack()
    try:
        yield s
    finally:
        await s.client.close()
        await server.stop(0)
        s.target.close()


def fwd(dst: int, port: int, **extra: object) -> P4TableEntry:
    return P4TableEntry(
        "fwd",
        match=P4TableMatch(dst_addr=dst),
        action=P4TableAction("forward", port=port),
        **extra,  # type: ignore[arg-type]
    )


async def test_forwarding_counts_and_registers(stack: Stack) -> None:
    await stack.write(INSERT, fwd(HOST_B, 2))
    packet = frame(HOST_B, HOST_A)
    stack.dataplane.receive(1, packet)
    stack.dataplane.receive(1, frame(0x02_FF, HOST_A))  # miss: the default action drops
    assert stack.ports.sent == [(2, packet)]

    [entity] = await stack.read(P4TableEntry("fwd", counter_data=P4CounterData()))
    assert entity.table_entry.counter_data.packet_count == 1
    assert entity.table_entry.counter_data.byte_count == len(packet)
    [rx] = await stack.read(P4CounterEntry("port_rx", index=1))
    assert (rx.counter_entry.data.packet_count, rx.counter_entry.data.byte_count) == (
        2,
        2 * len(packet),
    )
    [reg] = await stack.read(P4RegisterEntry("last_len", index=1))
    assert int.from_bytes(reg.register_entry.data.bitstring, "big") == len(packet)


async def test_modify_delete_and_default_entry(stack: Stack) -> None:
    await stack.write(INSERT, fwd(HOST_B, 2))
    await stack.write(MODIFY, fwd(HOST_B, 3))
    stack.dataplane.receive(1, frame(HOST_B, HOST_A))
    await stack.write(DELETE, P4TableEntry("fwd", match=P4TableMatch(dst_addr=HOST_B)))
    stack.dataplane.receive(1, frame(HOST_B, HOST_A))
    assert [p for p, _ in stack.ports.sent] == [3]

    flood_default = P4TableEntry(
        "fwd", is_default_action=True, action=P4TableAction("flood", group=1)
    )
    await stack.write(MODIFY, flood_default)
    [default] = await stack.read(P4TableEntry("fwd", is_default_action=True))
    assert default.table_entry.action.action.action_id == stack.schema.actions["flood"].id
    await stack.write(MODIFY, P4TableEntry("fwd", is_default_action=True))  # reset
    [default] = await stack.read(P4TableEntry("fwd", is_default_action=True))
    assert default.table_entry.action.action.action_id == stack.schema.actions["drop"].id


async def test_ternary_and_range_acl_sends_to_cpu(stack: Stack) -> None:
    acl = P4TableEntry(
        "acl",
        match=P4TableMatch(ether_type=(0x0806, 0xFFFF), ingress_port=(1, 2)),
        action=P4TableAction("to_cpu"),
        priority=10,
    )
    await stack.write(INSERT, acl)
    arp = frame(HOST_B, HOST_A, ether_type=0x0806)
    stack.dataplane.receive(2, arp)
    stack.dataplane.receive(4, arp)  # outside the range: dropped by fwd's default
    packet_in = (await stack.client.next_message("packet")).packet
    assert packet_in.payload == arp
    assert [(m.metadata_id, m.value) for m in packet_in.metadata] == [(1, b"\x02"), (2, b"\x00")]
    assert stack.client.pending("packet") == 0
    [read] = await stack.read(P4TableEntry("acl"))
    assert read.table_entry == acl.encode(stack.schema).table_entry


async def test_packet_in_and_packet_out(stack: Stack) -> None:
    to_cpu = frame(HOST_B, HOST_A, ether_type=0x88B5, payload=b"hello-cpu")
    stack.dataplane.receive(7, to_cpu)
    packet_in = (await stack.client.next_message("packet")).packet
    assert packet_in.payload == to_cpu
    assert packet_in.metadata[0].value == b"\x07"

    out = frame(HOST_A, HOST_B, payload=b"from-controller")
    stack.ports.sent.clear()
    await stack.client.send(P4PacketOut(out, egress_port=4, pad=0).encode_update(stack.schema))
    # PacketOut is handled on the server's loop: poll the recorded ports with a deadline.
    await until(lambda: bool(stack.ports.sent))
    assert stack.ports.sent == [(4, out)]


async def test_learning_digest_and_ack(stack: Stack) -> None:
    await stack.write(INSERT, P4DigestEntry("learn_t", max_list_size=1, ack_timeout_ns=10**9))
    stack.dataplane.receive(5, frame(HOST_B, HOST_A))
    digest = (await stack.client.next_message("digest")).digest
    [data] = digest.data
    assert [m.bitstring for m in data.struct.members] == [HOST_A.to_bytes(6, "big"), b"\x05"]
    await stack.client.send(
        p4r.StreamMessageRequest(
            digest_ack=p4r.DigestListAck(digest_id=digest.digest_id, list_id=digest.list_id)
        )
    )
    learned = P4TableEntry(
        "smac", match=P4TableMatch(src_addr=HOST_A), action=P4TableAction("learned")
    )
    await stack.write(INSERT, learned)
    stack.dataplane.receive(5, frame(HOST_B, HOST_A))  # known source: no digest
    stack.dataplane.receive(5, frame(HOST_B, HOST_B))
    second = (await stack.client.next_message("digest")).digest
    assert second.data[0].struct.members[0].bitstring == HOST_B.to_bytes(6, "big")


async def test_multicast_flood_and_clone_sessions(stack: Stack) -> None:
    await stack.write(INSERT, P4MulticastGroupEntry(1, replicas=[1, 2, 3]))
    await stack.write(
        INSERT,
        P4TableEntry(
            "fwd",
            match=P4TableMatch(dst_addr=0xFFFF_FFFF_FFFF),
            action=P4TableAction("flood", group=1),
        ),
    )
    broadcast = frame(0xFFFF_FFFF_FFFF, HOST_A)
    stack.dataplane.receive(2, broadcast)
    assert sorted(stack.ports.sent) == [(1, broadcast), (3, broadcast)]

    session = P4CloneSessionEntry(7, replicas=[(3, 1), (4, 2)], packet_length_bytes=64)
    await stack.write(INSERT, session)
    [read] = await stack.read(P4CloneSessionEntry())
    assert read.packet_replication_engine_entry.clone_session_entry == (
        session.encode(stack.schema).packet_replication_engine_entry.clone_session_entry
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stack.write(INSERT, P4MulticastGroupEntry(1 << 15, replicas=[1]))
    [error] = write_errors(err.value)
    assert error.canonical_code == grpc.StatusCode.OUT_OF_RANGE.value[0]
    await stack.write(DELETE, session)
    assert await stack.read(P4CloneSessionEntry()) == []


async def test_idle_timeout_notification(stack: Stack) -> None:
    await stack.write(INSERT, fwd(HOST_B, 2, idle_timeout_ns=20_000_000))
    note = (await stack.client.next_message("idle_timeout_notification")).idle_timeout_notification
    [entry] = note.table_entry
    assert entry.match[0].exact.value == HOST_B.to_bytes(6, "big")
    [read] = await stack.read(P4TableEntry("fwd", time_since_last_hit=0))
    assert read.table_entry.time_since_last_hit.elapsed_ns >= 20_000_000


async def test_new_pipeline_starts_empty(stack: Stack) -> None:
    await stack.write(INSERT, fwd(HOST_B, 2))
    first = stack.dataplane
    await stack.client.set_pipeline(pipeline_config(PROGRAM))
    assert stack.dataplane is not first
    first.receive(1, frame(HOST_B, HOST_A))  # the replaced pipeline ignores traffic
    stack.dataplane.receive(1, frame(HOST_B, HOST_A))
    assert stack.ports.sent == []
    assert await stack.read(P4TableEntry("fwd")) == []


async def test_runtime_refusals_carry_their_status(stack: Stack) -> None:
    dataplane = stack.dataplane
    with pytest.raises(P4RTError) as err:
        dataplane.member_set("no_such_profile", 1, dataplane.table_default("SwIngress.fwd"))
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(P4RTError) as err:
        dataplane.register_read("SwIngress.last_len", 512)
    assert err.value.code == grpc.StatusCode.OUT_OF_RANGE


async def test_rate_limited_queue_paces_packets() -> None:
    s, server = await start_stack(Shaping(queue_rate_pps=200))
    try:
        await s.write(INSERT, fwd(HOST_B, 2))
        for i in range(5):
            s.dataplane.receive(1, frame(HOST_B, HOST_A, payload=bytes([i]) * 46))
        # Held packets leave from the pacer thread at 200 packets/s: poll, do not sleep.
        await until(lambda: len(s.ports.sent) == 5)
        assert [data[14] for _, data in s.ports.sent] == [0, 1, 2, 3, 4]
    finally:
        await s.client.close()
        await server.stop(0)
        s.target.close()
