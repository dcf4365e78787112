"""Switch ports on real Linux interfaces through AF_PACKET raw sockets.

A port whose link goes down (``recvfrom`` raises ENETDOWN, as Mininet's ``configLinkStatus``
does) or whose interface disappears is reported once and retried with backoff; traffic
resumes on its own when the link is back. Nothing here is fatal to the switch.

Per-port shaping (``--queue-rate``, ``--port-rate``, ``--queue-depth``, ``--port-delay``) is
applied to the runtime's traffic manager and propagation delay (``softswitch.runtime.traffic``); the
kernel has no netem here, so WAN delay is emulated by holding frames before transmission.
"""

from __future__ import annotations

import errno
import logging
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from softswitch.runtime.clock import Clock
from softswitch.runtime.traffic import PropagationDelay, TrafficManager

log = logging.getLogger("softswitch.ports")

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4  # sll_pkttype of frames we sent ourselves
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
MAX_FRAME = 65535
POLL_S = 0.5  # how long an idle receive thread waits before checking for shutdown
# Errors that mean "the link or interface is gone for now", not "the switch is broken".
LINK_ERRNOS = frozenset({errno.ENETDOWN, errno.ENXIO, errno.ENODEV, errno.EBADF, errno.ENOBUFS})
Deliver = Callable[[int, bytes], None]


class PortSpecError(ValueError):
    pass


def parse_interface(spec: str) -> tuple[int, str]:
    """``PORT@IFACE`` (simple_switch ``-i``) -> (port, interface name)."""
    port_text, sep, iface = spec.partition("@")
    if not sep or not iface or not port_text.isdigit():
        raise PortSpecError(f"-i {spec!r}: expected PORT@IFACE, e.g. -i 1@veth1")
    port = int(port_text)
    if port >= 511:
        raise PortSpecError(f"-i {spec!r}: port {port} is reserved (511 is the drop port)")
    return port, iface


@dataclass
class RawPort:
    """One switch port bound to one interface."""

    port: int
    iface: str
    sock: socket.socket | None = None
    up: bool = False
    rx_packets: int = 0
    tx_packets: int = 0
    tx_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self) -> None:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            sock.bind((self.iface, 0))
            # Non-blocking: the receive loop drains the socket with one syscall per frame and
            # only polls (with a timeout, to notice shutdown) when it is empty.
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.up = True

    def close(self) -> None:
        with self.lock:
            if self.sock is not None:
                self.sock.close()
                self.sock = None
            self.up = False

    def send(self, frame: bytes) -> None:
        sock = self.sock
        if sock is None:
            self.tx_errors += 1
            return
        try:
            sock.send(frame)
            self.tx_packets += 1
        except BlockingIOError:
            self.tx_errors += 1  # the interface's queue is full: tail drop, as a NIC would
        except OSError as err:
            self.tx_errors += 1
            if err.errno not in LINK_ERRNOS and err.errno != errno.EMSGSIZE:
                raise


class PortSet:
    """All ports of a switch, each with its own receive thread."""

    def __init__(self, interfaces: list[tuple[int, str]], retry_max_s: float = 2.0) -> None:
        ports = [p for p, _ in interfaces]
        if len(set(ports)) != len(ports):
            raise PortSpecError("each port number may be given to only one interface")
        self.ports = {p: RawPort(p, iface) for p, iface in interfaces}
        self.retry_max_s = retry_max_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, deliver: Deliver) -> None:
        for port in self.ports.values():
            thread = threading.Thread(
                target=self._receive_loop,
                args=(port, deliver),
                name=f"rx-{port.iface}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def send(self, port: int, frame: bytes) -> None:
        raw = self.ports.get(port)
        if raw is not None:
            raw.send(frame)

    def status(self) -> dict[int, bool]:
        return {p: raw.up for p, raw in self.ports.items()}

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for raw in self.ports.values():
            raw.close()

    def _receive_loop(self, port: RawPort, deliver: Deliver) -> None:
        backoff = 0.05
        reported = False
        while not self._stop.is_set():
            if port.sock is None:
                try:
                    port.open()
                    if reported:
                        log.warning("port %d (%s) is back", port.port, port.iface)
                    reported, backoff = False, 0.05
                except OSError as err:
                    if not reported:
                        log.warning(
                            "port %d (%s) unavailable: %s", port.port, port.iface, err.strerror
                        )
                        reported = True
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.retry_max_s)
                    continue
            sock = port.sock
            if sock is None:
                continue
            try:
                frame, addr = sock.recvfrom(MAX_FRAME)
            except BlockingIOError:
                select.select([sock], [], [], POLL_S)
                continue
            except OSError as err:
                if err.errno not in LINK_ERRNOS:
                    log.error("port %d (%s): %s", port.port, port.iface, err)
                if not reported:
                    log.warning("port %d (%s) link down: %s", port.port, port.iface, err.strerror)
                    reported = True
                port.up = False
                if err.errno in (errno.ENXIO, errno.ENODEV, errno.EBADF):
                    port.close()  # the interface is gone: reopen it when it returns
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.retry_max_s)
                continue
            if reported:
                log.warning("port %d (%s) link up", port.port, port.iface)
                reported, backoff = False, 0.05
            port.up = True
            if addr[2] == PACKET_OUTGOING:
                continue
            port.rx_packets += 1
            deliver(port.port, frame)


