"""Data-plane figures of issue 5 on the embedded target (virtual clock, so the numbers are
switch time, not Python speed):

(a) detection-to-reroute: a primary next hop falls silent right after its last probe; data is
    offered every ``gap`` us; the time from the last probe to the first packet rerouted to the
    backup (expected interval x multiplier + at most one packet gap) and the packets that still
    went to the dead port in that time;
(b) queue-threshold crossing to FN emission: offered load above the port rate; from the moment
    the queue first holds ``qdepth_hi`` packets to the CONGESTION_DETECTED FN leaving towards
    the sender, in data packets dequeued and in microseconds;
(c) FN bytes on the wire per event type (Ethernet frame without FCS).

Run: ``python -m bench dataplane`` (from the repository root).
"""

from __future__ import annotations

import argparse

from scapy.layers.l2 import Ether

from controller.wire import FN, FnType
from softswitch.switch import Switch
from tests.dataplane.fabric import (
    BACKUP_PORT,
    HOST_A_PORT,
    HOST_B_PORT,
    REMOTE_HOST,
    SPINE_MACS,
    NextHop,
    backup_next_hops,
    congestion_thresholds,
    fn_neighbour,
    ipv4_routes,
    liveness_config,
    neighbour_probe,
    next_hop_groups,
    now_us,
    reference_switch,
    roce,
    status_thresholds,
)

SINGLE_NEXT_ID = 4


def detection_to_reroute(interval_us: int, multiplier: int, gap_us: int) -> tuple[int, int]:
    """(us from the last probe to the first rerouted packet, packets sent to the dead port)."""
    sw = reference_switch()
    # A destination reached only through port 3 (backup port 5): every packet tests port 3.
    ipv4_routes(sw, "10.0.3.0", 24, SINGLE_NEXT_ID)
    next_hop_groups(sw, SINGLE_NEXT_ID, [NextHop(3, SPINE_MACS[3])])
    backup_next_hops(sw, SINGLE_NEXT_ID, 3, NextHop(BACKUP_PORT, SPINE_MACS[BACKUP_PORT]))
    liveness_config(sw, 3, interval_us, multiplier)
    sw.inject(3, neighbour_probe(3, 1, 0, interval_us))
    last_probe = now_us(sw)
    dead_port_packets = 0
    while True:
        sw.advance(gap_us * 1000)
        sw.inject(HOST_A_PORT, bytes(roce(dst="10.0.3.1")))
        data = [p for p, d in sw.take_outputs() if FN not in Ether(d)]
        if data == [3]:
            dead_port_packets += 1
        elif data == [BACKUP_PORT]:
            return now_us(sw) - last_probe, dead_port_packets
        else:
            raise RuntimeError(f"unexpected output ports {data}")


def crossing_to_fn(rate_pps: int, offer_gap_us: int, qdepth_hi: int) -> tuple[int, int]:
    """(data packets dequeued, us) from the queue reaching ``qdepth_hi`` to the FN."""
    sw = reference_switch()
    sw.set_queue_rate(HOST_B_PORT, rate_pps)
    congestion_thresholds(sw, HOST_B_PORT, qdepth_hi=qdepth_hi, qdepth_lo=1)
    crossed_at, dequeued = None, 0
    for _ in range(100 * qdepth_hi):
        sw.inject(HOST_A_PORT, bytes(roce()))
        if crossed_at is None and sw.traffic.depth(HOST_B_PORT) >= qdepth_hi:
            crossed_at, dequeued = now_us(sw), 0
        sw.advance(offer_gap_us * 1000)
        for port, _ in sw.take_outputs():
            if port == HOST_B_PORT and crossed_at is not None:
                dequeued += 1
            if port == HOST_A_PORT:
                assert crossed_at is not None, "FN before the queue reached the threshold"
                return dequeued, now_us(sw) - crossed_at
    raise RuntimeError("no congestion FN: the offered load never built the queue")


def fn_sizes() -> dict[str, int]:
    """Frame bytes of one FN of every kind the switch emits."""
    sizes: dict[str, int] = {}

    def record(sw: Switch, label: str) -> None:
        for _, data in sw.take_outputs():
            pkt = Ether(data)
            if FN in pkt:
                sizes.setdefault(f"{label} {FnType(pkt[FN].fn_type).name}", len(data))

    sw = reference_switch()
    sw.set_queue_rate(HOST_B_PORT, 10_000)
    congestion_thresholds(sw, HOST_B_PORT, qdepth_hi=2, qdepth_lo=1)
    for _ in range(10):
        sw.inject(HOST_A_PORT, bytes(roce()))
        sw.advance(50_000)
    sw.run_until_idle()
    record(sw, "to sender")

    sw = reference_switch()
    liveness_config(sw, 3, 1000, 3)
    for port in (3, 4, BACKUP_PORT):
        status_thresholds(sw, port, 1, 0)
    sw.inject(3, neighbour_probe(3, 1, 0))
    sw.advance(4_000_000)
    for sport in range(64):  # some flows choose port 3: detection + status crossing
        sw.inject(HOST_A_PORT, bytes(roce(dst=REMOTE_HOST, sport=sport)))
        sw.advance(200_000)
    sw.inject(3, neighbour_probe(3, 2, 0))
    record(sw, "flood")
    sw.inject(4, bytes(fn_neighbour(FnType.FAILURE_DETECTED, originator=9, sequence=1)))
    record(sw, "relay")
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.dataplane", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer parameter points")
    args = parser.parse_args(argv)

    print("(a) detection-to-reroute (probe interval x multiplier + one packet)")
    points = (
        [(1000, 3, 10), (1000, 3, 100)]
        if args.quick
        else [(1000, 3, 10), (1000, 3, 100), (100, 3, 10), (10_000, 3, 100)]
    )
    for interval, mult, gap in points:
        took, lost = detection_to_reroute(interval, mult, gap)
        print(
            f"  interval {interval} us x {mult}, data every {gap} us: rerouted after {took} us"
            f" (bound {interval * mult + gap} us); {lost} packets sent into the silent link"
        )

    print("(b) queue-threshold crossing -> CONGESTION_DETECTED FN to the sender")
    loads = (
        [(10_000, 50, 4), (10_000, 25, 8)]
        if args.quick
        else [(10_000, 50, 4), (10_000, 25, 8), (10_000, 80, 4), (100_000, 5, 16)]
    )
    for rate, gap, hi in loads:
        packets, us = crossing_to_fn(rate, gap, hi)
        offered = 1_000_000 // gap
        print(
            f"  port {rate} pps, offered {offered} pps, threshold {hi} pkts:"
            f" FN after {packets} data packets dequeued, {us} us of switch time"
        )

    print("(c) FN bytes on the wire (Ethernet frame, no FCS)")
    for label, size in sorted(fn_sizes().items()):
        print(f"  {label}: {size} B")
