"""Bursts on the PacketOut/PacketIn path, over gRPC into the executor (bench/p4/p4rt_switch.p4).

The controller does not wait between packet-outs (the testbed's probes come in bursts): every
one must leave, in the order sent, and PacketIns must keep the order the pipeline made them
in, whether a PacketOut's pipeline run (on the server's loop) or a port thread made them.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import grpc
import pytest
from finsy import P4PacketOut
from finsy.proto import p4r

from tests.p4rt.helpers import until
from tests.p4rt.test_switch_target import CPU_PORT, HOST_A, HOST_B, Stack, frame, start_stack

BURST = 300
TO_CPU = 0x88B5  # the program sends these frames to the CPU port


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    s, server = await start_stack()
    try:
        yield s
    finally:
        await s.client.close()
        await server.stop(0)
        s.target.close()


def numbered(i: int, ether_type: int = 0x0800) -> bytes:
    return frame(HOST_A, HOST_B, ether_type, payload=i.to_bytes(4, "big") + bytes(42))


def packet_out(stack: Stack, data: bytes, egress_port: int) -> p4r.StreamMessageRequest:
    return P4PacketOut(data, egress_port=egress_port, pad=0).encode_update(stack.schema)


async def test_a_burst_of_packet_outs_leaves_complete_and_in_order(stack: Stack) -> None:
    frames = [numbered(i) for i in range(BURST)]
    for i, data in enumerate(frames):
        await stack.client.send(packet_out(stack, data, egress_port=3 + i % 2))
    await until(lambda: len(stack.ports.sent) >= BURST)
    assert stack.ports.sent == [(3 + i % 2, data) for i, data in enumerate(frames)]


async def test_a_bad_packet_out_in_a_burst_is_refused_alone(stack: Stack) -> None:
    bad = packet_out(stack, numbered(999), egress_port=3)
    bad.packet.metadata[0].value = b"\x02\x00"  # egress_port is 9 bits wide
    frames = [numbered(i) for i in range(20)]
    for i, data in enumerate(frames):
        await stack.client.send(packet_out(stack, data, egress_port=3))
        if i == 9:
            await stack.client.send(bad)
    error = (await stack.client.next_message("error")).error
    assert error.canonical_code == grpc.StatusCode.OUT_OF_RANGE.value[0]
    assert error.packet_out.packet_out == bad.packet
    await until(lambda: len(stack.ports.sent) >= len(frames))
    assert stack.ports.sent == [(3, data) for data in frames]
    assert stack.client.pending("error") == 0


async def test_packet_outs_to_the_pipeline_come_back_as_packet_ins_in_order(stack: Stack) -> None:
    frames = [numbered(i, TO_CPU) for i in range(BURST)]
    for data in frames:
        await stack.client.send(packet_out(stack, data, egress_port=0))  # 0: run the pipeline
    received = [(await stack.client.next_message("packet")).packet for _ in frames]
    assert [p.payload for p in received] == frames
    # packet_in header: ingress_port (the CPU port the packet-out came in on), pad.
    cpu_port = CPU_PORT.to_bytes(1, "big")
    assert {tuple((m.metadata_id, m.value) for m in p.metadata) for p in received} == {
        ((1, cpu_port), (2, b"\x00"))
    }


async def test_packet_ins_from_a_port_thread_and_from_packet_outs_keep_their_order(
    stack: Stack,
) -> None:
    from_port = [numbered(i, TO_CPU) for i in range(BURST)]
    from_controller = [numbered(10_000 + i, TO_CPU) for i in range(BURST)]

    def deliver_from_port() -> None:
        for data in from_port:
            stack.dataplane.receive(7, data)

    port_thread = threading.Thread(target=deliver_from_port)
    port_thread.start()
    try:
        for data in from_controller:
            await stack.client.send(packet_out(stack, data, egress_port=0))
        received = [(await stack.client.next_message("packet")).packet for _ in range(2 * BURST)]
    finally:
        port_thread.join()
    by_port: dict[bytes, list[bytes]] = {b"\x07": [], CPU_PORT.to_bytes(1, "big"): []}
    for packet in received:
        by_port[packet.metadata[0].value].append(packet.payload)
    assert by_port[b"\x07"] == from_port
    assert by_port[CPU_PORT.to_bytes(1, "big")] == from_controller
