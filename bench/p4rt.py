"""P4Runtime benchmark against a ``softswitch run`` process (the switch gets its own core).

Figures:
* Write throughput: table entries/s, INSERT then DELETE, in batches of 1,000 per request
  (target: 10,000 entries/s);
* the PacketOut path (round trips to PacketIn, packet-outs to the wire, switch CPU per
  packet-out): ``bench.p4rt_packets``;
* forwarding between two veth interfaces in namespaces (root only): the highest offered load
  (stepped up) the switch forwards with at most 1% loss, next to the executor's own in-process rate for the same program,
  which gives the per-packet cost of the socket path.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from pathlib import Path

from finsy import P4Schema, P4TableAction, P4TableEntry, P4TableMatch
from finsy.proto import p4r

from bench import p4rt_packets
from bench.netns import Host, VethLab, is_root, open_raw_socket, switch_process
from bench.p4rt_packets import DEVICE_ID, PROGRAM, session, until_quiet

BATCH = 1000
WRITE_TARGET = 10_000
OFFERED_RATES = (5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000)
MAX_LOSS = 0.01


def _fwd_updates(schema: P4Schema, op: int, first: int, count: int) -> list[p4r.Update]:
    return [
        p4r.Update(
            type=op,  # type: ignore[arg-type]
            entity=P4TableEntry(
                "fwd",
                match=P4TableMatch(dst_addr=0x0200_0000_0000 + i),
                action=P4TableAction("forward", port=1 + i % 8),
            ).encode(schema),
        )
        for i in range(first, first + count)
    ]


async def bench_writes(address: str, batches: int) -> None:
    client, schema = await session(address)
    try:
        inserts = [
            _fwd_updates(schema, p4r.Update.INSERT, b * BATCH, BATCH) for b in range(batches)
        ]
        deletes = [
            _fwd_updates(schema, p4r.Update.DELETE, b * BATCH, BATCH) for b in range(batches)
        ]
        for name, requests in (("INSERT", inserts), ("DELETE", deletes)):
            started = time.perf_counter()
            for updates in requests:
                await client.write(updates)
            rate = batches * BATCH / (time.perf_counter() - started)
            verdict = "meets" if rate >= WRITE_TARGET else "BELOW"
            print(
                f"Write {name}: {rate:,.0f} table entries/s ({batches} x {BATCH}-entry batches; "
                f"{verdict} the {WRITE_TARGET:,}/s target)"
            )
    finally:
        await client.close()


def _udp_like(src: Host, dst: Host, seq: int) -> bytes:
    header = dst.mac.to_bytes(6, "big") + src.mac.to_bytes(6, "big") + b"\x08\x00"
    return header + seq.to_bytes(4, "big") + bytes(46)


def inprocess_pps(packets: int) -> float:
    """The executor alone: ``Switch.inject`` on the same program and entry, no sockets."""
    from softswitch.frontend.compiler import compile_file
    from softswitch.switch import Switch

    switch = Switch(compile_file(PROGRAM), cpu_port=255)
    a, b = Host("", "", "", 0x02_00_00_00_00_01), Host("", "", "", 0x02_00_00_00_00_02)
    switch.table_add("fwd", {"dst_addr": b.mac}, "forward", {"port": 2})
    switch.table_add("smac", {"src_addr": a.mac}, "learned")
    frame = _udp_like(a, b, 0)
    started = time.perf_counter()
    for _ in range(packets):
        switch.inject(1, frame)
        switch.take_outputs()
    return packets / (time.perf_counter() - started)


async def bench_forwarding(step_s: float, log_dir: Path) -> None:
    lab = VethLab()
    try:
        a, b = lab.add_host(1), lab.add_host(2)
        interfaces = [(1, a.switch_iface), (2, b.switch_iface)]
        with switch_process(interfaces, log_dir, DEVICE_ID) as switch:
            await _install_forwarding(switch.address, a, b)
            best = 0.0
            for rate in OFFERED_RATES:
                sent, received = await asyncio.to_thread(_send_paced, a, b, rate, step_s)
                loss = 1 - received / sent if sent else 1.0
                print(f"  offered {sent / step_s:9,.0f}/s: forwarded {received / step_s:9,.0f}/s")
                if loss > MAX_LOSS:
                    break
                best = received / step_s
        inproc = inprocess_pps(20_000)
        print(
            f"forwarding veth -> switch -> veth: {best:,.0f} packets/s with <= {MAX_LOSS:.0%} loss"
        )
        if best:
            overhead_us = max(0.0, 1e6 / best - 1e6 / inproc)
            print(
                f"executor alone (Switch.inject, same program): {inproc:,.0f} packets/s; "
                f"ports and sockets add about {overhead_us:.1f} us per packet"
            )
    finally:
        lab.close()


async def _install_forwarding(address: str, a: Host, b: Host) -> None:
    client, schema = await session(address)
    try:
        entities = [
            P4TableEntry(
                "fwd", match=P4TableMatch(dst_addr=b.mac), action=P4TableAction("forward", port=2)
            ),
            P4TableEntry(
                "smac", match=P4TableMatch(src_addr=a.mac), action=P4TableAction("learned")
            ),
        ]
        await client.write(
            p4r.Update(type=p4r.Update.INSERT, entity=e.encode(schema)) for e in entities
        )
    finally:
        await client.close()


def _send_paced(a: Host, b: Host, rate: int, duration_s: float) -> tuple[int, int]:
    """Send from A at ``rate`` packets/s for ``duration_s``; count what B receives."""
    tx, rx = open_raw_socket(a), open_raw_socket(b, timeout_s=0.2)
    prefix = _udp_like(a, b, 0)[:14]
    received = 0
    stop = threading.Event()

    def receive() -> None:
        nonlocal received
        while not stop.is_set():
            try:
                data = rx.recv(2048)
            except TimeoutError:
                continue
            if data[:14] == prefix:
                received += 1

    receiver = threading.Thread(target=receive)
    receiver.start()
    frame = _udp_like(a, b, 0)
    sent = 0
    started = time.perf_counter()
    total = int(rate * duration_s)
    while sent < total:
        # Bursts of 32 on schedule: the offered load stays at ``rate`` on average.
        ahead = started + sent / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)  # pacing, not waiting for a result: leaves the core to the switch
        for _ in range(32):
            tx.send(frame)
        sent += 32
    until_quiet(lambda: received)
    stop.set()
    receiver.join()
    tx.close()
    rx.close()
    return sent, received


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench p4rt", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    batches = 5 if args.quick else 20
    round_trips = 500 if args.quick else 3000
    packet_outs = 2000 if args.quick else 10_000
    # One event loop for everything: grpc.aio stays bound to the loop it first ran on.
    asyncio.run(_run(batches, round_trips, packet_outs, 1.0 if args.quick else 2.0))


async def _run(batches: int, round_trips: int, packet_outs: int, step_s: float) -> None:
    with tempfile.TemporaryDirectory(prefix="fantel-bench-p4rt-") as tmp:
        log_dir = Path(tmp)
        with switch_process([], log_dir, DEVICE_ID) as switch:
            # Round trips first: a fresh switch, as the figures they are compared with.
            await p4rt_packets.bench_round_trips(switch.address, switch.process.pid, round_trips)
            await bench_writes(switch.address, batches)
        await p4rt_packets.bench_grpc_floor(packet_outs)
        if is_root():
            await p4rt_packets.bench_packet_out_to_wire(log_dir, packet_outs)
            await bench_forwarding(step_s, log_dir)
        else:
            print("PacketOut -> wire, forwarding between veths: skipped (needs root for netns)")
