"""``softswitch run`` on veth pairs in network namespaces, driven by a real P4Runtime client.

Two hosts (namespaces) hang off switch ports 1 and 2; the switch process starts with
``--no-p4`` and gets bench/p4/p4rt_switch.p4 over P4Runtime. Frames are built with scapy and
sent/received on raw sockets inside the namespaces.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from finsy import (
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
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from bench.netns import (
    Host,
    SwitchProcess,
    VethLab,
    is_root,
    mac_text,
    open_raw_socket,
    receive_matching,
    switch_process,
)
from softswitch.p4rt.client import P4RuntimeClient
from softswitch.p4rt.program import pipeline_config

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not is_root(), reason="needs root for network namespaces"),
]

PROGRAM = Path(__file__).resolve().parents[2] / "bench" / "p4" / "p4rt_switch.p4"
DEVICE_ID = 1
INSERT = p4r.Update.INSERT
WAIT_S = 5.0


def udp_frame(src: Host, dst: Host, payload: bytes) -> bytes:
    packet = (
        Ether(src=mac_text(src.mac), dst=mac_text(dst.mac))
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / UDP(sport=1234, dport=5678)
        / payload
    )
    return bytes(packet)


@dataclass
class Lab:
    veths: VethLab
    a: Host
    b: Host
    sock_a: socket.socket
    sock_b: socket.socket
    switch: SwitchProcess

    def forward(self, payload: bytes, timeout_s: float = WAIT_S) -> bytes | None:
        """Send A -> B until it arrives (links may be coming back); the frame B got."""
        frame = udp_frame(self.a, self.b, payload)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.sock_a.send(frame)
            got = receive_matching(self.sock_b, frame, 0.3, prefix=len(frame))
            if got is not None:
                return got
        return None


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    veths = VethLab()
    try:
        a, b = veths.add_host(1), veths.add_host(2)
        interfaces = [(1, a.switch_iface), (2, b.switch_iface)]
        with switch_process(interfaces, tmp_path, DEVICE_ID, ["--log-level", "debug"]) as switch:
            yield Lab(veths, a, b, open_raw_socket(a), open_raw_socket(b), switch)
    finally:
        veths.close()


@pytest.fixture
async def client(lab: Lab) -> AsyncIterator[tuple[P4RuntimeClient, P4Schema]]:
    c = P4RuntimeClient(lab.switch.address, device_id=DEVICE_ID, election_id=1)
    assert (await c.connect()).status.code == 0
    config = pipeline_config(PROGRAM)
    await c.set_pipeline(config)
    try:
        yield c, P4Schema(config.p4info)
    finally:
        await c.close()


async def write(c: P4RuntimeClient, schema: P4Schema, *entities: object) -> None:
    await c.write(p4r.Update(type=INSERT, entity=e.encode(schema)) for e in entities)  # type: ignore[attr-defined]


def fwd(dst: Host, port: int) -> P4TableEntry:
    return P4TableEntry(
        "fwd", match=P4TableMatch(dst_addr=dst.mac), action=P4TableAction("forward", port=port)
    )


async def test_forward_packet_io_digests_and_read_back(
    lab: Lab, client: tuple[P4RuntimeClient, P4Schema]
) -> None:
    c, schema = client
    await write(c, schema, fwd(lab.b, 2), fwd(lab.a, 1))
    await write(c, schema, P4DigestEntry("learn_t", max_list_size=1))
    await write(c, schema, P4MulticastGroupEntry(1, replicas=[1, 2]))

    got = await asyncio.to_thread(lab.forward, b"first")
    assert got == udp_frame(lab.a, lab.b, b"first")

    digest = (await c.next_message("digest", WAIT_S)).digest
    src, port = digest.data[0].struct.members
    assert (src.bitstring, port.bitstring) == (lab.a.mac.to_bytes(6, "big"), b"\x01")

    to_cpu = bytes(Ether(src=mac_text(lab.a.mac), dst=mac_text(lab.b.mac), type=0x88B5) / b"cpu")
    lab.sock_a.send(to_cpu)
    packet_in = (await c.next_message("packet", WAIT_S)).packet
    assert packet_in.payload.startswith(to_cpu)
    assert packet_in.metadata[0].value == b"\x01"

    out = udp_frame(lab.b, lab.a, b"packet-out")
    await c.send(P4PacketOut(out, egress_port=2, pad=0).encode_update(schema))
    assert await asyncio.to_thread(receive_matching, lab.sock_b, out, WAIT_S, len(out)) == out

    entries = await c.read([P4TableEntry("fwd", counter_data=P4CounterData()).encode(schema)])
    hits = {e.table_entry.match[0].exact.value: e.table_entry.counter_data for e in entries}
    assert hits[lab.b.mac.to_bytes(6, "big")].packet_count >= 1
    [rx] = await c.read([P4CounterEntry("port_rx", index=1).encode(schema)])
    assert rx.counter_entry.data.packet_count >= 2
    [reg] = await c.read([P4RegisterEntry("last_len", index=1).encode(schema)])
    assert int.from_bytes(reg.register_entry.data.bitstring, "big") == len(to_cpu)
    [group] = await c.read([P4MulticastGroupEntry().encode(schema)])
    assert [
        r.egress_port for r in group.packet_replication_engine_entry.multicast_group_entry.replicas
    ] == [1, 2]
    [digest_entry] = await c.read([P4DigestEntry("learn_t").encode(schema)])
    assert digest_entry.digest_entry.config.max_list_size == 1


async def test_link_down_and_up_is_survived(
    lab: Lab, client: tuple[P4RuntimeClient, P4Schema]
) -> None:
    c, schema = client
    await write(c, schema, fwd(lab.b, 2))
    assert await asyncio.to_thread(lab.forward, b"before") is not None
    lab.veths.set_link(lab.a, up=False)
    lab.veths.set_link(lab.b, up=False)
    deadline = time.monotonic() + WAIT_S
    while "link down" not in lab.switch.log.read_text() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert "link down" in lab.switch.log.read_text(), (
        "the switch did not report the link going down"
    )
    lab.veths.set_link(lab.a, up=True)
    lab.veths.set_link(lab.b, up=True)
    assert lab.switch.process.poll() is None, "the switch died when its links went down"
    assert await asyncio.to_thread(lab.forward, b"after", 15.0) is not None
    [entry] = await c.read([P4TableEntry("fwd").encode(schema)])
    assert entry.table_entry.match[0].exact.value == lab.b.mac.to_bytes(6, "big")
