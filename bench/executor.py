"""Executor speed: packets per second through the in-process switch, single core.

(a) ``bench/p4/l3fwd.p4`` with routes installed, every packet forwarded;
(b) the main program ``p4src/v1model/fantel_v1model.p4`` with empty tables (its default
    path), when it exists. Packets are pre-built; the figure is inject() calls per second
    including parser, checksums, tables, traffic manager, egress and deparser.
With p4c and simple_switch on PATH, (a) also runs on BMv2 (``bench/bmv2.py``) and the
softswitch/BMv2 ratio is printed; otherwise a line says why it is skipped.
"""

from __future__ import annotations

import argparse
import struct
import subprocess
import time
from pathlib import Path

from bench import bmv2
from softswitch.codegen.values import CodegenError
from softswitch.frontend.diagnostics import CompileError
from softswitch.runtime.clock import VirtualClock
from softswitch.switch import Switch

ROOT = Path(__file__).resolve().parent.parent
L3FWD = ROOT / "bench" / "p4" / "l3fwd.p4"
FANTEL = ROOT / "p4src" / "v1model" / "fantel_v1model.p4"
ROUTER_MAC = 0x00AA00000001


def ipv4_checksum(header: bytes) -> int:
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_packet(dst_ip: int, payload_len: int = 64) -> bytes:
    eth = ROUTER_MAC.to_bytes(6, "big") + bytes.fromhex("0000000000bb") + b"\x08\x00"
    head = struct.pack(
        "!BBHHHBBHII", 0x45, 0, 20 + payload_len, 1, 0, 64, 17, 0, 0x0A000001, dst_ip
    )
    head = head[:10] + struct.pack("!H", ipv4_checksum(head)) + head[12:]
    return eth + head + bytes(payload_len)


def l3fwd_switch() -> Switch:
    sw = Switch.from_file(L3FWD, clock=VirtualClock())
    sw.table_add("router_mac", {"hdr.ethernet.dst_addr": ROUTER_MAC}, "accept_router_mac")
    for i in range(256):
        sw.table_add(
            "ipv4_lpm",
            {"hdr.ipv4.dst_addr": (0x0A000000 | i << 16, 16)},
            "set_next_hop",
            {"next_hop": i},
        )
        sw.table_add(
            "next_hop",
            {"meta.next_hop": i},
            "rewrite",
            {"port": 1 + i % 8, "smac": ROUTER_MAC, "dmac": 0xBB00 + i},
        )
    return sw


def measure(sw: Switch, packets: list[bytes], seconds: float) -> tuple[float, int]:
    """Inject packets round-robin for about ``seconds``; returns (pps, packets output)."""
    count = 0
    out = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for data in packets:
            sw.inject(1, data)
        count += len(packets)
        out += len(sw.take_outputs())
        if time.perf_counter() >= deadline:
            break
    return count / (time.perf_counter() - start), out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.executor")
    parser.add_argument(
        "--quick", action="store_true", help="run each program for 1 s instead of 5 s"
    )
    args = parser.parse_args(argv or [])
    seconds = 1.0 if args.quick else 5.0
    packets = [ipv4_packet(0x0A000000 | (i % 256) << 16 | i) for i in range(1000)]
    sw = l3fwd_switch()
    pps_l3fwd, out = measure(sw, packets, seconds)
    print(f"l3fwd.p4            {pps_l3fwd:10,.0f} packets/s  ({out} forwarded)  target >= 20,000")
    if not FANTEL.exists():
        print(f"fantel_v1model.p4   not found at {FANTEL.relative_to(ROOT)}")
    else:
        try:
            fantel = Switch.from_file(FANTEL, clock=VirtualClock())
        except (CompileError, CodegenError) as err:
            print(f"fantel_v1model.p4   does not load: {err}")
        else:
            pps, out = measure(fantel, packets, seconds)
            print(
                f"fantel_v1model.p4   {pps:10,.0f} packets/s  ({out} output, default table actions)"
            )
    compare_with_bmv2(packets, pps_l3fwd)


def compare_with_bmv2(packets: list[bytes], ours_pps: float) -> None:
    """BMv2's figure for l3fwd.p4 with the same entries and packets, and the ratio."""
    missing = bmv2.missing_tools()
    if missing:
        print(f"BMv2 comparison skipped: {', '.join(missing)} not on PATH")
        return
    sw = l3fwd_switch()
    for data in packets:
        sw.inject(1, data)
    expected = len(sw.take_outputs())
    try:
        pps, out = bmv2.bmv2_pps(L3FWD, sw, packets, range(1, 9), expected)
    except (RuntimeError, OSError, subprocess.SubprocessError) as err:
        print(f"BMv2 comparison failed: {err}")
        return
    print(
        f"l3fwd.p4 on BMv2   {pps:10,.0f} packets/s  ({out}/{expected} forwarded)  "
        f"softswitch/BMv2 = {ours_pps / pps:.2f}"
    )


if __name__ == "__main__":
    main()
