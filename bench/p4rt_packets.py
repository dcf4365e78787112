"""Packet I/O figures of a ``softswitch run`` process: the controller's PacketOut path.

* PacketOut -> pipeline -> PacketIn round trips per second, one in flight;
* PacketOut -> wire (root only): packet-outs with ``egress_port`` set, sent back to back,
  counted as frames on a veth in a namespace;
* the switch's CPU microseconds per packet-out in both (process CPU time, all threads, over
  the packets), which is what many switches sharing two cores in Mininet pay per probe;
* the gRPC floor: the same figures for a Python gRPC server whose StreamChannel discards every
  message (``python -m bench.p4rt_packets grpc-floor-server HOST:PORT``), the part of the
  per-packet cost no server code can remove.

Each figure is printed next to the last session's measurement of the path before it was
optimized (``BEFORE_*``), as a ratio.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import grpc
from finsy import P4PacketOut, P4Schema, P4TableAction, P4TableEntry, P4TableMatch
from finsy.proto import p4r
from finsy.proto.p4.v1 import p4runtime_pb2_grpc

from bench.netns import Host, VethLab, free_port, open_raw_socket, switch_process
from softswitch.p4rt.client import P4RuntimeClient, wait_for_port
from softswitch.p4rt.program import pipeline_config

T = TypeVar("T")
PROGRAM = Path(__file__).resolve().parent / "p4" / "p4rt_switch.p4"
DEVICE_ID = 1
TO_CPU_ETHERTYPE = 0x88B5
WIRE_ETHERTYPE = 0x88B6  # anything the pipeline does not punt
SOURCE_MAC = 0x02_00_00_00_00_FE
PROBE_PACE_PER_S = 1000  # the testbed's controller sends ~800 probes/s in all
# Before the packet path was reworked (softswitch/p4rt of 60a60af, the rest as of 34f608b),
# this benchmark, same machine, the switch on its own core: medians of four runs, which vary
# by about 15% run to run.
BEFORE = {
    "round_trips_per_s": 3_491.0,
    "round_trip_us": 193.0,
    "wire_per_s": 13_479.0,
    "wire_us": 73.5,
    "probe_us": 168.0,
    "probe_burst_us": 112.0,
    "probe_rx_us": 56.0,
}


@contextmanager
def own_core(pid: int) -> Iterator[None]:
    """Every thread of process ``pid`` on the last CPU and every thread of this process on the
    others (as ``taskset -a``), until the end of the block: the switch gets its own core, so
    its figures do not depend on where the scheduler puts the client (they vary by half)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        yield
        return
    _set_affinity(pid, cpus[-1:])
    _set_affinity(os.getpid(), cpus[:-1])
    try:
        yield
    finally:
        _set_affinity(os.getpid(), cpus)
        with suppress(FileNotFoundError):  # the process has ended
            _set_affinity(pid, cpus)


