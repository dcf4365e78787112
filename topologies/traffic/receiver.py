"""The receiver: counts the testbed flows arriving on one host interface and measures, per flow,
throughput over time, loss (against the sender's count), reordering, duplicates, one-way
latency (sender and receiver share the machine's clock), the longest delivery gap, which is
the outage a failure caused as the application saw it, how many packets the network
quantized (SEM flag Q) and whether their values stayed within the documented bound, and how
many a switch promoted after their buffering budget (flag P), with the latency of promoted
and not promoted packets. With `ReceiverJob.cnp` it also plays the end-to-end ECN echo of the
baseline (`CnpEcho`).
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.wire import UdpPorts
from topologies.traffic.flows import CnpEcho, ReceiverJob, read_epoch, run_until_stopped
from topologies.traffic.packets import PLAIN_UDP_PORT, AppPacket, cnp_frame, parse_app_packet
from topologies.traffic.rawsock import open_packet_socket


@dataclass
class FlowStats:
    name: str
    received: int = 0
    nbytes: int = 0
    duplicates: int = 0
    reordered: int = 0
    with_sem: int = 0
    quantized: int = 0
    promoted: int = 0
    first_promoted_ns: int = 0
    promoted_latency_us: float = 0.0  # sums, for the means in summary()
    unpromoted_latency_us: float = 0.0
    values_checked: int = 0
    value_errors: int = 0
    max_relative_error: float = 0.0
    cnps_sent: int = 0
    max_seq: int = -1
    first_ns: int = 0
    last_ns: int = 0
    gap_ns: int = 0  # longest time between two consecutive deliveries
    gap_end_ns: int = 0
    seen: set[int] = field(default_factory=set)
    latencies_us: list[float] = field(default_factory=list)
    bins: dict[int, list[float]] = field(default_factory=dict)  # bin -> [packets, bytes, lat sum]

    def add(
        self,
        seq: int,
        length: int,
        tx_ns: int,
        now_ns: int,
        bin_index: int,
        sem: bool,
        quantized: bool = False,
    ) -> float | None:
        """Count one packet; its one-way latency in us (None for a duplicate)."""
        if seq in self.seen:
            self.duplicates += 1
            return None
        self.seen.add(seq)
        if seq < self.max_seq:
            self.reordered += 1
        else:
            self.max_seq = seq
        if self.received == 0:
            self.first_ns = now_ns
        elif now_ns - self.last_ns > self.gap_ns:
            self.gap_ns = now_ns - self.last_ns
            self.gap_end_ns = now_ns
        self.last_ns = now_ns
        self.received += 1
        self.nbytes += length
        self.with_sem += sem
        self.quantized += quantized
        latency_us = (now_ns - tx_ns) / 1e3
        self.latencies_us.append(latency_us)
        entry = self.bins.setdefault(bin_index, [0, 0, 0.0])
        entry[0] += 1
        entry[1] += length
        entry[2] += latency_us
        return latency_us

    def add_semantics(self, packet: AppPacket, now_ns: int, latency_us: float) -> None:
        """What the switches did to the packet: promotion and the payload's values."""
        if packet.promoted:
            if self.promoted == 0:
                self.first_promoted_ns = now_ns
            self.promoted += 1
            self.promoted_latency_us += latency_us
        else:
            self.unpromoted_latency_us += latency_us
        if packet.values is not None:
            self.values_checked += packet.values.checked
            self.value_errors += packet.values.errors
            self.max_relative_error = max(self.max_relative_error, packet.values.max_relative_error)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_us)
        return {
            "received": self.received,
            "bytes": self.nbytes,
            "duplicates": self.duplicates,
            "reordered": self.reordered,
            "with_sem": self.with_sem,
            "quantized": self.quantized,
            "promoted": self.promoted,
            "first_promoted_ns": self.first_promoted_ns,
            "promoted_latency_ms": _mean_ms(self.promoted_latency_us, self.promoted),
            "unpromoted_latency_ms": _mean_ms(
                self.unpromoted_latency_us, self.received - self.promoted
            ),
            "values_checked": self.values_checked,
            "value_errors": self.value_errors,
            "max_relative_error": self.max_relative_error,
            "cnps_sent": self.cnps_sent,
            "max_seq": self.max_seq,
            "first_ns": self.first_ns,
            "last_ns": self.last_ns,
            "max_gap_ms": self.gap_ns / 1e6,
            "max_gap_end_ns": self.gap_end_ns,
            "latency_us": {
                "mean": statistics.fmean(lat) if lat else None,
                "p50": lat[len(lat) // 2] if lat else None,
                "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None,
                "max": lat[-1] if lat else None,
            },
            "bins": {
                str(k): {"packets": v[0], "bytes": v[1], "latency_us": v[2] / v[0]}
                for k, v in sorted(self.bins.items())
            },
        }


class CnpEchoState:
    """Marks packets by queueing delay and rate-limits the CNPs sent back per flow."""

    def __init__(self, echo: CnpEcho) -> None:
        self.echo = echo
        self.min_latency_us: dict[int, float] = {}
        self.last_cnp_ns: dict[int, int] = {}

    def cnp_for(self, flow_id: int, latency_us: float, now_ns: int) -> bool:
        base = min(self.min_latency_us.get(flow_id, latency_us), latency_us)
        self.min_latency_us[flow_id] = base
        if latency_us - base < self.echo.mark_delay_us or flow_id not in self.echo.dest_qps:
            return False
        last = self.last_cnp_ns.get(flow_id)
        if last is not None and now_ns - last < self.echo.min_interval_s * 1e9:
            return False
        self.last_cnp_ns[flow_id] = now_ns
        return True


class Receiver:
    def __init__(self, job: ReceiverJob) -> None:
        self.job = job
        self.epoch_ns = job.epoch_ns
        self.stats = {flow_id: FlowStats(name) for flow_id, name in job.flows.items()}
        self.stopping = False
        self.link_errors = 0
        self.echo = CnpEchoState(job.cnp) if job.cnp is not None else None

    def run(self) -> dict[str, Any]:
        sock = open_packet_socket(self.job.iface)
        # The kernel answers UDP to closed ports with ICMP errors that would travel back through
        # the network: a bound, never-read socket per data port keeps it quiet.
        sinks = [_udp_sink(port) for port in (UdpPorts.ROCEV2, UdpPorts.SEM, PLAIN_UDP_PORT)]
        Path(self.job.ready).touch()
        bin_ns = int(self.job.bin_s * 1e9)
        epoch_pending = bool(self.job.go)  # data only flows once the go file exists
        try:
            while not self.stopping:
                try:
                    frame = sock.recv(65535)
                except TimeoutError:
                    continue
                except InterruptedError:
                    continue
                except OSError:
                    self.link_errors += 1  # ENETDOWN while the access link is down
                    time.sleep(0.01)
                    continue
                now_ns = time.time_ns()
                if epoch_pending:
                    epoch = read_epoch(self.job.go)
                    if epoch is not None:
                        self.epoch_ns, epoch_pending = epoch, False
                packet = parse_app_packet(frame)
                if packet is None or packet.flow_id not in self.stats:
                    continue
                stats = self.stats[packet.flow_id]
                latency_us = stats.add(
                    packet.seq,
                    len(frame),
                    packet.tx_ns,
                    now_ns,
                    (now_ns - self.epoch_ns) // bin_ns,
                    packet.had_sem,
                    packet.quantized,
                )
                if latency_us is None:
                    continue
                stats.add_semantics(packet, now_ns, latency_us)
                if self.echo is not None and self.echo.cnp_for(
                    packet.flow_id, (now_ns - packet.tx_ns) / 1e3, now_ns
                ):
                    self._send_cnp(sock, packet.flow_id, packet.src_ip)
                    stats.cnps_sent += 1
        finally:
            sock.close()
            for sink in sinks:
                sink.close()
        return {
            "epoch_ns": self.epoch_ns,
            "bin_s": self.job.bin_s,
            "link_errors": self.link_errors,
            "flows": {s.name: s.summary() for s in self.stats.values()},
        }

    def _send_cnp(self, sock: socket.socket, flow_id: int, sender: bytes) -> None:
        echo = self.job.cnp
        assert echo is not None
        frame = cnp_frame(
            echo.src_mac,
            echo.gateway_mac,
            echo.src_ip,
            socket.inet_ntoa(sender),
            echo.dest_qps[flow_id],
        )
        with contextlib.suppress(OSError):  # a lost echo is lost, as on a real network
            sock.send(frame)


def _mean_ms(total_us: float, count: int) -> float | None:
    return round(total_us / count / 1e3, 3) if count else None


def _udp_sink(port: int) -> socket.socket:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sink.bind(("0.0.0.0", port))
    return sink


def run_receiver(job: ReceiverJob) -> int:
    return run_until_stopped(Receiver(job), job.result)
