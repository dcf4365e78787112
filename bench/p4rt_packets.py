"""Packet I/O figures of a ``softswitch run`` process: the controller's PacketOut path.

* PacketOut -> pipeline -> PacketIn round trips per second, one in flight;
* PacketOut -> wire (root only): packet-outs with ``egress_port`` set, sent back to back,
  counted as frames on a veth in a namespace;
* the switch's CPU microseconds per packet-out in both (process CPU time, all threads, over
  the packets), which is what many switches sharing two cores in Mininet pay per probe.

Each figure is printed next to the last session's measurement of the path before it was
optimized (``BEFORE_*``), as a ratio.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from finsy import P4PacketOut, P4Schema

from bench.netns import VethLab, open_raw_socket, switch_process
from softswitch.p4rt.client import P4RuntimeClient
from softswitch.p4rt.program import pipeline_config

PROGRAM = Path(__file__).resolve().parent / "p4" / "p4rt_switch.p4"
DEVICE_ID = 1
TO_CPU_ETHERTYPE = 0x88B5
WIRE_ETHERTYPE = 0x88B6  # anything the pipeline does not punt
# Measured before the packet-out path was optimized (same machine, `python -m bench p4rt`).
BEFORE_ROUND_TRIPS_PER_S = 2_841
BEFORE_ROUND_TRIP_CPU_US = 336.0
BEFORE_WIRE_PER_S = 0.0
BEFORE_WIRE_CPU_US = 0.0


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far, all threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """The switch process's CPU time between ``start`` and ``stop``."""

    pid: int
    started: float = 0.0
    used_s: float = 0.0

    def start(self) -> None:
        self.started = process_cpu_s(self.pid)

    def stop(self) -> None:
        self.used_s = process_cpu_s(self.pid) - self.started

    def us_per(self, packets: int) -> float:
        return self.used_s * 1e6 / packets


def _versus(value: float, before: float, higher_is_better: bool) -> str:
    if not before or not value:
        return ""
    ratio = value / before if higher_is_better else before / value
    return f"; {ratio:.2f}x vs before ({before:,.0f})"


async def session(address: str) -> tuple[P4RuntimeClient, P4Schema]:
    client = P4RuntimeClient(address, device_id=DEVICE_ID, election_id=1)
    await client.connect()
    config = pipeline_config(PROGRAM)
    await client.set_pipeline(config)
    return client, P4Schema(config.p4info)


def _frame(ether_type: int, seq: int) -> bytes:
    src = (0x02_00_00_00_00_FE).to_bytes(6, "big")
    return bytes(6) + src + ether_type.to_bytes(2, "big") + seq.to_bytes(4, "big") + bytes(46)


async def bench_round_trips(address: str, pid: int, round_trips: int) -> None:
    client, schema = await session(address)
    # egress_port 0 runs the pipeline, which sends 0x88B5 frames back to the CPU port.
    message = P4PacketOut(_frame(TO_CPU_ETHERTYPE, 0), egress_port=0, pad=0).encode_update(schema)
    cpu = CpuMeter(pid)
    try:
        await client.send(message)
        await client.next_message("packet")  # warm-up
        cpu.start()
        started = time.perf_counter()
        for _ in range(round_trips):
            await client.send(message)
            await client.next_message("packet")
        elapsed = time.perf_counter() - started
        cpu.stop()
    finally:
        await client.close()
    rate = round_trips / elapsed
    us = cpu.us_per(round_trips)
    print(
        f"PacketOut -> PacketIn: {rate:,.0f} round trips/s ({round_trips}, one in flight)"
        f"{_versus(rate, BEFORE_ROUND_TRIPS_PER_S, True)}"
    )
    print(f"  switch CPU per round trip: {us:.0f} us{_versus(us, BEFORE_ROUND_TRIP_CPU_US, False)}")


async def bench_packet_out_to_wire(log_dir: Path, packets: int) -> None:
    """Packet-outs to port 1 as fast as the stream takes them; frames counted on the wire."""
    lab = VethLab()
    try:
        host = lab.add_host(1)
        with switch_process([(1, host.switch_iface)], log_dir, DEVICE_ID) as switch:
            client, schema = await session(switch.address)
            try:
                messages = [
                    P4PacketOut(_frame(WIRE_ETHERTYPE, i), egress_port=1, pad=0).encode_update(
                        schema
                    )
                    for i in range(packets)
                ]
                counter = _WireCounter(open_raw_socket(host), WIRE_ETHERTYPE)
                cpu = CpuMeter(switch.process.pid)
                cpu.start()
                started = time.perf_counter()
                for message in messages:
                    await client.send(message)
                await asyncio.to_thread(until_quiet, lambda: counter.count)
                elapsed = counter.last_at - started
                cpu.stop()
                received, in_order = counter.close()
            finally:
                await client.close()
    finally:
        lab.close()
    rate = received / elapsed if elapsed > 0 else 0.0
    us = cpu.us_per(packets)
    order = "in order" if in_order else "OUT OF ORDER"
    print(
        f"PacketOut -> wire: {rate:,.0f} packets/s ({received} of {packets} arrived, {order})"
        f"{_versus(rate, BEFORE_WIRE_PER_S, True)}"
    )
    print(f"  switch CPU per packet-out: {us:.0f} us{_versus(us, BEFORE_WIRE_CPU_US, False)}")


class _WireCounter:
    """Counts frames of one ether type on a raw socket (in a thread) and checks their order."""

    def __init__(self, sock: socket.socket, ether_type: int) -> None:
        self.sock = sock
        self.type_bytes = ether_type.to_bytes(2, "big")
        self.count = 0
        self.last_at = 0.0
        self.in_order = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        expected = 0
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            if data[12:14] != self.type_bytes:
                continue
            self.in_order &= int.from_bytes(data[14:18], "big") == expected
            expected += 1
            self.count += 1
            self.last_at = time.perf_counter()

    def close(self) -> tuple[int, bool]:
        self._stop.set()
        self._thread.join()
        self.sock.close()
        return self.count, self.in_order


def until_quiet(count: Callable[[], int], quiet_s: float = 0.3, limit_s: float = 5.0) -> None:
    """Wait until ``count()`` stops growing (the switch has drained its queues)."""
    deadline = time.monotonic() + limit_s
    last, last_change = count(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_change < quiet_s:
        time.sleep(0.02)
        if count() != last:
            last, last_change = count(), time.monotonic()