def _set_affinity(pid: int, cpus: list[int]) -> None:
    """Threads created later inherit the mask of the thread that creates them."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with suppress(ProcessLookupError):  # a thread that just ended
            os.sched_setaffinity(int(tid), cpus)


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
    src = SOURCE_MAC.to_bytes(6, "big")
    return bytes(6) + src + ether_type.to_bytes(2, "big") + seq.to_bytes(4, "big") + bytes(46)


async def bench_round_trips(address: str, pid: int, round_trips: int) -> None:
    client, schema = await session(address)
    # egress_port 0 runs the pipeline, which sends 0x88B5 frames back to the CPU port.
    message = P4PacketOut(_frame(TO_CPU_ETHERTYPE, 0), egress_port=0, pad=0).encode_update(schema)
    cpu = CpuMeter(pid)
    try:
        await client.send(message)
        await client.next_message("packet")  # warm-up
        with own_core(pid):
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
        f"{_versus(rate, BEFORE['round_trips_per_s'], True)}"
    )
    print(f"  switch CPU per round trip: {us:.0f} us{_versus(us, BEFORE['round_trip_us'], False)}")


async def bench_packet_out_to_wire(log_dir: Path, packets: int) -> None:
    """Packet-outs to port 1, counted as frames on the wire: first back to back (as fast as
    the stream takes them), then one at a time at the probe pace, as the controller's
    liveness probes come; then the other end of a probe: frames received at that pace."""
    lab = VethLab()
    try:
        host = lab.add_host(1)
        with switch_process([(1, host.switch_iface)], log_dir, DEVICE_ID) as switch:
            client, schema = await session(switch.address)
            try:
                with own_core(switch.process.pid):
                    for pace, burst in ((None, 1), (PROBE_PACE_PER_S, 1), (PROBE_PACE_PER_S, 4)):
                        count = packets if pace is None else packets // 2
                        messages = [
                            P4PacketOut(
                                _frame(WIRE_ETHERTYPE, i), egress_port=1, pad=0
                            ).encode_update(schema)
                            for i in range(count)
                        ]
                        counter = _WireCounter(open_raw_socket(host), WIRE_ETHERTYPE)
                        pid = switch.process.pid
                        await _wire_phase(client, messages, counter, pid, pace, burst)
                    await _receive_phase(client, schema, host, switch.process.pid, packets // 2)
            finally:
                await client.close()
    finally:
        lab.close()


async def _wire_phase(
    client: P4RuntimeClient,
    messages: list[p4r.StreamMessageRequest],
    counter: _WireCounter,
    pid: int,
    pace_per_s: int | None,
    burst: int,
) -> None:
    cpu = CpuMeter(pid)
    cpu.start()
    started = await _send(client.send, messages, pace_per_s, burst)
    await asyncio.to_thread(until_quiet, lambda: counter.count)
    elapsed = counter.last_at - started
    cpu.stop()
    received, reordered = counter.close()
    sent = len(messages)
    order = f"{reordered} REORDERED" if reordered else "in order"
    us = cpu.us_per(sent)
    if pace_per_s is None:
        rate = received / elapsed if elapsed > 0 else 0.0
        print(
            f"PacketOut -> wire: {rate:,.0f} packets/s, back to back ({received} of {sent} "
            f"arrived, {order}){_versus(rate, BEFORE['wire_per_s'], True)}"
        )
        print(f"  switch CPU per packet-out: {us:.0f} us{_versus(us, BEFORE['wire_us'], False)}")
    else:
        how = "one at a time" if burst == 1 else f"in bursts of {burst}, as one tick's probes"
        print(
            f"PacketOut -> wire at the probe pace ({pace_per_s:,}/s, {how}): "
            f"{received} of {sent} arrived, {order}"
        )
        before = BEFORE["probe_us" if burst == 1 else "probe_burst_us"]
        print(f"  switch CPU per packet-out (probe): {us:.0f} us{_versus(us, before, False)}")


async def _send(
    write: Callable[[T], Awaitable[None]],
    messages: list[T],
    pace_per_s: int | None,
    burst: int = 1,
) -> float:
    """Writes the messages back to back, or at ``pace_per_s`` on average in bursts of
    ``burst`` (each written as soon as the one before); returns when it started."""
    started = time.perf_counter()
    for i, message in enumerate(messages):
        await write(message)
        if pace_per_s is not None and (i + 1) % burst == 0:
            await asyncio.sleep(max(0.0, started + (i + 1) / pace_per_s - time.perf_counter()))
    return started


async def _receive_phase(
    client: P4RuntimeClient, schema: P4Schema, host: Host, pid: int, frames: int
) -> None:
    """Frames from a known source to an unknown destination (the program drops them, as a
    switch drops a probe it heard) arrive at the probe pace: the switch's CPU per frame."""
    await client.write(
        [
            p4r.Update(
                type=p4r.Update.INSERT,
                entity=P4TableEntry(
                    "smac", match=P4TableMatch(src_addr=SOURCE_MAC), action=P4TableAction("learned")
                ).encode(schema),
            )
        ]
    )
    sock = open_raw_socket(host)
    cpu = CpuMeter(pid)
    cpu.start()
    await _send(
        _async_send(sock), [_frame(WIRE_ETHERTYPE, i) for i in range(frames)], PROBE_PACE_PER_S
    )
    await asyncio.sleep(0.3)  # the switch handles the last ones
    cpu.stop()
    sock.close()
    us = cpu.us_per(frames)
    print(
        f"wire -> switch (dropped) at the probe pace: switch CPU per frame {us:.0f} us"
        f"{_versus(us, BEFORE['probe_rx_us'], False)}"
    )


