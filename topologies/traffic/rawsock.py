"""AF_PACKET sockets for the traffic tools, with an optional classic-BPF filter in the kernel so
that a Python receiver only wakes up for the packets it wants (FNs among probes and data)."""

from __future__ import annotations

import ctypes
import socket
import struct

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26

BpfInsn = tuple[int, int, int, int]  # code, jt, jf, k (struct sock_filter)


def udp_dport_filter(dport: int) -> list[BpfInsn]:
    """`ip and udp dst port DPORT`, instruction for instruction what `tcpdump -dd` emits:
    IPv4, protocol UDP, not a non-first fragment, destination port at (IHL * 4 + 2)."""
    return [
        (0x28, 0, 0, 12),  # ldh [12]            EtherType
        (0x15, 0, 8, 0x0800),  # jeq IPv4, else drop
        (0x30, 0, 0, 23),  # ldb [23]            IPv4 protocol
        (0x15, 0, 6, 17),  # jeq UDP, else drop
        (0x28, 0, 0, 20),  # ldh [20]            flags + fragment offset
        (0x45, 4, 0, 0x1FFF),  # jset offset -> drop
        (0xB1, 0, 0, 14),  # ldxb 4*([14]&0xf)   IPv4 header length
        (0x48, 0, 0, 16),  # ldh [x+16]          UDP destination port
        (0x15, 0, 1, dport),  # jeq DPORT, else drop
        (0x06, 0, 0, 0x40000),  # ret accept (256 KiB)
        (0x06, 0, 0, 0),  # ret drop
    ]


def attach_filter(sock: socket.socket, program: list[BpfInsn]) -> None:
    insns = b"".join(struct.pack("HBBI", *insn) for insn in program)
    buffer = ctypes.create_string_buffer(insns)
    fprog = struct.pack("HL", len(program), ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


def open_packet_socket(
    iface: str | None,
    *,
    ignore_outgoing: bool = True,
    program: list[BpfInsn] | None = None,
    rcvbuf: int = 4 << 20,
    timeout_s: float = 0.1,
) -> socket.socket:
    """A raw socket on `iface` (None: every interface of the namespace). With a filter, frames
    queued before it was attached are drained so none slips through unfiltered."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        if ignore_outgoing:
            sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if program is not None:
            attach_filter(sock, program)
        if iface is not None:
            sock.bind((iface, 0))
        sock.setblocking(False)
        if program is not None:
            while True:
                try:
                    sock.recv(65535)
                except BlockingIOError:
                    break
        sock.settimeout(timeout_s)
    except OSError:
        sock.close()
        raise
    return sock
