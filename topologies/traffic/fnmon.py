"""Watches FN packets on the switches' interfaces (root namespace) with wall-clock timestamps.

Switch ports live in the root namespace, so one AF_PACKET socket without a bind sees every
frame each switch sends (PACKET_OUTGOING on its own interface) and receives (on the peer end).
A kernel BPF filter passes only UDP port 4793, so data and probes never wake the thread.
This gives the failure-to-first-notification times at the detecting and the upstream switches
independently of switch clocks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from controller.wire import FN, UdpPorts
from topologies.traffic.rawsock import PACKET_OUTGOING, open_packet_socket, udp_dport_filter
from topologies.traffic.sender import fn_type_name


@dataclass(frozen=True)
class FnSighting:
    t_ns: int
    iface: str
    outgoing: bool  # sent by the switch owning `iface`, else received by it
    fn_type: str
    originator: int
    sequence: int
    hop_limit: int
    object_id: int
    metric_kind: int
    metric_value: int  # queue depth in packets for congestion FNs (MetricKind 1)
    src_ip: str
    dst_ip: str

    def switch(self, iface_owner: Mapping[str, str]) -> str | None:
        return iface_owner.get(self.iface)


class FnMonitor:
    """A background thread collecting FN sightings until stopped."""

    def __init__(self, ifaces: set[str] | None = None) -> None:
        self.ifaces = ifaces
        self.sightings: list[FnSighting] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = open_packet_socket(
            None, ignore_outgoing=False, program=udp_dport_filter(UdpPorts.FN)
        )
        self._thread = threading.Thread(target=self._loop, name="fn-monitor", daemon=True)

    def start(self) -> FnMonitor:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                frame, address = self._sock.recvfrom(65535)
            except (TimeoutError, InterruptedError):
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            now_ns = time.time_ns()
            iface, pkttype = address[0], address[2]
            if self.ifaces is not None and iface not in self.ifaces:
                continue
            packet = Ether(frame)
            if FN not in packet or IP not in packet:
                continue
            fn = packet[FN]
            with self._lock:
                self.sightings.append(
                    FnSighting(
                        t_ns=now_ns,
                        iface=iface,
                        outgoing=pkttype == PACKET_OUTGOING,
                        fn_type=fn_type_name(fn.fn_type),
                        originator=fn.originator,
                        sequence=fn.sequence,
                        hop_limit=fn.hop_limit,
                        object_id=fn.object_id,
                        metric_kind=fn.metric_kind,
                        metric_value=fn.metric_value,
                        src_ip=packet[IP].src,
                        dst_ip=packet[IP].dst,
                    )
                )

    def snapshot(self) -> list[FnSighting]:
        with self._lock:
            return list(self.sightings)

    def clear(self) -> None:
        with self._lock:
            self.sightings.clear()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()