def parse_port_delay(spec: str) -> tuple[int, int]:
    """``PORT:MICROSECONDS`` -> (port, delay in ns)."""
    port_text, sep, us_text = spec.partition(":")
    try:
        port, delay_us = int(port_text), float(us_text)
    except ValueError:
        port, delay_us = -1, -1.0
    if not sep or port < 0 or delay_us < 0:
        raise PortSpecError(f"--port-delay {spec!r}: expected PORT:MICROSECONDS, e.g. 2:5000")
    return port, round(delay_us * 1000)


def parse_port_rate(spec: str) -> tuple[int, int]:
    """``PORT:PPS`` -> (port, packets per second of each of the port's queues)."""
    port_text, sep, pps_text = spec.partition(":")
    if not sep or not port_text.isdigit() or not pps_text.isdigit():
        raise PortSpecError(f"--port-rate {spec!r}: expected PORT:PPS, e.g. 3:500")
    return int(port_text), int(pps_text)


@dataclass
class Shaping:
    """Queue and link parameters from the command line, applied to the runtime's models."""

    queue_rate_pps: int = 0  # 0: unlimited
    queue_depth: int | None = None
    port_delay_ns: dict[int, int] = field(default_factory=dict)
    #: Per-port queue rate (simple_switch's runtime ``set_queue_rate PPS PORT``); overrides
    #: ``queue_rate_pps`` on these ports. 0 = unlimited.
    port_rate_pps: dict[int, int] = field(default_factory=dict)

    @property
    def paced(self) -> bool:
        """Some queue is rate limited, so departures must be released on time."""
        return bool(self.queue_rate_pps) or any(self.port_rate_pps.values())

    def apply(self, tm: TrafficManager[Any], delay: PropagationDelay[Any]) -> None:
        if self.queue_depth is not None:
            tm.set_all_queue_depths(self.queue_depth)
        if self.queue_rate_pps:
            tm.set_all_queue_rates(self.queue_rate_pps)
        for port, pps in self.port_rate_pps.items():
            tm.set_queue_rate(port, pps)
        for port, ns in self.port_delay_ns.items():
            delay.set_delay(port, ns)


class DelayedTransmitter:
    """Holds egress frames for their port's propagation delay, then transmits them."""

    def __init__(self, ports: PortSet, delay: PropagationDelay[bytes], clock: Clock) -> None:
        self.ports = ports
        self.delay = delay
        self.clock = clock
        self._cv = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="tx-delay", daemon=True)
        self._thread.start()

    def send(self, port: int, frame: bytes) -> None:
        with self._cv:
            self.delay.send(port, frame)
            self._cv.notify()

    def _run(self) -> None:
        with self._cv:
            while not self._stop:
                for port, frame in self.delay.ready():
                    self.ports.send(port, frame)
                release = self.delay.next_release_ns()
                if release is None:
                    self._cv.wait()
                else:
                    self._cv.wait(max(0.0, (release - self.clock.now_ns()) / 1e9))

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=2)
