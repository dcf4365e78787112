"""Round-trip probes between hosts over the kernel's UDP stack (a UDP echo responder and a
client), used to measure the RTT the emulated WAN really has before a scenario starts."""

from __future__ import annotations

import signal
import socket
import statistics
import struct
import time
from pathlib import Path
from types import FrameType
from typing import Any

ECHO_PORT = 7007
_PROBE = struct.Struct("!4sIQ")  # magic, sequence, send time (ns)
_MAGIC = b"RTT1"


def run_echo(port: int, ready: str | None) -> int:
    """Echo every datagram back to its sender until SIGTERM."""
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(0.1)
    if ready:
        Path(ready).touch()
    with sock:
        while not stopping:
            try:
                data, peer = sock.recvfrom(2048)
            except (TimeoutError, InterruptedError):
                continue
            sock.sendto(data, peer)
    return 0


def measure_rtt(
    target: str, count: int = 10, interval_s: float = 0.02, timeout_s: float = 1.0
) -> dict[str, Any]:
    """Send `count` probes and return min/mean/max RTT in ms and how many were lost."""
    samples: list[float] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect((target, ECHO_PORT))
        for seq in range(count):
            sent = time.monotonic_ns()
            sock.send(_PROBE.pack(_MAGIC, seq, sent))
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                try:
                    data = sock.recv(2048)
                except TimeoutError:
                    break
                except ConnectionRefusedError:
                    continue  # ICMP from a previous probe; the echo may not be up yet
                if len(data) >= _PROBE.size:
                    magic, got_seq, stamp = _PROBE.unpack_from(data)
                    if magic == _MAGIC and got_seq == seq:
                        samples.append((time.monotonic_ns() - stamp) / 1e6)
                        break
            time.sleep(interval_s)
    return {
        "target": target,
        "sent": count,
        "received": len(samples),
        "min_ms": min(samples) if samples else None,
        "mean_ms": statistics.fmean(samples) if samples else None,
        "max_ms": max(samples) if samples else None,
    }
