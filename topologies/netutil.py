"""Interface settings the testbed needs without `ethtool` (not installed here): checksum and
segmentation offloads off, through the kernel's SIOCETHTOOL ioctl.

Why: a veth hands the kernel's half-computed (CHECKSUM_PARTIAL) UDP/TCP checksums and 64 KB
GSO super-frames to whatever reads it. The switches read with raw sockets and would forward
such frames as they are, so receivers drop them (bad checksum) or links see frames larger
than the MTU. Run inside a host namespace as `python -m topologies.netutil IFACE...`.
"""

from __future__ import annotations

import ctypes
import fcntl
import socket
import struct
import sys
from pathlib import Path

SIOCETHTOOL = 0x8946
#: (get, set) command pairs of the legacy ethtool feature ioctls, by feature.
OFFLOADS = {
    "rx-checksum": (0x14, 0x15),
    "tx-checksum": (0x16, 0x17),
    "scatter-gather": (0x18, 0x19),
    "tso": (0x1E, 0x1F),
    "gso": (0x23, 0x24),
    "gro": (0x2B, 0x2C),
}


def _ethtool_value(sock: socket.socket, iface: str, cmd: int, data: int = 0) -> int:
    value = ctypes.create_string_buffer(struct.pack("II", cmd, data))
    ifreq = struct.pack("16sP", iface.encode(), ctypes.addressof(value)).ljust(40, b"\x00")
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifreq)
    return int(struct.unpack("II", value.raw[:8])[1])


def offload_state(iface: str) -> dict[str, bool]:
    """Current state of each offload in OFFLOADS."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        return {name: bool(_ethtool_value(sock, iface, get)) for name, (get, _) in OFFLOADS.items()}


def disable_offloads(iface: str) -> dict[str, bool]:
    """Turn every offload in OFFLOADS off and return the resulting state (all False on veth).
    Setting a feature the driver cannot change raises OSError; checksum offload must succeed."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for name, (_, set_cmd) in OFFLOADS.items():
            try:
                _ethtool_value(sock, iface, set_cmd, 0)
            except OSError:
                if name == "tx-checksum":
                    raise
    return offload_state(iface)


def disable_ipv6(iface: str | None = None) -> None:
    """IPv6 off (no router solicitations or MLD reports into the P4 switches) for one interface,
    or for every present and future interface of this namespace when `iface` is None."""
    names = [iface] if iface else ["all", "default"]
    for name in names:
        Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6").write_text("1\n")


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m topologies.netutil IFACE...", file=sys.stderr)
        return 2
    for iface in argv:
        try:
            state = disable_offloads(iface)
        except OSError as err:
            print(f"netutil: {iface}: cannot disable offloads: {err.strerror}", file=sys.stderr)
            return 1
        still_on = [name for name, on in state.items() if on]
        if still_on:
            print(f"netutil: {iface}: still on: {', '.join(still_on)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
