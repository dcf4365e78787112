"""Network namespaces with veth pairs for root tests and benchmarks, cleaned up by name, and
the ``softswitch run`` process that serves them.

``VethLab`` creates, for each host, a namespace holding one end of a veth pair whose other end
stays in the current namespace for the switch. Names are unique per lab; ``close`` removes
exactly what was created (deleting a namespace removes its veth end, and with it the pair).
Raw sockets inside a namespace are opened from a short-lived thread that ``setns``es first: a
socket keeps the namespace it was created in, and the caller's thread never moves.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from softswitch.p4rt.client import wait_for_port

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003


def is_root() -> bool:
    return os.geteuid() == 0


def mac_text(mac: int) -> str:
    return ":".join(f"{b:02x}" for b in mac.to_bytes(6, "big"))


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


def _disable_ipv6(iface: str, netns: str | None = None) -> None:
    """No IPv6 autoconfiguration chatter (RS, MLD, DAD) on lab links: counts stay exact."""
    path = f"/proc/sys/net/ipv6/conf/{iface}/disable_ipv6"
    if netns is None:
        with open(path, "w") as f:
            f.write("1")
    else:
        subprocess.run(
            ["ip", "netns", "exec", netns, "sh", "-c", f"echo 1 > {path}"],
            check=False,
            capture_output=True,
        )


@dataclass
class Host:
    netns: str
    iface: str  # inside netns
    switch_iface: str  # the peer, in the caller's namespace
    mac: int


@dataclass
class VethLab:
    hosts: list[Host] = field(default_factory=list)
    tag: str = field(default_factory=lambda: secrets.token_hex(3))

    def add_host(self, index: int) -> Host:
        netns = f"fp4-{self.tag}-{index}"
        host = Host(
            netns, f"h{self.tag}{index}", f"s{self.tag}{index}", 0x02_00_00_00_00_00 | index
        )
        _ip("netns", "add", netns)
        self.hosts.append(host)
        _ip("link", "add", host.switch_iface, "type", "veth", "peer", "name", host.iface)
        _ip("link", "set", host.iface, "netns", netns)
        _ip("-n", netns, "link", "set", host.iface, "address", mac_text(host.mac))
        _disable_ipv6(host.switch_iface)
        _disable_ipv6(host.iface, netns)
        _ip("-n", netns, "link", "set", host.iface, "up")
        _ip("link", "set", host.switch_iface, "up")
        return host

    def set_link(self, host: Host, up: bool) -> None:
        _ip("link", "set", host.switch_iface, "up" if up else "down")

    def close(self) -> None:
        for host in self.hosts:
            subprocess.run(["ip", "link", "del", host.switch_iface], capture_output=True)
            subprocess.run(["ip", "netns", "del", host.netns], capture_output=True)
        self.hosts.clear()


def open_raw_socket(host: Host, timeout_s: float = 0.2) -> socket.socket:
    """An AF_PACKET socket on ``host.iface``, inside ``host.netns``."""
    result: list[socket.socket | BaseException] = []

    def enter_and_open() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(f"/run/netns/{host.netns}") as ns:
                if libc.setns(ns.fileno(), CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns {host.netns}")
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            sock.bind((host.iface, 0))
            sock.settimeout(timeout_s)
            result.append(sock)
        except BaseException as err:  # handed to the caller's thread
            result.append(err)

    thread = threading.Thread(target=enter_and_open)
    thread.start()
    thread.join()
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


def receive_matching(
    sock: socket.socket, wanted: bytes, timeout_s: float, prefix: int = 14
) -> bytes | None:
    """The first frame whose first ``prefix`` bytes equal ``wanted``'s, or None on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            data, addr = sock.recvfrom(65535)
        except TimeoutError:
            continue
        if addr[2] != socket.PACKET_OUTGOING and data[:prefix] == wanted[:prefix]:
            return data
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class SwitchProcess:
    address: str  # P4Runtime, host:port
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def switch_process(
    interfaces: Sequence[tuple[int, str]],
    log_dir: Path,
    device_id: int,
    extra_args: Sequence[str] = (),
) -> Iterator[SwitchProcess]:
    """A ``softswitch run --no-p4`` process (CPU port 255) with ``interfaces`` as
    ``(port, interface)``, listening for P4Runtime; its log and stderr go to ``log_dir``."""
    port = free_port()
    log = log_dir / "switch.log"
    argv = [sys.executable, "-m", "softswitch.cli", "run", "--no-p4", "--cpu-port", "255"]
    argv += ["--device-id", str(device_id), "--grpc-server-addr", f"127.0.0.1:{port}"]
    argv += ["--log-file", str(log), *extra_args]
    for number, iface in interfaces:
        argv += ["-i", f"{number}@{iface}"]
    with open(log_dir / "switch.stderr", "wb") as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        if not wait_for_port("127.0.0.1", port, 30):
            raise RuntimeError(f"softswitch run did not listen; see {log}")
        yield SwitchProcess(f"127.0.0.1:{port}", process, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