def _async_send(sock: socket.socket) -> Callable[[bytes], Awaitable[None]]:
    async def send(frame: bytes) -> None:
        sock.send(frame)

    return send


class _WireCounter:
    """Counts frames of one ether type on a raw socket (in a thread); a frame whose sequence
    number is not above the last one's counts as reordered (losses are ``sent - count``)."""

    def __init__(self, sock: socket.socket, ether_type: int) -> None:
        # Room for a whole back-to-back run: the benchmark must not drop what the switch sent.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
        self.sock = sock
        self.type_bytes = ether_type.to_bytes(2, "big")
        self.count = 0
        self.reordered = 0
        self.last_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        last = -1
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            if data[12:14] != self.type_bytes:
                continue
            seq = int.from_bytes(data[14:18], "big")
            self.reordered += seq <= last
            last = max(last, seq)
            self.count += 1
            self.last_at = time.perf_counter()

    def close(self) -> tuple[int, int]:
        """``(frames received, frames reordered)``."""
        self._stop.set()
        self._thread.join()
        self.sock.close()
        return self.count, self.reordered


def until_quiet(count: Callable[[], int], quiet_s: float = 0.3, limit_s: float = 5.0) -> None:
    """Wait until ``count()`` stops growing (the switch has drained its queues)."""
    deadline = time.monotonic() + limit_s
    last, last_change = count(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_change < quiet_s:
        time.sleep(0.02)
        if count() != last:
            last, last_change = count(), time.monotonic()


async def _discard_stream(
    request_iterator: AsyncIterator[p4r.StreamMessageRequest], context: grpc.aio.ServicerContext
) -> None:
    async for _ in request_iterator:
        pass


async def _serve_discarding(address: str) -> None:
    """P4Runtime's StreamChannel and nothing else: reads each message, does nothing with it."""
    handler = grpc.stream_stream_rpc_method_handler(
        _discard_stream,
        request_deserializer=p4r.StreamMessageRequest.FromString,
        response_serializer=p4r.StreamMessageResponse.SerializeToString,
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("p4.v1.P4Runtime", {"StreamChannel": handler}),)
    )
    server.add_insecure_port(address)
    await server.start()
    await server.wait_for_termination()


async def bench_grpc_floor(packets: int) -> None:
    """The per-message CPU of a do-nothing StreamChannel server, back to back and paced."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.p4rt_packets", "grpc-floor-server", f"127.0.0.1:{port}"]
    server = subprocess.Popen(argv)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        if not wait_for_port("127.0.0.1", port, 30):
            raise RuntimeError("the gRPC floor server did not listen")
        stream = p4runtime_pb2_grpc.P4RuntimeStub(channel).StreamChannel()
        message = p4r.StreamMessageRequest(
            packet=p4r.PacketOut(payload=_frame(WIRE_ETHERTYPE, 0), metadata=[])
        )
        await stream.write(message)
        figures = []
        with own_core(server.pid):
            for pace in (None, PROBE_PACE_PER_S):
                count = packets if pace is None else packets // 2
                cpu = CpuMeter(server.pid)
                cpu.start()
                await _send(stream.write, [message] * count, pace)
                await asyncio.sleep(0.3)  # the server drains what is in flight
                cpu.stop()
                figures.append(cpu.us_per(count))
        stream.cancel()
    finally:
        await channel.close()
        server.terminate()
        server.wait()
    print(
        f"gRPC floor (a StreamChannel that discards every message): {figures[0]:.0f} us "
        f"back to back, {figures[1]:.0f} us at the probe pace, per message"
    )


if __name__ == "__main__":
    if sys.argv[1:2] != ["grpc-floor-server"] or len(sys.argv) != 3:
        sys.exit("usage: python -m bench.p4rt_packets grpc-floor-server HOST:PORT")
    asyncio.run(_serve_discarding(sys.argv[2]))
